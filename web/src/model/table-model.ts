/**
 * The connection table: the rows on hand (the live set, the server's window,
 * or a capture), their filter and sort, the slice on screen and the keyboard
 * cursor. Filter and sort go to the server too, so a narrow view of a busy
 * host costs little bandwidth.
 */
import type { ClientFrame, ConnectionFilter, ConnectionView, DeltaFrame, SnapshotFrame, Totals, WindowFrame } from '@keepalive-dashboard/shared';

import { nextSort, sortViews, type ColumnId, type SortSpec } from './columns.js';
import { ConnectionSet } from './connection-set.js';
import { applyFilter, EMPTY_FILTER, parseFilter, sameFilter, type FilterDraft, type ParsedFilter } from './filter.js';
import { StateModel } from './state-model.js';
import { TableWindow, type WindowQuery, queryKey } from './table-window.js';

export interface TableState {
  mode: 'live' | 'capture';
  /** Filtered and sorted: the rows on hand, from index `offset` of the table on. */
  rows: ConnectionView[];
  offset: number;
  /** Rows the table has (a windowed table holds only a slice of them; the rest show as placeholders). */
  total: number;
  /** Connections known before filtering. */
  known: number;
  totals: Totals | null;
  sort: SortSpec;
  filter: FilterDraft;
  filterErrors: ParsedFilter['errors'];
  /** Row the keyboard cursor is on. */
  cursorId: string | null;
  /** No snapshot yet. */
  loading: boolean;
  /**
   * Windowed, with the link down: filter, search and sort were applied here to
   * the last rows the server sent (not to the host's), until the server answers.
   */
  filteredHere: boolean;
}

export interface TableModelOptions {
  send(frame: ClientFrame): void;
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** Live rows come as a server-side window (only the slice on screen, sorted and filtered by the server). */
  windowed: boolean;
  /** Debounce for sending the filter to the server, ms. */
  filterDebounceMs?: number;
  /** At most one window request per this many ms while scrolling. */
  windowThrottleMs?: number;
}

function sameTotals(a: Totals, b: Totals): boolean {
  if (a.connections !== b.connections || a.keepaliveOn !== b.keepaliveOn || a.keepaliveOff !== b.keepaliveOff || a.probing !== b.probing) return false;
  const states = Object.keys(a.byState);
  return states.length === Object.keys(b.byState).length && states.every((state) => a.byState[state] === b.byState[state]);
}

export const DEFAULT_SORT: SortSpec = { column: 'state', direction: 'asc' };

export class TableModel extends StateModel<{ table: TableState }> {
  private readonly live = new ConnectionSet();
  private captureSet: ConnectionSet | null = null;
  private parsedFilter: ParsedFilter = { filter: {}, errors: {} };
  private sentFilter: ConnectionFilter = {};
  private filterTimer: unknown = null;
  private rowsVersion = -1;
  private readonly window = new TableWindow();
  /** The query of the last window request sent (filter, search, sort). */
  private sentQuery: string | null = null;
  private windowTimer: unknown = null;
  /** The rows on screen, as the table last said. */
  private visible: { start: number; end: number } = { start: 0, end: 0 };
  /** A keyboard move to a row not yet on hand: the cursor lands on it when it arrives. */
  private pendingCursorIndex: number | null = null;
  /** The query the window on hand answers. */
  private heldQuery: string | null = null;
  /** The stream is open: the server can filter a windowed table. */
  private linkOpen = false;

  constructor(private readonly options: TableModelOptions) {
    super({
      table: { mode: 'live', rows: [], offset: 0, total: 0, known: 0, totals: null, sort: DEFAULT_SORT, filter: EMPTY_FILTER, filterErrors: {}, cursorId: null, loading: true, filteredHere: false },
    });
  }

  /**
   * Changes the table slice, keeping its identity (and telling nobody) when
   * nothing in the patch differs; equal totals keep the ones held, so a frame
   * that repeats them re-renders no view that shows them.
   */
  private setTable(patch: Partial<TableState>): void {
    const table = this.state.table;
    if (patch.totals && table.totals && sameTotals(patch.totals, table.totals)) patch = { ...patch, totals: table.totals };
    const keys = Object.keys(patch) as (keyof TableState)[];
    if (keys.every((key) => patch[key] === table[key])) return;
    this.set({ table: { ...table, ...patch } });
  }

  /** The filter as the server takes it (parsed; fields with errors left out). */
  get filter(): ConnectionFilter {
    return this.parsedFilter.filter;
  }

  /** The namespace picked in the filter bar (its inode), or undefined for every namespace. */
  get pickedNetns(): number | undefined {
    return this.parsedFilter.filter.netns;
  }

  get inCapture(): boolean {
    return this.captureSet !== null;
  }

  /** For tests and the status line: the table's data version. */
  get dataVersion(): number {
    return this.rowsVersion;
  }

