/**
 * How often to sweep the whole host, and which sockets to look at between
 * sweeps. A sweep of 100k sockets costs ~300 ms, mostly kernel time spent
 * walking the hash tables and filling tcp_info; doing it every second is what
 * made the dashboard cost more than `ss`. So the sweep runs at a cadence that
 * keeps its cost to a small share of one core, and between sweeps the sockets
 * whose keepalive next does something (a probe, a death, an advisory
 * threshold) are read exactly, by 4-tuple and cookie, when it is due.
 */
import { DEFAULT_ADVISORY_OPTIONS, type AdvisoryOptions, type ConnectionView } from '@keepalive-dashboard/shared';

/** Share of one core a sweep may take on average: 300 ms at 100k sockets → one sweep every 6 s. */
export const SWEEP_CPU_SHARE = 0.05;
/**
 * The longest gap between sweeps, ms: a new socket is seen within it and its
 * settings read the tick after, inside the "within 10 s of appearing" bound;
 * a socket that changed unpredictably (traffic, a close) is seen within it.
 */
export const MAX_SWEEP_INTERVAL_MS = 6_000;
/** How long a socket stays on the exact-lookup list after a retune or a select, ms. */
export const KEEP_FRESH_MS = 30_000;
/** An event this overdue without the kernel showing it is a prediction that was wrong: stop looking every tick, ms. */
export const OVERDUE_GIVE_UP_MS = 5_000;

export function sweepIntervalMs(sweepCostMs: number, tickMs: number): number {
  return Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(tickMs, Math.ceil(sweepCostMs / SWEEP_CPU_SHARE / tickMs) * tickMs));
}

/**
 * The next moment this view's keepalive does something a viewer would see
 * (null: nothing predictable — only traffic or a close, which the sweep
 * finds): the next probe, the death, the kernel's keepalive timer, the
 * moment an idle connection without keepalive crosses the advisory threshold.
 */
export function revisitAt(view: ConnectionView, options: AdvisoryOptions = DEFAULT_ADVISORY_OPTIONS): number | null {
  let at: number | null = null;
  const earliest = (t: number | null | undefined): void => {
    if (t !== null && t !== undefined && (at === null || t < at)) at = t;
  };
  earliest(view.derived?.nextProbeAt);
  earliest(view.derived?.deadAt);
  if (view.timer.kind === 'keepalive') earliest(view.timer.expiresAt);
  if (view.state === 'ESTABLISHED' && view.keepalive && !view.keepalive.enabled && view.derived && !view.advisories.some((a) => a.code === 'keepalive-off-idle')) {
    earliest(view.derived.lastRecvAt + options.idleWithoutKeepaliveMs);
  }
  return at;
}
