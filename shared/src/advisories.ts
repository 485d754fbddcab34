/** Keepalive advisories: configurations that will not do what their owner probably expects. */
import type { KeepaliveSettings } from './bounds.js';
import { deadAfterLastRecvMs } from './keepalive-math.js';
import type { Advisory } from './protocol.js';
import { DEFAULT_MIDDLEBOX_TIMEOUT_SEC } from './settings.js';

/** idle / interval / count as net.ipv4.tcp_keepalive_time / _intvl / _probes give them. */
export interface KeepaliveDefaults {
  idleSec: number;
  intervalSec: number;
  count: number;
}

/** The socket's network namespace's keepalive sysctls (they are per namespace) and the host's, when they differ. */
export interface NamespaceDefaults extends KeepaliveDefaults {
  label: string;
  /** The host's (initial namespace's) defaults; null when this is the host's namespace or they are unknown. */
  host: KeepaliveDefaults | null;
}

export interface AdvisoryOptions {
  /** The user's middlebox (NAT, cloud load balancer) idle timeout, s: the host setting GET/PUT /api/settings. */
  middleboxIdleSec: number;
  /** How long an ESTABLISHED connection without keepalive may sit idle before it is flagged, ms. */
  idleWithoutKeepaliveMs: number;
  /** The socket's namespace defaults, when known: settings equal to them are inherited, not chosen. */
  namespace?: NamespaceDefaults;
}

const sameDefaults = (a: KeepaliveDefaults, b: KeepaliveDefaults): boolean => a.idleSec === b.idleSec && a.intervalSec === b.intervalSec && a.count === b.count;
const triple = (d: KeepaliveDefaults): string => `${d.idleSec} s / ${d.intervalSec} s / ${d.count}`;

/** Every advisory code keepaliveAdvisories() gives: the advisory filter names them. */
export const ADVISORY_KINDS = ['keepalive-off-idle', 'user-timeout-below-idle', 'user-timeout-cuts-probes', 'idle-exceeds-middlebox', 'namespace-defaults'] as const;
export type AdvisoryKind = (typeof ADVISORY_KINDS)[number];

export const DEFAULT_ADVISORY_OPTIONS: AdvisoryOptions = { middleboxIdleSec: DEFAULT_MIDDLEBOX_TIMEOUT_SEC, idleWithoutKeepaliveMs: 600_000 };

export function keepaliveAdvisories(
  state: string,
  settings: KeepaliveSettings | null,
  idleElapsedMs: number | null,
  options: AdvisoryOptions = DEFAULT_ADVISORY_OPTIONS,
): Advisory[] {
  // Typed by kind, so a new advisory cannot be given without the filter knowing its name.
  const out: Array<Advisory & { code: AdvisoryKind }> = [];
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
      message: `TCP_USER_TIMEOUT ${userTimeoutMs} ms is shorter than idle ${idleSec} s: the connection dies one interval after the first probe (${deadAfterLastRecvMs(settings) / 1000} s after the last receive)`,
    });
  } else if (userTimeoutMs > 0 && userTimeoutMs < (idleSec + intervalSec * count) * 1000) {
    out.push({
      code: 'user-timeout-cuts-probes',
      message: `TCP_USER_TIMEOUT ${userTimeoutMs} ms is shorter than idle + interval × count (${idleSec + intervalSec * count} s): not all ${count} probes are sent`,
    });
  }
  const ns = options.namespace;
  const inherited = ns !== undefined && sameDefaults(settings, ns);
  if (idleSec > options.middleboxIdleSec) {
    const whence = ns && idleSec === ns.idleSec ? ` (namespace ${ns.label}'s net.ipv4.tcp_keepalive_time)` : '';
    out.push({
      code: 'idle-exceeds-middlebox',
      message: `idle ${idleSec} s${whence} > middlebox ${options.middleboxIdleSec} s: this flow will be forgotten`,
    });
  }
  if (inherited && ns.host && !sameDefaults(ns, ns.host)) {
    out.push({
      code: 'namespace-defaults',
      message: `keepalive ${triple(ns)} comes from namespace ${ns.label}'s sysctls, not the host's ${triple(ns.host)}: net.ipv4.tcp_keepalive_* are per network namespace`,
    });
  }
  return out;
}
