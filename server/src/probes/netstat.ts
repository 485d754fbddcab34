/**
 * The kernel's own keepalive counters of one network namespace, from
 * /proc/net/netstat: TcpExt TCPKeepAlive (probes sent) and
 * TCPAbortOnTimeout (connections given up after keepalive, retransmission
 * or user timeouts). They count the whole namespace, so they work without
 * CAP_NET_RAW, when nothing can be captured.
 */
import { ApiError } from '../errors.js';

export interface KeepaliveCounters {
  keepaliveProbes: number;
  abortsOnTimeout: number;
}

/** The counters of one `Section:` in /proc/net/netstat (header line of names, then a line of values). */
export function parseNetstat(text: string): Map<string, Map<string, number>> {
  const sections = new Map<string, Map<string, number>>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(/\s+/).filter(Boolean);
    const values = lines[i + 1]!.split(/\s+/).filter(Boolean);
    const section = names.shift();
    if (section === undefined || section !== values.shift() || names.length !== values.length) continue;
    sections.set(section.replace(/:$/, ''), new Map(names.map((name, n) => [name, Number(values[n])])));
  }
  return sections;
}

export function keepaliveCounters(text: string): KeepaliveCounters {
  const tcpExt = parseNetstat(text).get('TcpExt');
  const keepaliveProbes = tcpExt?.get('TCPKeepAlive');
  const abortsOnTimeout = tcpExt?.get('TCPAbortOnTimeout');
  if (keepaliveProbes === undefined || abortsOnTimeout === undefined) {
    throw new ApiError('KA_ERR_UNAVAILABLE', '/proc/net/netstat has no TcpExt TCPKeepAlive / TCPAbortOnTimeout');
  }
  return { keepaliveProbes, abortsOnTimeout };
}

export interface CounterSample extends KeepaliveCounters {
  atMs: number;
}

export interface CounterRates {
  probesPerSec: number;
  abortsPerSec: number;
  /** The span the rates are over (≤ the window asked for); 0 with fewer than two samples. */
  spanMs: number;
}

/** Samples of one namespace's counters, kept for the longest window asked of them. */
export class CounterHistory {
  private readonly samples: CounterSample[] = [];

  constructor(private readonly keepMs: number) {}

  add(sample: CounterSample): void {
    this.samples.push(sample);
    const oldest = sample.atMs - this.keepMs;
    // Keep one sample at or before the window's start, so the window is fully spanned.
    while (this.samples.length > 2 && this.samples[1]!.atMs <= oldest) this.samples.shift();
  }

  /** Probes/s and aborts/s between the newest sample and the oldest within windowMs of it. */
  rates(windowMs: number): CounterRates {
    const last = this.samples.at(-1);
    const first = this.samples.find((s) => last !== undefined && s.atMs >= last.atMs - windowMs);
    if (last === undefined || first === undefined || first === last) return { probesPerSec: 0, abortsPerSec: 0, spanMs: 0 };
    const spanMs = last.atMs - first.atMs;
    // A counter that went down belongs to a namespace re-created under the same name: no rate across it.
    const per = (a: number, b: number): number => (b >= a ? ((b - a) * 1000) / spanMs : 0);
    return {
      probesPerSec: per(first.keepaliveProbes, last.keepaliveProbes),
      abortsPerSec: per(first.abortsOnTimeout, last.abortsOnTimeout),
      spanMs,
    };
  }
}
