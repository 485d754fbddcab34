/**
 * What a ConnectionView shows about keepalive time at a moment `now`, for the
 * table, the detail panel, sorting and totals alike. Every answer is a lookup,
 * not a second computation:
 * - where the server knew the settings, `view.derived` is predictKeepalive's
 *   final answer — the later of the formula and the kernel's keepalive timer
 *   before the first probe, the timer itself while probing, death counted
 *   from it — and is shown as it is;
 * - where it did not (no settings, or no tcp_info), the kernel's own
 *   keepalive timer is all there is: it fires at the next probe, and
 *   icsk_probes_out rides on it; death cannot be known without count and
 *   interval.
 * All times are absolute server epoch ms, so a view counts down without new data.
 */
import { inProbePhase, keepaliveOn } from './filter.js';
import { idleElapsedFromTcpInfo, probesBeforeDeath, type KeepalivePhase } from './keepalive-math.js';
import type { ConnectionView } from './protocol.js';

/** The kernel timer, when it is the keepalive timer (ss `timer:(keepalive,…)`). */
function keepaliveTimerAt(view: ConnectionView): number | null {
  return view.timer.kind === 'keepalive' ? view.timer.expiresAt : null;
}

/** When the next keepalive probe goes out; null when none will (off, suspended, a listener, nothing known). */
export function nextProbeAt(view: ConnectionView): number | null {
  if (view.derived) return view.derived.nextProbeAt;
  return keepaliveTimerAt(view);
}

/** When a silent peer is declared dead (ETIMEDOUT); null when it never will or settings are unknown. */
export function deadAt(view: ConnectionView): number | null {
  return view.derived?.deadAt ?? null;
}

/** The kernel's own (lazy) timer, whatever its kind: shown beside the truthful countdown. */
export function kernelTimerAt(view: ConnectionView): number | null {
  return view.timer.kind === 'none' ? null : view.timer.expiresAt;
}

/** Server time the peer was last heard from (idle elapsed before the sample), or null when unknown. */
export function lastRecvAt(view: ConnectionView): number | null {
  if (view.derived) return view.derived.lastRecvAt;
  const elapsed = idleElapsedFromTcpInfo(view.tcpInfo);
  return elapsed === null ? null : view.sampledAt - elapsed;
}

/** ms until `at` (never negative: an overdue lazy timer reads 0), or null. */
export function remainingMs(at: number | null, serverNow: number): number | null {
  return at === null ? null : Math.max(0, at - serverNow);
}

/** Keepalive probes out without answer (icsk_probes_out): tcp_info's count, else the keepalive timer's. */
export function probesOut(view: ConnectionView): number | null {
  if (view.derived) return view.derived.probesOut;
  return view.tcpInfo?.probes ?? (view.timer.kind === 'keepalive' ? view.timer.count : null);
}

/** Probes the kernel sends before it gives up: count, or what TCP_USER_TIMEOUT allows instead. */
export function probesAllowed(view: ConnectionView): number | null {
  if (view.derived) return view.derived.probesBeforeDeath;
  return view.keepalive ? probesBeforeDeath(view.keepalive) : null;
}

/** The phase, or 'unknown' where neither settings nor a keepalive timer say. */
export function keepalivePhase(view: ConnectionView): KeepalivePhase | 'unknown' {
  if (view.derived) return view.derived.phase;
  if (!keepaliveOn(view)) return view.keepalive ? 'off' : 'unknown';
  return inProbePhase(view) ? 'probing' : 'idle';
}

/**
 * Length of the countdown now running, so a ring or bar can show how far
 * along it is: idle until the first probe, the interval between probes; null
 * when nothing counts down or the settings are unknown.
 */
export function cycleMs(view: ConnectionView): number | null {
  const settings = view.keepalive;
  if (!settings || nextProbeAt(view) === null) return null;
  return (probesOut(view) ?? 0) > 0 ? settings.intervalSec * 1000 : settings.idleSec * 1000;
}

export type Urgency = 'normal' | 'probing' | 'critical';

/**
 * Probing rows stand out; a row whose last allowed probe is out, or whose
 * death is at most one interval away, is critical.
 */
export function urgency(view: ConnectionView, serverNow: number): Urgency {
  if (!inProbePhase(view)) return 'normal';
  const out = probesOut(view) ?? 0;
  const allowed = probesAllowed(view);
  const dead = remainingMs(deadAt(view), serverNow);
  const intervalMs = (view.keepalive?.intervalSec ?? 0) * 1000;
  if ((allowed !== null && out >= allowed - 1) || (dead !== null && dead <= intervalMs)) return 'critical';
  return 'probing';
}
