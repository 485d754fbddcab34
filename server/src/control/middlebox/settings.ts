/**
 * What the middlebox is set to: how long its conntrack remembers an idle
 * established flow, and what it does with a segment of a flow it forgot.
 * The presets are the idle timeouts the clouds document for their NAT
 * gateways and load balancers; `custom` takes seconds (tests use 8 s).
 */
// The timeout's bounds live with the request schema in shared/ (the browser's form checks the same).
import { MIDDLEBOX_LAB_TIMEOUT_SEC_MAX as TIMEOUT_SEC_MAX, MIDDLEBOX_LAB_TIMEOUT_SEC_MIN as TIMEOUT_SEC_MIN } from '@keepalive-dashboard/shared';

export const PRESETS = {
  aws: { label: 'AWS NLB / NAT gateway', timeoutSec: 350 },
  gcp: { label: 'GCP Cloud NAT', timeoutSec: 600 },
  azure: { label: 'Azure load balancer / NAT', timeoutSec: 240 },
} as const;

export type PresetName = keyof typeof PRESETS | 'custom';

/**
 * drop: a forgotten flow's segments vanish (the sender retransmits until its
 * RTO or TCP_USER_TIMEOUT gives up: ETIMEDOUT); rst: the middlebox answers
 * them with a TCP reset (ECONNRESET at the sender).
 */
export type MiddleboxMode = 'drop' | 'rst';

export interface MiddleboxSettings {
  preset: PresetName;
  timeoutSec: number;
  mode: MiddleboxMode;
}


export function settingsFrom(request: { preset?: PresetName; timeoutSec?: number; mode?: MiddleboxMode }): MiddleboxSettings {
  const mode = request.mode ?? 'drop';
  const preset = request.preset ?? (request.timeoutSec === undefined ? 'aws' : 'custom');
  if (preset !== 'custom') {
    if (request.timeoutSec !== undefined && request.timeoutSec !== PRESETS[preset].timeoutSec) {
      throw new RangeError(`preset ${preset} means ${PRESETS[preset].timeoutSec} s; give preset "custom" for timeoutSec ${request.timeoutSec}`);
    }
    return { preset, timeoutSec: PRESETS[preset].timeoutSec, mode };
  }
  const timeoutSec = request.timeoutSec;
  if (timeoutSec === undefined) throw new RangeError('preset "custom" needs timeoutSec');
  if (!Number.isInteger(timeoutSec) || timeoutSec < TIMEOUT_SEC_MIN || timeoutSec > TIMEOUT_SEC_MAX) {
    throw new RangeError(`timeoutSec must be an integer ${TIMEOUT_SEC_MIN}–${TIMEOUT_SEC_MAX} s, got ${timeoutSec}`);
  }
  return { preset, timeoutSec, mode };
}
