/**
 * Keepalive settings of other processes' sockets, read through pidfd_getfd on
 * a schedule of this module's own: the store says which sockets exist
 * (track/untrack) and calls readDue() once a tick.
 *
 * Order: sockets never read go first, in the order they appeared; then
 * re-reads strictly oldest-read first, so a socket's family or its place in
 * the dump never decides whether it is refreshed. Every queue below is a FIFO
 * in read order — with a fixed delay per queue that is also due order — so a
 * tick costs O(reads it does), never a scan of 100k entries.
 *
 * Reads are grouped into one readBatch per process (one pidfd_open each).
 */
import type { ErrorBody, Holder, KeepaliveSettings } from '@keepalive-dashboard/shared';

import { sameHolderFds } from '../processes/holders.js';

export interface ForeignBatchItem {
  fd: number;
  inode: number;
}

export type ForeignBatchResult = { settings: KeepaliveSettings } | { error: ErrorBody };

export interface ForeignBatchReader {
  /** Reads several sockets of ONE process; results in item order; throws only if the process can't be opened. */
  readBatch(pid: number, items: readonly ForeignBatchItem[]): ForeignBatchResult[];
}

export interface ForeignEntry {
  settings: KeepaliveSettings | null;
  error: ErrorBody | null;
  readAt: number;
}

export interface ForeignSettingsOptions {
  /** Re-read a socket read successfully after this long, ms. 30 s: half the 60 s promise, the rest is room for a backlog. */
  refreshMs: number;
  /** A new socket is read within this long, ms (the 10 s promise); the new-read budget aims at half of it. */
  firstReadMs: number;
  /** Retry after ESRCH, EBADF, ESTALE, ENOTSOCK (process exited, fd closed or reused): the process map catches up in seconds. */
  retrySoonMs: number;
  /** Retry after EPERM or anything unexpected: permissions rarely change, and a failing read still costs syscalls. */
  retrySlowMs: number;
  /** Reads of each kind (new, re-read) a tick may do whatever the rates say: a small host is read at once. */
  minReadsPerTick: number;
  /**
   * Wall time one readDue may spend reading, ms: the loop also serves the stream and PATCHes. A start-up of 100k
   * sockets needs 10k reads/s, ~90 ms/s at the batch path's ~9 µs a read (~17 µs on a loaded machine): 150 ms
   * covers it with some margin, and only a start-up wave fills it; steady re-reads (3.3k/s) take ~30 ms.
   */
  maxTickMs: number;
  /** The tick assumed before the first readDue, ms; budgets grow with the time since the last readDue. */
  tickMs: number;
  /** Monotonic ms clock timing the reads for the wall-time cap (tests inject one). */
  clock: () => number;
}

export const DEFAULT_FOREIGN_OPTIONS: ForeignSettingsOptions = {
  refreshMs: 30_000,
  firstReadMs: 10_000,
  retrySoonMs: 5_000,
  retrySlowMs: 60_000,
  minReadsPerTick: 512,
  maxTickMs: 150,
  tickMs: 1_000,
  clock: () => performance.now(),
};

/** Errors that mean "the holder we tried is out of date": a fresh holder list, or a few seconds, usually cure them. */
const STALE_HOLDER_CODES = new Set(['ESRCH', 'EBADF', 'ESTALE', 'ENOTSOCK']);

/** Until the first reads are measured: the batch path (pidfd_getfd, fstat, six getsockopt, close) measured ~9 µs a socket. */
const INITIAL_COST_MS_PER_READ = 0.01;

interface Tracked {
  inode: number;
  holders: readonly Holder[];
  /** null: never read. */
  entry: ForeignEntry | null;
  /** The queue holding this socket's one live token, null while a read is in flight or it waits for holders. */
  queue: TokenQueue | null;
  /** Bumped at each enqueue: older tokens of this socket are dead. */
  version: number;
  /** The holder that answered last, tried first next time. */
  holderIndex: number;
}

/** A FIFO of socket tokens; dead ones (socket untracked or queued again since) are dropped as they reach the head. */
class TokenQueue {
  private records: Tracked[] = [];
  private versions: number[] = [];
  private head = 0;

  constructor(
    /** Wait after the entry's readAt before a token here is due, ms. */
    readonly delayMs: number,
  ) {}

