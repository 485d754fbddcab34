/**
 * Prometheus exposition: how a fleet is watched. A registry per app, so
 * several apps (tests) never share counters.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import { inProbePhase, type ConnectionView, type Totals } from '@keepalive-dashboard/shared';

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'keepalive_connections', help: 'TCP connections by state', labelNames: ['state'], registers: [this.registry] });
  readonly keepalive = new Gauge({
    name: 'keepalive_connections_keepalive',
    help: 'ESTABLISHED, LISTEN and CLOSE_WAIT connections with keepalive on or off',
    labelNames: ['keepalive'],
    registers: [this.registry],
  });
  readonly probing = new Gauge({ name: 'keepalive_connections_probing', help: 'Connections in the keepalive probe phase', registers: [this.registry] });
  readonly probesOutstanding = new Histogram({
    name: 'keepalive_probes_outstanding',
    help: 'Unanswered keepalive probes per probing connection, observed each collection',
    buckets: [1, 2, 3, 5, 9, 20, 50, 127],
    registers: [this.registry],
  });
  readonly deaths = new Counter({ name: 'keepalive_deaths_total', help: 'Connections observed dying by keepalive timeout', registers: [this.registry] });
  readonly collectionSeconds = new Histogram({
    name: 'keepalive_collection_duration_seconds',
    help: 'Time to collect and normalize every connection',
    labelNames: ['source'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly namespaceConnections = new Gauge({
    name: 'keepalive_namespace_connections',
    help: 'TCP connections per network namespace (label: its ip netns name, container, pod, or netns:<inode>)',
    labelNames: ['netns'],
    registers: [this.registry],
  });
  readonly wsClients = new Gauge({ name: 'keepalive_websocket_clients', help: 'Connected WebSocket clients', registers: [this.registry] });
  /** The kernel's own totals per namespace label (probes/kernel-counters), read when scraped. */
  private kernelTotals: () => ReadonlyMap<string, { keepaliveProbes: number; abortsOnTimeout: number }> = () => new Map();
  readonly kernelProbes = this.kernelCounter('keepalive_kernel_probes_total', 'Keepalive probes the kernel sent, per network namespace (TcpExt TCPKeepAlive)', 'keepaliveProbes');
  readonly kernelAborts = this.kernelCounter(
    'keepalive_kernel_aborts_on_timeout_total',
    'Connections the kernel gave up on after a keepalive, retransmission or user timeout, per network namespace (TcpExt TCPAbortOnTimeout)',
    'abortsOnTimeout',
  );

  /** Where the kernel counters come from (one series per namespace label: bounded by the namespaces watched). */
  readKernelCounters(read: () => ReadonlyMap<string, { keepaliveProbes: number; abortsOnTimeout: number }>): void {
    this.kernelTotals = read;
  }

  private kernelCounter(name: string, help: string, field: 'keepaliveProbes' | 'abortsOnTimeout'): Counter {
    const totals = (): ReadonlyMap<string, { keepaliveProbes: number; abortsOnTimeout: number }> => this.kernelTotals();
    return new Counter({
      name,
      help,
      labelNames: ['netns'],
      registers: [this.registry],
      // The kernel keeps the count: the series mirrors it at each scrape (a re-created namespace starts again from 0).
      collect() {
        this.reset();
        for (const [netns, counters] of totals()) this.inc({ netns }, counters[field]);
      },
    });
  }

  /** Per collection: the gauges come from the store's totals; only probing views are walked, for the histogram. */
  observe(totals: Totals, views: Iterable<ConnectionView>, source: string, durationMs: number | null): void {
    this.connections.reset();
    for (const [state, n] of Object.entries(totals.byState)) this.connections.set({ state }, n);
    this.keepalive.set({ keepalive: 'on' }, totals.keepaliveOn);
    this.keepalive.set({ keepalive: 'off' }, totals.keepaliveOff);
    this.probing.set(totals.probing);
    if (totals.probing > 0) {
      for (const v of views) if (inProbePhase(v)) this.probesOutstanding.observe(v.derived?.probesOut ?? v.timer.count);
    }
    if (durationMs !== null) this.collectionSeconds.observe({ source }, durationMs / 1000);
  }

  /** Per sweep: sockets per namespace, by label (a namespace that went leaves the series). */
  observeNamespaces(counts: ReadonlyMap<string, number>): void {
    this.namespaceConnections.reset();
    for (const [netns, n] of counts) this.namespaceConnections.set({ netns }, n);
  }
}
