#pragma once
#include <napi.h>

namespace keepalive {
// flockExclusive(fd) -> undefined: flock(fd, LOCK_EX | LOCK_NB). Throws EAGAIN
// (= EWOULDBLOCK) when another open file description holds a lock on the file.
Napi::Value FlockExclusive(const Napi::CallbackInfo& info);
}  // namespace keepalive
