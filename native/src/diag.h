#pragma once
#include <napi.h>

namespace keepalive {
// tcpDiagDump() -> {layout, columns, count, rows: ArrayBuffer, strings: string[]}
Napi::Value TcpDiagDump(const Napi::CallbackInfo& info);
// tcpDiagDumpAsync() -> Promise of the same; the netlink round trips run on the libuv pool.
Napi::Value TcpDiagDumpAsync(const Napi::CallbackInfo& info);
// tcpDiagDumpObjects() -> one JS object per socket built in C++. Not used by
// the TypeScript face: kept so the hand-off benchmark can compare the two.
Napi::Value TcpDiagDumpObjects(const Napi::CallbackInfo& info);
// diagDestroy(family, src, sport, dst, dport, ifname, cookieHigh, cookieLow) -> undefined
Napi::Value DiagDestroy(const Napi::CallbackInfo& info);
}  // namespace keepalive