  stop(): void {
    if (this.filterTimer !== null) this.options.clearTimer(this.filterTimer);
    if (this.windowTimer !== null) this.options.clearTimer(this.windowTimer);
    this.filterTimer = this.windowTimer = null;
  }

  /** The transport reopened: the server knows nothing of this client, so say it again. */
  onStreamOpen(): void {
    this.linkOpen = true;
    if (this.options.windowed) {
      // Queued by the transport and flushed as the socket opens: the first screen waits for nothing else.
      this.window.reset();
      this.sendWindow();
      return;
    }
    if (!sameFilter(this.parsedFilter.filter, {})) this.options.send({ type: 'filter', filter: this.parsedFilter.filter });
    this.sentFilter = this.parsedFilter.filter;
  }

  /** The link went down (or came back): while down, a windowed table's filter and sort apply here. */
  setLinkOpen(open: boolean): void {
    this.linkOpen = open;
  }

  // ---- frames ----

  applySnapshot(frame: SnapshotFrame): void {
    this.live.applySnapshot(frame);
    this.liveChanged(frame.totals);
  }

  /** Returns the ids the delta touched. */
  applyDelta(frame: DeltaFrame): Set<string> {
    const touched = this.live.applyDelta(frame);
    // An empty delta (timers merely counting down) costs no re-sort.
    if (touched.size > 0 || this.state.table.loading) this.liveChanged(frame.totals);
    else this.setTable({ totals: frame.totals });
    return touched;
  }

  applyWindow(frame: WindowFrame): void {
    const current = this.window.apply(frame);
    if (current) this.heldQuery = this.sentQuery;
    if (this.captureSet || !current) this.setTable({ totals: frame.totals });
    else this.showWindow(frame.totals);
  }

  /** The live set's row (not the capture's). */
  liveView(id: string): ConnectionView | undefined {
    return this.live.get(id);
  }

  /** A row by id, wherever this page holds it: the capture, the window, or the live set. */
  viewById(id: string): ConnectionView | undefined {
    if (this.captureSet) return this.captureSet.get(id);
    return this.options.windowed ? this.window.get(id) : this.live.get(id);
  }

  /** The table from the window frame that answers the newest request (and the rows held for it). */
  private showWindow(totals: Totals | null = this.state.table.totals): void {
    const shown = this.window.rows();
    if (!shown) return;
    let cursorId = this.state.table.cursorId;
    const pending = this.pendingCursorIndex;
    const landed = pending === null ? undefined : shown.rows[pending - shown.offset];
    if (landed) {
      cursorId = landed.id;
      this.pendingCursorIndex = null;
    }
    this.setTable({ ...shown, known: totals?.connections ?? 0, totals, cursorId, loading: false, filteredHere: false });
  }

  /**
   * The live window as the current query would show it: the server's answer,
   * or — the link down and the query changed since — the rows last received,
   * filtered and sorted here with the same shared functions the server uses.
   */
  private showLiveWindow(): void {
    const held = this.window.rows();
    if (this.linkOpen || !held || queryKey(this.windowQuery()) === this.heldQuery) {
      this.showWindow();
      return;
    }
    const table = this.state.table;
    const rows = sortViews(applyFilter(held.rows, this.parsedFilter, table.filter.search), table.sort);
    const cursorId = rows.some((r) => r.id === table.cursorId) ? table.cursorId : null;
    this.setTable({ rows, offset: 0, total: rows.length, cursorId, loading: false, filteredHere: true });
  }

  private liveChanged(totals: Totals): void {
    // A capture stays on screen; live totals still feed the host chart.
    if (this.captureSet) this.setTable({ totals });
    else this.recomputeRows({ totals, loading: false });
  }

  // ---- capture ----

  showCapture(views: readonly ConnectionView[]): void {
    this.captureSet = new ConnectionSet();
    this.captureSet.replace(views);
    this.recomputeRows({ mode: 'capture', cursorId: null });
  }

  leaveCapture(): void {
    this.captureSet = null;
    if (!this.options.windowed) {
      this.recomputeRows({ mode: 'live', cursorId: null });
      return;
    }
    this.setTable({ mode: 'live', cursorId: null, rows: [], offset: 0, total: 0, known: 0, loading: true });
    this.showLiveWindow();
    // Sorted or filtered while the capture was shown: the server's window follows now.
    if (queryKey(this.windowQuery()) !== this.sentQuery) this.sendWindow();
  }

  // ---- rows ----

  /** Live rows come from the server's window (not in capture mode, which sorts and filters here). */
  private get windowLive(): boolean {
    return this.options.windowed && !this.captureSet;
  }

  /** `rows` is the whole view (else it is a window of it, and the rest is on the server). */
  get allRowsOnHand(): boolean {
    return !this.windowLive;
  }

