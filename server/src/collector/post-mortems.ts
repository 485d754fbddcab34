/**
 * Post-mortems: a connection that died or closed is kept a while with its
 * last view and why it ended (cause, probes out, predicted vs actual death),
 * so GET /api/connections/:id and the stream's detail can explain it after
 * the fact. Memory is bounded twice over: at most `maxEntries` deaths and
 * `maxEntries` plain closes (so a busy host's closes never push out its
 * deaths), each forgotten after `maxAgeMs`.
 */
import type { ConnectionView, DashboardEvent, DeathCause, ErrorBody, PostMortem } from '@keepalive-dashboard/shared';

import type { Lab, LabEntry } from '../control/lab.js';
import type { EventBus } from '../events.js';
import { causeOfCode, timeoutCause } from './death-cause.js';
import type { ConnectionStore } from './store.js';

export interface GoneConnection {
  last: ConnectionView;
  gone: PostMortem;
}

export interface PostMortemOptions {
  maxEntries?: number;
  maxAgeMs?: number;
  now?: () => number;
}

/** 15 min: long enough to come back from a page, short enough that ids of a busy host do not pile up. */
export const POST_MORTEM_DEFAULTS = { maxEntries: 1000, maxAgeMs: 15 * 60_000 } as const;

/** Rows whose end says nothing: TIME-WAIT is already the end of a close, a request socket never was a connection. */
const UNREMARKABLE_STATES = new Set(['TIME_WAIT', 'NEW_SYN_RECV']);

type Prediction = NonNullable<ConnectionView['derived']>;

const CAUSE_WORDS: Record<DeathCause, string> = {
  keepalive: 'died: keepalive gave up on the peer',
  'user-timeout': 'died: TCP_USER_TIMEOUT expired',
  'retransmit-timeout': 'died: data went unacknowledged until the retransmissions gave up',
  reset: 'reset by the peer',
  killed: 'killed (SOCK_DESTROY)',
  closed: 'closed',
};

/** Insertion-ordered, so the oldest entry is first: eviction and expiry stop at the first one that stays. */
class Recent {
  private readonly entries = new Map<string, GoneConnection>();
  constructor(private readonly options: Required<PostMortemOptions>) {}

  get size(): number {
    return this.entries.size;
  }

  get(id: string): GoneConnection | undefined {
    this.expire();
    return this.entries.get(id);
  }

  set(id: string, entry: GoneConnection): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    this.expire();
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  findByInode(inode: number): GoneConnection | undefined {
    if (inode <= 0) return undefined;
    for (const entry of this.entries.values()) if (entry.last.inode === inode) return entry;
    return undefined;
  }

  private expire(): void {
    const oldestKept = this.options.now() - this.options.maxAgeMs;
    for (const [id, entry] of this.entries) {
      if (entry.gone.at >= oldestKept) break;
      this.entries.delete(id);
    }
  }
}

export interface DeathReport {
  at: number;
  cause: DeathCause;
  code: string | null;
  seenBy: PostMortem['seenBy'];
  /** The last prediction made while it lived (owned sockets keep one past their last view); default: the view's. */
  prediction?: Prediction | null;
}

export class PostMortems {
  private readonly deaths: Recent;
  private readonly closes: Recent;

  constructor(options: PostMortemOptions = {}) {
    const resolved = { ...POST_MORTEM_DEFAULTS, now: Date.now, ...options };
    this.deaths = new Recent(resolved);
    this.closes = new Recent(resolved);
  }

  /** Entries kept now (deaths and closes). */
  get size(): number {
    return this.deaths.size + this.closes.size;
  }

  get(id: string): GoneConnection | undefined {
    return this.deaths.get(id) ?? this.closes.get(id);
  }

  /** Connections the store stopped listing: a plain close unless a death was (or will be) reported for them. */
  noteGone(views: readonly ConnectionView[], at: number): void {
    for (const view of views) {
      if (UNREMARKABLE_STATES.has(view.state)) continue;
      const death = this.deaths.get(view.id);
      if (death) death.last = view;
      else this.closes.set(view.id, { last: view, gone: postMortem(view, { at, cause: 'closed', code: null, seenBy: 'sweep' }) });
    }
  }

