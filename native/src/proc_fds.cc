// The walk server/src/processes/scan.ts does in JavaScript (readdirSync +
// readlinkSync + a regex per fd: ~1–1.5 s of the main thread at 100k socket
// fds), done on the libuv pool with the same answers in the same order:
// Node's readdirSync sorts names with strcmp (libuv's scandir), so pids and
// fds are put in that order here too.
#include "proc_fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "errors.h"
#include "netlink.h"

namespace keepalive {
namespace {

constexpr size_t kWordsPerSocket = 3;  // pid, fd, inode
// "4294967295" and its NUL; a longer name is no fd (or pid) number.
constexpr size_t kNumberNameMax = 11;
// "socket:[18446744073709551615]" is 29 bytes; a link that fills the buffer is something else.
constexpr size_t kLinkMax = 64;
// /proc/<pid>/comm is at most 16 bytes; a fake tree's may be longer, but not this long.
constexpr size_t kCommMax = 4096;

struct ProcSockets {
  std::vector<double> sockets;
  std::vector<uint32_t> commPids;
  std::vector<std::string> comms;
  uint32_t pidCount = 0;
  uint32_t deniedPids = 0;
  Failure failure;
};

struct SocketFd {
  char name[kNumberNameMax];
  uint32_t fd;
  double inode;
};

// A name of 1–10 ASCII digits whose value fits 32 bits (an fd or a pid).
bool ParseNumberName(const char* name, uint32_t* out) {
  size_t length = strnlen(name, kNumberNameMax);
  if (length == 0 || length >= kNumberNameMax) return false;
  uint64_t value = 0;
  for (size_t i = 0; i < length; i++) {
    if (name[i] < '0' || name[i] > '9') return false;
    value = value * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  if (value > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(value);
  return true;
}

// `socket:[N]` exactly (scan.ts's /^socket:\[(\d+)\]$/). A double is what the
// JS side gets either way: exact up to 2^53, far above any inode seen.
bool ParseSocketLink(const char* link, size_t length, double* inode) {
  static const char kPrefix[] = "socket:[";
  constexpr size_t kPrefixLength = sizeof kPrefix - 1;
  if (length < kPrefixLength + 2 || memcmp(link, kPrefix, kPrefixLength) != 0 || link[length - 1] != ']') return false;
  double value = 0;
  for (size_t i = kPrefixLength; i < length - 1; i++) {
    if (link[i] < '0' || link[i] > '9') return false;
    value = value * 10 + (link[i] - '0');
  }
  *inode = value;
  return true;
}

// The whole file without its one trailing newline; '' when it can't be read (as scan.ts).
std::string ReadComm(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string comm;
  char buffer[256];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      comm.clear();
      break;
    }
    if (n == 0 || comm.size() + static_cast<size_t>(n) > kCommMax) break;
    comm.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

// Appends pid's socket fds. A process that exited (ENOENT) or whose fd
// directory fails to list for another reason adds nothing; EACCES counts as denied.
void ScanPid(const std::string& procRoot, uint32_t pid, ProcSockets* out, std::vector<SocketFd>* found) {
  const std::string pidDir = procRoot + "/" + std::to_string(pid);
  int dirFd = open((pidDir + "/fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0) {
    if (errno == EACCES) out->deniedPids++;
    return;
  }
  std::unique_ptr<DIR, int (*)(DIR*)> dir(fdopendir(dirFd), closedir);
  if (!dir) {
    close(dirFd);
    return;
  }
  found->clear();
  char link[kLinkMax];
  for (;;) {
    errno = 0;
    const dirent* entry = readdir(dir.get());
    if (entry == nullptr) {
      // readdirSync throws on a failure partway, so the JS scan keeps none of this pid's fds.
      if (errno == 0) break;
      if (errno == EACCES) out->deniedPids++;
      return;
    }
    SocketFd socket;
    if (!ParseNumberName(entry->d_name, &socket.fd)) continue;  // ".", ".."
    ssize_t length = readlinkat(dirFd, entry->d_name, link, sizeof link);
    if (length < 0 || static_cast<size_t>(length) >= sizeof link) continue;  // closed since readdir
    if (!ParseSocketLink(link, static_cast<size_t>(length), &socket.inode)) continue;
    memcpy(socket.name, entry->d_name, strlen(entry->d_name) + 1);
    found->push_back(socket);
  }
  if (found->empty()) return;
  std::sort(found->begin(), found->end(), [](const SocketFd& a, const SocketFd& b) { return strcmp(a.name, b.name) < 0; });
  for (const SocketFd& socket : *found) {
    out->sockets.push_back(pid);
    out->sockets.push_back(socket.fd);
    out->sockets.push_back(socket.inode);
  }
  out->commPids.push_back(pid);
  out->comms.push_back(ReadComm(pidDir + "/comm"));
}

// Every numeric entry of procRoot, in strcmp order of the names.
Failure ListPids(const std::string& procRoot, std::vector<uint32_t>* pids) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(procRoot.c_str()), closedir);
  if (!dir) return {errno, "opendir"};
  std::vector<std::pair<std::string, uint32_t>> named;
  for (;;) {
    errno = 0;
    const dirent* entry = readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return {errno, "readdir"};
      break;
    }
    uint32_t pid = 0;
    if (ParseNumberName(entry->d_name, &pid)) named.emplace_back(entry->d_name, pid);
  }
  std::sort(named.begin(), named.end());
  for (const auto& [name, pid] : named) pids->push_back(pid);
  return {};
}

void ScanProcSockets(const std::string& procRoot, std::vector<uint32_t> pids, bool allPids, ProcSockets* out) {
  if (allPids) {
    if (Failure f = ListPids(procRoot, &pids)) {
      out->failure = f;
      return;
    }
  }
  out->pidCount = static_cast<uint32_t>(pids.size());
  std::vector<SocketFd> found;
  for (uint32_t pid : pids) ScanPid(procRoot, pid, out, &found);
}

class ScanWorker : public Napi::AsyncWorker {
 public:
  ScanWorker(Napi::Env env, std::string procRoot, std::vector<uint32_t> pids, bool allPids)
      : Napi::AsyncWorker(env, "keepalive:scanProcSockets"),
        deferred_(Napi::Promise::Deferred::New(env)),
        procRoot_(std::move(procRoot)),
        pids_(std::move(pids)),
        allPids_(allPids) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { ScanProcSockets(procRoot_, std::move(pids_), allPids_, &result_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (result_.failure) {
      ThrowErrno(env, result_.failure.err, result_.failure.syscall);
      deferred_.Reject(env.GetAndClearPendingException().Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("sockets", Float64Column(env, std::move(result_.sockets)));
    Napi::Uint32Array commPids = Napi::Uint32Array::New(env, result_.commPids.size());
    if (!result_.commPids.empty()) memcpy(commPids.Data(), result_.commPids.data(), result_.commPids.size() * sizeof(uint32_t));
    out.Set("commPids", commPids);
    Napi::Array comms = Napi::Array::New(env, result_.comms.size());
    for (uint32_t i = 0; i < result_.comms.size(); i++) comms.Set(i, Napi::String::New(env, result_.comms[i]));
    out.Set("comms", comms);
    out.Set("scannedPids", Napi::Number::New(env, result_.pidCount - result_.deniedPids));
    out.Set("deniedPids", Napi::Number::New(env, result_.deniedPids));
    deferred_.Resolve(out);
  }

 private:
  // Hands the vector's memory to V8 instead of copying megabytes (as diag.cc's tables).
  static Napi::Float64Array Float64Column(Napi::Env env, std::vector<double> values) {
    if (values.empty()) return Napi::Float64Array::New(env, 0);
    auto* owned = new std::vector<double>(std::move(values));
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
        env, owned->data(), owned->size() * sizeof(double), [](Napi::Env, void*, std::vector<double>* vec) { delete vec; },
        owned);
    return Napi::Float64Array::New(env, owned->size(), buffer, 0);
  }

  Napi::Promise::Deferred deferred_;
  std::string procRoot_;
  std::vector<uint32_t> pids_;
  bool allPids_;
  ProcSockets result_;
};

}  // namespace

Napi::Value ScanProcSocketsAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "scanProcSocketsAsync(procRoot: string, pids: number[] | null)";
  if (info.Length() < 2 || !info[0].IsString() || !(info[1].IsNull() || info[1].IsArray())) {
    Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string procRoot = info[0].As<Napi::String>().Utf8Value();
  // A NUL would cut the path short: a different directory than the one named.
  if (procRoot.empty() || procRoot.find('\0') != std::string::npos) {
    ThrowCode(env, "EINVAL", "procRoot must be a non-empty path without NUL");
    return env.Undefined();
  }
  std::vector<uint32_t> pids;
  if (info[1].IsArray()) {
    Napi::Array list = info[1].As<Napi::Array>();
    pids.reserve(list.Length());
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Value value = list.Get(i);
      double pid = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
      if (!(pid >= 0 && pid <= UINT32_MAX && std::trunc(pid) == pid)) {
        Napi::TypeError::New(env, "pids[" + std::to_string(i) + "] must be an integer 0–4294967295").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      pids.push_back(static_cast<uint32_t>(pid));
    }
  }
  auto* worker = new ScanWorker(env, std::move(procRoot), std::move(pids), info[1].IsNull());
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // the worker deletes itself after OnOK
  return promise;
}

}  // namespace keepalive
