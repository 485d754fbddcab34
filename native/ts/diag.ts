/**
 * Every TCP socket on the host, from one NETLINK_SOCK_DIAG dump
 * (AF_INET + AF_INET6 in one walk where the kernel allows it, states 0–12,
 * INET_DIAG_INFO: native/src/diag_dump.cc).
 *
 * The addon hands the dump over as a table (rows of uint32 in one
 * ArrayBuffer, plus the distinct address strings) and rows are decoded here,
 * on demand. Measured with `node --import tsx test/helpers/diag-handoff-bench.ts`
 * (kernel 6.18, Node 20.20, 2 vCPUs shared with other jobs at load 3–6,
 * idle loopback pairs in child processes, medians of 9 interleaved runs):
 *
 *   sockets in the dump                        42k        90k       100k
 *   dump → table, no JS objects               45 ms      57 ms     137 ms
 *   dump → table → TS decode of every row     81 ms     118 ms     422 ms
 *   dump → a JS object per socket, in C++    494 ms*    543 ms    1636 ms
 *   netlink source collect() → Connection[]  102 ms     135 ms     405 ms
 *   spawn `ss -tanoiH`, output discarded     372 ms     458 ms    1242 ms
 *
 * (* before its property keys were cached; the 90k run was 40k ESTABLISHED +
 * 50k TIME-WAIT). The dump alone is within 3% of a plain C program doing the
 * same dump (bench/c/diag_dump.c: 69 vs 71 ms at 36k sockets), so the kernel
 * is its cost. Building objects in C++
 * pays a napi call per property, ~35 per socket; JIT-compiled TypeScript
 * allocates the same objects 4–6× faster, and a caller that filters by port
 * or inode first decodes nothing. At 100k sockets most of the decode is GC.
 */
import type { RawDiagTable } from './native.js';
import { systemError } from './errors.js';
import { TCP_STATE_NAMES } from './tcp-info.js';
import {
  AF_INET6,
  COL,
  DIAG_COLUMNS,
  DIAG_LAYOUT_VERSION,
  FLAG_HAS_V6ONLY,
  FLAG_V6ONLY,
  INFO_FIELDS,
  NO_STRING,
} from './diag-layout.js';

/** idiag_timer as the kernel numbers it (net/ipv4/inet_diag.c); anything else is 'unknown'. */
export const DIAG_TIMER_KINDS = ['none', 'retransmit', 'keepalive', 'timewait', 'persist'] as const;
export type DiagTimerKind = (typeof DIAG_TIMER_KINDS)[number] | 'unknown';

export type TcpStateName = (typeof TCP_STATE_NAMES)[number];

export interface DiagEndpoint {
  /** inet_ntop text: `127.0.0.1`, `::1`, `::ffff:127.0.0.1` for a v4-mapped peer of an IPv6 socket. */
  address: string;
  port: number;
}

export interface DiagTimer {
  kind: DiagTimerKind;
  /** idiag_expires: ms until the kernel's timer fires, 0 when overdue. */
  remainingMs: number;
  /** idiag_retrans: unanswered probes for keepalive/persist, retransmissions for retransmit. */
  count: number;
}

/** The tcp_info subset the dump carries; a field the kernel's struct lacks is absent, not 0. */
export interface DiagTcpInfo {
  /** µs */
  rtt?: number;
  /** µs */
  rttvar?: number;
  /** µs */
  rto?: number;
  retransmits?: number;
  probes?: number;
  backoff?: number;
  unacked?: number;
  notsentBytes?: number;
  /** ms ago */
  lastDataSent?: number;
  /** ms ago */
  lastDataRecv?: number;
  /** ms ago */
  lastAckRecv?: number;
  totalRetrans?: number;
  /** segments */
  sndCwnd?: number;
  /** bytes */
  pmtu?: number;
  /** µs */
  minRtt?: number;
  segsOut?: number;
  segsIn?: number;
  bytesAcked?: number;
  bytesReceived?: number;
}

