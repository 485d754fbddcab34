// A NETLINK_SOCK_DIAG socket with the EINTR and truncation handling every
// sock_diag caller needs. No N-API here: the dump also runs on a worker thread.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keepalive {

// errno plus the call that raised it; err == 0 means success.
struct Failure {
  int err = 0;
  const char* syscall = nullptr;
  explicit operator bool() const { return err != 0; }
};

struct NetnsTarget;  // netns.h

class SockDiagSocket {
 public:
  SockDiagSocket() = default;
  SockDiagSocket(const SockDiagSocket&) = delete;
  SockDiagSocket& operator=(const SockDiagSocket&) = delete;
  ~SockDiagSocket();

  // Opens the socket in `target`'s network namespace (netns.h), or in the
  // caller's own when it is null.
  Failure Open(const NetnsTarget* target);
  Failure Send(const void* message, size_t length);
  // One datagram into `buffer`. A datagram larger than `capacity` is an
  // EMSGSIZE failure, never a silently cut-off message.
  Failure Receive(uint8_t* buffer, size_t capacity, size_t* length);
  // Interface index <-> name in the socket's own namespace (SIOCGIFNAME /
  // SIOCGIFINDEX on it), not the calling thread's as if_indextoname would.
  bool InterfaceName(uint32_t ifindex, char name[16]) const;
  Failure InterfaceIndex(const char* name, uint32_t* ifindex) const;

 private:
  int fd_ = -1;
};

// Netlink dumps hand out at most SKB_WITH_OVERHEAD(32 KiB) per datagram
// (net/netlink/af_netlink.c caps max_recvmsg_len there); twice that leaves
// room for a kernel that raises the cap.
constexpr size_t kNetlinkReceiveBuffer = 64 * 1024;

}  // namespace keepalive