  push(record: Tracked): void {
    record.queue = this;
    record.version++;
    this.records.push(record);
    this.versions.push(record.version);
  }

  /** The oldest live token's socket, or null. */
  peek(): Tracked | null {
    while (this.head < this.records.length) {
      const record = this.records[this.head] as Tracked;
      if (record.queue === this && record.version === this.versions[this.head]) return record;
      this.drop();
    }
    return null;
  }

  /** Takes the head (call after peek() returned it). */
  shift(): Tracked {
    const record = this.records[this.head] as Tracked;
    record.queue = null;
    this.drop();
    return record;
  }

  private drop(): void {
    this.head++;
    // Compact once the consumed prefix is half the array: amortized O(1) per token.
    if (this.head >= 1024 && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.versions = this.versions.slice(this.head);
      this.head = 0;
    }
  }
}

const NO_HOLDER: ErrorBody = { code: 'ENOENT', message: 'no process holds this socket' };
const NO_ADDON: ErrorBody = { code: 'ENOTSUP', message: 'the native addon is not loaded' };

function describeError(error: unknown): ErrorBody {
  const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'EIO';
  return { code, message: error instanceof Error ? error.message : String(error) };
}

function sameEntry(a: ForeignEntry | null, b: ForeignEntry): boolean {
  if (!a) return false;
  if (a.error || b.error) return a.error?.code === b.error?.code && a.error?.message === b.error?.message;
  const x = a.settings as KeepaliveSettings;
  const y = b.settings as KeepaliveSettings;
  return x.enabled === y.enabled && x.idleSec === y.idleSec && x.intervalSec === y.intervalSec && x.count === y.count && x.userTimeoutMs === y.userTimeoutMs;
}

export class ForeignSettings {
  private readonly options: ForeignSettingsOptions;
  private readonly tracked = new Map<number, Tracked>();
  /** Never read, or to be read again at once (its holders changed after a failure). */
  private readonly pending = new TokenQueue(0);
  private readonly refresh: TokenQueue;
  private readonly retrySoon: TokenQueue;
  private readonly retrySlow: TokenQueue;
  private unreadCount = 0;
  private failedCount = 0;
  private lastDueAt: number | null = null;
  private costMsPerRead = INITIAL_COST_MS_PER_READ;
  private rateWindowAt: number | null = null;
  private rateWindowReads = 0;
  private lastRatePerSec: number | null = null;

  constructor(
    private readonly reader: ForeignBatchReader | null,
    options: Partial<ForeignSettingsOptions> = {},
  ) {
    this.options = { ...DEFAULT_FOREIGN_OPTIONS, ...options };
    this.refresh = new TokenQueue(this.options.refreshMs);
    this.retrySoon = new TokenQueue(this.options.retrySoonMs);
    this.retrySlow = new TokenQueue(this.options.retrySlowMs);
  }

  /** The store saw this socket (new, or its holders changed): schedule a read (new ones first). */
  track(inode: number, holders: readonly Holder[], _now: number): void {
    if (!this.reader) return;
    const known = this.tracked.get(inode);
    if (!known) {
      const record: Tracked = { inode, holders, entry: null, queue: null, version: 0, holderIndex: 0 };
      this.tracked.set(inode, record);
      this.unreadCount++;
      if (holders.length > 0) this.pending.push(record);
      return;
    }
    if (sameHolderFds(known.holders, holders)) return;
    known.holders = holders;
    known.holderIndex = 0;
    if (holders.length === 0 || known.queue === this.pending) return;
    // Unread or failed (no holder yet, process gone, EPERM from another process): the new holders may answer now.
    // Out of every queue: it came due while it had no holder, so it is overdue.
    if (known.entry === null || known.entry.error !== null || known.queue === null) this.pending.push(known);
  }

  /** The socket is gone. */
  untrack(inode: number): void {
    const record = this.tracked.get(inode);
    if (!record) return;
    this.tracked.delete(inode);
    record.queue = null;
    if (!record.entry) this.unreadCount--;
    else if (record.entry.error) this.failedCount--;
  }

