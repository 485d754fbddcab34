/**
 * One pass over every view at scrape time: what the per-host families count
 * (by command, keepalive status, advisory kind, settings in use) and the few
 * connections that get a series of their own.
 */
import { inProbePhase, keepaliveStatus, type AdvisoryKind, type ConnectionView, type KeepaliveSettings } from '@keepalive-dashboard/shared';

import { MAX_CONNECTION_SERIES } from './caps.js';

/** Informational, not a risk: a namespace's own sysctls are a fact, not a fault. */
const NOT_A_RISK: ReadonlySet<string> = new Set<AdvisoryKind>(['namespace-defaults']);
/** The states whose keepalive matters (the same the totals count on/off for). */
const KEEPALIVE_STATES: ReadonlySet<string> = new Set(['ESTABLISHED', 'LISTEN', 'CLOSE_WAIT']);

export interface AtRisk {
  view: ConnectionView;
  /** `probing`, or the first advisory kind that flags it. */
  risk: string;
}

export interface Aggregate {
  byComm: Map<string, number>;
  byKeepalive: Map<string, number>;
  byAdvisory: Map<string, number>;
  /** Settings of the connections with keepalive on and read back. */
  settings: KeepaliveSettings[];
  atRisk: AtRisk[];
}

/** The command name a row counts under: its first holder's, or `unknown` (no holder found, or TIME-WAIT). */
export function commOf(view: ConnectionView): string {
  return view.holders[0]?.comm || 'unknown';
}

const add = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

export function aggregateViews(views: Iterable<ConnectionView>): Aggregate {
  const out: Aggregate = { byComm: new Map(), byKeepalive: new Map(), byAdvisory: new Map(), settings: [], atRisk: [] };
  const probing: AtRisk[] = [];
  const flagged: AtRisk[] = [];
  for (const view of views) {
    add(out.byComm, commOf(view));
    if (KEEPALIVE_STATES.has(view.state)) add(out.byKeepalive, keepaliveStatus(view));
    if (view.keepalive?.enabled && view.state === 'ESTABLISHED') out.settings.push(view.keepalive);
    let risk: string | null = null;
    for (const advisory of view.advisories) {
      add(out.byAdvisory, advisory.code);
      if (risk === null && !NOT_A_RISK.has(advisory.code)) risk = advisory.code;
    }
    if (inProbePhase(view)) probing.push({ view, risk: 'probing' });
    else if (risk !== null) flagged.push({ view, risk });
  }
  // Probing first, the soonest death first; then the flagged, by id so the chosen set holds still between scrapes.
  probing.sort((a, b) => (a.view.derived?.deadAt ?? Infinity) - (b.view.derived?.deadAt ?? Infinity) || compareIds(a.view, b.view));
  out.atRisk = probing.slice(0, MAX_CONNECTION_SERIES);
  if (out.atRisk.length < MAX_CONNECTION_SERIES) out.atRisk.push(...flagged.sort((a, b) => compareIds(a.view, b.view)).slice(0, MAX_CONNECTION_SERIES - out.atRisk.length));
  return out;
}

function compareIds(a: ConnectionView, b: ConnectionView): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
