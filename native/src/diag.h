#pragma once
#include <napi.h>

namespace keepalive {
// Every function that takes a trailing (netnsPath, netnsInode) pair works in
// that network namespace (netns.h); without it, in our own.
// tcpDiagDump(netnsPath?, netnsInode?) -> {layout, columns, count, rows: ArrayBuffer, strings: string[]}
Napi::Value TcpDiagDump(const Napi::CallbackInfo& info);
// tcpDiagDumpAsync(netnsPath?, netnsInode?) -> Promise of the same; the netlink round trips run on the libuv pool.
Napi::Value TcpDiagDumpAsync(const Napi::CallbackInfo& info);
// tcpDiagDumpObjects() -> one JS object per socket built in C++. Not used by
// the TypeScript face: kept so the hand-off benchmark can compare the two.
Napi::Value TcpDiagDumpObjects(const Napi::CallbackInfo& info);
// tcpDiffCreate(netnsPath?, netnsInode?) -> an external holding a sweep differ (diag_diff.h) and its
// baseline; each sweep dumps that namespace.
Napi::Value TcpDiffCreate(const Napi::CallbackInfo& info);
// tcpDiffSweepAsync(differ, toleranceMs, reset) -> Promise of the dump table's fields (the changed rows)
// plus {removed: string[] (cookies, 16 hex), total, dumpMs}. EBUSY until another sweep of it has settled.
Napi::Value TcpDiffSweepAsync(const Napi::CallbackInfo& info);
// tcpDiffClose(differ) -> undefined; frees the baseline once no sweep uses it.
Napi::Value TcpDiffClose(const Napi::CallbackInfo& info);
// tcpDiagLookupAsync(words: Uint32Array (6 per key: family 4|6, sport, dport, ifindex, cookieLow, cookieHigh),
//   addresses: string[] (2 per key: local, peer), netnsPath?, netnsInode?) -> Promise of the dump table's fields plus {missing: number[]}.
Napi::Value TcpDiagLookupAsync(const Napi::CallbackInfo& info);
// diagDestroy(family, src, sport, dst, dport, ifname, cookieHigh, cookieLow, netnsPath?, netnsInode?) -> undefined
Napi::Value DiagDestroy(const Napi::CallbackInfo& info);
}  // namespace keepalive
