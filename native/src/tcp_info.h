#pragma once
#include <napi.h>

namespace keepalive {
// getTcpInfo(fd) -> object of the fields the running kernel returned.
Napi::Value GetTcpInfo(const Napi::CallbackInfo& info);
}  // namespace keepalive

namespace keepalive {
// Decodes a struct tcp_info of `len` bytes (as getsockopt or INET_DIAG_INFO
// returned it); fields beyond `len` are left out rather than reported as 0.
Napi::Object DecodeTcpInfo(Napi::Env env, const uint8_t* buf, size_t len);
}  // namespace keepalive
