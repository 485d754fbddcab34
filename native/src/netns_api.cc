#include "netns_api.h"

#include <fcntl.h>

#include <string>

#include "errors.h"

namespace keepalive {
namespace {

constexpr char kSysctlPrefix[] = "/proc/sys/net/";

}  // namespace

bool ArgNetns(const Napi::CallbackInfo& info, size_t i, std::optional<NetnsTarget>* out) {
  if (info.Length() <= i || info[i].IsUndefined()) return true;
  int64_t inode = 0;
  if (!info[i].IsString() || !ArgInt64(info, i + 1, &inode)) {
    if (!info.Env().IsExceptionPending()) {
      Napi::TypeError::New(info.Env(), "netns: (path: string, inode: number) expected").ThrowAsJavaScriptException();
    }
    return false;
  }
  std::string path = info[i].As<Napi::String>().Utf8Value();
  if (path.empty() || inode <= 0) {
    Napi::TypeError::New(info.Env(), "netns: a non-empty path and a positive inode").ThrowAsJavaScriptException();
    return false;
  }
  *out = NetnsTarget{std::move(path), static_cast<uint64_t>(inode)};
  return true;
}

Napi::Value OpenInNetns(Napi::Env env, const NetnsTarget& target, const std::string& file, int flags) {
  int fd = -1;
  Failure failure = RunInNetns(target, [&]() -> Failure {
    fd = open(file.c_str(), flags);
    return fd < 0 ? Failure{errno, "open"} : Failure{};
  });
  if (failure) {
    ThrowErrno(env, failure.err, failure.syscall);
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

Napi::Value NetnsOpenFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<NetnsTarget> target;
  if (!ArgNetns(info, 0, &target)) return env.Undefined();
  // Backstop for the TypeScript checks: a namespace's sysctls and nothing else.
  if (!target || info.Length() < 4 || !info[2].IsString() || !info[3].IsString()) {
    Napi::TypeError::New(env, "netnsOpenFile(path, inode, file, mode 'r' | 'w')").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string file = info[2].As<Napi::String>().Utf8Value();
  std::string mode = info[3].As<Napi::String>().Utf8Value();
  if (file.rfind(kSysctlPrefix, 0) != 0 || file.find("/..") != std::string::npos || (mode != "r" && mode != "w")) {
    Napi::TypeError::New(env, "netnsOpenFile: a file under /proc/sys/net/ and mode 'r' or 'w'").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return OpenInNetns(env, *target, file, O_CLOEXEC | O_NOFOLLOW | (mode == "w" ? O_WRONLY : O_RDONLY));
}

}  // namespace keepalive
