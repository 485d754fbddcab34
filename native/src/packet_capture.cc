#include "packet_capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "errors.h"
#include "netns_api.h"

namespace keepalive {
namespace {

// Headers only: 60 bytes of IPv4 options + 60 of TCP options is the worst case.
constexpr int64_t kMaxSnaplen = 256;
// Every port is one compare in each of four lists, and a classic BPF jump
// reaches at most 255 instructions ahead.
constexpr size_t kMaxPorts = 48;
constexpr int64_t kMaxPacketsPerRead = 4096;

// A forward-only cBPF program with two exits (accept, drop) patched at the end.
class FilterBuilder {
 public:
  void Stmt(uint16_t code, uint32_t k) { code_.push_back(BPF_STMT(code, k)); }
  // Compare A with k: on true go to `onTrue` (an exit), on false fall through.
  void JumpIfEq(uint32_t k, int onTrue) { Jump(BPF_JMP | BPF_JEQ | BPF_K, k, onTrue, kNext); }
  // Compare A with k: on false go to `onFalse` (an exit), on true fall through.
  void RequireEq(uint32_t k, int onFalse) { Jump(BPF_JMP | BPF_JEQ | BPF_K, k, kNext, onFalse); }
  void DropIfAnyBit(uint32_t k) { Jump(BPF_JMP | BPF_JSET | BPF_K, k, kDrop, kNext); }
  // Marks where a branch (the IPv6 one) starts; JumpIfEq to it with `kMark`.
  void Mark() { mark_ = code_.size(); }
  void JumpToMarkIfEq(uint32_t k) { Jump(BPF_JMP | BPF_JEQ | BPF_K, k, kMark, kNext); }

  std::vector<sock_filter> Finish(uint32_t snaplen) {
    size_t accept = code_.size();
    code_.push_back(BPF_STMT(BPF_RET | BPF_K, snaplen));
    size_t drop = code_.size();
    code_.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
    for (const Fixup& f : fixups_) {
      auto target = [&](int label) -> size_t {
        if (label == kAccept) return accept;
        if (label == kDrop) return drop;
        return mark_;  // kMark: resolved before any jump to it is patched
      };
      sock_filter& insn = code_[f.index];
      if (f.jt != kNext) insn.jt = static_cast<uint8_t>(target(f.jt) - f.index - 1);
      if (f.jf != kNext) insn.jf = static_cast<uint8_t>(target(f.jf) - f.index - 1);
    }
    return code_;
  }

  static constexpr int kNext = 0, kAccept = 1, kDrop = 2, kMark = 3;

 private:
  struct Fixup {
    size_t index;
    int jt, jf;
  };
  void Jump(uint16_t code, uint32_t k, int jt, int jf) {
    fixups_.push_back({code_.size(), jt, jf});
    code_.push_back(BPF_JUMP(code, k, 0, 0));
  }
  std::vector<sock_filter> code_;
  std::vector<Fixup> fixups_;
  size_t mark_ = 0;
};

// TCP over IPv4 (first fragments only: later ones carry no TCP header) or
// IPv6 (TCP as the first next-header), either port in `ports`. A SOCK_DGRAM
// packet socket hands the filter the packet from its network header on.
std::vector<sock_filter> TcpPortsFilter(const std::vector<uint16_t>& ports, uint32_t snaplen) {
  FilterBuilder b;
  b.Stmt(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL);  // ntohs(skb->protocol)
  b.JumpToMarkIfEq(ETH_P_IPV6);
  b.RequireEq(ETH_P_IP, FilterBuilder::kDrop);
  b.Stmt(BPF_LD | BPF_B | BPF_ABS, 9);  // IPv4 protocol
  b.RequireEq(IPPROTO_TCP, FilterBuilder::kDrop);
  b.Stmt(BPF_LD | BPF_H | BPF_ABS, 6);  // flags + fragment offset
  b.DropIfAnyBit(0x1fff);
  b.Stmt(BPF_LDX | BPF_B | BPF_MSH, 0);  // X = IPv4 header length
  for (uint32_t at : {0u, 2u}) {  // source port, then destination port
    b.Stmt(BPF_LD | BPF_H | BPF_IND, at);
    for (uint16_t port : ports) b.JumpIfEq(port, FilterBuilder::kAccept);
  }
  b.Stmt(BPF_RET | BPF_K, 0);
  b.Mark();
  b.Stmt(BPF_LD | BPF_B | BPF_ABS, 6);  // IPv6 next header
  b.RequireEq(IPPROTO_TCP, FilterBuilder::kDrop);
  for (uint32_t at : {40u, 42u}) {
    b.Stmt(BPF_LD | BPF_H | BPF_ABS, at);
    for (uint16_t port : ports) b.JumpIfEq(port, FilterBuilder::kAccept);
  }
  return b.Finish(snaplen);
}

Failure OpenCapture(int ifindex, const std::vector<sock_filter>& program, int* out) {
  // Protocol 0: nothing is queued before bind(), so no packet ever arrives unfiltered.
  int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return {errno, "socket(AF_PACKET)"};
  sock_fprog fprog = {static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
  int on = 1;
  Failure failure;
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) != 0) {
    failure = {errno, "setsockopt(SO_ATTACH_FILTER)"};
  } else if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) {
    failure = {errno, "setsockopt(SO_TIMESTAMPNS)"};
  } else {
    sockaddr_ll addr = {};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = ifindex;
    // ENODEV: no interface with that index in this namespace.
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) failure = {errno, "bind(AF_PACKET)"};
  }
  if (failure) {
    close(fd);
    return failure;
  }
  *out = fd;
  return {};
}

