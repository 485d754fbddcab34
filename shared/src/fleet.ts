/** GET /api/fleet: the hosts Prometheus scrapes, ranked by risk, each with a link to its own dashboard. */
import { Type, type Static } from '@sinclair/typebox';

export const FleetHostSchema = Type.Object({
  /** Prometheus's `instance` label: the agent's host:port as scraped. */
  instance: Type.String(),
  /** The last scrape reached the agent (`up`). A host that is down is shown first: nothing about it is known. */
  up: Type.Boolean(),
  /** Keepalive deaths (every cause) over the last hour. */
  deathsLastHour: Type.Number(),
  /** Connections in the keepalive probe phase now. */
  probing: Type.Number(),
  /** Advisories on connections now (every kind: keepalive off while idle, user timeout too short, idle over the middlebox…). */
  advisories: Type.Number(),
  connections: Type.Number(),
  dashboardUrl: Type.String(),
});
export type FleetHost = Static<typeof FleetHostSchema>;

export const FleetSchema = Type.Object({
  /** Started with --prometheus. Without it: no hosts, and the page stops asking (a 503 would be a console error on every page). */
  configured: Type.Boolean(),
  /** The Prometheus asked (without credentials); null when none is configured. */
  prometheus: Type.Union([Type.String(), Type.Null()]),
  at: Type.Number(),
  /** Riskiest first: down, then deaths, probing, advisories; ties by instance. */
  hosts: Type.Array(FleetHostSchema),
});
export type Fleet = Static<typeof FleetSchema>;
