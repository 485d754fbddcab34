#include "file_lock.h"

#include <errno.h>
#include <sys/file.h>

#include "errors.h"

namespace keepalive {

// Node has no flock(2). The lock belongs to the open file description, so it
// is released by the kernel when the process dies (kill -9 included): no stale
// lock for a crashed run to leave behind, unlike an O_EXCL lock file.
Napi::Value FlockExclusive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();
  int rc;
  do {
    rc = flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) ThrowErrno(env, errno, "flock");
  return env.Undefined();
}

}  // namespace keepalive
