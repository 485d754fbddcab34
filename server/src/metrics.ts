/**
 * Prometheus exposition: how a fleet is watched. A registry per app, so
 * several apps (tests) never share counters. Cardinality is bounded by
 * construction (metrics/caps.ts): one label per family, top-N label values
 * with the rest under "other", and at most MAX_CONNECTION_SERIES series that
 * name a connection. Families that walk every view do it once per scrape.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import { ADVISORY_KINDS, formatEndpoint, inProbePhase, type ConnectionView, type DeathCause, type Totals } from '@keepalive-dashboard/shared';

import { aggregateViews, commOf, type Aggregate } from './metrics/aggregate.js';
import {
  COLLECTION_SECONDS_BUCKETS,
  KEEPALIVE_STATUSES,
  MAX_COMM_LABELS,
  MAX_NAMESPACE_LABELS,
  PROBES_OUTSTANDING_BUCKETS,
  SETTING_BUCKETS,
  TIMEOUT_CAUSES,
} from './metrics/caps.js';
import { foldLabels, topLabels } from './metrics/top-labels.js';

type KernelTotals = ReadonlyMap<string, { keepaliveProbes: number; abortsOnTimeout: number }>;

export interface StoreReader {
  views(): Iterable<ConnectionView>;
  /** The last full sweep (null before the first) and the gap the sampler aims for between sweeps. */
  collector(): { lastSweepAt: number | null; sweepIntervalMs: number };
  now(): number;
}

/** A scrape reads several families from one pass; a pass this recent is reused. */
const AGGREGATE_REUSE_MS = 1000;
/** Behind: no sweep for this many sweep intervals (a sweep stuck in the kernel, or a starved event loop). */
export const SWEEP_BEHIND_FACTOR = 3;

export class Metrics {
  readonly registry = new Registry();
  private store: StoreReader | null = null;
  private aggregated: { at: number; value: Aggregate } | null = null;
  private namespaceCounts: ReadonlyMap<string, number> = new Map();
  private kernelTotals: () => KernelTotals = () => new Map();
  private readonly startedAt = Date.now();

