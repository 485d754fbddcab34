/**
 * Watches the server's collection ticks from inside its process: at each
 * 'delta' the store emits, the process CPU used since the previous one
 * (process.cpuUsage: user + sys, every thread, so the off-thread netlink dump
 * counts) and the store's own wall time for that collection.
 */
import type { ConnectionStore, Delta } from '@keepalive-dashboard/server/collector/store';

import { mean, median, percentile } from './stats.js';

export interface Tick {
  /** Epoch ms (performance clock) when the delta was emitted. */
  at: number;
  seq: number;
  /** CPU since the previous tick, ms. */
  cpuUserMs: number;
  cpuSysMs: number;
  /** store.lastCollection().durationMs: dump + views + diff. */
  collectMs: number;
  connections: number;
  added: number;
  changed: number;
  removed: number;
}

export class TickRecorder {
  readonly ticks: Tick[] = [];
  private last = process.cpuUsage();
  private waiters: (() => void)[] = [];
  private readonly onDelta = (delta: Delta): void => {
    const cpu = process.cpuUsage(this.last);
    this.last = process.cpuUsage();
    const stats = this.store.lastCollection();
    this.ticks.push({
      at: performance.timeOrigin + performance.now(),
      seq: delta.seq,
      cpuUserMs: cpu.user / 1000,
      cpuSysMs: cpu.system / 1000,
      collectMs: stats?.durationMs ?? NaN,
      connections: stats?.connections ?? 0,
      added: delta.added.length,
      changed: delta.changed.length,
      removed: delta.removed.length,
    });
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  };

  constructor(private readonly store: ConnectionStore) {
    store.on('delta', this.onDelta);
  }

  /** Resolves at the next tick after this call. */
  next(timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no collection tick within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async after(count: number, timeoutMs?: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.next(timeoutMs);
  }

  between(fromAt: number, toAt: number): Tick[] {
    return this.ticks.filter((t) => t.at > fromAt && t.at <= toAt);
  }

  stop(): void {
    this.store.off('delta', this.onDelta);
  }
}

export interface TickSummary {
  count: number;
  cpuMsPerTick: { median: number | null; mean: number | null; p95: number | null };
  cpuUserMsMedian: number | null;
  cpuSysMsMedian: number | null;
  collectMs: { median: number | null; p95: number | null };
  changedPerTickMedian: number | null;
  samples: Tick[];
}

export function summarizeTicks(ticks: Tick[]): TickSummary {
  const cpu = ticks.map((t) => t.cpuUserMs + t.cpuSysMs);
  const collect = ticks.map((t) => t.collectMs);
  return {
    count: ticks.length,
    cpuMsPerTick: { median: median(cpu), mean: mean(cpu), p95: percentile(cpu, 95) },
    cpuUserMsMedian: median(ticks.map((t) => t.cpuUserMs)),
    cpuSysMsMedian: median(ticks.map((t) => t.cpuSysMs)),
    collectMs: { median: median(collect), p95: percentile(collect, 95) },
    changedPerTickMedian: median(ticks.map((t) => t.changed)),
    samples: ticks,
  };
}
