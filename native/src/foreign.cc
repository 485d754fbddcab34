// Another process's socket, reached the way a debugger would: pidfd_open +
// pidfd_getfd (Linux 5.6+) duplicate its fd into ours. The kernel checks
// PTRACE_MODE_ATTACH_REALCREDS: CAP_SYS_PTRACE, or the same uid (and Yama).
#include "foreign.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "errors.h"
#include "pidfd.h"

namespace keepalive {

Napi::Value PidfdGetfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t pid = 0;
  int fd = -1;
  if (!ArgInt64(info, 0, &pid) || !ArgFd(info, 1, &fd)) return env.Undefined();
  if (pid <= 0 || pid > INT32_MAX) {
    ThrowErrno(env, ESRCH, "pidfd_open");
    return env.Undefined();
  }
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
  if (pidfd < 0) {
    ThrowErrno(env, errno, "pidfd_open");
    return env.Undefined();
  }
  int dup = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
  int err = errno;
  close(pidfd);
  if (dup < 0) {
    ThrowErrno(env, err, "pidfd_getfd");
    return env.Undefined();
  }
  return Napi::Number::New(env, dup);
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  // No retry on EINTR: Linux has released the fd even then, and a retry
  // could close an fd another thread just received.
  if (close(fd) != 0 && errno != EINTR) ThrowErrno(env, errno, "close");
  return env.Undefined();
}

Napi::Value SocketIdentity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  struct stat st;
  if (fstat(fd, &st) != 0) {
    ThrowErrno(env, errno, "fstat");
    return env.Undefined();
  }
  if (!S_ISSOCK(st.st_mode)) {
    ThrowErrno(env, ENOTSOCK, "fstat");
    return env.Undefined();
  }
  uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) != 0) {
    ThrowErrno(env, errno, "getsockopt(SO_COOKIE)");
    return env.Undefined();
  }
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(cookie));
  Napi::Object out = Napi::Object::New(env);
  out.Set("inode", Napi::Number::New(env, static_cast<double>(st.st_ino)));
  out.Set("cookie", Napi::String::New(env, hex));
  return out;
}

}  // namespace keepalive
