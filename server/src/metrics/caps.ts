/**
 * The caps that keep /metrics bounded however many sockets a host has: every
 * family has one label at most, and each label's values are a fixed set or a
 * top-N with the rest folded into "other". seriesBound() is the sum the
 * README states and the cardinality test holds.
 */
import { ADVISORY_KINDS, TCP_STATES } from '@keepalive-dashboard/shared';

/** Namespace labels kept (by sockets, most first); the rest add up under "other". Kernel counters use the same set. */
export const MAX_NAMESPACE_LABELS = 20;
/** Process command names kept (by sockets, most first); the rest add up under "other". */
export const MAX_COMM_LABELS = 20;
/** Per-connection series: only connections probing or flagged at risk, soonest death first. */
export const MAX_CONNECTION_SERIES = 50;
/** The label value every folded-away namespace or command adds up under. */
export const OTHER_LABEL = 'other';

/** Fixed buckets of the settings in use (upper bounds; the kernel's limits are 32767 s and 127 probes). */
export const SETTING_BUCKETS = {
  idleSeconds: [10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
  intervalSeconds: [1, 5, 10, 30, 60, 75, 120, 300],
  count: [1, 2, 3, 5, 9, 20, 127],
  // 0: no TCP_USER_TIMEOUT set.
  userTimeoutSeconds: [0, 1, 5, 10, 30, 60, 300, 900, 3600],
} as const;
export const PROBES_OUTSTANDING_BUCKETS = [1, 2, 3, 5, 9, 20, 50, 127];
export const COLLECTION_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Keepalive deaths the server tells apart (shared DEATH_CAUSES that are timeouts). */
export const TIMEOUT_CAUSES = ['keepalive', 'user-timeout', 'retransmit-timeout'] as const;
export const KEEPALIVE_STATUSES = ['on', 'off', 'unknown'] as const;

/** A histogram's series: one per bucket, +Inf, _sum and _count. */
const histogram = (buckets: readonly number[]): number => buckets.length + 3;

/**
 * The most series /metrics can have (lines without #). The collection-time
 * histogram's `source` label has one value per run (the source chosen at start).
 */
export function seriesBound(): number {
  const namespaces = MAX_NAMESPACE_LABELS + 1;
  return (
    TCP_STATES.length + // keepalive_connections{state}
    KEEPALIVE_STATUSES.length + // keepalive_connections_keepalive{keepalive}
    1 + // keepalive_connections_probing
    namespaces + // keepalive_namespace_connections{netns}
    (MAX_COMM_LABELS + 1) + // keepalive_process_connections{comm}
    ADVISORY_KINDS.length + // keepalive_connections_advisory{kind}
    histogram(PROBES_OUTSTANDING_BUCKETS) +
    TIMEOUT_CAUSES.length + // keepalive_deaths_total{cause}
    Object.values(SETTING_BUCKETS).reduce((sum, buckets) => sum + histogram(buckets), 0) +
    2 * namespaces + // keepalive_kernel_{probes,aborts_on_timeout}_total{netns}
    MAX_CONNECTION_SERIES + // keepalive_connection_at_risk_seconds{id,…}
    histogram(COLLECTION_SECONDS_BUCKETS) +
    5 + // process_cpu_seconds_total, keepalive_collector_{sockets,sweep_age_seconds,sweep_interval_seconds,behind}
    1 // keepalive_websocket_clients
  );
}
