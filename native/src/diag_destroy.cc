// SOCK_DESTROY, what `ss -K` sends: the kernel looks the socket up by its
// 4-tuple (+ bound device), checks the cookie unless it is INET_DIAG_NOCOOKIE,
// and aborts it with ECONNABORTED (tcp_abort). Needs CONFIG_INET_DIAG_DESTROY
// and CAP_NET_ADMIN in the socket's network namespace.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <memory>
#include <string>

#include "diag.h"
#include "errors.h"
#include "netlink.h"
#include "netns_api.h"

namespace keepalive {
namespace {

constexpr const char* kSyscall = "sock_diag(SOCK_DESTROY)";

bool ArgString(const Napi::CallbackInfo& info, size_t i, std::string* out) {
  if (info.Length() <= i || !info[i].IsString()) {
    Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a string").ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

bool ArgU32(const Napi::CallbackInfo& info, size_t i, int64_t max, uint32_t* out) {
  int64_t value = 0;
  if (!ArgInt64(info, i, &value)) return false;
  if (value < 0 || value > max) {
    ThrowCode(info.Env(), "EINVAL", "argument " + std::to_string(i) + " out of range");
    return false;
  }
  *out = static_cast<uint32_t>(value);
  return true;
}

// `ifname` ('' = unbound) is resolved in the socket's namespace, through the netlink socket.
Failure Destroy(const NetnsTarget* target, struct inet_diag_req_v2 body, const std::string& ifname) {
  SockDiagSocket sock;
  if (Failure f = sock.Open(target)) return f;
  if (!ifname.empty()) {
    if (Failure f = sock.InterfaceIndex(ifname.c_str(), &body.id.idiag_if)) return f;
  }

  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 body;
  } request;
  memset(&request, 0, sizeof request);
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = SOCK_DESTROY;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  request.header.nlmsg_seq = 1;
  request.body = body;
  if (Failure f = sock.Send(&request, sizeof request)) return f;
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[kNetlinkReceiveBuffer]);
  for (;;) {
    size_t length = 0;
    if (Failure f = sock.Receive(buffer.get(), kNetlinkReceiveBuffer, &length)) return f;
    int left = static_cast<int>(length);
    for (auto* header = reinterpret_cast<struct nlmsghdr*>(buffer.get()); NLMSG_OK(header, left);
         header = NLMSG_NEXT(header, left)) {
      if (header->nlmsg_seq != 1 || header->nlmsg_type != NLMSG_ERROR) continue;
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) return {EBADMSG, kSyscall};
      int error = static_cast<const struct nlmsgerr*>(NLMSG_DATA(header))->error;
      return error == 0 ? Failure{} : Failure{-error, kSyscall};
    }
  }
}

}  // namespace

Napi::Value DiagDestroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t family = 0, sport = 0, dport = 0, cookieHigh = 0, cookieLow = 0;
  std::string src, dst, ifname;
  if (!ArgU32(info, 0, 6, &family) || !ArgString(info, 1, &src) || !ArgU32(info, 2, 65535, &sport) ||
      !ArgString(info, 3, &dst) || !ArgU32(info, 4, 65535, &dport) || !ArgString(info, 5, &ifname) ||
      !ArgU32(info, 6, UINT32_MAX, &cookieHigh) || !ArgU32(info, 7, UINT32_MAX, &cookieLow)) {
    return env.Undefined();
  }
  std::optional<NetnsTarget> target;
  if (!ArgNetns(info, 8, &target)) {
    return env.Undefined();
  }
  if (family != 4 && family != 6) {
    ThrowCode(env, "EINVAL", "family must be 4 or 6");
    return env.Undefined();
  }
  struct inet_diag_req_v2 body;
  memset(&body, 0, sizeof body);
  body.sdiag_family = family == 4 ? AF_INET : AF_INET6;
  body.sdiag_protocol = IPPROTO_TCP;
  body.idiag_states = ~0u;
  if (inet_pton(body.sdiag_family, src.c_str(), body.id.idiag_src) != 1 ||
      inet_pton(body.sdiag_family, dst.c_str(), body.id.idiag_dst) != 1) {
    ThrowCode(env, "EINVAL", "not an IPv" + std::to_string(family) + " address: " + src + " or " + dst);
    return env.Undefined();
  }
  body.id.idiag_sport = htons(static_cast<uint16_t>(sport));
  body.id.idiag_dport = htons(static_cast<uint16_t>(dport));
  // Same word order as the dump reports: [0] is the low half of the u64 cookie.
  body.id.idiag_cookie[0] = cookieLow;
  body.id.idiag_cookie[1] = cookieHigh;
  if (Failure f = Destroy(TargetOf(target), body, ifname)) ThrowErrno(env, f.err, f.syscall);
  return env.Undefined();
}

}  // namespace keepalive
