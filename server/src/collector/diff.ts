/**
 * Deciding whether a connection changed. Absolute times computed from
 * "ms from now" samples jitter by a few ms (and by the source's print
 * resolution), so they are compared with a tolerance; everything else exactly.
 */
import type { ConnectionView } from '@keepalive-dashboard/shared';

/** Jitter allowed on absolute times, ms; ss prints coarse durations, so more for long timers. */
export function timeTolerance(remainingMs: number | null): number {
  if (remainingMs === null) return 0;
  if (remainingMs >= 600_000) return 61_000;
  if (remainingMs >= 10_000) return 1_100;
  return 250;
}

const near = (a: number | null, b: number | null, tolerance: number): boolean =>
  a === null || b === null ? a === b : Math.abs(a - b) <= tolerance;

const LAST_FIELDS = ['lastDataSent', 'lastDataRecv', 'lastAckRecv'] as const;

function sameTcpInfo(a: ConnectionView, b: ConnectionView, slack: number): boolean {
  const x = a.tcpInfo;
  const y = b.tcpInfo;
  if (!x || !y) return x === y;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const key of keys) {
    const k = key as keyof typeof x;
    if ((LAST_FIELDS as readonly string[]).includes(key)) {
      // "ms ago" at different sample times: compare the moments they denote.
      const ax = x[k];
      const by = y[k];
      if (ax === undefined || by === undefined) {
        if (ax !== by) return false;
        continue;
      }
      if (Math.abs(a.sampledAt - ax - (b.sampledAt - by)) > 250 + slack) return false;
    } else if (x[k] !== y[k]) return false;
  }
  return true;
}

/**
 * True when `next` differs from `prev` in anything a viewer would see change.
 * `slackMs` widens the time tolerance by how long the dump took: a socket's
 * values were read at some moment within it.
 */
export function viewChanged(prev: ConnectionView, next: ConnectionView, slackMs = 0): boolean {
  if (prev.state !== next.state || prev.recvQ !== next.recvQ || prev.sendQ !== next.sendQ || prev.uid !== next.uid) return true;
  if (prev.timer.kind !== next.timer.kind || prev.timer.count !== next.timer.count) return true;
  const remaining = next.timer.expiresAt === null ? null : next.timer.expiresAt - next.sampledAt;
  if (!near(prev.timer.expiresAt, next.timer.expiresAt, timeTolerance(remaining) + slackMs)) return true;
  if (prev.ownership !== next.ownership || prev.labId !== next.labId || prev.keepaliveOrigin !== next.keepaliveOrigin) return true;
  if (JSON.stringify(prev.keepalive) !== JSON.stringify(next.keepalive)) return true;
  if (JSON.stringify(prev.keepaliveError) !== JSON.stringify(next.keepaliveError)) return true;
  if (JSON.stringify(prev.holders) !== JSON.stringify(next.holders)) return true;
  if (JSON.stringify(prev.advisories.map((a) => a.code)) !== JSON.stringify(next.advisories.map((a) => a.code))) return true;
  const pd = prev.derived;
  const nd = next.derived;
  if (!pd || !nd) {
    if (pd !== nd) return true;
  } else if (
    pd.phase !== nd.phase ||
    pd.probesOut !== nd.probesOut ||
    pd.probesBeforeDeath !== nd.probesBeforeDeath ||
    pd.keepaliveSuspended !== nd.keepaliveSuspended ||
    !near(pd.nextProbeAt, nd.nextProbeAt, 250 + slackMs) ||
    !near(pd.deadAt, nd.deadAt, 250 + slackMs) ||
    !near(pd.lastRecvAt, nd.lastRecvAt, 250 + slackMs)
  ) {
    return true;
  }
  return !sameTcpInfo(prev, next, slackMs);
}