bool ArgPorts(const Napi::CallbackInfo& info, size_t i, std::vector<uint16_t>* ports) {
  if (info.Length() <= i || !info[i].IsArray()) {
    Napi::TypeError::New(info.Env(), "ports must be an array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array array = info[i].As<Napi::Array>();
  if (array.Length() == 0 || array.Length() > kMaxPorts) {
    Napi::TypeError::New(info.Env(), "ports: 1 to " + std::to_string(kMaxPorts)).ThrowAsJavaScriptException();
    return false;
  }
  for (uint32_t n = 0; n < array.Length(); n++) {
    Napi::Value v = array.Get(n);
    double port = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(port >= 1 && port <= 65535) || static_cast<uint16_t>(port) != port) {
      Napi::TypeError::New(info.Env(), "ports: integers 1-65535").ThrowAsJavaScriptException();
      return false;
    }
    ports->push_back(static_cast<uint16_t>(port));
  }
  return true;
}

}  // namespace

Napi::Value PacketOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t ifindex = 0, snaplen = 0;
  std::vector<uint16_t> ports;
  std::optional<NetnsTarget> target;
  if (!ArgInt64(info, 0, &ifindex) || !ArgPorts(info, 1, &ports) || !ArgInt64(info, 2, &snaplen) ||
      !ArgNetns(info, 3, &target)) {
    return env.Undefined();
  }
  if (ifindex <= 0 || ifindex > INT32_MAX || snaplen < 40 || snaplen > kMaxSnaplen) {
    Napi::TypeError::New(env, "packetOpen: ifindex > 0, snaplen 40-256").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<sock_filter> program = TcpPortsFilter(ports, static_cast<uint32_t>(snaplen));
  int fd = -1;
  auto open = [&]() { return OpenCapture(static_cast<int>(ifindex), program, &fd); };
  Failure failure = target ? RunInNetns(*target, open) : open();
  if (failure) {
    ThrowErrno(env, failure.err, failure.syscall);
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

Napi::Value PacketRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  int64_t maxPackets = 0;
  if (!ArgFd(info, 0, &fd) || !ArgInt64(info, 1, &maxPackets)) return env.Undefined();
  if (maxPackets < 1 || maxPackets > kMaxPacketsPerRead) {
    Napi::TypeError::New(env, "packetRead: maxPackets 1-4096").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<uint8_t> data;
  std::vector<double> records;
  uint8_t packet[kMaxSnaplen];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  for (int64_t n = 0; n < maxPackets; n++) {
    sockaddr_ll from = {};
    iovec iov = {packet, sizeof packet};
    msghdr msg = {};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t got = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      ThrowErrno(env, errno, "recvmsg(AF_PACKET)");
      return env.Undefined();
    }
    timespec at = {};
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) memcpy(&at, CMSG_DATA(c), sizeof at);
    }
    if (at.tv_sec == 0) clock_gettime(CLOCK_REALTIME, &at);  // no stamp: the read time is the best left
    size_t length = static_cast<size_t>(got) < sizeof packet ? static_cast<size_t>(got) : sizeof packet;
    records.insert(records.end(), {static_cast<double>(data.size()), static_cast<double>(length),
                                   static_cast<double>(from.sll_pkttype), static_cast<double>(at.tv_sec),
                                   static_cast<double>(at.tv_nsec)});
    data.insert(data.end(), packet, packet + length);
  }
  // Packets the socket's queue had no room for since the last read (the counters reset on read).
  tpacket_stats stats = {};
  socklen_t statsLength = sizeof stats;
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &statsLength) != 0) {
    ThrowErrno(env, errno, "getsockopt(PACKET_STATISTICS)");
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<uint8_t>::Copy(env, data.data(), data.size()));
  Napi::Float64Array recordArray = Napi::Float64Array::New(env, records.size());
  for (size_t i = 0; i < records.size(); i++) recordArray[i] = records[i];
  out.Set("records", recordArray);
  out.Set("drops", Napi::Number::New(env, stats.tp_drops));
  return out;
}

}  // namespace keepalive