  readonly connections = new Gauge({ name: 'keepalive_connections', help: 'TCP connections by state', labelNames: ['state'], registers: [this.registry] });
  readonly keepalive = this.scraped('keepalive_connections_keepalive', 'ESTABLISHED, LISTEN and CLOSE_WAIT connections with keepalive on, off, or unknown (no settings read back, no keepalive timer)', 'keepalive', (a) => a.byKeepalive, KEEPALIVE_STATUSES);
  readonly probing = new Gauge({ name: 'keepalive_connections_probing', help: 'Connections in the keepalive probe phase', registers: [this.registry] });
  readonly byComm = this.scraped('keepalive_process_connections', `Connections by the command of the process holding them (top ${MAX_COMM_LABELS}; the rest under "other"; "unknown": no holder found)`, 'comm', (a) => foldLabels(a.byComm, topLabels(a.byComm, MAX_COMM_LABELS)));
  readonly byAdvisory = this.scraped('keepalive_connections_advisory', 'Connections flagged with each advisory kind', 'kind', (a) => a.byAdvisory, ADVISORY_KINDS);
  readonly probesOutstanding = new Histogram({
    name: 'keepalive_probes_outstanding',
    help: 'Unanswered keepalive probes per probing connection, observed each collection',
    buckets: PROBES_OUTSTANDING_BUCKETS,
    registers: [this.registry],
  });
  readonly deaths = new Counter({ name: 'keepalive_deaths_total', help: 'Connections observed dying by a timeout, by cause (keepalive, user-timeout, retransmit-timeout)', labelNames: ['cause'], registers: [this.registry] });
  readonly settingIdle = this.settingHistogram('keepalive_setting_idle_seconds', 'TCP_KEEPIDLE', SETTING_BUCKETS.idleSeconds, (s) => s.idleSec);
  readonly settingInterval = this.settingHistogram('keepalive_setting_interval_seconds', 'TCP_KEEPINTVL', SETTING_BUCKETS.intervalSeconds, (s) => s.intervalSec);
  readonly settingCount = this.settingHistogram('keepalive_setting_probe_count', 'TCP_KEEPCNT', SETTING_BUCKETS.count, (s) => s.count);
  readonly settingUserTimeout = this.settingHistogram('keepalive_setting_user_timeout_seconds', 'TCP_USER_TIMEOUT (0: not set)', SETTING_BUCKETS.userTimeoutSeconds, (s) => s.userTimeoutMs / 1000);
  readonly collectionSeconds = new Histogram({
    name: 'keepalive_collection_duration_seconds',
    help: 'Time to collect and normalize every connection (one full sweep)',
    labelNames: ['source'],
    buckets: COLLECTION_SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly namespaceConnections = this.gauge(
    'keepalive_namespace_connections',
    `TCP connections per network namespace (label: its ip netns name, container, pod, or netns:<inode>; top ${MAX_NAMESPACE_LABELS}, the rest under "other")`,
    ['netns'],
    (g) => {
      for (const [netns, n] of foldLabels(this.namespaceCounts, this.keptNamespaces())) g.set({ netns }, n);
    },
  );
  readonly wsClients = new Gauge({ name: 'keepalive_websocket_clients', help: 'Connected WebSocket clients', registers: [this.registry] });
  readonly kernelProbes = this.kernelCounter('keepalive_kernel_probes_total', 'Keepalive probes the kernel sent, per network namespace (TcpExt TCPKeepAlive)', 'keepaliveProbes');
  readonly kernelAborts = this.kernelCounter(
    'keepalive_kernel_aborts_on_timeout_total',
    'Connections the kernel gave up on after a keepalive, retransmission or user timeout, per network namespace (TcpExt TCPAbortOnTimeout)',
    'abortsOnTimeout',
  );
  readonly atRisk = this.gauge(
    'keepalive_connection_at_risk_seconds',
    'Seconds until the predicted death of a connection probing or flagged at risk (+Inf: none predicted); a capped few, soonest first; id is the socket cookie id',
    ['id', 'netns', 'local', 'peer', 'comm', 'risk'],
    (g) => {
      const now = this.store?.now() ?? Date.now();
      for (const { view, risk } of this.aggregate().atRisk) {
        const deadAt = view.derived?.deadAt ?? null;
        const labels = { id: view.id, netns: view.netns?.label ?? 'unknown', local: formatEndpoint(view.local), peer: formatEndpoint(view.peer), comm: commOf(view), risk };
        g.set(labels, deadAt === null ? Infinity : Math.max(0, (deadAt - now) / 1000));
      }
    },
  );
  readonly cpuSeconds = new Counter({
    name: 'process_cpu_seconds_total',
    help: "The server's own CPU time, user and system, seconds",
    registers: [this.registry],
    collect() {
      const usage = process.cpuUsage();
      this.reset();
      this.inc((usage.user + usage.system) / 1e6);
    },
  });
  readonly sockets = new Gauge({ name: 'keepalive_collector_sockets', help: 'Sockets the last collection saw', registers: [this.registry] });
  readonly sweepAge = this.gauge('keepalive_collector_sweep_age_seconds', 'Seconds since the last full sweep (since start when there was none)', [], (g) => g.set(this.sweepAgeMs() / 1000));
  readonly sweepInterval = this.gauge('keepalive_collector_sweep_interval_seconds', 'The gap the sampler aims for between full sweeps (adapts to what a sweep costs)', [], (g) => g.set((this.store?.collector().sweepIntervalMs ?? 0) / 1000));
  readonly behind = this.gauge('keepalive_collector_behind', `1 when no full sweep came for ${SWEEP_BEHIND_FACTOR} sweep intervals`, [], (g) => {
    const intervalMs = this.store?.collector().sweepIntervalMs ?? 0;
    g.set(this.store && this.sweepAgeMs() > SWEEP_BEHIND_FACTOR * intervalMs ? 1 : 0);
  });

  constructor() {
    // Zeros from the start: rate() and increase() need the series before the first death.
    for (const cause of TIMEOUT_CAUSES) this.deaths.inc({ cause }, 0);
  }

  /** Where the scrape-time families read views and sweep timing from. */
  readStore(store: StoreReader): void {
    this.store = store;
    this.aggregated = null;
  }

  /** Where the kernel counters come from (one series per namespace label, capped like the namespaces). */
  readKernelCounters(read: () => KernelTotals): void {
    this.kernelTotals = read;
  }

  /** A connection that died by a timeout (lab ETIMEDOUT, or seen gone with probes out). */
  countDeath(cause: DeathCause): void {
    this.deaths.inc({ cause });
  }

  /** Per collection: the gauges come from the store's totals; only probing views are walked, for the histogram. */
  observe(totals: Totals, views: Iterable<ConnectionView>, source: string, durationMs: number | null): void {
    this.connections.reset();
    for (const [state, n] of Object.entries(totals.byState)) this.connections.set({ state }, n);
    this.probing.set(totals.probing);
    this.sockets.set(totals.connections);
    if (totals.probing > 0) {
      for (const v of views) if (inProbePhase(v)) this.probesOutstanding.observe(v.derived?.probesOut ?? v.timer.count);
    }
    if (durationMs !== null) this.collectionSeconds.observe({ source }, durationMs / 1000);
  }

  /** Per sweep: sockets per namespace, by label (a namespace that went leaves the series). */
  observeNamespaces(counts: ReadonlyMap<string, number>): void {
    this.namespaceCounts = counts;
  }

  /** The namespace labels with series of their own: the most sockets first. */
  private keptNamespaces(): Set<string> {
    return topLabels(this.namespaceCounts, MAX_NAMESPACE_LABELS);
  }

  /** The namespaces' kept labels, topped up to the cap with counter labels no sweep has counted yet (sorted, so stable). */
  private keptKernelLabels(labels: Iterable<string>): Set<string> {
    const kept = this.keptNamespaces();
    for (const label of [...labels].sort()) {
      if (kept.size >= MAX_NAMESPACE_LABELS) break;
      kept.add(label);
    }
    return kept;
  }

  private aggregate(): Aggregate {
    const now = Date.now();
    if (this.aggregated === null || now - this.aggregated.at > AGGREGATE_REUSE_MS) this.aggregated = { at: now, value: aggregateViews(this.store?.views() ?? []) };
    return this.aggregated.value;
  }

  private sweepAgeMs(): number {
    const now = this.store?.now() ?? Date.now();
    return now - (this.store?.collector().lastSweepAt ?? this.startedAt);
  }

  /** A gauge whose values are set at scrape time (stale label values go with the reset). */
  private gauge(name: string, help: string, labelNames: string[], fill: (g: Gauge) => void): Gauge {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        fill(this);
      },
    });
  }

  /** A one-label gauge from the scrape's aggregate; `always` values are shown as 0 when none count. */
  private scraped(name: string, help: string, label: string, pick: (a: Aggregate) => ReadonlyMap<string, number>, always: readonly string[] = []): Gauge {
    return this.gauge(name, help, [label], (g) => {
      const counts = pick(this.aggregate());
      for (const value of always) g.set({ [label]: value }, 0);
      for (const [value, n] of counts) g.set({ [label]: value }, n);
    });
  }

  /** The settings in use now, re-observed at each scrape: a snapshot across connections, not a count over time. */
  private settingHistogram(name: string, setting: string, buckets: readonly number[], value: (s: Aggregate['settings'][number]) => number): Histogram {
    const aggregate = (): Aggregate => this.aggregate();
    return new Histogram({
      name,
      help: `${setting} of ESTABLISHED connections with keepalive on and settings read back, now (re-counted each scrape)`,
      buckets: [...buckets],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const settings of aggregate().settings) this.observe(value(settings));
      },
    });
  }

  private kernelCounter(name: string, help: string, field: 'keepaliveProbes' | 'abortsOnTimeout'): Counter {
    const totals = (): KernelTotals => this.kernelTotals();
    const kept = (labels: Iterable<string>): Set<string> => this.keptKernelLabels(labels);
    return new Counter({
      name,
      help: `${help}; namespaces outside the top ${MAX_NAMESPACE_LABELS} by sockets add up under "other"`,
      labelNames: ['netns'],
      registers: [this.registry],
      // The kernel keeps the count: the series mirrors it at each scrape (a re-created namespace starts again from 0).
      collect() {
        this.reset();
        const byLabel = new Map([...totals()].map(([netns, counters]) => [netns, counters[field]]));
        const folded = foldLabels(byLabel, kept(byLabel.keys()));
        for (const [netns, n] of folded) this.inc({ netns }, n);
      },
    });
  }
}
