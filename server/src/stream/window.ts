/**
 * One windowed client's view of the table: the rows matching its filter and
 * search, in its sort order, and the slice of them it shows. A browser on a
 * 100k-socket host is sent the few hundred rows on its screen instead of a
 * 75 MB snapshot, and then only when they change.
 *
 * It keeps the matching rows' ids and sort keys in order (re-sorted only when
 * the request's filter, search or sort changes; a delta is merged in) and the
 * rows of the slice as last sent, so a frame carries only rows the client
 * does not hold in their current version.
 */
import {
  keyedRow,
  matchesFilter,
  matchesSearch,
  rowComparator,
  type ConnectionView,
  type KeyedRow,
  type Totals,
  type WindowFrame,
  type WindowRequest,
} from '@keepalive-dashboard/shared';

import type { Delta } from '../collector/store.js';

/** What a window reads from the store. */
export interface WindowStore {
  get(id: string): ConnectionView | undefined;
  snapshot(): { seq: number; connections: ConnectionView[]; totals: Totals };
}

/** Server-wide facts each frame repeats (a window client gets no snapshot to learn them from). */
export interface WindowFrameFacts {
  serverTime: number;
  intervalMs: number;
  readOnly: boolean;
}

/** The ids a delta touched: worked out once per delta, not once per windowed client. */
const touchedByDelta = new WeakMap<Delta, ReadonlySet<string>>();

function touchedIds(delta: Delta): ReadonlySet<string> {
  let ids = touchedByDelta.get(delta);
  if (!ids) {
    const set = new Set<string>(delta.removed);
    for (const view of delta.added) set.add(view.id);
    for (const view of delta.changed) set.add(view.id);
    ids = set;
    touchedByDelta.set(delta, ids);
  }
  return ids;
}

function sameTotals(a: Totals, b: Totals): boolean {
  if (a.connections !== b.connections || a.keepaliveOn !== b.keepaliveOn || a.keepaliveOff !== b.keepaliveOff || a.probing !== b.probing) return false;
  const states = Object.keys(a.byState);
  if (states.length !== Object.keys(b.byState).length) return false;
  return states.every((s) => a.byState[s] === b.byState[s]);
}

/** Same rows in the same order (only the slice or the request id may differ). */
function sameQuery(a: WindowRequest, b: WindowRequest): boolean {
  if (a.sort.column !== b.sort.column || a.sort.direction !== b.sort.direction || (a.search ?? '').trim() !== (b.search ?? '').trim()) return false;
  const keys = new Set([...Object.keys(a.filter), ...Object.keys(b.filter)]) as Set<keyof WindowRequest['filter']>;
  for (const key of keys) if (a.filter[key] !== b.filter[key]) return false;
  return true;
}

/** Two sorted lists into one. */
function merge(a: KeyedRow[], b: KeyedRow[], compare: (x: KeyedRow, y: KeyedRow) => number): KeyedRow[] {
  const out: KeyedRow[] = new Array<KeyedRow>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compare(a[i] as KeyedRow, b[j] as KeyedRow) <= 0 ? (a[i++] as KeyedRow) : (b[j++] as KeyedRow);
  while (i < a.length) out[k++] = a[i++] as KeyedRow;
  while (j < b.length) out[k++] = b[j++] as KeyedRow;
  return out;
}

export class TableWindow {
  private request: WindowRequest | null = null;
  private compare: (x: KeyedRow, y: KeyedRow) => number = rowComparator('asc');
  /** Every matching row, in order. */
  private order: KeyedRow[] = [];
  private seq = -1;
  private totals: Totals = { connections: 0, byState: {}, keepaliveOn: 0, keepaliveOff: 0, probing: 0 };
  /** The rows the client holds: those of the last frame's ids, as they were sent. */
  private held = new Map<string, ConnectionView>();
  private sent: { requestId: number; offset: number; ids: readonly string[]; total: number; totals: Totals } | null = null;
  /** Something the client holds may be out of date. */
  private owed = false;

  constructor(private readonly store: WindowStore) {}

  /** How many rows match; for tests and metrics. */
  get matching(): number {
    return this.order.length;
  }

  /** A new request: the rows are filtered and sorted again only when it asks for other rows or another order. */
  ask(request: WindowRequest): void {
    const previous = this.request;
    this.request = request;
    this.owed = true;
    if (previous && sameQuery(previous, request)) return;
    this.compare = rowComparator(request.sort.direction);
    const snap = this.store.snapshot();
    this.seq = snap.seq;
    this.totals = snap.totals;
    const keyed: KeyedRow[] = [];
    for (const view of snap.connections) if (this.matches(view)) keyed.push(keyedRow(view, request.sort.column));
    this.order = keyed.sort(this.compare);
  }

  /** Merges a store delta into the order: touched rows leave it and, where they still match, come back at their new place. */
  onDelta(delta: Delta): void {
    this.seq = delta.seq;
    this.totals = delta.totals;
    const request = this.request;
    if (!request) return;
    if (!this.sent || !sameTotals(this.sent.totals, delta.totals)) this.owed = true;
    const touched = touchedIds(delta);
    if (touched.size === 0) return;
    let kept: KeyedRow[] | null = null;
    for (let i = 0; i < this.order.length; i++) {
      const row = this.order[i] as KeyedRow;
      if (touched.has(row.id)) kept ??= this.order.slice(0, i);
      else kept?.push(row);
    }
    const inserts: KeyedRow[] = [];
    for (const view of delta.added) if (this.matches(view)) inserts.push(keyedRow(view, request.sort.column));
    for (const view of delta.changed) if (this.matches(view)) inserts.push(keyedRow(view, request.sort.column));
    if (kept === null && inserts.length === 0) return;
    this.order = merge(kept ?? this.order, inserts.sort(this.compare), this.compare);
    this.owed = true;
  }

  /**
   * The frame the client is owed, or null when it would only repeat what the
   * client holds. A frame returned is taken as sent: call this only when it
   * can be sent.
   */
  take(facts: WindowFrameFacts): WindowFrame | null {
    const request = this.request;
    if (!request || !this.owed) return null;
    this.owed = false;
    const total = this.order.length;
    const sent = this.sent;
    const ids: string[] = [];
    const rows: ConnectionView[] = [];
    const held = new Map<string, ConnectionView>();
    for (const row of this.order.slice(request.offset, request.offset + request.limit)) {
      // Every row in the order is in the store's table (both follow the same deltas); a miss is skipped, never sent as a hole.
      const view = this.store.get(row.id);
      if (!view) continue;
      ids.push(row.id);
      held.set(row.id, view);
      if (this.held.get(row.id) !== view) rows.push(view);
    }
    const same =
      sent !== null &&
      rows.length === 0 &&
      sent.requestId === request.requestId &&
      sent.total === total &&
      sameTotals(sent.totals, this.totals) &&
      sent.ids.length === ids.length &&
      ids.every((id, i) => sent.ids[i] === id);
    if (same) return null;
    this.held = held;
    this.sent = { requestId: request.requestId, offset: request.offset, ids, total, totals: this.totals };
    return { type: 'window', seq: this.seq, ...facts, requestId: request.requestId, total, offset: request.offset, ids, rows, totals: this.totals };
  }

  private matches(view: ConnectionView): boolean {
    const request = this.request as WindowRequest;
    // Compiled once per filter; an empty one matches everything without a per-row check of its keys.
    if (!matchesFilter(view, request.filter)) return false;
    return !request.search || matchesSearch(view, request.search);
  }
}
