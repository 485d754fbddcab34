#include "netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

namespace keepalive {

SockDiagSocket::~SockDiagSocket() {
  if (fd_ >= 0) close(fd_);
}

Failure SockDiagSocket::Open() {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd_ < 0) return {errno, "socket(NETLINK_SOCK_DIAG)"};
  return {};
}

Failure SockDiagSocket::Send(const void* message, size_t length) {
  struct sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t sent = sendto(fd_, message, length, 0, reinterpret_cast<struct sockaddr*>(&kernel), sizeof kernel);
    if (sent >= 0) return {};
    if (errno != EINTR) return {errno, "sendto(NETLINK_SOCK_DIAG)"};
  }
}

Failure SockDiagSocket::Receive(uint8_t* buffer, size_t capacity, size_t* length) {
  struct iovec iov = {buffer, capacity};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  for (;;) {
    ssize_t got = recvmsg(fd_, &msg, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return {errno, "recvmsg(NETLINK_SOCK_DIAG)"};
    }
    if (msg.msg_flags & MSG_TRUNC) return {EMSGSIZE, "recvmsg(NETLINK_SOCK_DIAG)"};
    *length = static_cast<size_t>(got);
    return {};
  }
}

}  // namespace keepalive
