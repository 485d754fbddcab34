// The inet_diag dump as a flat table: one row of kColumns uint32 words per
// socket, plus the distinct strings (addresses, interface names) the rows
// point into. native/ts/diag-layout.ts mirrors this layout; bump
// kLayoutVersion whenever a column moves.
#pragma once
#include <stdint.h>

#include <string>
#include <vector>

#include "netlink.h"

namespace keepalive {

constexpr uint32_t kLayoutVersion = 1;
constexpr uint32_t kNoString = 0xFFFFFFFFu;

enum Column : uint32_t {
  kColFamily,        // AF_INET or AF_INET6
  kColState,         // kernel TCP state number
  kColTimer,         // idiag_timer: 0 none, 1 retransmit, 2 keepalive, 3 timewait, 4 persist
  kColTimerCount,    // idiag_retrans
  kColExpiresMs,     // idiag_expires
  kColRqueue,
  kColWqueue,
  kColUid,
  kColInode,
  kColCookieLow,     // idiag_cookie[0]
  kColCookieHigh,    // idiag_cookie[1]
  kColSport,         // host byte order
  kColDport,
  kColIfindex,       // idiag_if (sk_bound_dev_if), 0 = none
  kColSrc,           // string index
  kColDst,           // string index
  kColIface,         // string index, kNoString if 0 or unresolvable
  kColFlags,         // kFlag*
  kColInfoLength,    // bytes of struct tcp_info the kernel sent; 0 = none
  kColInfoPresent,   // bit i set = info column i (from kColRtt on) is filled
  kColRtt,
  kColRttvar,
  kColRto,
  kColRetransmits,
  kColProbes,
  kColBackoff,
  kColUnacked,
  kColNotsentBytes,
  kColLastDataSent,
  kColLastDataRecv,
  kColLastAckRecv,
  kColTotalRetrans,
  kColSndCwnd,
  kColPmtu,
  kColMinRtt,
  kColSegsOut,
  kColSegsIn,
  kColBytesAckedLow,      // u64 split in two words; one presence bit (the low one's)
  kColBytesAckedHigh,
  kColBytesReceivedLow,
  kColBytesReceivedHigh,
  kColumns,
};

constexpr uint32_t kFlagHasV6Only = 1u << 0;  // INET_DIAG_SKV6ONLY came (LISTEN/CLOSE v6 sockets)
constexpr uint32_t kFlagV6Only = 1u << 1;

struct DiagTable {
  std::vector<uint32_t> rows;
  std::vector<std::string> strings;
  uint32_t count = 0;
  Failure failure;
};

// Dumps every AF_INET and AF_INET6 TCP socket with INET_DIAG_INFO. Plain C++
// (no N-API), so it can run off the JS thread.
void DumpTcpTable(DiagTable* out);

}  // namespace keepalive
