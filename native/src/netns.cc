#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keepalive {
namespace {

struct ThreadJob {
  int nsfd;
  const std::function<Failure()>* work;
  Failure result;
};

void* EnterAndRun(void* arg) {
  auto* job = static_cast<ThreadJob*>(arg);
  // setns(CLONE_NEWNET) changes only this thread's namespace; the thread
  // exits right after, so no other code ever runs in it.
  if (setns(job->nsfd, CLONE_NEWNET) != 0) {
    job->result = {errno, "setns"};
    return nullptr;
  }
  job->result = (*job->work)();
  return nullptr;
}

// pthread rather than std::thread: node-gyp builds with -fno-exceptions, where
// a std::thread that cannot start aborts the process instead of failing EAGAIN.
Failure RunOnNewThread(ThreadJob* job) {
  // Every signal blocked, so none is delivered to (or interrupts) the helper:
  // the new thread inherits the mask in force when it is created.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_t thread;
  int err = pthread_create(&thread, nullptr, EnterAndRun, job);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (err != 0) return {err, "pthread_create"};
  pthread_join(thread, nullptr);
  return job->result;
}

Failure CheckNetns(int nsfd, uint64_t inode) {
  // ENOTTY: not an nsfs file at all (a regular file, /etc/hostname).
  int type = ioctl(nsfd, NS_GET_NSTYPE);
  if (type < 0) return {errno == ENOTTY ? EINVAL : errno, "ioctl(NS_GET_NSTYPE)"};
  if (type != CLONE_NEWNET) return {EINVAL, "ioctl(NS_GET_NSTYPE)"};
  struct stat st;
  if (fstat(nsfd, &st) != 0) return {errno, "fstat(netns)"};
  if (static_cast<uint64_t>(st.st_ino) != inode) return {ESTALE, "fstat(netns)"};
  return {};
}

}  // namespace

Failure RunInNetns(const NetnsTarget& target, const std::function<Failure()>& work) {
  int nsfd = open(target.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return {errno, "open(netns)"};
  ThreadJob job = {nsfd, &work, {}};
  Failure failure = CheckNetns(nsfd, target.inode);
  if (!failure) failure = RunOnNewThread(&job);
  close(nsfd);
  return failure;
}

}  // namespace keepalive
