/**
 * What `ss -tno` says about one ESTABLISHED connection, selected by its full
 * 4-tuple: the host may hold other sockets with the same port on another
 * loopback address (127.0.0.2, …), so a port alone is not enough.
 */
import { execFileSync } from 'node:child_process';

import { parseSsDuration } from '@keepalive-dashboard/server/sources/ss-duration';

export interface SsTimer {
  kind: string;
  ms: number;
  resolutionMs: number;
  probes: number;
  line: string;
}

const bracket = (address: string): string => (address.includes(':') ? `[${address}]` : address);

export function ssLine(local: { address: string; port: number }, peer: { address: string; port: number }): string {
  const filter = `( src ${bracket(local.address)}:${local.port} and dst ${bracket(peer.address)}:${peer.port} )`;
  return execFileSync('ss', ['-tnoH', 'state', 'established', filter], { encoding: 'utf8' });
}

/** The connection's timer, or kind 'none' when ss shows none. */
export function ssTimer(local: { address: string; port: number }, peer: { address: string; port: number }): SsTimer {
  const line = ssLine(local, peer);
  const m = /timer:\((\w+),([^,]*),(\d+)\)/.exec(line);
  if (!m) return { kind: 'none', ms: 0, resolutionMs: 0, probes: 0, line };
  const duration = parseSsDuration(m[2] ?? '');
  return { kind: m[1] ?? '', ms: duration?.ms ?? -1, resolutionMs: duration?.resolutionMs ?? 0, probes: Number(m[3]), line };
}
