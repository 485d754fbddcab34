// The addon's whole surface: free functions with primitive arguments.
// Units, defaults, validation and policy live in TypeScript (native/ts).
#include <napi.h>

#include "diag.h"
#include "file_lock.h"
#include "foreign.h"
#include "foreign_batch.h"
#include "keepalive.h"
#include "netns_api.h"
#include "packet_capture.h"
#include "proc_fds.h"
#include "tcp_info.h"

namespace keepalive {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("getTcpInfo", Napi::Function::New(env, GetTcpInfo, "getTcpInfo"));
  exports.Set("getKeepalive", Napi::Function::New(env, GetKeepalive, "getKeepalive"));
  exports.Set("setKeepalive", Napi::Function::New(env, SetKeepalive, "setKeepalive"));
  exports.Set("tcpDiagDump", Napi::Function::New(env, TcpDiagDump, "tcpDiagDump"));
  exports.Set("tcpDiagDumpAsync", Napi::Function::New(env, TcpDiagDumpAsync, "tcpDiagDumpAsync"));
  exports.Set("tcpDiagDumpObjects", Napi::Function::New(env, TcpDiagDumpObjects, "tcpDiagDumpObjects"));
  exports.Set("tcpDiffCreate", Napi::Function::New(env, TcpDiffCreate, "tcpDiffCreate"));
  exports.Set("tcpDiffSweepAsync", Napi::Function::New(env, TcpDiffSweepAsync, "tcpDiffSweepAsync"));
  exports.Set("tcpDiffClose", Napi::Function::New(env, TcpDiffClose, "tcpDiffClose"));
  exports.Set("tcpDiagLookupAsync", Napi::Function::New(env, TcpDiagLookupAsync, "tcpDiagLookupAsync"));
  exports.Set("diagDestroy", Napi::Function::New(env, DiagDestroy, "diagDestroy"));
  exports.Set("netnsOpenFile", Napi::Function::New(env, NetnsOpenFile, "netnsOpenFile"));
  exports.Set("pidfdGetfd", Napi::Function::New(env, PidfdGetfd, "pidfdGetfd"));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd, "closeFd"));
  exports.Set("socketIdentity", Napi::Function::New(env, SocketIdentity, "socketIdentity"));
  exports.Set("foreignKeepaliveBatch", Napi::Function::New(env, ForeignKeepaliveBatch, "foreignKeepaliveBatch"));
  exports.Set("flockExclusive", Napi::Function::New(env, FlockExclusive, "flockExclusive"));
  exports.Set("scanProcSocketsAsync", Napi::Function::New(env, ScanProcSocketsAsync, "scanProcSocketsAsync"));
  exports.Set("packetOpen", Napi::Function::New(env, PacketOpen, "packetOpen"));
  exports.Set("packetRead", Napi::Function::New(env, PacketRead, "packetRead"));
  exports.Set("netnsOpenNetstat", Napi::Function::New(env, NetnsOpenNetstat, "netnsOpenNetstat"));
  return exports;
}

}  // namespace keepalive

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return keepalive::Init(env, exports); }

NODE_API_MODULE(keepalive, InitAddon)
