/**
 * Every watched namespace's TcpExt TCPKeepAlive / TCPAbortOnTimeout, sampled
 * on a timer from a /proc/net/netstat opened inside it (no CAP_NET_RAW
 * needed): totals for /metrics, probes/s and aborts/s for /api/namespaces.
 */
import type { NetnsTarget } from '@keepalive-dashboard/native';
import type { KernelKeepaliveCounters } from '@keepalive-dashboard/shared';

import type { NamespaceRegistry } from '../namespaces/registry.js';
import { CounterHistory, keepaliveCounters, type CounterSample, type KeepaliveCounters } from './netstat.js';

/** Rates over the last minute: a probe every 75 s (the default interval) still shows. */
const WINDOW_MS = 60_000;

export interface KernelCountersOptions {
  /** Null when the addon is not loaded (no counters then). */
  readNetstat: ((netns?: NetnsTarget) => string) | null;
  namespaces: Pick<NamespaceRegistry, 'list' | 'targets'>;
  now: () => number;
  everyMs?: number;
}

interface Sampled {
  history: CounterHistory;
  last: CounterSample;
  label: string;
}

export class KernelCounters {
  private readonly sampled = new Map<number, Sampled>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: KernelCountersOptions) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.options.everyMs ?? 5000).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads each namespace once; one that cannot be read (or is gone) has no counters. */
  sample(): void {
    const read = this.options.readNetstat;
    if (!read) return;
    const seen = new Set<number>();
    for (const entry of this.options.namespaces.list()) {
      const netns = entry.own ? undefined : this.options.namespaces.targets(entry.inode)?.[0];
      if (!entry.own && !netns) continue;
      let counters: KeepaliveCounters;
      try {
        counters = keepaliveCounters(read(netns));
      } catch {
        continue;
      }
      seen.add(entry.inode);
      const sample = { ...counters, atMs: this.options.now() };
      const known = this.sampled.get(entry.inode) ?? { history: new CounterHistory(WINDOW_MS), last: sample, label: entry.ref.label };
      known.history.add(sample);
      Object.assign(known, { last: sample, label: entry.ref.label });
      this.sampled.set(entry.inode, known);
    }
    for (const inode of [...this.sampled.keys()]) if (!seen.has(inode)) this.sampled.delete(inode);
  }

  get(inode: number): KernelKeepaliveCounters | null {
    const known = this.sampled.get(inode);
    if (!known) return null;
    const { probesPerSec, abortsPerSec, spanMs } = known.history.rates(WINDOW_MS);
    return { probesTotal: known.last.keepaliveProbes, abortsOnTimeoutTotal: known.last.abortsOnTimeout, probesPerSec, abortsPerSec, spanMs };
  }

  /** Totals by namespace label (two namespaces under one label add up): one series each on /metrics. */
  byLabel(): ReadonlyMap<string, KeepaliveCounters> {
    const out = new Map<string, KeepaliveCounters>();
    for (const { last, label } of this.sampled.values()) {
      const sum = out.get(label) ?? { keepaliveProbes: 0, abortsOnTimeout: 0 };
      out.set(label, { keepaliveProbes: sum.keepaliveProbes + last.keepaliveProbes, abortsOnTimeout: sum.abortsOnTimeout + last.abortsOnTimeout });
    }
    return out;
  }
}
