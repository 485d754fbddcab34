// Keepalive settings of many sockets of one process: one pidfd_open, then
// pidfd_getfd + checks + getsockopt + close per socket.
#pragma once
#include <napi.h>

namespace keepalive {
// foreignKeepaliveBatch(pid, fds: Int32Array, inodes: Float64Array)
//   -> {settings: Float64Array(5 per item: enabled, idleSec, intervalSec, count, userTimeoutMs),
//       codes: string[] ('' = read), syscalls: string[]}
// Throws (code ESRCH, EPERM, ...) when the process itself cannot be reached.
Napi::Value ForeignKeepaliveBatch(const Napi::CallbackInfo& info);
}  // namespace keepalive
