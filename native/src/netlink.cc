#include "netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"

namespace keepalive {

SockDiagSocket::~SockDiagSocket() {
  if (fd_ >= 0) close(fd_);
}

Failure SockDiagSocket::Open(const NetnsTarget* target) {
  auto open = [this]() -> Failure {
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    return fd_ < 0 ? Failure{errno, "socket(NETLINK_SOCK_DIAG)"} : Failure{};
  };
  return target != nullptr ? RunInNetns(*target, open) : open();
}

// Any socket answers the interface ioctls (sock_do_ioctl hands them to
// dev_ioctl) for the namespace it was created in.
bool SockDiagSocket::InterfaceName(uint32_t ifindex, char name[16]) const {
  struct ifreq request;
  memset(&request, 0, sizeof request);
  request.ifr_ifindex = static_cast<int>(ifindex);
  if (ioctl(fd_, SIOCGIFNAME, &request) != 0) return false;
  memcpy(name, request.ifr_name, IF_NAMESIZE);
  name[IF_NAMESIZE - 1] = '\0';
  return true;
}

Failure SockDiagSocket::InterfaceIndex(const char* name, uint32_t* ifindex) const {
  struct ifreq request;
  memset(&request, 0, sizeof request);
  if (strlen(name) >= IF_NAMESIZE) return {ENODEV, "ioctl(SIOCGIFINDEX)"};
  strncpy(request.ifr_name, name, IF_NAMESIZE - 1);
  if (ioctl(fd_, SIOCGIFINDEX, &request) != 0) return {errno, "ioctl(SIOCGIFINDEX)"};
  *ifindex = static_cast<uint32_t>(request.ifr_ifindex);
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
