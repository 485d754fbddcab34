/** The state names each tool prints, mapped to the kernel's (TCP_STATES). */
import { TCP_STATES, type TcpState } from '@keepalive-dashboard/shared';

/** iproute2 ss.c sstate_name[]; request sockets come through as SYN-RECV, `UNCONN` is CLOSE. */
const SS_STATES: Record<string, TcpState> = {
  UNKNOWN: 'UNKNOWN',
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  UNCONN: 'CLOSE',
  CLOSE: 'CLOSE',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
  'NEW-SYN-RECV': 'NEW_SYN_RECV',
};

export function stateFromSs(name: string): TcpState | undefined {
  return Object.hasOwn(SS_STATES, name) ? SS_STATES[name] : undefined;
}

/** net-tools prints the kernel's own names (FIN_WAIT1, TIME_WAIT, …). */
export function stateFromNetstat(name: string): TcpState | undefined {
  return (TCP_STATES as readonly string[]).includes(name) ? (name as TcpState) : undefined;
}

/** /proc/net/tcp's `st` column is the kernel number. */
export function stateFromNumber(n: number): TcpState | undefined {
  return TCP_STATES[n];
}
