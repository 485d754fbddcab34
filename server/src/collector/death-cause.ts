/**
 * Why a connection ended, from what the server saw: the errno its owner got
 * (lab sockets), or that it vanished with keepalive probes out (anyone's).
 */
import type { DeathCause, KeepaliveSettings } from '@keepalive-dashboard/shared';

/**
 * ETIMEDOUT comes from three timers. With TCP_USER_TIMEOUT set, the kernel
 * aborts on it instead of counting probes (tcp_keepalive_timer) and on it
 * instead of the retransmission limit; without it, probes out mean keepalive
 * gave up, none mean the retransmissions did (data unacked suspends keepalive).
 */
export function timeoutCause(settings: KeepaliveSettings | null, probesOut: number): DeathCause {
  if (settings && settings.userTimeoutMs > 0) return 'user-timeout';
  return probesOut > 0 ? 'keepalive' : 'retransmit-timeout';
}

/** The cause an owner's socket error names; null for a clean close (no error). */
export function causeOfCode(code: string | null, settings: KeepaliveSettings | null, probesOut: number): DeathCause {
  switch (code) {
    case 'ETIMEDOUT':
      return timeoutCause(settings, probesOut);
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    // What SOCK_DESTROY gives the owner (ss -K, or DELETE /api/connections/:id).
    case 'ECONNABORTED':
      return 'killed';
    default:
      return 'closed';
  }
}
