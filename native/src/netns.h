// Working inside another network namespace without the calling thread ever
// leaving its own: a short-lived thread setns()s, opens what it needs (a
// netlink socket, a /proc/sys/net file) and exits. The fd keeps referring to
// that namespace: a socket belongs to its creator's netns, a /proc/sys/net
// file to its opener's. Nothing here keeps the namespace alive after a call.
#pragma once
#include <stdint.h>

#include <functional>
#include <optional>
#include <string>

#include "netlink.h"

namespace keepalive {

// A file naming the namespace (/proc/PID/ns/net, /run/netns/NAME, a runtime's
// bind mount) and the nsfs inode it must still have: a reused pid or a
// re-pointed mount then fails ESTALE instead of reaching another namespace.
struct NetnsTarget {
  std::string path;
  uint64_t inode = 0;
};

// Opens target.path (failure syscall "open(netns)": ENOENT when the
// namespace is gone), checks it is a network namespace ("ioctl(NS_GET_NSTYPE)":
// EINVAL) with the expected inode ("fstat(netns)": ESTALE), then runs `work`
// on a new thread that has entered it ("setns": EPERM without CAP_SYS_ADMIN)
// and returns work's result. Blocks until that thread has exited. Plain C++:
// also called from the libuv pool.
Failure RunInNetns(const NetnsTarget& target, const std::function<Failure()>& work);

// The pointer form the plain-C++ calls take (SockDiagSocket::Open): null for our own namespace.
inline const NetnsTarget* TargetOf(const std::optional<NetnsTarget>& target) { return target ? &*target : nullptr; }

}  // namespace keepalive
