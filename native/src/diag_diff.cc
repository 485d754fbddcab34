// Diffing a dump against the rows last reported, keyed by socket cookie (never
// reused during a boot). Time columns count down or up as time passes, so they
// are compared as the absolute moments they denote: an idle socket whose timer
// merely runs is unchanged.
#include "diag_diff.h"

#include <linux/netlink.h>
#include <string.h>

#include <cmath>
#include <cstdlib>

namespace keepalive {
namespace {

constexpr uint32_t kStateListen = 10;  // TCP_LISTEN (include/net/tcp_states.h)
// idiag_cookie values that name no socket: INET_DIAG_NOCOOKIE, and 0 (never generated).
constexpr uint64_t kNoCookie = ~0ull;

uint64_t CookieOf(const uint32_t* row) {
  return static_cast<uint64_t>(row[kColCookieHigh]) << 32 | row[kColCookieLow];
}

bool InfoPresent(const uint32_t* row, uint32_t column) {
  return (row[kColInfoPresent] & (1u << (column - kColRtt))) != 0;
}

// The row's string columns are filled from `addresses` when it is appended.
void Overwrite(DiagTable* table, uint32_t index, const uint32_t* row, const RowAddresses& addresses,
               StringTable* strings) {
  uint32_t* slot = table->rows.data() + static_cast<size_t>(index) * kColumns;
  memcpy(slot, row, kColumns * sizeof *row);
  auto family = static_cast<uint8_t>(row[kColFamily]);
  slot[kColSrc] = strings->Address(family, addresses.src);
  slot[kColDst] = strings->Address(family, addresses.dst);
  slot[kColIface] = strings->Interface(row[kColIfindex]);
}

}  // namespace

bool DiagDiffer::Same(const Entry& old, const uint32_t* row, const RowAddresses& addresses, int64_t stampUs,
                      int64_t toleranceUs) const {
  if (memcmp(&old.addresses, &addresses, sizeof addresses) != 0) return false;
  // A moment read at `stamp` as `sign * value` ms away from it.
  auto sameMoment = [&](uint32_t column, int sign) {
    int64_t before = old.stampUs + sign * static_cast<int64_t>(old.row[column]) * 1000;
    int64_t now = stampUs + sign * static_cast<int64_t>(row[column]) * 1000;
    return std::llabs(now - before) <= toleranceUs;
  };
  for (uint32_t c = 0; c < kColumns; c++) {
    switch (c) {
      case kColSrc:
      case kColDst:
      case kColIface:
        continue;  // string indexes into different tables; `addresses` and kColIfindex stand for them
      case kColExpiresMs:
        // A differing timer kind fails on kColTimer; with none, expires is 0 on both.
        if (row[kColTimer] != 0 && old.row[kColTimer] == row[kColTimer]) {
          if (!sameMoment(c, +1)) return false;
          continue;
        }
        break;
      case kColLastDataSent:
      case kColLastDataRecv:
      case kColLastAckRecv:
        // A listener's are "now" on every read: they mean nothing.
        if (row[kColState] == kStateListen) continue;
        // Absent (TIME-WAIT, request sockets) is 0 on both; presence itself is kColInfoPresent's.
        if (InfoPresent(row, c) && InfoPresent(old.row, c)) {
          if (!sameMoment(c, -1)) return false;
          continue;
        }
        break;
      default:
        break;
    }
    if (old.row[c] != row[c]) return false;
  }
  return true;
}

void DiagDiffer::Sweep(double toleranceMs, bool reset, DiagChanges* out) {
  if (reset) baseline_.clear();
  const uint32_t sweep = ++sweep_;
  const auto toleranceUs = static_cast<int64_t>(std::llround(toleranceMs * 1000));
  DiagTable* changed = &out->changed;
  const int64_t startUs = MonotonicUs();
  SockDiagSocket sock;
  if ((changed->failure = sock.Open(TargetOf(target_)))) return;
  StringTable strings(&changed->strings, &sock);
  // What a reported row needs to become its baseline once the dump succeeded,
  // indexed like changed->rows.
  struct Reported {
    uint64_t cookie;
    RowAddresses addresses;
    int64_t stampUs;
  };
  std::vector<Reported> reported;
  std::unordered_map<uint64_t, uint32_t> reportedIndex;  // cookie -> row in `changed`
  uint32_t row[kColumns];
  RowAddresses addresses;

  Failure failure = DumpTcpSockets(&sock, [&](const struct nlmsghdr* header, int64_t stampUs) {
    if (!DecodeRow(header, row, &addresses)) return;
    const uint64_t cookie = CookieOf(row);
    if (cookie == 0 || cookie == kNoCookie) {
      out->total++;
      reported.push_back({cookie, addresses, stampUs});
      AppendRow(row, addresses, &strings, changed);
      return;
    }
    // A socket that moved while the dump ran comes twice: report it once, as last seen.
    auto already = reportedIndex.find(cookie);
    if (already != reportedIndex.end()) {
      Overwrite(changed, already->second, row, addresses, &strings);
      reported[already->second] = {cookie, addresses, stampUs};
      return;
    }
    auto known = baseline_.find(cookie);
    if (known != baseline_.end()) {
      if (known->second.seenSweep != sweep) out->total++;
      known->second.seenSweep = sweep;
      if (Same(known->second, row, addresses, stampUs, toleranceUs)) return;
    } else {
      out->total++;
    }
    reportedIndex.emplace(cookie, changed->count);
    reported.push_back({cookie, addresses, stampUs});
    AppendRow(row, addresses, &strings, changed);
  });
  out->dumpMs = static_cast<double>(MonotonicUs() - startUs) / 1000;
  if (failure) {
    // The baseline keeps its rows: nothing from this dump reached JavaScript.
    changed->failure = failure;
    return;
  }

  for (uint32_t i = 0; i < reported.size(); i++) {
    const Reported& r = reported[i];
    if (r.cookie == 0 || r.cookie == kNoCookie) continue;
    Entry& entry = baseline_[r.cookie];
    memcpy(entry.row, changed->rows.data() + static_cast<size_t>(i) * kColumns, sizeof entry.row);
    entry.addresses = r.addresses;
    entry.stampUs = r.stampUs;
    entry.seenSweep = sweep;
  }
  for (auto it = baseline_.begin(); it != baseline_.end();) {
    if (it->second.seenSweep == sweep) {
      ++it;
      continue;
    }
    out->removed.push_back(it->first);
    it = baseline_.erase(it);
  }
}

}  // namespace keepalive
