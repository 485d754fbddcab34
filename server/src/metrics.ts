/**
 * Prometheus exposition: how a fleet is watched. A registry per app, so
 * several apps (tests) never share counters.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import { inProbePhase, keepaliveOn, type ConnectionView } from '@keepalive-dashboard/shared';

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
  readonly wsClients = new Gauge({ name: 'keepalive_websocket_clients', help: 'Connected WebSocket clients', registers: [this.registry] });

  observe(views: Iterable<ConnectionView>, source: string, durationMs: number): void {
    const byState = new Map<string, number>();
    let on = 0;
    let off = 0;
    let probing = 0;
    for (const v of views) {
      byState.set(v.state, (byState.get(v.state) ?? 0) + 1);
      if (v.state === 'ESTABLISHED' || v.state === 'LISTEN' || v.state === 'CLOSE_WAIT') {
        if (keepaliveOn(v)) on++;
        else off++;
      }
      if (inProbePhase(v)) {
        probing++;
        this.probesOutstanding.observe(v.derived?.probesOut ?? v.timer.count);
      }
    }
    this.connections.reset();
    for (const [state, n] of byState) this.connections.set({ state }, n);
    this.keepalive.set({ keepalive: 'on' }, on);
    this.keepalive.set({ keepalive: 'off' }, off);
    this.probing.set(probing);
    this.collectionSeconds.observe({ source }, durationMs / 1000);
  }
}
