/**
 * Keepalive arithmetic, as net/ipv4/tcp_timer.c:tcp_keepalive_timer() does it.
 * Pure functions shared by the server and the browser so both agree.
 *
 * The kernel's rules, in its own terms:
 * - idle elapsed = min(now − last data received, now − last ACK received)
 *   (keepalive_time_elapsed: icsk_ack.lrcvtime and rcv_tstamp);
 * - while data is in flight or queued (packets_out, or a non-empty write
 *   queue) the timer just re-arms: keepalive is suspended;
 * - the timer fires at idle, then every interval while probes go unanswered
 *   (firing k is at idle + k·interval after the last receive; probes_out = k
 *   when it fires); any ACK resets probes_out to 0;
 * - without TCP_USER_TIMEOUT the socket is aborted at the firing that finds
 *   probes_out ≥ count, i.e. idle + count·interval after the last receive;
 * - with TCP_USER_TIMEOUT (> 0) count is ignored: it is aborted at the first
 *   firing with elapsed ≥ user timeout and at least one probe out.
 */
import type { KeepaliveSettings } from './bounds.js';
import type { ConnectionTcpInfo } from './connection.js';

/** The tcp_info fields the arithmetic needs (ms ago, as tcp_info gives them). */
export interface KeepaliveTcpState {
  lastDataRecvMs: number;
  lastAckRecvMs: number;
  /** tcpi_unacked: segments in flight. */
  unacked: number;
  /** tcpi_notsent_bytes: written, not yet sent. */
  notsentBytes: number;
  /** tcpi_probes / icsk_probes_out: keepalive probes sent without answer. */
  probes: number;
}

export type KeepaliveTiming = Pick<KeepaliveSettings, 'idleSec' | 'intervalSec' | 'count' | 'userTimeoutMs'>;

/** ms since the peer was last heard from: the clock keepalive runs on. */
export function idleElapsedMs(tcp: Pick<KeepaliveTcpState, 'lastDataRecvMs' | 'lastAckRecvMs'>): number {
  return Math.min(tcp.lastDataRecvMs, tcp.lastAckRecvMs);
}

/**
 * Idle elapsed from a source's tcp_info, or null when it lacks either clock
 * (netstat and /proc have no tcp_info; a partial one cannot say which is later).
 */
export function idleElapsedFromTcpInfo(info: ConnectionTcpInfo | undefined): number | null {
  if (info?.lastDataRecv === undefined || info.lastAckRecv === undefined) return null;
  return idleElapsedMs({ lastDataRecvMs: info.lastDataRecv, lastAckRecvMs: info.lastAckRecv });
}

/** Keepalive does not probe while data is unacknowledged or unsent: retransmission rules apply instead. */
export function keepaliveSuspended(tcp: Pick<KeepaliveTcpState, 'unacked' | 'notsentBytes'>): boolean {
  return tcp.unacked > 0 || tcp.notsentBytes > 0;
}

/**
 * How many probes go out before the abort, i.e. the firing (counted in probes
 * already out when it fires) at which the kernel aborts: `count` without
 * TCP_USER_TIMEOUT; with it, the first k ≥ 1 with idle + k·interval ≥ user
 * timeout — fewer than `count` or more.
 */
export function probesBeforeDeath(settings: KeepaliveTiming): number {
  if (settings.userTimeoutMs <= 0) return settings.count;
  const idleMs = settings.idleSec * 1000;
  const intervalMs = settings.intervalSec * 1000;
  return Math.max(1, Math.ceil((settings.userTimeoutMs - idleMs) / intervalMs));
}

/** ms after the last receive at which an unanswered peer is declared dead (ETIMEDOUT). */
export function deadAfterLastRecvMs(settings: KeepaliveTiming): number {
  return settings.idleSec * 1000 + probesBeforeDeath(settings) * settings.intervalSec * 1000;
}

/**
 * ms from now to the next keepalive probe; null when keepalive is off or
 * suspended. Overdue (the lazy kernel timer has not fired yet) counts as 0.
 */
export function timeToNextProbeMs(settings: KeepaliveSettings, tcp: KeepaliveTcpState): number | null {
  if (!settings.enabled || keepaliveSuspended(tcp)) return null;
  const elapsed = idleElapsedMs(tcp);
  const firingMs = settings.idleSec * 1000 + tcp.probes * settings.intervalSec * 1000;
  return Math.max(0, firingMs - elapsed);
}

export type KeepalivePhase = 'off' | 'suspended' | 'idle' | 'probing';

export interface KeepalivePrediction {
  phase: KeepalivePhase;
  /** Absolute time (same clock as `nowMs`) of the next probe, or null. */
  nextProbeAt: number | null;
  /** Absolute time the peer will be declared dead if it stays silent, or null. */
  deadAt: number | null;
  /** Absolute time the peer was last heard from. */
  lastRecvAt: number;
  probesOut: number;
  probesBeforeDeath: number;
}

/**
 * The firing at which the kernel aborts, counted from the next firing
 * (`nextFiringAt`, absolute) when `probesOut` probes are already out:
 * firing j happens at nextFiringAt + j·interval with probesOut + j probes out.
 */
function deathFromNextFiring(settings: KeepaliveTiming, probesOut: number, nextFiringAt: number, lastRecvAt: number): number {
  const intervalMs = settings.intervalSec * 1000;
  if (settings.userTimeoutMs <= 0) return nextFiringAt + Math.max(0, settings.count - probesOut) * intervalMs;
  // First j with at least one probe out and the silence at or past the user timeout.
  const byTimeout = Math.ceil((settings.userTimeoutMs - (nextFiringAt - lastRecvAt)) / intervalMs);
  const j = Math.max(0, 1 - probesOut, byTimeout);
  return nextFiringAt + j * intervalMs;
}

/**
 * Everything above at once, as absolute times so a view can count down
 * without new data. `kernelTimerAt` is the kernel's keepalive timer (absolute,
 * when it is the pending timer): a probe only goes out when it fires, so
 * before the first probe the next one is the later of the arithmetic and the
 * timer — later when keepalive was switched on after the last receive (a full
 * idle from that moment) — and while probing the timer is the next probe
 * exactly (the arithmetic would assume keepalive was on at the last receive).
 */
export function predictKeepalive(settings: KeepaliveSettings, tcp: KeepaliveTcpState, nowMs: number, kernelTimerAt: number | null = null): KeepalivePrediction {
  const lastRecvAt = nowMs - idleElapsedMs(tcp);
  const base = { lastRecvAt, probesOut: tcp.probes, probesBeforeDeath: probesBeforeDeath(settings) };
  if (!settings.enabled) return { phase: 'off', nextProbeAt: null, deadAt: null, ...base };
  if (keepaliveSuspended(tcp)) return { phase: 'suspended', nextProbeAt: null, deadAt: null, ...base };
  const formulaNext = nowMs + (timeToNextProbeMs(settings, tcp) ?? 0);
  let nextProbeAt = formulaNext;
  if (kernelTimerAt !== null) nextProbeAt = tcp.probes > 0 ? kernelTimerAt : Math.max(formulaNext, kernelTimerAt);
  const deadAt = Math.max(nowMs, deathFromNextFiring(settings, tcp.probes, nextProbeAt, lastRecvAt));
  return {
    phase: tcp.probes > 0 ? 'probing' : 'idle',
    nextProbeAt,
    deadAt,
    ...base,
    // Counted from the probes already out, so a count lowered below them (TCP_KEEPCNT only stores) reads as the abort at the next firing.
    probesBeforeDeath: tcp.probes + Math.round((deadAt - nextProbeAt) / (settings.intervalSec * 1000)),
  };
}
