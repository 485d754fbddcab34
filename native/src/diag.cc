// N-API faces of the inet_diag dump. The hand-off is columnar: rows of uint32
// in one ArrayBuffer plus the distinct strings, decoded in native/ts/diag.ts.
// Measured (kernel 6.18, Node 20.20, medians of 9; full table in diag.ts):
// at 100k sockets the dump + table costs 137 ms, + TypeScript decode of every
// row 422 ms, while building one JS object per socket here costs 1636 ms; at
// 90k (half TIME-WAIT) 57 / 118 / 543 ms. A napi call per property (~35 per
// socket) loses to JIT-compiled allocation even with the keys cached.
// The differ's sweeps and the exact lookups hand over the same table, holding
// only the rows that changed or were asked for.
#include "diag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmath>
#include <memory>
#include <utility>

#include "diag_diff.h"
#include "diag_table.h"
#include "errors.h"
#include "netns_api.h"

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

// Resolves `deferred` with build() or rejects it with the failure or with
// whatever build() threw.
template <typename Build>
void Settle(Napi::Env env, Napi::Promise::Deferred* deferred, const Failure& failure, Build build) {
  if (failure) ThrowErrno(env, failure.err, failure.syscall);
  Napi::Value result = failure ? env.Undefined() : build();
  if (env.IsExceptionPending()) {
    deferred->Reject(env.GetAndClearPendingException().Value());
    return;
  }
  deferred->Resolve(result);
}

Napi::Value CookieText(Napi::Env env, uint64_t cookie) {
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(cookie));
  return Napi::String::New(env, hex, 16);
}

class DumpWorker : public Napi::AsyncWorker {
 public:
  DumpWorker(Napi::Env env, std::optional<NetnsTarget> target)
      : Napi::AsyncWorker(env, "keepalive:tcpDiagDump"),
        deferred_(Napi::Promise::Deferred::New(env)),
        target_(std::move(target)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { DumpTcpTable(TargetOf(target_), &table_); }

  void OnOK() override { Settle(Env(), &deferred_, table_.failure, [&] { return TableToJs(Env(), &table_); }); }

 private:
  Napi::Promise::Deferred deferred_;
  std::optional<NetnsTarget> target_;
  DiagTable table_;
};

// The differ's lifetime: JavaScript holds one reference through the external
// (dropped by tcpDiffClose or the GC), a running sweep holds another.
using DifferRef = std::shared_ptr<DiagDiffer>;
constexpr napi_type_tag kDifferTag = {0x6b612d6469666665ULL, 0x722d626173656c6eULL};

DifferRef* DifferArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal() || !info[0].As<Napi::External<DifferRef>>().CheckTypeTag(&kDifferTag)) {
    Napi::TypeError::New(info.Env(), "argument 0 must be a differ from tcpDiffCreate()").ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[0].As<Napi::External<DifferRef>>().Data();
}

class SweepWorker : public Napi::AsyncWorker {
 public:
  SweepWorker(Napi::Env env, DifferRef differ, double toleranceMs, bool reset)
      : Napi::AsyncWorker(env, "keepalive:tcpDiffSweep"),
        deferred_(Napi::Promise::Deferred::New(env)),
        differ_(std::move(differ)),
        toleranceMs_(toleranceMs),
        reset_(reset) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { differ_->Sweep(toleranceMs_, reset_, &changes_); }

  // Busy until the promise settles, not just until Execute returns: a raw
  // caller's second sweep right after the first is refused whatever the pool's pace.
  void OnOK() override {
    differ_->busy = false;
    Napi::Env env = Env();
    Settle(env, &deferred_, changes_.changed.failure, [&] {
      Napi::Object out = TableToJs(env, &changes_.changed).As<Napi::Object>();
      Napi::Array removed = Napi::Array::New(env, changes_.removed.size());
      for (uint32_t i = 0; i < changes_.removed.size(); i++) removed.Set(i, CookieText(env, changes_.removed[i]));
      out.Set("removed", removed);
      out.Set("total", Napi::Number::New(env, changes_.total));
      out.Set("dumpMs", Napi::Number::New(env, changes_.dumpMs));
      return static_cast<Napi::Value>(out);
    });
  }

 private:
  Napi::Promise::Deferred deferred_;
  DifferRef differ_;
  double toleranceMs_;
  bool reset_;
  DiagChanges changes_;
};

class LookupWorker : public Napi::AsyncWorker {
 public:
  LookupWorker(Napi::Env env, std::optional<NetnsTarget> target, std::vector<DiagKey> keys)
      : Napi::AsyncWorker(env, "keepalive:tcpDiagLookup"),
        deferred_(Napi::Promise::Deferred::New(env)),
        target_(std::move(target)),
        keys_(std::move(keys)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { LookupTcpSockets(TargetOf(target_), keys_, &found_, &missing_); }

  void OnOK() override {
    Napi::Env env = Env();
    Settle(env, &deferred_, found_.failure, [&] {
      Napi::Object out = TableToJs(env, &found_).As<Napi::Object>();
      Napi::Array missing = Napi::Array::New(env, missing_.size());
      for (uint32_t i = 0; i < missing_.size(); i++) missing.Set(i, Napi::Number::New(env, missing_[i]));
      out.Set("missing", missing);
      return static_cast<Napi::Value>(out);
    });
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::optional<NetnsTarget> target_;
  std::vector<DiagKey> keys_;
  DiagTable found_;
  std::vector<uint32_t> missing_;
};

// Words per key in tcpDiagLookupAsync's Uint32Array.
enum KeyWord : uint32_t { kKeyFamily, kKeySport, kKeyDport, kKeyIfindex, kKeyCookieLow, kKeyCookieHigh, kKeyWords };

bool ParseAddress(uint8_t family, const std::string& text, uint32_t raw[4]) {
  memset(raw, 0, 16);
  return inet_pton(family, text.c_str(), raw) == 1;
}

}  // namespace

Napi::Value TcpDiagDump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<NetnsTarget> target;
  if (!ArgNetns(info, 0, &target)) return env.Undefined();
  DiagTable table;
  DumpTcpTable(TargetOf(target), &table);
  if (table.failure) {
    ThrowErrno(env, table.failure.err, table.failure.syscall);
    return env.Undefined();
  }
  return TableToJs(env, &table);
}

