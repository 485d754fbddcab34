#include "keepalive.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "errors.h"

namespace keepalive {
namespace {

bool GetInt(Napi::Env env, int fd, int level, int name, const char* syscall, int* out) {
  socklen_t len = sizeof *out;
  if (getsockopt(fd, level, name, out, &len) != 0) {
    ThrowErrno(env, errno, syscall);
    return false;
  }
  return true;
}

bool SetInt(Napi::Env env, int fd, int level, int name, const char* syscall, int value) {
  if (setsockopt(fd, level, name, &value, sizeof value) != 0) {
    ThrowErrno(env, errno, syscall);
    return false;
  }
  return true;
}

}  // namespace

Napi::Value GetKeepalive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  int enabled = 0, idle = 0, intvl = 0, cnt = 0, uto = 0;
  if (!GetInt(env, fd, SOL_SOCKET, SO_KEEPALIVE, "getsockopt(SO_KEEPALIVE)", &enabled)) return env.Undefined();
  if (!GetInt(env, fd, IPPROTO_TCP, TCP_KEEPIDLE, "getsockopt(TCP_KEEPIDLE)", &idle)) return env.Undefined();
  if (!GetInt(env, fd, IPPROTO_TCP, TCP_KEEPINTVL, "getsockopt(TCP_KEEPINTVL)", &intvl)) return env.Undefined();
  if (!GetInt(env, fd, IPPROTO_TCP, TCP_KEEPCNT, "getsockopt(TCP_KEEPCNT)", &cnt)) return env.Undefined();
  if (!GetInt(env, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, "getsockopt(TCP_USER_TIMEOUT)", &uto)) return env.Undefined();
  Napi::Object out = Napi::Object::New(env);
  out.Set("enabled", Napi::Boolean::New(env, enabled != 0));
  out.Set("idleSec", Napi::Number::New(env, idle));
  out.Set("intervalSec", Napi::Number::New(env, intvl));
  out.Set("count", Napi::Number::New(env, cnt));
  out.Set("userTimeoutMs", Napi::Number::New(env, static_cast<unsigned>(uto)));
  return out;
}

Napi::Value SetKeepalive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  int64_t enabled = 0, idle = 0, intvl = 0, cnt = 0, uto = 0;
  if (!ArgFd(info, 0, &fd) || !ArgInt64(info, 1, &enabled) || !ArgInt64(info, 2, &idle) ||
      !ArgInt64(info, 3, &intvl) || !ArgInt64(info, 4, &cnt) || !ArgInt64(info, 5, &uto)) {
    return env.Undefined();
  }
  // Backstop only: TypeScript validates with messages that name the bounds.
  if (enabled < -1 || enabled > 1 || idle < -1 || idle > 32767 || intvl < -1 || intvl > 32767 ||
      cnt < -1 || cnt > 127 || uto < -1 || uto > INT32_MAX) {
    ThrowCode(env, "EINVAL", "keepalive value out of range");
    return env.Undefined();
  }
  // Timing first, then SO_KEEPALIVE: turning keepalive on arms the timer with
  // the idle time in force at that moment, so the new idle must already be set.
  if (idle >= 0 && !SetInt(env, fd, IPPROTO_TCP, TCP_KEEPIDLE, "setsockopt(TCP_KEEPIDLE)", static_cast<int>(idle))) {
    return env.Undefined();
  }
  if (intvl >= 0 &&
      !SetInt(env, fd, IPPROTO_TCP, TCP_KEEPINTVL, "setsockopt(TCP_KEEPINTVL)", static_cast<int>(intvl))) {
    return env.Undefined();
  }
  if (cnt >= 0 && !SetInt(env, fd, IPPROTO_TCP, TCP_KEEPCNT, "setsockopt(TCP_KEEPCNT)", static_cast<int>(cnt))) {
    return env.Undefined();
  }
  if (uto >= 0 &&
      !SetInt(env, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, "setsockopt(TCP_USER_TIMEOUT)", static_cast<int>(uto))) {
    return env.Undefined();
  }
  if (enabled >= 0 &&
      !SetInt(env, fd, SOL_SOCKET, SO_KEEPALIVE, "setsockopt(SO_KEEPALIVE)", static_cast<int>(enabled))) {
    return env.Undefined();
  }
  return env.Undefined();
}

}  // namespace keepalive
