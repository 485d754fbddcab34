// The sweep differ: the last row reported for each socket cookie, kept here so
// a sweep of 100k idle sockets hands JavaScript only the rows that changed.
// Plain C++ (no N-API): a sweep runs on the libuv pool.
#pragma once
#include <stdint.h>

#include <atomic>
#include <optional>
#include <unordered_map>
#include <vector>

#include "diag_table.h"
#include "netns.h"

namespace keepalive {

struct DiagChanges {
  DiagTable changed;
  std::vector<uint64_t> removed;  // cookies
  uint32_t total = 0;             // socket messages in the dump
  double dumpMs = 0;
};

class DiagDiffer {
 public:
  // Every sweep dumps `target`'s network namespace (empty: our own), opening
  // it afresh each time: the differ keeps no fd that would pin it.
  explicit DiagDiffer(std::optional<NetnsTarget> target) : target_(std::move(target)) {}

  // Dumps the namespace and diffs it against the baseline; the baseline changes
  // only when the whole dump succeeded (out->changed.failure unset).
  // toleranceMs: how far the absolute moment a time column denotes may move
  // and still count as the same. `reset` forgets the baseline first.
  void Sweep(double toleranceMs, bool reset, DiagChanges* out);

  // Guards against two sweeps at once (the TypeScript face also serializes).
  std::atomic<bool> busy{false};

 private:
  struct Entry {
    uint32_t row[kColumns];  // string columns unused: `addresses` stands for them
    RowAddresses addresses;
    int64_t stampUs;         // when the reported row was read (see RowVisitor)
    uint32_t seenSweep;
  };

  bool Same(const Entry& old, const uint32_t* row, const RowAddresses& addresses, int64_t stampUs,
            int64_t toleranceUs) const;

  const std::optional<NetnsTarget> target_;
  std::unordered_map<uint64_t, Entry> baseline_;
  uint32_t sweep_ = 0;
};

}  // namespace keepalive
