// The inet_diag dump as a flat table: one row of kColumns uint32 words per
// socket, plus the distinct strings (addresses, interface names) the rows
// point into. native/ts/diag-layout.ts mirrors this layout; bump
// kLayoutVersion whenever a column moves.
#pragma once
#include <linux/netlink.h>
#include <stdint.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "netlink.h"

namespace keepalive {

constexpr uint32_t kLayoutVersion = 1;
constexpr uint32_t kNoString = 0xFFFFFFFFu;

// Every state /proc/net/tcp and ss list: bits 0..12, TCP_ESTABLISHED through
// TCP_NEW_SYN_RECV (request sockets come only when that bit is asked for).
// Not ~0: bit 13 (TCPF_BOUND_INACTIVE, Linux 6.6+) makes the kernel also walk
// the bind hash and report every bind()-only socket as CLOSE (checked on
// 6.18), sockets with no peer that neither ss nor /proc/net/tcp shows.
constexpr uint32_t kAllConnectionStates = (1u << 13) - 1;

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

// A row's addresses as the kernel sent them (idiag_src/idiag_dst), kept beside
// the row until they are interned: the differ compares these, not the text.
struct RowAddresses {
  uint32_t src[4];
  uint32_t dst[4];
};

// Interns strings into a DiagTable, so 20,000 loopback sockets cost two
// address strings, not 40,000. Interface names are resolved through `sock`,
// so a dump of another namespace names that namespace's devices.
class StringTable {
 public:
  StringTable(std::vector<std::string>* strings, const SockDiagSocket* sock) : strings_(strings), sock_(sock) {}
  uint32_t Address(uint8_t family, const uint32_t raw[4]);
  uint32_t Interface(uint32_t ifindex);

 private:
  uint32_t Add(const char* text);

  std::vector<std::string>* strings_;
  const SockDiagSocket* sock_;
  std::unordered_map<std::string, uint32_t> addresses_;
  std::unordered_map<uint32_t, uint32_t> interfaces_;
};

// Decodes one SOCK_DIAG_BY_FAMILY message into kColumns words, all but the
// string columns (kColSrc, kColDst, kColIface); false for a short message.
bool DecodeRow(const struct nlmsghdr* header, uint32_t* row, RowAddresses* addresses);

// Appends a decoded row to `out`, filling its string columns.
void AppendRow(const uint32_t* row, const RowAddresses& addresses, StringTable* strings, DiagTable* out);

// Called with every socket message of a dump and the CLOCK_MONOTONIC time
// (µs) the datagram carrying it was filled, to within one syscall: a row's
// relative times (expires, last data) are "from then", not from the dump's start.
using RowVisitor = std::function<void(const struct nlmsghdr* header, int64_t stampUs)>;

// One dump of every AF_INET and AF_INET6 TCP socket with INET_DIAG_INFO, on
// an open socket (its namespace is the one dumped): one walk of the kernel's
// hash tables for both families where the kernel takes the legacy request,
// else one SOCK_DIAG_BY_FAMILY dump per family. Rows come in the kernel's
// walk order (listeners first, families mixed): callers key them by cookie,
// never by position. Either way a socket that changes while the walk runs
// may come twice (the differ reports it once).
Failure DumpTcpSockets(SockDiagSocket* sock, const RowVisitor& visit);

// CLOCK_MONOTONIC in µs.
int64_t MonotonicUs();

// Dumps every AF_INET and AF_INET6 TCP socket with INET_DIAG_INFO of
// `target`'s network namespace (null: our own). Plain C++ (no N-API), so it
// can run off the JS thread.
void DumpTcpTable(const NetnsTarget* target, DiagTable* out);

// One exact (non-dump) SOCK_DIAG_BY_FAMILY request per key, INET_DIAG_INFO
// included. Addresses raw as in inet_diag_sockid (AF_INET in src[0]), ports
// in host byte order.
struct DiagKey {
  uint8_t family;  // AF_INET or AF_INET6
  uint16_t sport;
  uint16_t dport;
  uint32_t ifindex;
  uint32_t src[4];
  uint32_t dst[4];
  uint32_t cookie[2];  // idiag_cookie: [0] low word, [1] high word
};

// Sockets that answered go to `found`; the indexes of keys answered ENOENT
// (no such socket) or ESTALE (another cookie on that 4-tuple) to `missing`.
// Any other answer fails the whole lookup (found->failure).
// `target`: the namespace asked (null: our own).
void LookupTcpSockets(const NetnsTarget* target, const std::vector<DiagKey>& keys, DiagTable* found,
                      std::vector<uint32_t>* missing);

}  // namespace keepalive
