#pragma once
#include <napi.h>

namespace keepalive {
// getKeepalive(fd) -> {enabled, idleSec, intervalSec, count, userTimeoutMs}
Napi::Value GetKeepalive(const Napi::CallbackInfo& info);
// setKeepalive(fd, enabled, idleSec, intervalSec, count, userTimeoutMs); -1 = leave as is.
Napi::Value SetKeepalive(const Napi::CallbackInfo& info);
}  // namespace keepalive
