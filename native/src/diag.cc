// N-API faces of the inet_diag dump. The hand-off is columnar: rows of uint32
// in one ArrayBuffer plus the distinct strings, decoded in native/ts/diag.ts.
// Measured (kernel 6.18, Node 20.20, medians of 9; full table in diag.ts):
// at 100k sockets the dump + table costs 137 ms, + TypeScript decode of every
// row 422 ms, while building one JS object per socket here costs 1636 ms; at
// 90k (half TIME-WAIT) 57 / 118 / 543 ms. A napi call per property (~35 per
// socket) loses to JIT-compiled allocation even with the keys cached.
#include "diag.h"

#include <stdio.h>
#include <string.h>

#include <utility>

#include "diag_table.h"
#include "errors.h"

namespace keepalive {
namespace {

Napi::Value TableToJs(Napi::Env env, DiagTable* table) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("layout", Napi::Number::New(env, kLayoutVersion));
  out.Set("columns", Napi::Number::New(env, kColumns));
  out.Set("count", Napi::Number::New(env, table->count));
  Napi::ArrayBuffer rows;
  if (table->rows.empty()) {
    rows = Napi::ArrayBuffer::New(env, 0);
  } else {
    // Hand the vector's memory to V8 instead of copying megabytes.
    auto* owned = new std::vector<uint32_t>(std::move(table->rows));
    rows = Napi::ArrayBuffer::New(
        env, owned->data(), owned->size() * sizeof(uint32_t),
        [](Napi::Env, void*, std::vector<uint32_t>* vec) { delete vec; }, owned);
  }
  out.Set("rows", rows);
  Napi::Array strings = Napi::Array::New(env, table->strings.size());
  for (uint32_t i = 0; i < table->strings.size(); i++) strings.Set(i, Napi::String::New(env, table->strings[i]));
  out.Set("strings", strings);
  return out;
}

class DumpWorker : public Napi::AsyncWorker {
 public:
  explicit DumpWorker(Napi::Env env)
      : Napi::AsyncWorker(env, "keepalive:tcpDiagDump"), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { DumpTcpTable(&table_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (table_.failure) {
      ThrowErrno(env, table_.failure.err, table_.failure.syscall);
      deferred_.Reject(env.GetAndClearPendingException().Value());
      return;
    }
    Napi::Value result = TableToJs(env, &table_);
    if (env.IsExceptionPending()) {
      deferred_.Reject(env.GetAndClearPendingException().Value());
      return;
    }
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  DiagTable table_;
};

}  // namespace

Napi::Value TcpDiagDump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DiagTable table;
  DumpTcpTable(&table);
  if (table.failure) {
    ThrowErrno(env, table.failure.err, table.failure.syscall);
    return env.Undefined();
  }
  return TableToJs(env, &table);
}

Napi::Value TcpDiagDumpAsync(const Napi::CallbackInfo& info) {
  auto* worker = new DumpWorker(info.Env());
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // the worker deletes itself after OnOK
  return promise;
}

Napi::Value TcpDiagDumpObjects(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DiagTable table;
  DumpTcpTable(&table);
  if (table.failure) {
    ThrowErrno(env, table.failure.err, table.failure.syscall);
    return env.Undefined();
  }
  // Keys created once per call: napi_set_named_property would build a fresh
  // key string on every set, which is not what a tuned C++ hand-off would do.
  enum Key { kFamily, kState, kTimer, kTimerCount, kExpiresMs, kRecvQ, kSendQ, kUid, kInode, kCookie, kLocalAddress,
             kLocalPort, kPeerAddress, kPeerPort, kIface, kFlags, kTcpInfo, kKeyCount };
  static const char* const kKeyNames[kKeyCount] = {
      "family", "state", "timer", "timerCount", "expiresMs", "recvQ", "sendQ", "uid", "inode", "cookie",
      "localAddress", "localPort", "peerAddress", "peerPort", "iface", "flags", "tcpInfo"};
  // Indexed by column - kColRtt; the high words of u64 fields have no name.
  static const char* const kInfoNames[kColumns - kColRtt] = {
      "rtt", "rttvar", "rto", "retransmits", "probes", "backoff", "unacked", "notsentBytes", "lastDataSent",
      "lastDataRecv", "lastAckRecv", "totalRetrans", "sndCwnd", "pmtu", "minRtt", "segsOut", "segsIn",
      "bytesAcked", nullptr, "bytesReceived", nullptr};
  std::vector<Napi::String> keys, infoKeys, strings;
  for (const char* name : kKeyNames) keys.push_back(Napi::String::New(env, name));
  for (const char* name : kInfoNames) infoKeys.push_back(Napi::String::New(env, name != nullptr ? name : ""));
  strings.reserve(table.strings.size());
  for (const std::string& s : table.strings) strings.push_back(Napi::String::New(env, s));
  auto str = [&](uint32_t index) -> Napi::Value {
    return index == kNoString ? env.Null() : static_cast<Napi::Value>(strings[index]);
  };
  auto num = [&](double value) { return Napi::Number::New(env, value); };
  Napi::Array out = Napi::Array::New(env, table.count);
  for (uint32_t i = 0; i < table.count; i++) {
    Napi::HandleScope scope(env);
    const uint32_t* row = table.rows.data() + static_cast<size_t>(i) * kColumns;
    Napi::Object o = Napi::Object::New(env);
    o.Set(keys[kFamily], num(row[kColFamily]));
    o.Set(keys[kState], num(row[kColState]));
    o.Set(keys[kTimer], num(row[kColTimer]));
    o.Set(keys[kTimerCount], num(row[kColTimerCount]));
    o.Set(keys[kExpiresMs], num(row[kColExpiresMs]));
    o.Set(keys[kRecvQ], num(row[kColRqueue]));
    o.Set(keys[kSendQ], num(row[kColWqueue]));
    o.Set(keys[kUid], num(row[kColUid]));
    o.Set(keys[kInode], num(row[kColInode]));
    char cookie[17];
    snprintf(cookie, sizeof cookie, "%08x%08x", row[kColCookieHigh], row[kColCookieLow]);
    o.Set(keys[kCookie], Napi::String::New(env, cookie, 16));
    o.Set(keys[kLocalAddress], str(row[kColSrc]));
    o.Set(keys[kLocalPort], num(row[kColSport]));
    o.Set(keys[kPeerAddress], str(row[kColDst]));
    o.Set(keys[kPeerPort], num(row[kColDport]));
    o.Set(keys[kIface], str(row[kColIface]));
    o.Set(keys[kFlags], num(row[kColFlags]));
    if (row[kColInfoLength] != 0) {
      Napi::Object ti = Napi::Object::New(env);
      for (uint32_t c = kColRtt; c < kColumns; c++) {
        uint32_t bit = c - kColRtt;
        if (kInfoNames[bit] == nullptr || !(row[kColInfoPresent] & (1u << bit))) continue;
        double value = row[c];
        if (c == kColBytesAckedLow || c == kColBytesReceivedLow) value += row[c + 1] * 4294967296.0;
        ti.Set(infoKeys[bit], num(value));
      }
      o.Set(keys[kTcpInfo], ti);
    }
    out.Set(i, o);
  }
  return out;
}

}  // namespace keepalive
