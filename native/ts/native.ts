// The raw addon's interface, exactly as the C++ exports it. Applied at the one
// place the .node file is loaded (loader.ts); everything else uses index.ts.

/** struct tcp_info as decoded by the addon; a field the kernel did not return is absent. */
export interface RawTcpInfo {
  length: number;
  [field: string]: number | boolean | undefined;
}

export interface RawKeepalive {
  enabled: boolean;
  idleSec: number;
  intervalSec: number;
  count: number;
  userTimeoutMs: number;
}

/** The inet_diag dump as one flat table; the column layout is native/src/diag_table.h (mirrored in diag-layout.ts). */
export interface RawDiagTable {
  layout: number;
  columns: number;
  count: number;
  /** count × columns uint32 words, host byte order. */
  rows: ArrayBuffer;
  /** Distinct address texts and interface names the rows point into. */
  strings: string[];
}

/** A sweep's changed rows (the table's fields) plus what the differ saw go away. */
export interface RawDiagChanges extends RawDiagTable {
  /** Cookies as 16 hex digits. */
  removed: string[];
  total: number;
  dumpMs: number;
}

/** Exact lookups' answers: the table of sockets found plus key indexes answered ENOENT/ESTALE. */
export interface RawDiagLookup extends RawDiagTable {
  missing: number[];
}

/** An opaque handle to a differ's native state (a type-tagged napi external). */
export interface RawDiffer {
  readonly __rawDiffer: unique symbol;
}

/** foreignKeepaliveBatch's answer, item i at settings[5i…5i+4] when codes[i] is ''. */
export interface RawForeignBatch {
  /** enabled (0/1), idleSec, intervalSec, count, userTimeoutMs per item. */
  settings: Float64Array;
  /** errno name, '' for a read item. */
  codes: string[];
  syscalls: string[];
}

/** One socket as tcpDiagDumpObjects builds it in C++ (hand-off benchmark only). */
export interface RawDiagObject {
  family: number;
  state: number;
  timer: number;
  timerCount: number;
  expiresMs: number;
  recvQ: number;
  sendQ: number;
  uid: number;
  inode: number;
  cookie: string;
  localAddress: string;
  localPort: number;
  peerAddress: string;
  peerPort: number;
  iface: string | null;
  flags: number;
  tcpInfo?: Record<string, number>;
}

/** scanProcSocketsAsync's answer; see native/src/proc_fds.h. */
export interface RawProcSockets {
  /** 3 per socket fd: pid, fd, inode. */
  sockets: Float64Array;
  /** The pids that hold a socket, parallel to comms. */
  commPids: Uint32Array;
  comms: string[];
  scannedPids: number;
  deniedPids: number;
}

export interface RawSocketIdentity {
  /** st_ino of the fd: the number in `socket:[…]` and in ss's `ino:`. */
  inode: number;
  /** SO_COOKIE as 16 hex digits. */
  cookie: string;
}

/** packetRead's answer: 5 numbers per packet in records (offset into data, captured length, sll_pkttype, seconds, nanoseconds). */
export interface RawPacketBatch {
  data: Buffer;
  records: Float64Array;
  drops: number;
}

export interface RawAddon {
  getTcpInfo(fd: number): RawTcpInfo;
  getKeepalive(fd: number): RawKeepalive;
  /** -1 leaves an option as it is; `enabled` is 0 or 1. */
  setKeepalive(fd: number, enabled: number, idleSec: number, intervalSec: number, count: number, userTimeoutMs: number): void;

  // Optional: an addon built before these existed (a stale build/) lacks them,
  // and index.ts says so instead of failing with "is not a function".
  // A trailing (netnsPath, netnsInode) pair runs the call in that network
  // namespace (native/src/netns.h); without it, in ours.
  tcpDiagDump?(netnsPath?: string, netnsInode?: number): RawDiagTable;
  tcpDiagDumpAsync?(netnsPath?: string, netnsInode?: number): Promise<RawDiagTable>;
  tcpDiagDumpObjects?(): RawDiagObject[];
  /** Each sweep of the differ dumps that namespace, opened afresh. */
  tcpDiffCreate?(netnsPath?: string, netnsInode?: number): RawDiffer;
  /** Throws EBUSY until another sweep of the same differ has settled, ERR_DIFFER_CLOSED after tcpDiffClose. */
  tcpDiffSweepAsync?(differ: RawDiffer, toleranceMs: number, reset: boolean): Promise<RawDiagChanges>;
  tcpDiffClose?(differ: RawDiffer): void;
  /** 6 words per key (family 4|6, local port, peer port, ifindex, cookie low, cookie high), 2 address texts per key (local, peer). */
  tcpDiagLookupAsync?(words: Uint32Array, addresses: string[], netnsPath?: string, netnsInode?: number): Promise<RawDiagLookup>;
  /** family 4 or 6; ifname '' for none; cookie halves 0xffffffff each = INET_DIAG_NOCOOKIE. */
  diagDestroy?(
    family: number,
    src: string,
    sport: number,
    dst: string,
    dport: number,
    ifname: string,
    cookieHigh: number,
    cookieLow: number,
    netnsPath?: string,
    netnsInode?: number,
  ): void;
  /** An fd (O_CLOEXEC | O_NOFOLLOW, O_RDONLY for 'r', O_WRONLY for 'w') of `file` under /proc/sys/net/, opened inside the namespace. */
  netnsOpenFile?(netnsPath: string, netnsInode: number, file: string, mode: 'r' | 'w'): number;
  /** A new fd (O_CLOEXEC) for process `pid`'s fd `fd`; the caller must close it. */
  pidfdGetfd?(pid: number, fd: number): number;
  closeFd?(fd: number): void;
  /** One pidfd_open for the whole batch; throws only when the process cannot be reached (ESRCH, EPERM). */
  foreignKeepaliveBatch?(pid: number, fds: Int32Array, inodes: Float64Array): RawForeignBatch;
  socketIdentity?(fd: number): RawSocketIdentity;
  /** flock(fd, LOCK_EX | LOCK_NB); throws EAGAIN when another open file description holds a lock. */
  flockExclusive?(fd: number): void;
  /** pids null: every numeric entry of procRoot. Rejects (ENOENT, EACCES...) only when procRoot can't be listed. */
  scanProcSocketsAsync?(procRoot: string, pids: number[] | null): Promise<RawProcSockets>;
  /** A non-blocking AF_PACKET socket on ifindex with the TCP-ports cBPF filter attached (EPERM without CAP_NET_RAW). */
  packetOpen?(ifindex: number, ports: number[], snaplen: number, netnsPath?: string, netnsInode?: number): number;
  /** What is queued on the capture now, at most maxPackets; never waits. */
  packetRead?(fd: number, maxPackets: number): RawPacketBatch;
  /** An fd of /proc/net/netstat as seen from inside the namespace. */
  netnsOpenNetstat?(netnsPath: string, netnsInode: number): number;
}
