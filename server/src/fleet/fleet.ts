/**
 * The fleet view: every host Prometheus scrapes the agent on, with its risk
 * as Prometheus computes it (one PromQL query per figure, summed by
 * instance), ranked here only by sorting. No home-made aggregation: this
 * server never talks to the other hosts.
 */
import type { Fleet, FleetHost } from '@keepalive-dashboard/shared';

import type { PrometheusClient, Sample } from './prometheus.js';

/** Targets exporting this agent's series in the last hour: `up` alone would list every job Prometheus scrapes. */
const AGENT_TARGETS = 'max by (instance) (up) and on (instance) group by (instance) (last_over_time(keepalive_connections[1h]))';

export const FLEET_QUERIES = {
  up: AGENT_TARGETS,
  deathsLastHour: 'sum by (instance) (increase(keepalive_deaths_total[1h]))',
  probing: 'sum by (instance) (keepalive_connections_probing)',
  advisories: 'sum by (instance) (keepalive_connections_advisory)',
  connections: 'sum by (instance) (keepalive_connections)',
} as const;

type Figure = Exclude<keyof typeof FLEET_QUERIES, 'up'>;

const byInstance = (samples: Sample[]): Map<string, number> => new Map(samples.map((s) => [s.labels.instance ?? '', s.value]));

/** Riskiest first: a host that is down (blind), then deaths, then probing, then advisories; ties by name so the order is stable. */
export function rankHosts(hosts: FleetHost[]): FleetHost[] {
  return [...hosts].sort(
    (a, b) =>
      Number(a.up) - Number(b.up) ||
      b.deathsLastHour - a.deathsLastHour ||
      b.probing - a.probing ||
      b.advisories - a.advisories ||
      a.instance.localeCompare(b.instance),
  );
}

/** The instance label is the scraped host:port, which is where that host's dashboard answers. */
export const dashboardUrlOf = (instance: string): string => `http://${instance}/`;

export async function fleet(prometheus: PrometheusClient, now: () => number): Promise<Fleet> {
  const figures = Object.keys(FLEET_QUERIES).filter((k): k is Figure => k !== 'up');
  const [up, ...answers] = await Promise.all([prometheus.query(FLEET_QUERIES.up), ...figures.map((f) => prometheus.query(FLEET_QUERIES[f]))]);
  const values = new Map(figures.map((f, i) => [f, byInstance(answers[i] ?? [])]));
  // A stale or absent series (a down host, an old agent without a family) counts as 0, not as a gap in the ranking.
  const figure = (f: Figure, instance: string): number => {
    const v = values.get(f)?.get(instance) ?? 0;
    return Number.isFinite(v) ? Math.round(v * 100) / 100 : 0;
  };
  const hosts = (up ?? []).map(({ labels, value }): FleetHost => {
    const instance = labels.instance ?? '';
    return {
      instance,
      up: value === 1,
      deathsLastHour: figure('deathsLastHour', instance),
      probing: figure('probing', instance),
      advisories: figure('advisories', instance),
      connections: figure('connections', instance),
      dashboardUrl: dashboardUrlOf(instance),
    };
  });
  return { configured: true, prometheus: prometheus.shownUrl, at: now(), hosts: rankHosts(hosts) };
}