  private recomputeRows(extra: Partial<TableState> = {}): void {
    const set = this.captureSet ?? this.live;
    const table = this.state.table;
    const filtered = applyFilter(set.all(), this.parsedFilter, table.filter.search);
    const rows = sortViews(filtered, table.sort);
    this.rowsVersion = set.version;
    const cursorId = table.cursorId !== null && rows.some((r) => r.id === table.cursorId) ? table.cursorId : null;
    this.setTable({ ...extra, rows, offset: 0, total: rows.length, known: set.size, cursorId });
  }

  private windowQuery(): WindowQuery {
    return { filter: this.parsedFilter.filter, search: this.state.table.filter.search, sort: this.state.table.sort };
  }

  /** Asks the server for the current query over `range` (or the slice asked for last). */
  private sendWindow(range?: Parameters<TableWindow['request']>[1]): void {
    const query = this.windowQuery();
    this.sentQuery = queryKey(query);
    this.options.send(this.window.request(query, range));
  }

  setSort(column: ColumnId): void {
    this.setSortSpec(nextSort(this.state.table.sort, column));
  }

  /** Sorts by `sort` as given (a shared URL's), not by a header click's toggle. */
  setSortSpec(sort: SortSpec): void {
    this.setTable({ sort });
    if (!this.windowLive) this.recomputeRows();
    if (this.options.windowed) {
      // Rows in the old order would sit at the wrong places: placeholders until the new order comes.
      if (!this.captureSet && this.linkOpen) this.setTable({ rows: [] });
      else if (!this.captureSet) this.showLiveWindow();
      this.sendWindow();
    }
  }

  setFilter(patch: Partial<FilterDraft>): void {
    const filter = { ...this.state.table.filter, ...patch };
    const parsed = parseFilter(filter);
    // A field that cannot be read (half typed) keeps its last readable value: the table does not jump to every row meanwhile.
    for (const field of Object.keys(parsed.errors) as ('state' | 'port' | 'address' | 'expr')[]) {
      const kept = this.parsedFilter.filter[field];
      if (kept !== undefined) Object.assign(parsed.filter, { [field]: kept });
    }
    this.parsedFilter = parsed;
    this.setTable({ filter, filterErrors: this.parsedFilter.errors });
    // A windowed table keeps showing the rows it has until the server's answer replaces them;
    // with the link down no answer comes, so the rows it has are filtered here meanwhile.
    if (!this.windowLive) this.recomputeRows();
    else if (!this.linkOpen) this.showLiveWindow();
    this.scheduleFilterSend();
  }

  /** The server filters the stream too (and, windowed, searches and sorts it). */
  private scheduleFilterSend(): void {
    if (this.filterTimer !== null) this.options.clearTimer(this.filterTimer);
    this.filterTimer = this.options.setTimer(() => {
      this.filterTimer = null;
      if (this.options.windowed) {
        if (queryKey(this.windowQuery()) !== this.sentQuery) this.sendWindow();
        return;
      }
      if (this.captureSet || sameFilter(this.parsedFilter.filter, this.sentFilter)) return;
      this.sentFilter = this.parsedFilter.filter;
      this.options.send({ type: 'filter', filter: this.parsedFilter.filter });
    }, this.options.filterDebounceMs ?? 250);
  }

  /**
   * The table says which rows [start, end) are on screen; a windowed table
   * asks for them (and an overscan around them) when the slice it holds does
   * not cover them — at most once per throttle period while scrolling.
   */
  setVisibleRange(start: number, end: number): void {
    this.visible = { start, end };
    if (!this.windowLive || this.windowTimer !== null) return;
    if (this.window.rangeFor(start, end) === null) return;
    this.windowTimer = this.options.setTimer(() => {
      this.windowTimer = null;
      const range = this.window.rangeFor(this.visible.start, this.visible.end);
      if (range && this.windowLive) this.sendWindow(range);
    }, this.options.windowThrottleMs ?? 100);
  }

  setCursor(id: string | null): void {
    this.pendingCursorIndex = null;
    this.setTable({ cursorId: id });
  }

  /**
   * Moves the keyboard cursor by `delta` rows (clamped); returns the new row
   * index. A row not on hand yet (windowed) gets the cursor when it arrives.
   */
  moveCursor(delta: number | 'first' | 'last'): number {
    const { rows, offset, total, cursorId } = this.state.table;
    if (total === 0) return -1;
    const at = cursorId === null ? -1 : rows.findIndex((r) => r.id === cursorId);
    const current = at < 0 ? -1 : offset + at;
    let index: number;
    if (delta === 'first') index = 0;
    else if (delta === 'last') index = total - 1;
    else index = current < 0 ? (delta > 0 ? 0 : total - 1) : Math.min(total - 1, Math.max(0, current + delta));
    const view = rows[index - offset];
    if (view) this.setCursor(view.id);
    else {
      this.setTable({ cursorId: null });
      this.pendingCursorIndex = index;
    }
    return index;
  }
}
