/** Samples kept for the live charts, in fixed-size rings. */
import type { Totals } from '@keepalive-dashboard/shared';

/** One point of the selected connection's timeline. */
export interface DetailSample {
  /** Server epoch ms. */
  t: number;
  probesOut: number | null;
  rttMs: number | null;
  /** s to the next probe at `t`. */
  nextProbeS: number | null;
}

/** One point of the host's totals chart. */
export interface TotalsSample {
  t: number;
  connections: number;
  established: number;
  timeWait: number;
  listen: number;
  otherStates: number;
  keepaliveOn: number;
  keepaliveOff: number;
  probing: number;
}

export function totalsSample(t: number, totals: Totals): TotalsSample {
  const by = totals.byState;
  const established = by.ESTABLISHED ?? 0;
  const timeWait = by.TIME_WAIT ?? 0;
  const listen = by.LISTEN ?? 0;
  return {
    t,
    connections: totals.connections,
    established,
    timeWait,
    listen,
    otherStates: Math.max(0, totals.connections - established - timeWait - listen),
    keepaliveOn: totals.keepaliveOn,
    keepaliveOff: totals.keepaliveOff,
    probing: totals.probing,
  };
}

/** 10 minutes at the default 1 s interval. */
export const TOTALS_HISTORY = 600;
/** 5 minutes of detail frames at 500 ms. */
export const DETAIL_HISTORY = 600;
export const DETAIL_INTERVAL_MS = 500;
