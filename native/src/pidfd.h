// pidfd_open / pidfd_getfd syscall numbers. They are the same on every
// architecture (the 5.x unified table); old libc headers may still lack the names.
#pragma once
#include <sys/syscall.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