Napi::Value TcpDiagDumpAsync(const Napi::CallbackInfo& info) {
  std::optional<NetnsTarget> target;
  if (!ArgNetns(info, 0, &target)) return info.Env().Undefined();
  auto* worker = new DumpWorker(info.Env(), std::move(target));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // the worker deletes itself after OnOK
  return promise;
}

Napi::Value TcpDiagDumpObjects(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DiagTable table;
  DumpTcpTable(nullptr, &table);
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

Napi::Value TcpDiffCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<NetnsTarget> target;
  if (!ArgNetns(info, 0, &target)) return env.Undefined();
  auto* ref = new DifferRef(std::make_shared<DiagDiffer>(std::move(target)));
  auto handle = Napi::External<DifferRef>::New(env, ref, [](Napi::Env, DifferRef* r) { delete r; });
  handle.TypeTag(&kDifferTag);
  return handle;
}

Napi::Value TcpDiffSweepAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DifferRef* ref = DifferArg(info);
  if (ref == nullptr) return env.Undefined();
  if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsBoolean()) {
    Napi::TypeError::New(env, "tcpDiffSweepAsync(differ, toleranceMs: number, reset: boolean)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double toleranceMs = info[1].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(toleranceMs) || toleranceMs < 0 || toleranceMs > 1e9) {
    ThrowCode(env, "EINVAL", "toleranceMs out of range");
    return env.Undefined();
  }
  if (!*ref) {
    ThrowCode(env, "ERR_DIFFER_CLOSED", "the differ is closed");
    return env.Undefined();
  }
  // Backstop: the TypeScript face chains sweeps, so this only trips on a raw caller.
  if ((*ref)->busy.exchange(true)) {
    ThrowCode(env, "EBUSY", "another sweep of this differ is running");
    return env.Undefined();
  }
  auto* worker = new SweepWorker(env, *ref, toleranceMs, info[2].As<Napi::Boolean>().Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value TcpDiffClose(const Napi::CallbackInfo& info) {
  DifferRef* ref = DifferArg(info);
  if (ref != nullptr) ref->reset();
  return info.Env().Undefined();
}

Napi::Value TcpDiagLookupAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
      !info[1].IsArray()) {
    Napi::TypeError::New(env, "tcpDiagLookupAsync(words: Uint32Array, addresses: string[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::optional<NetnsTarget> target;
  if (!ArgNetns(info, 2, &target)) return env.Undefined();
  Napi::Uint32Array words = info[0].As<Napi::Uint32Array>();
  Napi::Array addresses = info[1].As<Napi::Array>();
  const size_t count = words.ElementLength() / kKeyWords;
  if (words.ElementLength() % kKeyWords != 0 || addresses.Length() != 2 * count) {
    ThrowCode(env, "EINVAL", "6 words and 2 addresses per key");
    return env.Undefined();
  }
  std::vector<DiagKey> keys(count);
  for (size_t i = 0; i < count; i++) {
    const uint32_t* w = words.Data() + i * kKeyWords;
    DiagKey& key = keys[i];
    if ((w[kKeyFamily] != 4 && w[kKeyFamily] != 6) || w[kKeySport] > 0xffff || w[kKeyDport] > 0xffff) {
      ThrowCode(env, "EINVAL", "key " + std::to_string(i) + ": family must be 4 or 6, ports 0-65535");
      return env.Undefined();
    }
    key.family = w[kKeyFamily] == 4 ? AF_INET : AF_INET6;
    key.sport = static_cast<uint16_t>(w[kKeySport]);
    key.dport = static_cast<uint16_t>(w[kKeyDport]);
    key.ifindex = w[kKeyIfindex];
    key.cookie[0] = w[kKeyCookieLow];
    key.cookie[1] = w[kKeyCookieHigh];
    Napi::Value local = addresses.Get(static_cast<uint32_t>(2 * i));
    Napi::Value peer = addresses.Get(static_cast<uint32_t>(2 * i + 1));
    if (!local.IsString() || !peer.IsString() || !ParseAddress(key.family, local.As<Napi::String>().Utf8Value(), key.src) ||
        !ParseAddress(key.family, peer.As<Napi::String>().Utf8Value(), key.dst)) {
      ThrowCode(env, "EINVAL", "key " + std::to_string(i) + ": an address that is not an IPv" + std::to_string(w[kKeyFamily]) + " address");
      return env.Undefined();
    }
  }
  auto* worker = new LookupWorker(env, std::move(target), std::move(keys));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace keepalive