  /**
   * Does the reads due now within this tick's budget, grouped by pid; returns
   * the inodes whose entry changed (first read, or settings or error differ).
   * Leftovers stay at the head of their queue for the next tick.
   */
  readDue(now: number): number[] {
    const o = this.options;
    const elapsedMs = this.lastDueAt === null ? o.tickMs : Math.min(Math.max(now - this.lastDueAt, 0), o.firstReadMs);
    this.lastDueAt = now;
    if (!this.reader || this.tracked.size === 0) return [];
    const tracked = this.tracked.size;
    // Rates as caps, not targets: new reads could cover every socket in half the first-read bound; re-reads
    // every socket twice per refresh period, so a start-up wave drains within refreshMs / 2 (age ≤ 45 s < 60 s).
    const newBudget = Math.max(o.minReadsPerTick, Math.ceil((tracked * elapsedMs) / (o.firstReadMs / 2)));
    const rereadBudget = Math.max(o.minReadsPerTick, Math.ceil((tracked * elapsedMs * 2) / o.refreshMs));
    const cap = Math.max(1, Math.floor(o.maxTickMs / this.costMsPerRead));
    // A quarter of the cap is kept for re-reads, so a flood of new sockets never starves them.
    const reserve = Math.min(rereadBudget, Math.floor(cap / 4));
    const batch: Tracked[] = [];
    const newTaken = this.takePending(batch, Math.min(newBudget, cap - reserve));
    this.takeRereads(batch, now, Math.min(rereadBudget, cap - batch.length));
    this.takePending(batch, Math.min(newBudget - newTaken, cap - batch.length));
    if (batch.length === 0) return [];
    const started = o.clock();
    const outcomes = this.attempt(batch, now);
    const sampleMs = (o.clock() - started) / batch.length;
    // Believed at once when reads got slower (a loaded machine: keep the next tick short), slowly when faster.
    this.costMsPerRead = Math.max(1e-4, sampleMs > this.costMsPerRead ? sampleMs : 0.7 * this.costMsPerRead + 0.3 * sampleMs);
    const changed: number[] = [];
    batch.forEach((record, i) => {
      if (this.record(record, outcomes[i] as ForeignEntry)) changed.push(record.inode);
    });
    return changed;
  }

  get(inode: number): ForeignEntry | undefined {
    return this.tracked.get(inode)?.entry ?? undefined;
  }

  /** Reads now whatever the budget (detail view, PATCH). */
  read(inode: number, holders: readonly Holder[], now: number): ForeignEntry {
    if (!this.reader) return { settings: null, error: NO_ADDON, readAt: now };
    if (holders.length === 0) return { settings: null, error: NO_HOLDER, readAt: now };
    const probe: Tracked = { inode, holders, entry: null, queue: null, version: 0, holderIndex: 0 };
    const entry = this.attempt([probe], now)[0] as ForeignEntry;
    const record = this.tracked.get(inode);
    if (record) this.record(record, entry);
    return entry;
  }

  /** After a retune the new values are known. */
  set(inode: number, settings: KeepaliveSettings, now: number): void {
    const record = this.tracked.get(inode);
    if (record) this.record(record, { settings, error: null, readAt: now });
  }

  /** For /api/health and the bench. oldestReadAgeMs: of the sockets in line for a re-read. */
  status(now: number): { tracked: number; unread: number; unheld: number; failed: number; oldestReadAgeMs: number | null; readsPerSec: number } {
    let oldest: number | null = null;
    for (const queue of [this.refresh, this.retrySoon, this.retrySlow]) {
      const readAt = queue.peek()?.entry?.readAt;
      if (readAt !== undefined && (oldest === null || readAt < oldest)) oldest = readAt;
    }
    const windowMs = this.rateWindowAt === null ? 0 : now - this.rateWindowAt;
    const readsPerSec = this.lastRatePerSec ?? (windowMs > 0 ? (this.rateWindowReads * 1000) / windowMs : 0);
    // Unread for want of a holder is the process map's wait, not the reader's: said apart (one pass, asked rarely).
    let unheld = 0;
    for (const record of this.tracked.values()) if (record.entry === null && record.holders.length === 0) unheld++;
    return {
      tracked: this.tracked.size,
      unread: this.unreadCount - unheld,
      unheld,
      failed: this.failedCount,
      oldestReadAgeMs: oldest === null ? null : now - oldest,
      readsPerSec,
    };
  }

