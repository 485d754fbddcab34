#pragma once
#include <napi.h>

namespace keepalive {
// pidfdGetfd(pid, fd) -> a new fd (O_CLOEXEC) for process pid's fd; the caller closes it.
Napi::Value PidfdGetfd(const Napi::CallbackInfo& info);
// closeFd(fd) -> undefined
Napi::Value CloseFd(const Napi::CallbackInfo& info);
// socketIdentity(fd) -> {inode, cookie}: st_ino and SO_COOKIE as 16 hex digits.
Napi::Value SocketIdentity(const Napi::CallbackInfo& info);
}  // namespace keepalive