export interface DiagSocket {
  family: 4 | 6;
  state: TcpStateName;
  /** The kernel's state number (include/net/tcp_states.h). */
  stateCode: number;
  local: DiagEndpoint;
  peer: DiagEndpoint;
  /**
   * idiag_if: the device the socket is bound to (sk_bound_dev_if) — a
   * link-local IPv6 socket's scope, or SO_BINDTODEVICE. Name, `if<N>` when
   * the index no longer resolves, null when unbound.
   */
  iface: string | null;
  /** idiag_if as a number, 0 when unbound: what an exact lookup (DiagKey.ifindex) needs. */
  ifindex: number;
  /** IPV6_V6ONLY; the kernel reports it only for LISTEN and CLOSE IPv6 sockets. */
  v6only?: boolean;
  /** 0 for TIME-WAIT and request (NEW_SYN_RECV) sockets. */
  inode: number;
  /** idiag_cookie as 16 hex digits, the same value as SO_COOKIE and ss's `sk:`. */
  cookie: string;
  uid: number;
  /** idiag_rqueue; for LISTEN the accept backlog, as ss prints it. */
  recvQ: number;
  /** idiag_wqueue; for LISTEN the maximum backlog. */
  sendQ: number;
  timer: DiagTimer;
  /** Full sockets only (not TIME-WAIT or request sockets). */
  tcpInfo?: DiagTcpInfo;
}

const ALL_INFO_PRESENT = (() => {
  let mask = 0;
  let offset = 0;
  for (const [, words] of INFO_FIELDS) {
    mask |= 1 << offset;
    offset += words;
  }
  return mask;
})();

const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const hex = (n: number): number => HEX[n & 15] as number;

/**
 * The u64 cookie as 16 hex digits, high word first as ss's `sk:` prints it.
 * One flat string from char codes: ~4× cheaper than toString(16) + padStart,
 * which was half of a row's decode time.
 */
function cookieHex(high: number, low: number): string {
  return String.fromCharCode(
    hex(high >>> 28), hex(high >>> 24), hex(high >>> 20), hex(high >>> 16),
    hex(high >>> 12), hex(high >>> 8), hex(high >>> 4), hex(high),
    hex(low >>> 28), hex(low >>> 24), hex(low >>> 20), hex(low >>> 16),
    hex(low >>> 12), hex(low >>> 8), hex(low >>> 4), hex(low),
  );
}

/** A dump, decoded row by row on demand; filter by port or inode without decoding. */
export class TcpSocketTable implements Iterable<DiagSocket> {
  readonly length: number;
  private readonly rows: Uint32Array;
  private readonly strings: readonly string[];

  constructor(raw: RawDiagTable) {
    if (raw.layout !== DIAG_LAYOUT_VERSION || raw.columns !== DIAG_COLUMNS) {
      throw systemError(
        'ERR_ADDON_STALE',
        `the native addon's dump layout (v${raw.layout}, ${raw.columns} columns) is not this module's ` +
          `(v${DIAG_LAYOUT_VERSION}, ${DIAG_COLUMNS}): rebuild it with \`npm run build --workspace native\``,
      );
    }
    this.length = raw.count;
    this.rows = new Uint32Array(raw.rows, 0, raw.count * DIAG_COLUMNS);
    this.strings = raw.strings;
  }

  localPort(i: number): number {
    return this.word(i, COL.sport);
  }

  peerPort(i: number): number {
    return this.word(i, COL.dport);
  }

  inode(i: number): number {
    return this.word(i, COL.inode);
  }

  /** Row `i`'s cookie (as DiagSocket.cookie) without decoding the row: how lookups and sweeps are matched. */
  cookie(i: number): string {
    return cookieHex(this.word(i, COL.cookieHigh), this.word(i, COL.cookieLow));
  }

