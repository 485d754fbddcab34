// One pidfd per process instead of one per socket: reading 1,000 sockets of a
// proxy costs one pidfd_open and, per socket, the duplicate, its checks, the
// five getsockopts and its close, all in one call from JavaScript.
#include "foreign_batch.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "errors.h"
#include "netlink.h"
#include "pidfd.h"

namespace keepalive {
namespace {

constexpr int kSettingsPerItem = 5;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Failure GetInt(int fd, int level, int name, const char* syscall, double* out) {
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(fd, level, name, &value, &len) != 0) return {errno, syscall};
  // TCP_USER_TIMEOUT is an unsigned int in the kernel; the others are small.
  *out = name == TCP_USER_TIMEOUT ? static_cast<double>(static_cast<unsigned>(value)) : value;
  return {};
}

// The same options, in the same order, as getKeepalive (keepalive.cc).
Failure ReadKeepalive(int fd, double* settings) {
  if (Failure f = GetInt(fd, SOL_SOCKET, SO_KEEPALIVE, "getsockopt(SO_KEEPALIVE)", &settings[0])) return f;
  settings[0] = settings[0] != 0 ? 1 : 0;
  if (Failure f = GetInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, "getsockopt(TCP_KEEPIDLE)", &settings[1])) return f;
  if (Failure f = GetInt(fd, IPPROTO_TCP, TCP_KEEPINTVL, "getsockopt(TCP_KEEPINTVL)", &settings[2])) return f;
  if (Failure f = GetInt(fd, IPPROTO_TCP, TCP_KEEPCNT, "getsockopt(TCP_KEEPCNT)", &settings[3])) return f;
  return GetInt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, "getsockopt(TCP_USER_TIMEOUT)", &settings[4]);
}

// Process-wide failures (EPERM: no ptrace access; ESRCH: it exited) come back
// from pidfd_getfd as well and end the batch; everything else is the item's.
bool EndsBatch(const Failure& f) {
  return f.syscall != nullptr && strcmp(f.syscall, "pidfd_getfd") == 0 && (f.err == EPERM || f.err == ESRCH);
}

Failure ReadOne(int pidfd, int fd, double inode, double* settings) {
  Fd dup(static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0)));
  if (dup.get() < 0) return {errno, "pidfd_getfd"};
  struct stat st;
  if (fstat(dup.get(), &st) != 0) return {errno, "fstat"};
  if (!S_ISSOCK(st.st_mode)) return {ENOTSOCK, "fstat"};
  // The fd number may have been closed and reused since the caller looked it up.
  if (static_cast<double>(st.st_ino) != inode) return {ESTALE, "fstat"};
  return ReadKeepalive(dup.get(), settings);
}

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : "E" + std::to_string(err);
}

}  // namespace

Napi::Value ForeignKeepaliveBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t pid = 0;
  if (!ArgInt64(info, 0, &pid)) return env.Undefined();
  if (info.Length() < 3 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      !info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[1].As<Napi::TypedArray>().ElementLength() != info[2].As<Napi::TypedArray>().ElementLength()) {
    Napi::TypeError::New(env, "foreignKeepaliveBatch(pid, fds: Int32Array, inodes: Float64Array of the same length)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (pid <= 0 || pid > INT32_MAX) {
    ThrowErrno(env, ESRCH, "pidfd_open");
    return env.Undefined();
  }
  Napi::Int32Array fds = info[1].As<Napi::Int32Array>();
  Napi::Float64Array inodes = info[2].As<Napi::Float64Array>();
  const size_t count = fds.ElementLength();

  Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0)));
  if (pidfd.get() < 0) {
    ThrowErrno(env, errno, "pidfd_open");
    return env.Undefined();
  }
  Napi::Float64Array settings = Napi::Float64Array::New(env, count * kSettingsPerItem);
  Napi::Array codes = Napi::Array::New(env, count);
  Napi::Array syscalls = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; i++) {
    Failure f = fds[i] < 0 ? Failure{EBADF, "pidfd_getfd"}
                           : ReadOne(pidfd.get(), fds[i], inodes[i], settings.Data() + i * kSettingsPerItem);
    if (EndsBatch(f)) {
      ThrowErrno(env, f.err, f.syscall);
      return env.Undefined();
    }
    codes.Set(i, Napi::String::New(env, f ? ErrnoName(f.err) : ""));
    syscalls.Set(i, Napi::String::New(env, f ? f.syscall : ""));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("settings", settings);
  out.Set("codes", codes);
  out.Set("syscalls", syscalls);
  return out;
}

}  // namespace keepalive
