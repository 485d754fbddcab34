/**
 * Deciding whether a connection changed. Absolute times computed from
 * "ms from now" samples jitter by a few ms (and by the source's print
 * resolution), so they are compared with a tolerance; everything else exactly.
 */
import type { ConnectionView } from '@keepalive-dashboard/shared';

import { sameHolders } from '../processes/holders.js';

/** Jitter allowed on absolute times, ms; ss prints coarse durations, so more for long timers. */
function timeTolerance(remainingMs: number | null): number {
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
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  // A listener reports its last* fields as 0 ("now"), which would move every tick.
  const skipLast = b.state === 'LISTEN';
  for (const key of keys) {
    const k = key as keyof typeof x;
    if (LAST_FIELDS.includes(k as (typeof LAST_FIELDS)[number])) {
      if (skipLast) continue;
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
export function viewChanged(prev: ConnectionView, next: ConnectionView, slackMs = 0, ignoreTraffic = false): boolean {
  if (prev.state !== next.state || prev.uid !== next.uid) return true;
  // The server's own stream sockets: traffic is their job, not news.
  if (ignoreTraffic) return false;
  if (prev.recvQ !== next.recvQ || prev.sendQ !== next.sendQ) return true;
  if (prev.timer.kind !== next.timer.kind || prev.timer.count !== next.timer.count) return true;
  const remaining = next.timer.expiresAt === null ? null : next.timer.expiresAt - next.sampledAt;
  if (!near(prev.timer.expiresAt, next.timer.expiresAt, timeTolerance(remaining) + slackMs)) return true;
  if (prev.ownership !== next.ownership || prev.labId !== next.labId || prev.keepaliveOrigin !== next.keepaliveOrigin) return true;
  if (!sameSettings(prev.keepalive, next.keepalive)) return true;
  if (prev.keepaliveError?.code !== next.keepaliveError?.code || prev.keepaliveError?.message !== next.keepaliveError?.message) return true;
  if (!sameHolders(prev.holders, next.holders)) return true;
  if (prev.netns?.inode !== next.netns?.inode || prev.netns?.label !== next.netns?.label) return true;
  if (prev.advisories.length !== next.advisories.length || prev.advisories.some((a, i) => a.code !== next.advisories[i]?.code)) return true;
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

function sameSettings(a: ConnectionView['keepalive'], b: ConnectionView['keepalive']): boolean {
  if (!a || !b) return a === b;
  return a.enabled === b.enabled && a.idleSec === b.idleSec && a.intervalSec === b.intervalSec && a.count === b.count && a.userTimeoutMs === b.userTimeoutMs;
}
