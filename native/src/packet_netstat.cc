// A namespace's /proc/net/netstat, where the kernel counts the keepalive
// probes it sent (TcpExt TCPKeepAlive) and the connections it aborted on a
// timeout (TCPAbortOnTimeout). /proc/self/net follows the thread-group
// leader's namespace, so the helper thread that setns()s opens
// /proc/thread-self/net: its own. The open file stays bound to that
// namespace, whichever thread reads it later.
#include <fcntl.h>

#include <optional>

#include "errors.h"
#include "netns_api.h"
#include "packet_capture.h"

namespace keepalive {

Napi::Value NetnsOpenNetstat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<NetnsTarget> target;
  if (!ArgNetns(info, 0, &target)) return env.Undefined();
  if (!target) {
    Napi::TypeError::New(env, "netnsOpenNetstat(path, inode)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return OpenInNetns(env, *target, "/proc/thread-self/net/netstat", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

}  // namespace keepalive
