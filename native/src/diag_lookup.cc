// Exact lookups: a non-dump SOCK_DIAG_BY_FAMILY request names one socket by
// its 4-tuple and bound device and is answered with that socket alone.
// inet_diag_cmd_exact -> inet_diag_find_one_icsk (net/ipv4/inet_diag.c) finds
// it with inet_lookup / inet6_lookup (v4-mapped pairs on AF_INET6 as IPv4),
// TIME-WAIT and request sockets included, then checks the cookie: ESTALE when
// the 4-tuple now belongs to another socket, ENOENT when nothing holds it.
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

#include "diag_table.h"

namespace keepalive {
namespace {

constexpr const char* kSyscall = "sock_diag(SOCK_DIAG_BY_FAMILY exact)";

// Requests sent per sendto. The kernel answers them all inside that sendto,
// each reply its own datagram queued on our socket; one that does not fit the
// receive buffer (net.core.rmem_default, 212,992 bytes by default) is dropped
// and the socket gets ENOBUFS. Measured on 6.18: 150 replies with tcp_info
// fit that buffer, 200 do not (~1.25 kB of truesize each). 32 (~40 kB) fit
// even a buffer tuned to a quarter of the default.
constexpr size_t kRequestsPerSend = 32;

struct ExactRequest {
  struct nlmsghdr header;
  struct inet_diag_req_v2 body;
};

void FillRequest(const DiagKey& key, uint32_t seq, ExactRequest* request) {
  memset(request, 0, sizeof *request);
  request->header.nlmsg_len = sizeof *request;
  request->header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  request->header.nlmsg_flags = NLM_F_REQUEST;
  request->header.nlmsg_seq = seq;
  request->body.sdiag_family = key.family;
  request->body.sdiag_protocol = IPPROTO_TCP;
  request->body.idiag_ext = 1u << (INET_DIAG_INFO - 1);
  request->body.idiag_states = kAllConnectionStates;
  request->body.id.idiag_sport = htons(key.sport);
  request->body.id.idiag_dport = htons(key.dport);
  request->body.id.idiag_if = key.ifindex;
  memcpy(request->body.id.idiag_src, key.src, sizeof key.src);
  memcpy(request->body.id.idiag_dst, key.dst, sizeof key.dst);
  request->body.id.idiag_cookie[0] = key.cookie[0];
  request->body.id.idiag_cookie[1] = key.cookie[1];
}

}  // namespace

void LookupTcpSockets(const NetnsTarget* target, const std::vector<DiagKey>& keys, DiagTable* found,
                      std::vector<uint32_t>* missing) {
  SockDiagSocket sock;
  if ((found->failure = sock.Open(target))) return;
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[kNetlinkReceiveBuffer]);
  StringTable strings(&found->strings, &sock);
  std::vector<ExactRequest> requests(std::min(keys.size(), kRequestsPerSend));
  std::vector<bool> answered;
  uint32_t row[kColumns];
  RowAddresses addresses;

  for (size_t first = 0; first < keys.size(); first += kRequestsPerSend) {
    const size_t count = std::min(kRequestsPerSend, keys.size() - first);
    // seq = key index + 1: 0 is what a stray kernel message would carry.
    for (size_t i = 0; i < count; i++) FillRequest(keys[first + i], static_cast<uint32_t>(first + i + 1), &requests[i]);
    if ((found->failure = sock.Send(requests.data(), count * sizeof(ExactRequest)))) return;
    answered.assign(count, false);
    for (size_t pending = count; pending > 0;) {
      size_t length = 0;
      if ((found->failure = sock.Receive(buffer.get(), kNetlinkReceiveBuffer, &length))) return;
      int left = static_cast<int>(length);
      for (auto* header = reinterpret_cast<struct nlmsghdr*>(buffer.get()); NLMSG_OK(header, left);
           header = NLMSG_NEXT(header, left)) {
        const size_t key = static_cast<size_t>(header->nlmsg_seq) - 1;
        if (header->nlmsg_seq == 0 || key < first || key >= first + count || answered[key - first]) continue;
        if (header->nlmsg_type == NLMSG_ERROR) {
          if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
            found->failure = {EBADMSG, kSyscall};
            return;
          }
          int error = -static_cast<const struct nlmsgerr*>(NLMSG_DATA(header))->error;
          if (error != ENOENT && error != ESTALE) {
            found->failure = {error == 0 ? EBADMSG : error, kSyscall};
            return;
          }
          missing->push_back(static_cast<uint32_t>(key));
        } else if (header->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
          if (!DecodeRow(header, row, &addresses)) {
            found->failure = {EBADMSG, kSyscall};
            return;
          }
          AppendRow(row, addresses, &strings, found);
        } else {
          continue;
        }
        answered[key - first] = true;
        pending--;
      }
    }
  }
}

}  // namespace keepalive