  private takePending(into: Tracked[], limit: number): number {
    let taken = 0;
    for (let record = this.pending.peek(); record && taken < limit; record = this.pending.peek()) {
      this.pending.shift();
      if (record.holders.length === 0) continue; // waits for track() to give it holders
      into.push(record);
      taken++;
    }
    return taken;
  }

  /** Due re-reads and retries, oldest read first across the three queues. */
  private takeRereads(into: Tracked[], now: number, limit: number): void {
    const queues = [this.refresh, this.retrySoon, this.retrySlow];
    let taken = 0;
    while (taken < limit) {
      let best: Tracked | null = null;
      let from: TokenQueue | null = null;
      for (const queue of queues) {
        const record = queue.peek();
        const readAt = record?.entry?.readAt;
        if (record && readAt !== undefined && readAt + queue.delayMs <= now && (!best || readAt < (best.entry as ForeignEntry).readAt)) {
          best = record;
          from = queue;
        }
      }
      if (!best || !from) return;
      from.shift();
      if (best.holders.length === 0) continue;
      into.push(best);
      taken++;
    }
  }

  /**
   * Reads each socket through its holders: round k tries every socket's k-th
   * holder (from the one that answered last), one readBatch per pid per round;
   * only sockets whose holder failed go to the next round.
   */
  private attempt(records: readonly Tracked[], now: number): ForeignEntry[] {
    const reader = this.reader as ForeignBatchReader;
    const outcomes: ForeignEntry[] = new Array<ForeignEntry>(records.length);
    let round = records.map((_, i) => i);
    for (let k = 0; round.length > 0; k++) {
      const byPid = new Map<number, number[]>();
      for (const i of round) {
        const record = records[i] as Tracked;
        const holder = record.holders[(record.holderIndex + k) % record.holders.length] as Holder;
        const group = byPid.get(holder.pid);
        if (group) group.push(i);
        else byPid.set(holder.pid, [i]);
      }
      const next: number[] = [];
      for (const [pid, group] of byPid) {
        const items = group.map((i) => {
          const record = records[i] as Tracked;
          return { fd: (record.holders[(record.holderIndex + k) % record.holders.length] as Holder).fd, inode: record.inode };
        });
        let results: ForeignBatchResult[];
        try {
          results = reader.readBatch(pid, items);
        } catch (error) {
          const body = describeError(error);
          results = items.map(() => ({ error: body }));
        }
        group.forEach((i, j) => {
          const record = records[i] as Tracked;
          const result = results[j] ?? { error: { code: 'EIO', message: `process ${pid}: no answer for fd ${items[j]?.fd}` } };
          if ('settings' in result) {
            outcomes[i] = { settings: result.settings, error: null, readAt: now };
            record.holderIndex = (record.holderIndex + k) % record.holders.length;
          } else {
            outcomes[i] = { settings: null, error: result.error, readAt: now };
            if (k + 1 < record.holders.length) next.push(i);
          }
        });
      }
      round = next;
    }
    this.countReads(records.length, now);
    return outcomes;
  }

  /** Stores an outcome and puts the socket back in line by it; true when the entry changed. */
  private record(record: Tracked, entry: ForeignEntry): boolean {
    const changed = !sameEntry(record.entry, entry);
    if (!record.entry) this.unreadCount--;
    else if (record.entry.error) this.failedCount--;
    if (entry.error) this.failedCount++;
    record.entry = entry;
    if (!entry.error) this.refresh.push(record);
    else if (STALE_HOLDER_CODES.has(entry.error.code)) this.retrySoon.push(record);
    else this.retrySlow.push(record);
    return changed;
  }

  private countReads(reads: number, now: number): void {
    if (this.rateWindowAt === null) this.rateWindowAt = now;
    const windowMs = now - this.rateWindowAt;
    // Averaged over one refresh period, the schedule's cycle: re-reads come in waves within it.
    if (windowMs >= this.options.refreshMs) {
      this.lastRatePerSec = (this.rateWindowReads * 1000) / windowMs;
      this.rateWindowAt = now;
      this.rateWindowReads = 0;
    }
    this.rateWindowReads += reads;
  }
}
