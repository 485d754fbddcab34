/**
 * The host's totals over time, kept on the server so a new tab has charts at
 * once: one point a second for the last hour, and one a minute (the mean of
 * its seconds) for the last day. Points live in typed-array columns, so the
 * memory is fixed when the app starts (`bytes`: 84 B a point, ~420 KiB for
 * both rings) and never grows with the host or the uptime.
 */
import { TCP_STATES, type HistoryPoint, type HistoryResolution, type Totals } from '@keepalive-dashboard/shared';

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;

/** A point's counts: these, then one per kernel state in TCP_STATES order. */
const COUNTS = ['connections', 'keepaliveOn', 'keepaliveOff', 'probing', 'namespaces', 'samples'] as const;
const WIDTH = COUNTS.length + TCP_STATES.length;
const SAMPLES = COUNTS.indexOf('samples');
const STATE_COLUMN = new Map<string, number>(TCP_STATES.map((state, i) => [state, COUNTS.length + i]));
/** A state name the kernel table lacks is still counted (as UNKNOWN), so the states add up. */
const UNKNOWN_COLUMN = COUNTS.length + TCP_STATES.indexOf('UNKNOWN');

function encode(totals: Totals, namespaces: number): Float64Array {
  const values = new Float64Array(WIDTH);
  values.set([totals.connections, totals.keepaliveOn, totals.keepaliveOff, totals.probing, namespaces, 1]);
  for (const [state, n] of Object.entries(totals.byState)) {
    const column = STATE_COLUMN.get(state) ?? UNKNOWN_COLUMN;
    values[column] = (values[column] ?? 0) + n;
  }
  return values;
}

function decode(at: number, values: ArrayLike<number>): HistoryPoint {
  const byState: Record<string, number> = {};
  TCP_STATES.forEach((state, i) => {
    const n = values[COUNTS.length + i] ?? 0;
    if (n > 0) byState[state] = n;
  });
  const count = (name: (typeof COUNTS)[number]): number => values[COUNTS.indexOf(name)] ?? 0;
  return {
    at,
    connections: count('connections'),
    byState,
    keepaliveOn: count('keepaliveOn'),
    keepaliveOff: count('keepaliveOff'),
    probing: count('probing'),
    namespaces: count('namespaces'),
    samples: count('samples'),
  };
}

/** The newest `capacity` points, oldest overwritten first. */
export class PointRing {
  static readonly bytesPerPoint = Float64Array.BYTES_PER_ELEMENT + WIDTH * Int32Array.BYTES_PER_ELEMENT;
  private readonly at: Float64Array;
  private readonly values: Int32Array;
  private first = 0;
  length = 0;

  constructor(readonly capacity: number) {
    this.at = new Float64Array(capacity);
    this.values = new Int32Array(capacity * WIDTH);
  }

  get bytes(): number {
    return this.at.byteLength + this.values.byteLength;
  }

  get lastAt(): number | null {
    return this.length === 0 ? null : (this.at[this.slot(this.length - 1)] ?? null);
  }

  lastValues(): Int32Array {
    const slot = this.slot(this.length - 1);
    return this.values.subarray(slot * WIDTH, (slot + 1) * WIDTH);
  }

  push(at: number, values: ArrayLike<number>): void {
    if (this.length === this.capacity) this.first = (this.first + 1) % this.capacity;
    else this.length++;
    this.write(this.slot(this.length - 1), at, values);
  }

  replaceLast(values: ArrayLike<number>): void {
    const slot = this.slot(this.length - 1);
    this.write(slot, this.at[slot] ?? 0, values);
  }

  /** Points with `at` > since, oldest first. */
  after(since: number): HistoryPoint[] {
    const points: HistoryPoint[] = [];
    for (let i = 0; i < this.length; i++) {
      const slot = this.slot(i);
      const at = this.at[slot] ?? 0;
      if (at > since) points.push(decode(at, this.values.subarray(slot * WIDTH, (slot + 1) * WIDTH)));
    }
    return points;
  }

  private slot(i: number): number {
    return (this.first + i) % this.capacity;
  }

  private write(slot: number, at: number, values: ArrayLike<number>): void {
    this.at[slot] = at;
    this.values.set(values, slot * WIDTH);
  }
}

export interface HistoryOptions {
  now: () => number;
  /** Network namespaces watched right now. */
  namespaceCount: () => number;
  /** Second points kept (default an hour). */
  seconds?: number;
  /** Minute points kept (default a day). */
  minutes?: number;
}

export class TotalsHistory {
  private readonly seconds: PointRing;
  private readonly minutes: PointRing;
  /** The minute being filled, and the sums of its second points so far. */
  private minuteAt: number | null = null;
  private readonly minuteSums = new Float64Array(WIDTH);
  private latest: Totals | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: HistoryOptions) {
    this.seconds = new PointRing(options.seconds ?? 3600);
    this.minutes = new PointRing(options.minutes ?? 1440);
  }

  /** Fixed at construction: both rings' columns. */
  get bytes(): number {
    return this.seconds.bytes + this.minutes.bytes;
  }

  /** The store's totals now; a second already holding a point has it replaced (the newest wins). */
  record(totals: Totals): void {
    this.latest = totals;
    const at = Math.floor(this.options.now() / SECOND_MS) * SECOND_MS;
    const values = encode(totals, this.options.namespaceCount());
    const lastAt = this.seconds.lastAt;
    // `<`: the wall clock stepped back; the last point stands in until it catches up, never out of order.
    if (lastAt !== null && at <= lastAt) {
      const old = this.seconds.lastValues();
      for (let i = 0; i < WIDTH; i++) this.minuteSums[i] = (this.minuteSums[i] ?? 0) + (values[i] ?? 0) - (old[i] ?? 0);
      this.seconds.replaceLast(values);
      return;
    }
    this.seconds.push(at, values);
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    if (this.minuteAt !== null && minute !== this.minuteAt) {
      this.minutes.push(this.minuteAt, this.minuteMean());
      this.minuteSums.fill(0);
    }
    this.minuteAt = minute;
    for (let i = 0; i < WIDTH; i++) this.minuteSums[i] = (this.minuteSums[i] ?? 0) + (values[i] ?? 0);
  }

  /** Oldest first; at 1m the last point is the minute still filling. */
  points(resolution: HistoryResolution, since = 0): HistoryPoint[] {
    if (resolution === '1s') return this.seconds.after(since);
    const points = this.minutes.after(since);
    if (this.minuteAt !== null && this.minuteAt > since) points.push(decode(this.minuteAt, this.minuteMean()));
    return points;
  }

  /**
   * A quiet host publishes no deltas: its last totals are recorded again each
   * second, so its line goes on (the store only emits when something changed
   * or a sweep ran, and sweeps of big hosts are seconds apart).
   */
  start(everyMs = SECOND_MS): void {
    this.stop();
    this.timer = setInterval(() => {
      if (this.latest) this.record(this.latest);
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private minuteMean(): Float64Array {
    const samples = this.minuteSums[SAMPLES] ?? 0;
    return this.minuteSums.map((sum, i) => (i === SAMPLES ? sum : Math.round(sum / Math.max(1, samples))));
  }
}
