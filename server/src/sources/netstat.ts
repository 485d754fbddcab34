/**
 * The `netstat` source: net-tools' view of /proc/net/tcp{,6}, parsed.
 *
 * We run `netstat -tanoeW`: -n numeric hosts, ports and users, -o timers,
 * -e User and Inode, -W no address truncation. Columns:
 *   Proto Recv-Q Send-Q Local Foreign State User Inode [PID/Program] Timer
 * The timer is `name (seconds/retrnsmt/probes)`: `on` (retransmit), `keepalive`,
 * `probe` (zero-window persist), `timewait`, `off`, `unkn-N`. netstat has no
 * cookie; it prints v4-mapped addresses of tcp6 sockets as bare IPv4
 * (net-tools ≥ 2.10) or `::ffff:a.b.c.d` (older): both become the latter.
 */
import { connectionId, eachLine, type Connection, type ConnectionTcpInfo, type Timer, type TimerKind } from '@keepalive-dashboard/shared';

import { canonicalAddress, parseIpv4, parsePort, type Family } from './address.js';
import { overlongLine } from './text-lines.js';
import { runTool, type ToolOptions } from './run-tool.js';
import { stateFromNetstat } from './state-names.js';
import type { ParseIssue, ParseResult, Source } from './types.js';

const TIMER_KINDS: Record<string, TimerKind> = {
  off: 'none',
  on: 'retransmit',
  keepalive: 'keepalive',
  timewait: 'timewait',
  probe: 'persist',
};

const TIMER = /^(\S+) \((\d+(?:\.\d+)?)\/(\d+)\/(\d+)\)$/;

/** Other protocols a wider netstat command lists: not ours, not an error. */
const OTHER_PROTOCOL = /^(udp|udpl|raw|unix|sctp)6?$/;

function parseEndpoint(text: string, family: Family): Connection['local'] | string {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return `no port in address "${text}"`;
  const port = parsePort(text.slice(colon + 1));
  if (port === null) return `bad port in "${text}" (netstat needs -n)`;
  let host = text.slice(0, colon);
  if (family === 6 && parseIpv4(host)) host = `::ffff:${host}`;
  const address = canonicalAddress(host, family);
  if (address === null) return `bad IPv${family} address in "${text}" (netstat needs -n and -W)`;
  return { address, port };
}

/** The trailing `name (s/r/p)` timer, or null when netstat ran without -o. */
function parseTimer(rest: string[]): { timer: Timer; retrnsmt: number; probes: number } | null {
  if (rest.length < 2) return null;
  const m = TIMER.exec(`${rest[rest.length - 2]} ${rest[rest.length - 1]}`);
  if (!m) return null;
  const [, name = '', secondsText = '', retrnsmtText = '', probesText = ''] = m;
  const kind = Object.hasOwn(TIMER_KINDS, name) ? (TIMER_KINDS[name] ?? 'unknown') : 'unknown';
  const retrnsmt = Number(retrnsmtText);
  const probes = Number(probesText);
  const count = kind === 'retransmit' ? retrnsmt : kind === 'keepalive' || kind === 'persist' ? probes : 0;
  const remainingMs = kind === 'none' ? 0 : Math.round(Number(secondsText) * 1000);
  return { timer: { kind, remainingMs, count }, retrnsmt, probes };
}

function parseLine(line: number, text: string, tokens: string[]): Connection | ParseIssue {
  const issue = (message: string): ParseIssue => ({ line, message, text });
  const [proto = '', recvText = '', sendText = '', localText = '', peerText = '', stateName = '', ...rest] = tokens;
  if (tokens.length < 6) return issue(`expected Proto Recv-Q Send-Q Local Foreign State, got ${tokens.length} columns`);
  const family: Family = proto === 'tcp6' ? 6 : 4;
  if (!/^\d+$/.test(recvText) || !/^\d+$/.test(sendText)) return issue(`bad queue sizes "${recvText}" "${sendText}"`);
  const local = parseEndpoint(localText, family);
  if (typeof local === 'string') return issue(`local address: ${local}`);
  const peer = parseEndpoint(peerText, family);
  if (typeof peer === 'string') return issue(`foreign address: ${peer}`);
  const state = stateFromNetstat(stateName);
  if (!state) return issue(`unknown state "${stateName}"`);
  const timed = parseTimer(rest);
  const owner = timed ? rest.slice(0, -2) : rest;
  let uid = 0;
  let inode = 0;
  // With -e: User Inode (then PID/Program with -p); without: maybe PID/Program alone.
  if (owner.length >= 2 && /^\d+$/.test(owner[1] ?? '') && !/^(\d+\/|-$)/.test(owner[0] ?? '')) {
    if (!/^\d+$/.test(owner[0] ?? '')) return issue(`user "${owner[0]}" is a name, not a uid (netstat needs -n)`);
    uid = Number(owner[0]);
    inode = Number(owner[1]);
  } else if (owner.length > 0 && !/^(\d+\/|-$)/.test(owner[0] ?? '')) {
    return issue(`cannot read User Inode Timer from "${rest.join(' ')}"`);
  }
  const timer = timed?.timer ?? { kind: 'none', remainingMs: 0, count: 0 };
  const connection: Connection = {
    id: '',
    family,
    state,
    local,
    peer,
    inode,
    cookie: null,
    uid,
    recvQ: Number(recvText),
    sendQ: Number(sendText),
    timer,
  };
  connection.id = connectionId(connection);
  // retrnsmt and probes are icsk_retransmits and icsk_probes_out, exactly
  // tcp_info's; TIME-WAIT and request sockets have no tcp_info.
  const fullSocket = timer.kind !== 'timewait' && state !== 'TIME_WAIT' && state !== 'SYN_RECV';
  if (timed && fullSocket) {
    const tcpInfo: ConnectionTcpInfo = { retransmits: timed.retrnsmt, probes: timed.probes };
    connection.tcpInfo = tcpInfo;
  }
  return connection;
}

/** Parses `netstat -tanoeW` output (also without -o or -e, or with -p). Never throws. */
export function parseNetstat(text: string): ParseResult {
  const connections: Connection[] = [];
  const issues: ParseIssue[] = [];
  eachLine(text, (line, lineNumber) => {
    const overlong = overlongLine(lineNumber, line);
    if (overlong) {
      issues.push(overlong);
      return;
    }
    const tokens = line.trim().split(/\s+/).filter(Boolean);
    const first = tokens[0];
    if (first === undefined || first === 'Active' || first === 'Proto' || OTHER_PROTOCOL.test(first)) return;
    if (first !== 'tcp' && first !== 'tcp6') {
      issues.push({ line: lineNumber, message: `not a netstat TCP line (Proto "${first}")`, text: line });
      return;
    }
    const result = parseLine(lineNumber, line, tokens);
    if ('id' in result) connections.push(result);
    else issues.push(result);
  });
  return { connections, issues };
}

export interface NetstatSourceOptions extends ToolOptions {
  onIssues?: (issues: ParseIssue[]) => void;
}

export function createNetstatSource(options: NetstatSourceOptions = {}): Source {
  return {
    name: 'netstat',
    async collect() {
      const tool = { source: 'netstat', command: 'netstat', args: ['-tanoeW'], debianPackage: 'net-tools' } as const;
      const { connections, issues } = parseNetstat(await runTool(tool, options));
      if (issues.length > 0) options.onIssues?.(issues);
      return connections;
    },
  };
}