  /** Row `i` as an object; a fresh one on each call. */
  at(i: number): DiagSocket {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`row must be 0–${this.length - 1}, got ${i}`);
    const r = this.rows;
    const base = i * DIAG_COLUMNS;
    const stateCode = r[base + COL.state] as number;
    const timerCode = r[base + COL.timer] as number;
    const flags = r[base + COL.flags] as number;
    const ifindex = r[base + COL.ifindex] as number;
    const ifaceIndex = r[base + COL.iface] as number;
    const socket: DiagSocket = {
      family: r[base + COL.family] === AF_INET6 ? 6 : 4,
      state: TCP_STATE_NAMES[stateCode] ?? 'UNKNOWN',
      stateCode,
      local: { address: this.strings[r[base + COL.src] as number] ?? '', port: r[base + COL.sport] as number },
      peer: { address: this.strings[r[base + COL.dst] as number] ?? '', port: r[base + COL.dport] as number },
      iface: ifindex === 0 ? null : ifaceIndex === NO_STRING ? `if${ifindex}` : (this.strings[ifaceIndex] ?? null),
      ifindex,
      inode: r[base + COL.inode] as number,
      cookie: cookieHex(r[base + COL.cookieHigh] as number, r[base + COL.cookieLow] as number),
      uid: r[base + COL.uid] as number,
      recvQ: r[base + COL.rqueue] as number,
      sendQ: r[base + COL.wqueue] as number,
      timer: {
        kind: DIAG_TIMER_KINDS[timerCode] ?? 'unknown',
        remainingMs: r[base + COL.expiresMs] as number,
        count: r[base + COL.timerCount] as number,
      },
    };
    // Added, never deleted: a delete would drop the object into dictionary mode.
    if (r[base + COL.infoLength] !== 0) socket.tcpInfo = this.tcpInfo(base);
    if (flags & FLAG_HAS_V6ONLY) socket.v6only = (flags & FLAG_V6ONLY) !== 0;
    return socket;
  }

  toArray(): DiagSocket[] {
    const out = new Array<DiagSocket>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.at(i);
    return out;
  }

  *[Symbol.iterator](): Iterator<DiagSocket> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  private word(i: number, column: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`row must be 0–${this.length - 1}, got ${i}`);
    return this.rows[i * DIAG_COLUMNS + column] as number;
  }

  private tcpInfo(base: number): DiagTcpInfo {
    const r = this.rows;
    const at = base + COL.infoFirst;
    const u64 = (column: number): number => (r[column] as number) + (r[column + 1] as number) * 2 ** 32;
    const present = r[base + COL.infoPresent] as number;
    if (present === ALL_INFO_PRESENT) {
      // Every kernel since 4.19 sends them all: one literal, one hidden class.
      return {
        rtt: r[at] as number,
        rttvar: r[at + 1] as number,
        rto: r[at + 2] as number,
        retransmits: r[at + 3] as number,
        probes: r[at + 4] as number,
        backoff: r[at + 5] as number,
        unacked: r[at + 6] as number,
        notsentBytes: r[at + 7] as number,
        lastDataSent: r[at + 8] as number,
        lastDataRecv: r[at + 9] as number,
        lastAckRecv: r[at + 10] as number,
        totalRetrans: r[at + 11] as number,
        sndCwnd: r[at + 12] as number,
        pmtu: r[at + 13] as number,
        minRtt: r[at + 14] as number,
        segsOut: r[at + 15] as number,
        segsIn: r[at + 16] as number,
        bytesAcked: u64(at + 17),
        bytesReceived: u64(at + 19),
      };
    }
    const info: Record<string, number> = {};
    let offset = 0;
    for (const [name, words] of INFO_FIELDS) {
      if (present & (1 << offset)) info[name] = words === 2 ? u64(at + offset) : (r[at + offset] as number);
      offset += words;
    }
    return info as DiagTcpInfo;
  }
}
