// Mirror of native/src/diag_table.h: the column order of the dump's rows.
// Bump both DIAG_LAYOUT_VERSION and kLayoutVersion when a column moves.

export const DIAG_LAYOUT_VERSION = 1;

export const COL = {
  family: 0,
  state: 1,
  timer: 2,
  timerCount: 3,
  expiresMs: 4,
  rqueue: 5,
  wqueue: 6,
  uid: 7,
  inode: 8,
  cookieLow: 9,
  cookieHigh: 10,
  sport: 11,
  dport: 12,
  ifindex: 13,
  src: 14,
  dst: 15,
  iface: 16,
  flags: 17,
  infoLength: 18,
  infoPresent: 19,
  /** First tcp_info column; presence bit i stands for column INFO_FIRST + i. */
  infoFirst: 20,
} as const;

export const DIAG_COLUMNS = 41;

/** tcp_info columns from COL.infoFirst on, in order; u64 fields take two words (low, high). */
export const INFO_FIELDS = [
  ['rtt', 1],
  ['rttvar', 1],
  ['rto', 1],
  ['retransmits', 1],
  ['probes', 1],
  ['backoff', 1],
  ['unacked', 1],
  ['notsentBytes', 1],
  ['lastDataSent', 1],
  ['lastDataRecv', 1],
  ['lastAckRecv', 1],
  ['totalRetrans', 1],
  ['sndCwnd', 1],
  ['pmtu', 1],
  ['minRtt', 1],
  ['segsOut', 1],
  ['segsIn', 1],
  ['bytesAcked', 2],
  ['bytesReceived', 2],
] as const;

export const NO_STRING = 0xffffffff;
export const FLAG_HAS_V6ONLY = 1 << 0;
export const FLAG_V6ONLY = 1 << 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
