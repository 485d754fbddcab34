/**
 * The `proc` source: /proc/net/tcp and /proc/net/tcp6 read directly
 * (net/ipv4/tcp_ipv4.c get_tcp4_sock, get_openreq4, get_timewait4_sock).
 *
 *   sl local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
 *      [refcnt ptr rto ato quick|pingpong cwnd ssthresh]   (full sockets only)
 *
 * Addresses are the kernel's 32-bit words printed in host byte order (so
 * byte-reversed on little-endian); ports and `st` are hex; tm->when and rto are
 * in USER_HZ ticks; `retrnsmt` is hex icsk_retransmits; `timeout` is
 * icsk_probes_out, the keepalive / zero-window probe count. tr: 0 none,
 * 1 retransmit, 2 keepalive, 3 timewait, 4 persist. Request sockets print as
 * SYN_RECV; a TIME-WAIT socket's substate may be FIN_WAIT2, always with inode 0.
 * For LISTEN, rx_queue is the accept backlog and tx_queue 0 (ss shows the
 * backlog limit as Send-Q instead). No cookie: ids are `ino:` or `tw:`.
 */
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { execFile } from 'node:child_process';

import { connectionId, eachLine, type Connection, type TimerKind } from '@keepalive-dashboard/shared';

import { ANY6, formatIpv4, formatIpv6, type Family } from './address.js';
import { overlongLine } from './text-lines.js';
import { stateFromNumber } from './state-names.js';
import { SourceUnavailableError, type ParseIssue, type ParseResult, type Source } from './types.js';

const TIMER_KINDS: readonly TimerKind[] = ['none', 'retransmit', 'keepalive', 'timewait', 'persist'];

// The tail after inode is sliced off, not matched with `(.*)$`: `.` stops at a
// lone \r or U+2028, and the failed `$` then retried every split of the last
// number and the tail — quadratic in the line.
const LINE =
  /^\s*\d+:\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{2})\s+([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8})\s+([0-9A-Fa-f]{2}):([0-9A-Fa-f]{8,16})\s+([0-9A-Fa-f]{8})\s+(\d+)\s+(\d+)\s+(\d+)/;

/** What `.` does not match: a tail holding one was never a /proc line. */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

export interface ProcParseOptions {
  /** Byte order of the host that wrote the file (default: this host's). */
  littleEndian?: boolean;
}

function decodeAddress(hex: string, family: Family, littleEndian: boolean): string {
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    const wordBytes = [0, 2, 4, 6].map((i) => parseInt(word.slice(i, i + 2), 16));
    bytes.push(...(littleEndian ? wordBytes.reverse() : wordBytes));
  }
  if (family === 4) return formatIpv4(bytes);
  return bytes.every((b) => b === 0) ? ANY6 : formatIpv6(bytes);
}

/** A table's own family, or 'mixed': each line's family from its address width (a capture of `cat /proc/net/tcp /proc/net/tcp6`). */
export type ProcFamily = Family | 'mixed';

const WIDTH_FAMILY: Readonly<Record<number, Family>> = { 8: 4, 32: 6 };

function parseLine(line: number, text: string, tableFamily: ProcFamily, userHz: number, littleEndian: boolean): Connection | ParseIssue {
  const m = LINE.exec(text);
  const rest = m ? text.slice(m[0].length) : '';
  if (!m || LINE_TERMINATOR.test(rest)) return { line, message: 'not a /proc/net/tcp line', text };
  const [, localHex = '', localPort = '', peerHex = '', peerPort = '', st = '', txq = '', rxq = '', tr = '', when = '', retrnsmtHex = '', uid = '', probesText = '', inode = ''] = m;
  const family = tableFamily === 'mixed' ? WIDTH_FAMILY[localHex.length] : tableFamily;
  if (family === undefined) return { line, message: `address is ${localHex.length} hex digits, expected 8 (IPv4) or 32 (IPv6)`, text };
  const width = family === 4 ? 8 : 32;
  if (localHex.length !== width || peerHex.length !== width) {
    return { line, message: `address is ${localHex.length} hex digits, expected ${width} for IPv${family}`, text };
  }
  const state = stateFromNumber(parseInt(st, 16));
  if (!state) return { line, message: `unknown state 0x${st}`, text };
  const kind = TIMER_KINDS[parseInt(tr, 16)] ?? 'unknown';
  const retrnsmt = parseInt(retrnsmtHex, 16);
  const probes = Number(probesText);
  const ticksToMs = (ticks: number): number => Math.round((ticks * 1000) / userHz);
  const count = kind === 'retransmit' ? retrnsmt : kind === 'keepalive' || kind === 'persist' ? probes : 0;
  const connection: Connection = {
    id: '',
    family,
    state,
    local: { address: decodeAddress(localHex, family, littleEndian), port: parseInt(localPort, 16) },
    peer: { address: decodeAddress(peerHex, family, littleEndian), port: parseInt(peerPort, 16) },
    inode: Number(inode),
    cookie: null,
    uid: Number(uid),
    recvQ: parseInt(rxq, 16),
    sendQ: parseInt(txq, 16),
    timer: { kind, remainingMs: kind === 'none' ? 0 : ticksToMs(parseInt(when, 16)), count },
  };
  connection.id = connectionId(connection);
  // Only full sockets print the trailing rto .. ssthresh; TIME-WAIT and request sockets stop at the pointer.
  const extra = rest.trim().split(/\s+/);
  const [, , rtoTicks = '', , , cwnd = ''] = extra;
  if (extra.length >= 7 && /^\d+$/.test(rtoTicks) && /^\d+$/.test(cwnd)) {
    connection.tcpInfo = {
      retransmits: retrnsmt,
      probes,
      // USER_HZ resolution (10 ms at 100 Hz), not tcp_info's µs.
      rto: Math.round((Number(rtoTicks) * 1_000_000) / userHz),
      sndCwnd: Number(cwnd),
    };
  }
  return connection;
}

