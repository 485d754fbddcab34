/**
 * What a row or the detail panel shows about time, from absolute server times
 * (nextProbeAt, deadAt, the kernel timer's expiresAt) and the server clock
 * "now": the view interpolates every animation frame without new data.
 */
import { inProbePhase, keepaliveOn, type ConnectionView } from '@keepalive-dashboard/shared';

/**
 * The next probe: the shared/ arithmetic where settings are known, else the
 * kernel's timer. A probe only goes out when the keepalive timer fires, so
 * when the armed timer is later than the arithmetic (switching keepalive on
 * arms a full idle from then; an ACKed probe is not a receive in tcp_info),
 * the timer's moment is the truth: the next probe is the later of the two.
 */
export function nextProbeAt(view: ConnectionView): number | null {
  const kernel = view.timer.kind === 'keepalive' ? view.timer.expiresAt : null;
  if (!view.derived) return kernel;
  const computed = view.derived.nextProbeAt;
  if (computed === null) return null;
  return kernel !== null && kernel > computed ? kernel : computed;
}

/** The kernel's own (lazy) timer, whatever its kind. */
export function kernelTimerAt(view: ConnectionView): number | null {
  return view.timer.kind === 'none' ? null : view.timer.expiresAt;
}

/**
 * When a silent peer is declared dead. Without TCP_USER_TIMEOUT the kernel
 * gives up at the firing that finds all `count` probes unanswered, so it is
 * never before the next probe plus one interval per probe still to go — the
 * same correction as for the next probe, carried through.
 */
export function deadAt(view: ConnectionView): number | null {
  const computed = view.derived?.deadAt ?? null;
  const settings = view.keepalive;
  const next = nextProbeAt(view);
  if (computed === null || !settings || settings.userTimeoutMs > 0 || next === null) return computed;
  const toGo = Math.max(0, (probesAllowed(view) ?? settings.count) - (probesOut(view) ?? 0));
  return Math.max(computed, next + toGo * settings.intervalSec * 1000);
}

/** Server time the peer was last heard from, or null when unknown. */
export function lastRecvAt(view: ConnectionView): number | null {
  if (view.derived) return view.derived.lastRecvAt;
  const info = view.tcpInfo;
  if (info?.lastDataRecv === undefined || info.lastAckRecv === undefined) return null;
  return view.sampledAt - Math.min(info.lastDataRecv, info.lastAckRecv);
}

/** ms until `at` (never negative: an overdue lazy timer reads 0), or null. */
export function remainingMs(at: number | null, serverNow: number): number | null {
  return at === null ? null : Math.max(0, at - serverNow);
}

export function probesOut(view: ConnectionView): number | null {
  if (view.derived) return view.derived.probesOut;
  if (view.timer.kind === 'keepalive') return view.timer.count;
  return view.tcpInfo?.probes ?? null;
}

/** Probes the kernel sends before it gives up (count, or fewer under TCP_USER_TIMEOUT). */
export function probesAllowed(view: ConnectionView): number | null {
  return view.derived?.probesBeforeDeath ?? view.keepalive?.count ?? null;
}

/**
 * Length of the countdown now running: idle until the first probe, the
 * interval between probes. Lets a ring or bar show how far along it is.
 */
export function cycleMs(view: ConnectionView): number | null {
  const settings = view.keepalive;
  if (!settings) return null;
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

/** A short label for the keepalive phase. */
export function phaseLabel(view: ConnectionView): string {
  if (view.derived) {
    if (view.derived.phase === 'suspended') return 'suspended: data in flight';
    return view.derived.phase;
  }
  if (!keepaliveOn(view)) return view.keepalive ? 'off' : 'unknown';
  return inProbePhase(view) ? 'probing' : 'idle';
}

/** 7 195.3 s → "1:59:55"; 42 300 ms → "42.3 s"; under a minute keeps a tenth. */
export function formatDuration(ms: number | null, precise = true): string {
  if (ms === null) return '—';
  if (ms < 60_000) return precise ? `${(Math.floor(ms / 100) / 10).toFixed(1)} s` : `${Math.floor(ms / 1000)} s`;
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}
