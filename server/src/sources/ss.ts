/**
 * The `ss` source: iproute2's socket dump, parsed.
 *
 * We run `ss -tanoei`: -t TCP, -a every state, -n numeric, -o timers, -e
 * ino/sk (the socket cookie, our id)/uid, -i tcp_info. Never -p (quadratic in
 * sockets × processes; the process map has its own slower clock). -i costs
 * about 2.3× (8000 sockets: 44 → 100 ms) but without it the keepalive
 * arithmetic has nothing to work on (lastrcv, lastack, unacked, notsent), so
 * it is on by default and `tcpInfo: false` turns it off. No -H or -O, which
 * older iproute2 lacks: the parser skips the header and joins the
 * tab-indented tcp_info line to its socket, and reads -H / -O output as well.
 */
import { connectionId, eachLine, type Connection, type ConnectionTcpInfo, type Timer, type TimerKind } from '@keepalive-dashboard/shared';

import { withScope, type Family } from './address.js';
import { overlongLine } from './text-lines.js';
import { runTool, type ToolOptions } from './run-tool.js';
import { parseSsDuration } from './ss-duration.js';
import { parseSsEndpoint, type SsEndpoint } from './ss-endpoint.js';
import { readSsTcpInfoField, SS_TCP_INFO_KEYS, withOmittedZeros } from './ss-tcp-info.js';
import { stateFromSs } from './state-names.js';
import type { ParseIssue, ParseResult, Source } from './types.js';

/** iproute2 tcp_timer_print's names: off, on, keepalive, timewait, persist, unknown. */
const TIMER_KINDS: Record<string, TimerKind> = {
  off: 'none',
  on: 'retransmit',
  keepalive: 'keepalive',
  timewait: 'timewait',
  persist: 'persist',
};

interface Pending {
  line: number;
  text: string;
  local: SsEndpoint;
  peer: SsEndpoint;
  fields: Omit<Connection, 'id' | 'family' | 'local' | 'peer' | 'tcpInfo'>;
  tcpInfo: ConnectionTcpInfo;
  tcpInfoSeen: boolean;
  error: string | undefined;
}

const COLUMN = /[ \t]*([^ \t]+)/y;

/** The first `max` blank-separated columns and where each ends. */
function readColumns(line: string, max: number): { cols: string[]; ends: number[] } {
  const cols: string[] = [];
  const ends: number[] = [];
  COLUMN.lastIndex = 0;
  while (cols.length < max) {
    const m = COLUMN.exec(line);
    if (!m) break;
    cols.push(m[1] ?? '');
    ends.push(COLUMN.lastIndex);
  }
  return { cols, ends };
}

// Only the fields we read: a dump with -i has ~40 per socket, and scanning
// for these beats splitting every line into tokens. A value runs to the next
// blank, so `timer:(on,1sec,0)` and `bbr:(bw:1bps,mrtt:0.1)` stay whole and
// keys inside parentheses (mrtt:) are not mistaken for fields.
const FIELD = new RegExp(`(?:^|[ \\t])(timer|uid|ino|sk|${SS_TCP_INFO_KEYS.join('|')}):([^ \\t]*)`, 'g');

function readFields(p: Pending, line: string, from: number): void {
  FIELD.lastIndex = from;
  for (let m = FIELD.exec(line); m && p.error === undefined; m = FIELD.exec(line)) p.error = readField(p, m[1] ?? '', m[2] ?? '');
}

function parseTimer(value: string): Timer | string {
  const m = /^\(([^,()]+),([^,()]*),(\d+)\)$/.exec(value);
  if (!m) return `bad timer "timer:${value}"`;
  const [, name = '', durationText = '', countText = ''] = m;
  const kind = Object.hasOwn(TIMER_KINDS, name) ? (TIMER_KINDS[name] ?? 'unknown') : 'unknown';
  const duration = parseSsDuration(durationText);
  if (!duration) return `bad timer duration "${durationText}"`;
  const counted = kind === 'retransmit' || kind === 'keepalive' || kind === 'persist';
  return { kind, remainingMs: kind === 'none' ? 0 : duration.ms, count: counted ? Number(countText) : 0 };
}

/** Applies one field; returns an error for a malformed identity or timer field. */
function readField(p: Pending, key: string, value: string): string | undefined {
  switch (key) {
    case 'timer': {
      const timer = parseTimer(value);
      if (typeof timer === 'string') return timer;
      p.fields.timer = timer;
      return undefined;
    }
    case 'uid':
    case 'ino': {
      if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) return `bad ${key} "${value}"`;
      if (key === 'uid') p.fields.uid = Number(value);
      else p.fields.inode = Number(value);
      return undefined;
    }
    case 'sk': {
      if (!/^[0-9a-fA-F]{1,16}$/.test(value)) return `bad socket cookie "sk:${value}"`;
      p.fields.cookie = value.toLowerCase().padStart(16, '0');
      return undefined;
    }
    default:
      if (readSsTcpInfoField(p.tcpInfo, key, value)) p.tcpInfoSeen = true;
      return undefined;
  }
}