/**
 * Parses the text of /proc/net/tcp (family 4), /proc/net/tcp6 (family 6), or
 * a capture that may hold both ('mixed').
 * Never throws; a `userHz` that is not positive gives one issue at line 0 and no connections.
 */
export function parseProcNetTcp(text: string, family: ProcFamily, userHz: number, options: ProcParseOptions = {}): ParseResult {
  const littleEndian = options.littleEndian ?? endianness() === 'LE';
  const connections: Connection[] = [];
  const issues: ParseIssue[] = [];
  if (!(userHz > 0)) {
    return { connections, issues: [{ line: 0, message: `USER_HZ must be positive, got ${userHz}`, text: '' }] };
  }
  eachLine(text, (line, lineNumber) => {
    const overlong = overlongLine(lineNumber, line);
    if (overlong) {
      issues.push(overlong);
      return;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('sl ')) return;
    const result = parseLine(lineNumber, line, family, userHz, littleEndian);
    if ('id' in result) connections.push(result);
    else issues.push(result);
  });
  return { connections, issues };
}

/** USER_HZ from `getconf CLK_TCK`; 100 (the value on every mainstream architecture) if getconf is missing. */
export function userHzOfHost(): Promise<number> {
  return new Promise((resolve) => {
    execFile('getconf', ['CLK_TCK'], (error, stdout) => {
      const hz = Number(stdout.trim());
      resolve(!error && Number.isInteger(hz) && hz > 0 ? hz : 100);
    });
  });
}

export interface ProcSourceOptions {
  /** Where tcp and tcp6 live (default /proc/net; /proc/<pid>/net for another network namespace). */
  netDir?: string;
  /** Ticks per second of tm->when and rto (default: getconf CLK_TCK, once). */
  userHz?: number;
  onIssues?: (issues: ParseIssue[]) => void;
}

export function createProcSource(options: ProcSourceOptions = {}): Source {
  const netDir = options.netDir ?? '/proc/net';
  let userHz: Promise<number> | undefined = options.userHz === undefined ? undefined : Promise.resolve(options.userHz);
  const read = async (name: string): Promise<string | null> => {
    try {
      return await readFile(`${netDir}/${name}`, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new SourceUnavailableError('proc', `cannot read ${netDir}/${name}: ${(error as Error).message}`);
    }
  };
  return {
    name: 'proc',
    async collect() {
      userHz ??= userHzOfHost();
      // tcp6 is absent when IPv6 is disabled; tcp never is where /proc is mounted.
      const [tcp, tcp6, hz] = await Promise.all([read('tcp'), read('tcp6'), userHz]);
      if (tcp === null) throw new SourceUnavailableError('proc', `${netDir}/tcp does not exist`, 'is /proc mounted?');
      const v4 = parseProcNetTcp(tcp, 4, hz);
      const v6 = tcp6 === null ? { connections: [], issues: [] } : parseProcNetTcp(tcp6, 6, hz);
      // Line numbers are per file, so each issue says which one.
      const issues = [
        ...v4.issues.map((i) => ({ ...i, message: `${netDir}/tcp: ${i.message}` })),
        ...v6.issues.map((i) => ({ ...i, message: `${netDir}/tcp6: ${i.message}` })),
      ];
      if (issues.length > 0) options.onIssues?.(issues);
      return [...v4.connections, ...v6.connections];
    },
  };
}
