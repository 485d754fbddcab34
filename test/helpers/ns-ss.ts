/**
 * What `ip netns exec NS ss -tanoiH` lists: the namespace's TCP sockets as iproute2 sees them,
 * in the dashboard's words (state names, timer kinds), for comparing with the server's view.
 */
import { execFileSync } from 'node:child_process';

import type { TcpState, TimerKind } from '@keepalive-dashboard/shared';

export interface SsRow {
  state: TcpState;
  localPort: number;
  peerPort: number;
  timer: TimerKind;
}

// ss's timer names (`timer:(on,…)`) → the dashboard's.
const TIMERS: Record<string, TimerKind> = { on: 'retransmit', keepalive: 'keepalive', timewait: 'timewait', persist: 'persist' };

/** ESTAB → ESTABLISHED, FIN-WAIT-1 → FIN_WAIT1, SYN-RECV → SYN_RECV. */
const stateOf = (ss: string): TcpState => (ss === 'ESTAB' ? 'ESTABLISHED' : ss.replace(/-(\d)$/, '$1').replace(/-/g, '_')) as TcpState;

const portOf = (endpoint: string): number => {
  const port = endpoint.slice(endpoint.lastIndexOf(':') + 1);
  return port === '*' ? 0 : Number(port);
};

export function ssInNetns(ns: string): SsRow[] {
  const out = execFileSync('ip', ['netns', 'exec', ns, 'ss', '-tanoiH'], { encoding: 'utf8' });
  // -i puts tcp_info on an indented second line: only the unindented lines start a socket.
  return out.split('\n').filter((line) => /^\S/.test(line)).map((line) => {
    const [state = '', , , local = '', peer = ''] = line.split(/\s+/);
    const timer = /timer:\((\w+),/.exec(line)?.[1];
    return { state: stateOf(state), localPort: portOf(local), peerPort: portOf(peer), timer: timer ? (TIMERS[timer] ?? 'unknown') : 'none' };
  });
}