/** A socket's first line: [Netid] State Recv-Q Send-Q Local Peer [fields…]. null = not TCP, skip silently. */
function startSocket(line: number, text: string): Pending | ParseIssue | null {
  const issue = (message: string): ParseIssue => ({ line, message, text });
  const read = readColumns(text, 6);
  let cols = read.cols;
  let fieldsFrom = read.ends[4] ?? text.length;
  if (!stateFromSs(cols[0] ?? '') && stateFromSs(cols[1] ?? '')) {
    if (cols[0] !== 'tcp') return null;
    cols = cols.slice(1);
    fieldsFrom = read.ends[5] ?? text.length;
  }
  const [stateName = '', recvText = '', sendText = '', localText = '', peerText = ''] = cols;
  if (cols.length < 5) return issue(`expected State Recv-Q Send-Q Local Peer, got ${cols.length} columns`);
  const state = stateFromSs(stateName);
  if (!state) return issue(`unknown state "${stateName}"`);
  if (!/^\d+$/.test(recvText) || !/^\d+$/.test(sendText)) return issue(`bad queue sizes "${recvText}" "${sendText}"`);
  const local = parseSsEndpoint(localText);
  if (typeof local === 'string') return issue(`local address: ${local}`);
  const peer = parseSsEndpoint(peerText);
  if (typeof peer === 'string') return issue(`peer address: ${peer}`);
  const pending: Pending = {
    line,
    text,
    local,
    peer,
    fields: {
      state,
      inode: 0,
      cookie: null,
      uid: 0,
      recvQ: Number(recvText),
      sendQ: Number(sendText),
      timer: { kind: 'none', remainingMs: 0, count: 0 },
    },
    tcpInfo: {},
    tcpInfoSeen: false,
    error: undefined,
  };
  readFields(pending, text, fieldsFrom);
  return pending;
}

function endpointAddress(e: SsEndpoint, family: Family): string {
  const address = e.address === '*' && family === 4 ? '0.0.0.0' : e.address;
  return withScope(address, e.scope);
}

function finish(p: Pending, legacy: boolean): Connection | ParseIssue {
  const family = p.local.family ?? p.peer.family ?? (legacy ? 4 : 6);
  if (p.local.family && p.peer.family && p.local.family !== p.peer.family) {
    return { line: p.line, message: 'local and peer addresses are of different families', text: p.text };
  }
  const local = { address: endpointAddress(p.local, family), port: p.local.port };
  const peer = { address: endpointAddress(p.peer, family), port: p.peer.port };
  const connection: Connection = { id: '', family, local, peer, ...p.fields };
  connection.id = connectionId(connection);
  if (p.tcpInfoSeen) connection.tcpInfo = withOmittedZeros(p.tcpInfo);
  return connection;
}

/** Parses `ss -tan[o][e][i][H][O]` output. Never throws: a malformed socket line becomes an issue and is skipped. */
export function parseSs(text: string): ParseResult {
  const issues: ParseIssue[] = [];
  const pendings: Pending[] = [];
  let current: Pending | null = null;
  let legacy = false;
  let modern = false;
  eachLine(text, (line, lineNumber) => {
    const overlong = overlongLine(lineNumber, line);
    if (overlong) {
      // Whatever it was, the tcp_info lines after it are not the socket above's.
      issues.push(overlong);
      current = null;
      return;
    }
    if (line.trim() === '') return;
    if (line.startsWith('\t') || line.startsWith(' ')) {
      // The tab-indented tcp_info line of the socket above.
      if (current) readFields(current, line, 0);
      return;
    }
    current = null;
    if (line.startsWith('State') || line.startsWith('Netid')) return;
    const started = startSocket(lineNumber, line);
    if (started === null) return;
    if (!('fields' in started)) {
      issues.push(started);
      return;
    }
    current = started;
    pendings.push(started);
    for (const e of [started.local, started.peer]) {
      if (e.legacyV6) legacy = true;
      else if (e.family === 6) modern = true;
    }
  });
  const connections: Connection[] = [];
  for (const p of pendings) {
    if (p.error) {
      issues.push({ line: p.line, message: p.error, text: p.text });
      continue;
    }
    const result = finish(p, legacy && !modern);
    if ('id' in result) connections.push(result);
    else issues.push(result);
  }
  issues.sort((a, b) => a.line - b.line);
  return { connections, issues };
}

export interface SsSourceOptions extends ToolOptions {
  /** Add -i for the tcp_info subset (default true). */
  tcpInfo?: boolean;
  /** Malformed lines of each dump (default: dropped). */
  onIssues?: (issues: ParseIssue[]) => void;
}

export function createSsSource(options: SsSourceOptions = {}): Source {
  const flags = options.tcpInfo === false ? '-tanoe' : '-tanoei';
  return {
    name: 'ss',
    async collect() {
      const out = await runTool({ source: 'ss', command: 'ss', args: [flags], debianPackage: 'iproute2' }, options);
      const { connections, issues } = parseSs(out);
      if (issues.length > 0) options.onIssues?.(issues);
      return connections;
    },
  };
}