  /** A death with its cause, for a view the store still lists or one just noted gone. */
  noteDeath(view: ConnectionView, report: DeathReport): void {
    this.closes.delete(view.id);
    this.deaths.set(view.id, { last: view, gone: postMortem(view, report) });
  }

  /**
   * Listens for what ends connections: the store's gone rows, the deaths it
   * infers (probes out, then vanished), kills, and the lab's socket errors.
   */
  watch(store: ConnectionStore, events: EventBus, lab: Lab): void {
    store.on('gone', (views, at) => this.noteGone(views, at));
    events.subscribe((event) => this.onEvent(store, event));
    lab.on('closed', (entry) => this.onLabClosed(store, entry));
  }

  private lastView(store: ConnectionStore, id: string): ConnectionView | undefined {
    return store.get(id) ?? this.get(id)?.last;
  }

  private onEvent(store: ConnectionStore, event: DashboardEvent): void {
    if (event.connectionId === null) return;
    if (event.type === 'died' && event.detail?.owned === false) {
      const view = this.lastView(store, event.connectionId);
      if (view) this.noteDeath(view, { at: event.at, cause: timeoutCause(view.keepalive, view.derived?.probesOut ?? 0), code: null, seenBy: 'sweep' });
    } else if (event.type === 'killed' && event.phase === 'applied') {
      const view = this.lastView(store, event.connectionId);
      if (view) this.noteDeath(view, { at: event.at, cause: 'killed', code: null, seenBy: 'kill' });
    }
  }

  /** A lab socket knows its own end: the errno (ETIMEDOUT, ECONNRESET…) and when. */
  private onLabClosed(store: ConnectionStore, entry: LabEntry): void {
    if (entry.kind === 'listener' || entry.closeCode === null) return;
    const view = store.findByInode(entry.inode) ?? this.closes.findByInode(entry.inode)?.last ?? this.deaths.findByInode(entry.inode)?.last;
    if (!view) return;
    const prediction = store.lastPrediction(entry.inode) ?? view.derived;
    const cause = causeOfCode(entry.closeCode, view.keepalive, prediction?.probesOut ?? 0);
    this.noteDeath(view, { at: entry.closedAt ?? Date.now(), cause, code: entry.closeCode, seenBy: 'socket', prediction });
  }
}

/** The error a gone connection's detail carries (REST and stream): the post-mortem's words. */
export function goneError(gone: PostMortem): ErrorBody {
  return { code: 'KA_ERR_SOCKET_GONE', message: `the connection is gone: ${gone.summary}` };
}

function postMortem(view: ConnectionView, report: DeathReport): PostMortem {
  const prediction = report.prediction === undefined ? view.derived : report.prediction;
  const predictedDeadAt = prediction?.deadAt ?? null;
  const probesOut = prediction?.probesOut ?? 0;
  const errorMs = predictedDeadAt === null || report.cause === 'closed' ? null : report.at - predictedDeadAt;
  const parts = [CAUSE_WORDS[report.cause]];
  if (report.code) parts.push(`(${report.code})`);
  if (probesOut > 0) parts.push(`after ${probesOut} unanswered probe${probesOut === 1 ? '' : 's'}`);
  if (report.seenBy === 'sweep') parts.push('(seen missing at a sweep)');
  const timing = errorMs === null ? '' : `; ${(Math.abs(errorMs) / 1000).toFixed(1)} s ${errorMs >= 0 ? 'after' : 'before'} the predicted death`;
  return {
    at: report.at,
    cause: report.cause,
    code: report.code,
    seenBy: report.seenBy,
    probesOut,
    lastRecvAt: prediction?.lastRecvAt ?? null,
    predictedDeadAt,
    errorMs,
    summary: parts.join(' ') + timing,
  };
}
