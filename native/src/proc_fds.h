// Process attribution's inner loop: which pid/fd holds which socket inode,
// from the `socket:[inode]` links in <procRoot>/<pid>/fd, read off the JS thread.
#pragma once
#include <napi.h>

namespace keepalive {
// scanProcSocketsAsync(procRoot: string, pids: number[] | null) -> Promise of
//   {sockets: Float64Array (3 per socket fd: pid, fd, inode), commPids: Uint32Array,
//    comms: string[] (parallel to commPids: /proc/<pid>/comm of each pid holding a socket),
//    scannedPids, deniedPids}
// Pids in the order given, or every numeric entry of procRoot (strcmp order) when null;
// fds of one pid in strcmp order of their names: the order Node's readdirSync lists them.
// Rejects (code ENOENT, EACCES...) only when procRoot itself cannot be listed.
Napi::Value ScanProcSocketsAsync(const Napi::CallbackInfo& info);
}  // namespace keepalive
