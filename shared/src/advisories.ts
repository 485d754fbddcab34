/** Keepalive advisories: configurations that will not do what their owner probably expects. */
import type { KeepaliveSettings } from './bounds.js';
import { deadAfterLastRecvMs } from './keepalive-math.js';
import type { Advisory } from './protocol.js';

export interface AdvisoryOptions {
  /** A middlebox (NAT, cloud load balancer) idle timeout, s; 350 s is a common cloud default. */
  middleboxIdleSec: number;
  /** How long an ESTABLISHED connection without keepalive may sit idle before it is flagged, ms. */
  idleWithoutKeepaliveMs: number;
}

export const DEFAULT_ADVISORY_OPTIONS: AdvisoryOptions = { middleboxIdleSec: 350, idleWithoutKeepaliveMs: 600_000 };

export function keepaliveAdvisories(
  state: string,
  settings: KeepaliveSettings | null,
  idleElapsedMs: number | null,
  options: AdvisoryOptions = DEFAULT_ADVISORY_OPTIONS,
): Advisory[] {
  const out: Advisory[] = [];
  if (state !== 'ESTABLISHED' || !settings) return out;
  if (!settings.enabled) {
    if (idleElapsedMs !== null && idleElapsedMs >= options.idleWithoutKeepaliveMs) {
      out.push({
        code: 'keepalive-off-idle',
        message: `keepalive is off and the connection has been idle ${Math.round(idleElapsedMs / 1000)} s: a vanished peer would never be noticed`,
      });
    }
    return out;
  }
  const { idleSec, intervalSec, count, userTimeoutMs } = settings;
  if (userTimeoutMs > 0 && userTimeoutMs < idleSec * 1000) {
    out.push({
      code: 'user-timeout-below-idle',
      message: `TCP_USER_TIMEOUT ${userTimeoutMs} ms is shorter than idle ${idleSec} s: the connection dies one interval after the first probe (${deadAfterLastRecvMs(settings) / 1000} s)`,
    });
  } else if (userTimeoutMs > 0 && userTimeoutMs < (idleSec + intervalSec * count) * 1000) {
    out.push({
      code: 'user-timeout-cuts-probes',
      message: `TCP_USER_TIMEOUT ${userTimeoutMs} ms is shorter than idle + interval × count (${idleSec + intervalSec * count} s): not all ${count} probes are sent`,
    });
  }
  if (idleSec > options.middleboxIdleSec) {
    out.push({
      code: 'idle-exceeds-middlebox',
      message: `idle ${idleSec} s is longer than a ${options.middleboxIdleSec} s middlebox idle timeout: the flow is likely dropped silently before the first probe`,
    });
  }
  return out;
}
