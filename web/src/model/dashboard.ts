/**
 * The dashboard's one model: a plain object that owns every piece of data the
 * page shows and tells subscribers when it changed. React components read it
 * with useSyncExternalStore and call its methods; they own no data.
 *
 * `getState()` returns an immutable object; a slice keeps its identity until
 * that slice changes, so a view that selects one slice re-renders only then.
 */
import type {
  ClientFrame,
  ConnectionFilter,
  ConnectionView,
  DashboardEvent,
  DeltaFrame,
  DetailFrame,
  ErrorBody,
  Health,
  KeepaliveSettings,
  PatchResult,
  ServerFrame,
  SnapshotFrame,
  Sysctl,
  SysctlPatch,
  Totals,
  WindowFrame,
} from '@keepalive-dashboard/shared';
import { KEEPALIVE_PRESETS, nextProbeAt, probesOut, remainingMs } from '@keepalive-dashboard/shared';

import { buildCapture, detectCaptureFormat, type Capture } from '../capture/capture.js';
import { ApiError, asErrorBody, type ApiClient, type CaptureFormat, type LabEntry, type SysctlView } from '../transport/api.js';
import type { LinkStatus } from '../transport/stream-transport.js';
import { ServerClock } from './clock.js';
import { nextSort, sortViews, type ColumnId, type SortSpec } from './columns.js';
import { ConnectionSet } from './connection-set.js';
import { filterEvents, mergeEvents, type EventFilter } from './events.js';
import { applyFilter, EMPTY_FILTER, parseFilter, sameFilter, type FilterDraft, type ParsedFilter } from './filter.js';
import { DETAIL_HISTORY, DETAIL_INTERVAL_MS, TOTALS_HISTORY, totalsSample, type DetailSample, type TotalsSample } from './history.js';
import { NamespacesModel } from './namespaces.js';
import { checkDraft, draftFrom, LINUX_DEFAULTS, patchFor, undoPatch, withPreset, type DraftCheck, type RetuneDraft } from './retune-form.js';
import { RingBuffer } from './ring.js';
import { TableWindow, type WindowQuery, queryKey } from './table-window.js';

/** What the model needs from the stream transport. */
export interface StreamPort {
  start(): void;
  stop(): void;
  send(frame: ClientFrame): void;
}

export interface LinkState extends LinkStatus {
  /** The server refused our credentials: the page was opened without logging in, or the session ended. */
  unauthorized: boolean;
  /** Local time the live link was lost (it had been open); null while it is open or before it ever was. The table then shows old state. */
  lostAt: number | null;
}

export interface ServerState {
  readOnly: boolean;
  intervalMs: number;
  seq: number;
  /** Local time of the last snapshot or delta. */
  lastFrameAt: number | null;
  /** Server ms minus local ms. */
  clockOffsetMs: number;
  /** The last error frame the stream sent. */
  lastError: ErrorBody | null;
}

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
}

export interface SelectionState {
  id: string;
  view: ConnectionView | null;
  /** The connection closed while selected. */
  gone: boolean;
  /** Full tcp_info from the last detail frame. */
  tcpInfo: Record<string, number | boolean | string> | null;
  detailError: ErrorBody | null;
  history: DetailSample[];
  /** Times the kernel re-armed the keepalive timer while selected (the countdown jumped). */
  rearms: number;
}

export interface RetuneState {
  connectionId: string | null;
  draft: RetuneDraft;
  check: DraftCheck;
  /** The settings the draft started from (the socket's, or defaults when unknown). */
  base: KeepaliveSettings;
  baseKnown: boolean;
  dirty: boolean;
  pending: boolean;
  result: PatchResult | null;
  error: ErrorBody | null;
  /** The last applied change, for Undo. */
  lastChange: { connectionId: string; result: PatchResult } | null;
}

export interface EventsState {
  all: DashboardEvent[];
  visible: DashboardEvent[];
  filter: EventFilter;
  error: ErrorBody | null;
}

export interface HostState {
  health: Health | null;
  /** The keepalive sysctls of the namespace picked in the filter bar (the server's own when none is). */
  sysctl: SysctlView | null;
  sysctlResult: { before: Sysctl; after: Sysctl } | null;
  sysctlError: ErrorBody | null;
  sysctlPending: boolean;
  error: ErrorBody | null;
  totalsHistory: TotalsSample[];
}

export interface LabState {
  entries: LabEntry[];
  labAnyAddress: boolean;
  canBlackhole: boolean;
  pending: boolean;
  error: ErrorBody | null;
  /** The last thing opened, to point at it. */
  lastOpened: LabEntry | null;
}

export interface CaptureState {
  name: string;
  format: CaptureFormat;
  capturedAt: number;
  count: number;
  issues: Capture['issues'];
  probing: number;
}

export interface KillState {
  pendingId: string | null;
  error: ErrorBody | null;
  killed: string | null;
}

export interface DashboardState {
  link: LinkState;
  server: ServerState;
  table: TableState;
  selection: SelectionState | null;
  retune: RetuneState;
  events: EventsState;
  host: HostState;
  lab: LabState;
  capture: CaptureState | null;
  captureLoad: { pending: boolean; error: ErrorBody | null };
  kill: KillState;
}

export interface DashboardOptions {
  api: ApiClient;
  stream: StreamPort;
  clock?: ServerClock;
  localNow?: () => number;
  /** Debounce for sending the filter to the server, ms. */
  filterDebounceMs?: number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /**
   * Live rows come as a server-side window (only the slice on screen, sorted
   * and filtered by the server) instead of a snapshot the browser sorts: what
   * a 100k-socket host needs. The transport opens the stream with ?view=window.
   */
  windowed?: boolean;
  /** At most one window request per this many ms while scrolling. */
  windowThrottleMs?: number;
  /** How often the namespace list is asked for while the page is open, ms. */
  namespacesPollMs?: number;
}

const INITIAL_LINK: LinkState = { state: 'stopped', attempt: 0, retryAt: null, lastClose: null, openedAt: null, unauthorized: false, lostAt: null };

function emptyRetune(base: KeepaliveSettings = LINUX_DEFAULTS): RetuneState {
  const draft = draftFrom(base);
  return { connectionId: null, draft, check: checkDraft(draft), base, baseKnown: false, dirty: false, pending: false, result: null, error: null, lastChange: null };
}

export class DashboardModel {
  private state: DashboardState;
  private readonly listeners = new Set<() => void>();
  private readonly live = new ConnectionSet();
  private captureSet: ConnectionSet | null = null;
  private parsedFilter: ParsedFilter = { filter: {}, errors: {} };
  private sentFilter: ConnectionFilter = {};
  private filterTimer: unknown = null;
  private readonly totalsRing = new RingBuffer<TotalsSample>(TOTALS_HISTORY);
  private detailRing = new RingBuffer<DetailSample>(DETAIL_HISTORY);
  private lastNextProbeAt: number | null = null;
  private lastProbesOut = 0;
  private healthTimer: unknown = null;
  private rowsVersion = -1;
  private readonly windowed: boolean;
  private readonly window = new TableWindow();
  /** The query of the last window request sent (filter, search, sort). */
  private sentQuery: string | null = null;
  private windowTimer: unknown = null;
  /** The rows on screen, as the table last said. */
  private visible: { start: number; end: number } = { start: 0, end: 0 };
  /** A keyboard move to a row not yet on hand: the cursor lands on it when it arrives. */
  private pendingCursorIndex: number | null = null;
  private readonly clock: ServerClock;
  private readonly localNow: () => number;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  /** The host's network namespaces: the picker's choices and the host panel's list. */
  readonly namespaces: NamespacesModel;

  constructor(private readonly options: DashboardOptions) {
    this.localNow = options.localNow ?? Date.now;
    this.clock = options.clock ?? new ServerClock(this.localNow);
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
    this.windowed = options.windowed ?? false;
    this.namespaces = new NamespacesModel({ api: options.api, setTimer: this.setTimer, clearTimer: this.clearTimer, pollMs: options.namespacesPollMs });
    this.state = {
      link: INITIAL_LINK,
      server: { readOnly: false, intervalMs: 1000, seq: -1, lastFrameAt: null, clockOffsetMs: 0, lastError: null },
      table: { mode: 'live', rows: [], offset: 0, total: 0, known: 0, totals: null, sort: { column: 'state', direction: 'asc' }, filter: EMPTY_FILTER, filterErrors: {}, cursorId: null, loading: true },
      selection: null,
      retune: emptyRetune(),
      events: { all: [], visible: [], filter: { type: '', text: '' }, error: null },
      host: { health: null, sysctl: null, sysctlResult: null, sysctlError: null, sysctlPending: false, error: null, totalsHistory: [] },
      lab: { entries: [], labAnyAddress: false, canBlackhole: false, pending: false, error: null, lastOpened: null },
      capture: null,
      captureLoad: { pending: false, error: null },
      kill: { pendingId: null, error: null, killed: null },
    };
  }

  // ---- store plumbing ----

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): DashboardState => this.state;

  private set(patch: Partial<DashboardState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  /** Server epoch ms now — or, while a capture is shown, the moment it was loaded. */
  now = (): number => this.state.capture?.capturedAt ?? this.clock.now();

  get serverClock(): ServerClock {
    return this.clock;
  }

  // ---- lifecycle ----

  start(): void {
    this.options.stream.start();
    void this.refreshHost();
    void this.seedTotals();
    void this.refreshEvents();
    void this.refreshLab();
    this.namespaces.start();
    const tick = (): void => {
      this.healthTimer = this.setTimer(() => {
        void this.refreshHealth();
        tick();
      }, 10_000);
    };
    tick();
  }

  stop(): void {
    this.options.stream.stop();
    this.namespaces.stop();
    if (this.healthTimer !== null) this.clearTimer(this.healthTimer);
    if (this.filterTimer !== null) this.clearTimer(this.filterTimer);
    if (this.windowTimer !== null) this.clearTimer(this.windowTimer);
  }

  /** The transport reopened: the server knows nothing of this client, so say it again. */
  onStreamOpen(): void {
    if (this.windowed) {
      // Queued by the transport and flushed as the socket opens: the first screen waits for nothing else.
      this.window.reset();
      this.sendWindow();
    } else {
      if (!sameFilter(this.parsedFilter.filter, {})) this.options.stream.send({ type: 'filter', filter: this.parsedFilter.filter });
      this.sentFilter = this.parsedFilter.filter;
    }
    const selected = this.state.selection;
    if (selected && !this.state.capture) this.options.stream.send({ type: 'select', id: selected.id, intervalMs: DETAIL_INTERVAL_MS });
    if (this.state.link.unauthorized) this.set({ link: { ...this.state.link, unauthorized: false } });
    // What happened while away.
    void this.refreshEvents();
    void this.refreshLab();
  }

  onLinkStatus(status: LinkStatus): void {
    const before = this.state.link;
    // The first moment of a loss counts, not each failed retry after it.
    const lostAt = status.state === 'open' ? null : (before.lostAt ?? (before.state === 'open' ? this.localNow() : null));
    const link: LinkState = { ...status, unauthorized: before.unauthorized, lostAt };
    this.set({ link });
    // A socket that never opened may be an auth failure, which a WebSocket cannot tell: ask over HTTP.
    if (status.state === 'reconnecting' && status.attempt === 1 && status.openedAt === null) void this.refreshHealth();
  }

  // ---- frames ----

  onFrame(frame: ServerFrame): void {
    if ('serverTime' in frame) this.clock.observe(frame.serverTime);
    switch (frame.type) {
      case 'snapshot':
        return this.onSnapshot(frame);
      case 'delta':
        return this.onDelta(frame);
      case 'window':
        return this.onWindow(frame);
      case 'event':
        return this.onEvent(frame.event);
      case 'detail':
        return this.onDetail(frame);
      case 'error':
        if (frame.code === 'KA_PONG') return;
        this.set({ server: { ...this.state.server, lastError: { code: frame.code, message: frame.message } } });
        return;
    }
  }

  private onSnapshot(frame: SnapshotFrame): void {
    this.live.applySnapshot(frame);
    this.recordTotals(frame.serverTime, frame.totals);
    this.set({
      server: { ...this.state.server, readOnly: frame.readOnly, intervalMs: frame.intervalMs, seq: frame.seq, lastFrameAt: this.localNow(), clockOffsetMs: this.clock.offsetMs },
    });
    this.liveChanged(frame.totals);
  }

  private onDelta(frame: DeltaFrame): void {
    const touched = this.live.applyDelta(frame);
    this.recordTotals(frame.serverTime, frame.totals);
    this.set({ server: { ...this.state.server, seq: frame.seq, lastFrameAt: this.localNow(), clockOffsetMs: this.clock.offsetMs } });
    // An empty delta (timers merely counting down) costs no re-sort.
    if (touched.size > 0 || this.state.table.loading) this.liveChanged(frame.totals);
    else this.set({ table: { ...this.state.table, totals: frame.totals } });
    const selected = this.state.selection;
    if (selected && !this.state.capture && touched.has(selected.id)) {
      const view = this.live.get(selected.id);
      if (view) this.selectedViewChanged(view);
    }
  }

  private onWindow(frame: WindowFrame): void {
    const current = this.window.apply(frame);
    this.recordTotals(frame.serverTime, frame.totals);
    this.set({
      server: { ...this.state.server, readOnly: frame.readOnly, intervalMs: frame.intervalMs, seq: frame.seq, lastFrameAt: this.localNow(), clockOffsetMs: this.clock.offsetMs },
    });
    if (this.state.capture || !current) this.set({ table: { ...this.state.table, totals: frame.totals } });
    else this.showWindow(frame.totals);
    // Like a delta: only a row sent anew is news for the selection (detail frames bring it fresher).
    const selected = this.state.selection;
    const view = selected && !this.state.capture ? frame.rows.find((v) => v.id === selected.id) : undefined;
    if (view) this.selectedViewChanged(view);
  }

  /** The table from the window frame that answers the newest request (and the rows held for it). */
  private showWindow(totals: Totals | null = this.state.table.totals): void {
    const shown = this.window.rows();
    const table = this.state.table;
    if (!shown) return;
    let cursorId = table.cursorId;
    const pending = this.pendingCursorIndex;
    const landed = pending === null ? undefined : shown.rows[pending - shown.offset];
    if (landed) {
      cursorId = landed.id;
      this.pendingCursorIndex = null;
    }
    this.set({ table: { ...table, ...shown, known: totals?.connections ?? 0, totals, cursorId, loading: false } });
  }

  private liveChanged(totals: Totals): void {
    // A capture stays on screen; live totals still feed the host chart.
    if (this.state.capture) {
      this.set({ table: { ...this.state.table, totals } });
      return;
    }
    this.recomputeRows({ totals, loading: false });
  }

  private recordTotals(serverTime: number, totals: Totals): void {
    this.totalsRing.push(totalsSample(serverTime, totals));
    this.set({ host: { ...this.state.host, totalsHistory: this.totalsHistory() } });
  }

  /** A new tab's chart starts from the totals the server kept, before the samples the stream brought since. */
  private async seedTotals(): Promise<void> {
    let points;
    try {
      points = (await this.options.api.history()).points;
    } catch {
      return; // an older server: the chart fills from the stream, as before
    }
    const live = this.totalsRing.toArray();
    const firstLiveAt = live[0]?.t ?? Infinity;
    this.totalsRing.clear();
    for (const point of points) if (point.at < firstLiveAt) this.totalsRing.push(totalsSample(point.at, point));
    for (const sample of live) this.totalsRing.push(sample);
    this.set({ host: { ...this.state.host, totalsHistory: this.totalsHistory() } });
  }

  private totalsHistory(): TotalsSample[] {
    return this.totalsRing.toArray();
  }

  private onEvent(event: DashboardEvent): void {
    this.setEvents(mergeEvents(this.state.events.all, [event]));
    if (event.type === 'lab' || event.type === 'blackhole' || event.type === 'died') void this.refreshLab();
    if (event.type === 'sysctl') void this.refreshSysctlAndNamespaces();
  }

  private onDetail(frame: DetailFrame): void {
    const selected = this.state.selection;
    if (!selected || selected.id !== frame.id || this.state.capture) return;
    if (!frame.connection) {
      this.set({ selection: { ...selected, gone: frame.error?.code === 'KA_ERR_SOCKET_GONE', tcpInfo: null, detailError: frame.error } });
      return;
    }
    const view = frame.connection;
    const info = frame.tcpInfo;
    const rtt = typeof info?.rtt === 'number' ? info.rtt : view.tcpInfo?.rtt;
    const probes = typeof info?.probes === 'number' ? info.probes : (view.derived?.probesOut ?? null);
    const next = remainingMs(nextProbeAt(view), frame.serverTime);
    this.detailRing.push({
      t: frame.serverTime,
      probesOut: probes,
      rttMs: rtt === undefined ? null : rtt / 1000,
      nextProbeS: next === null ? null : next / 1000,
    });
    this.set({ selection: { ...selected, tcpInfo: info, detailError: frame.error, gone: false, history: this.detailRing.toArray() } });
    this.selectedViewChanged(view);
  }

  /** A fresher view of the selected connection: re-arm detection, and the form follows unless edited. */
  private selectedViewChanged(view: ConnectionView): void {
    const selected = this.state.selection;
    if (!selected) return;
    const next = nextProbeAt(view);
    const probes = probesOut(view) ?? 0;
    let rearms = selected.rearms;
    // A jump of more than a second either way is the timer being re-armed (an
    // ACK, a retune, keepalive switched on) — not the jitter of ms-resolution
    // sampling, and not a probe going out (that moves it by one interval).
    const probeSent = probes > this.lastProbesOut;
    if (this.lastNextProbeAt !== null && next !== null && Math.abs(next - this.lastNextProbeAt) > 1000 && !probeSent) rearms++;
    this.lastNextProbeAt = next;
    this.lastProbesOut = probes;
    this.set({ selection: { ...selected, view, rearms, gone: false } });
    const retune = this.state.retune;
    if (retune.connectionId === view.id && !retune.dirty && !retune.pending && view.keepalive) {
      const same = retune.baseKnown && patchFor(retune.base, view.keepalive) === null;
      if (!same) this.resetRetune(view);
    }
  }

  // ---- table ----

  private activeSet(): ConnectionSet {
    return this.captureSet ?? this.live;
  }

  /** A row by id, wherever this page holds it: the capture, the window, or the live set. */
  private viewById(id: string): ConnectionView | undefined {
    if (this.captureSet) return this.captureSet.get(id);
    return this.windowed ? this.window.get(id) : this.live.get(id);
  }

  /** Live rows come from the server's window (not in capture mode, which sorts and filters here). */
  private get windowLive(): boolean {
    return this.windowed && !this.state.capture;
  }

  private recomputeRows(extra: Partial<TableState> = {}): void {
    const set = this.activeSet();
    const table = this.state.table;
    const filtered = applyFilter(set.all(), this.parsedFilter, table.filter.search);
    const rows = sortViews(filtered, table.sort);
    this.rowsVersion = set.version;
    const cursorId = table.cursorId !== null && rows.some((r) => r.id === table.cursorId) ? table.cursorId : null;
    this.set({ table: { ...table, ...extra, rows, offset: 0, total: rows.length, known: set.size, cursorId } });
  }

  private windowQuery(): WindowQuery {
    return { filter: this.parsedFilter.filter, search: this.state.table.filter.search, sort: this.state.table.sort };
  }

  /** Asks the server for the current query over `range` (or the slice asked for last). */
  private sendWindow(range?: Parameters<TableWindow['request']>[1]): void {
    const query = this.windowQuery();
    this.sentQuery = queryKey(query);
    this.options.stream.send(this.window.request(query, range));
  }

  setSort(column: ColumnId): void {
    this.set({ table: { ...this.state.table, sort: nextSort(this.state.table.sort, column) } });
    if (!this.windowed || this.state.capture) this.recomputeRows();
    if (this.windowed) {
      // Rows in the old order would sit at the wrong places: placeholders until the new order comes.
      if (!this.state.capture) this.set({ table: { ...this.state.table, rows: [] } });
      this.sendWindow();
    }
  }

  setFilter(patch: Partial<FilterDraft>): void {
    const filter = { ...this.state.table.filter, ...patch };
    const netnsBefore = this.pickedNetns;
    this.parsedFilter = parseFilter(filter);
    this.set({ table: { ...this.state.table, filter, filterErrors: this.parsedFilter.errors } });
    if (this.pickedNetns !== netnsBefore) {
      // The host panel's defaults follow the picked namespace; the last one's are not shown meanwhile.
      this.set({ host: { ...this.state.host, sysctl: null, sysctlResult: null, sysctlError: null } });
      void this.refreshSysctl();
    }
    // A windowed table keeps showing the rows it has until the server's answer replaces them.
    if (!this.windowLive) this.recomputeRows();
    this.scheduleFilterSend();
  }

  clearFilter(): void {
    this.setFilter(EMPTY_FILTER);
  }

  /** The server filters the stream too (and, windowed, searches and sorts it), so a narrow view of a busy host costs little bandwidth. */
  private scheduleFilterSend(): void {
    if (this.filterTimer !== null) this.clearTimer(this.filterTimer);
    this.filterTimer = this.setTimer(() => {
      this.filterTimer = null;
      if (this.windowed) {
        if (queryKey(this.windowQuery()) !== this.sentQuery) this.sendWindow();
        return;
      }
      if (this.state.capture || sameFilter(this.parsedFilter.filter, this.sentFilter)) return;
      this.sentFilter = this.parsedFilter.filter;
      this.options.stream.send({ type: 'filter', filter: this.parsedFilter.filter });
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
    this.windowTimer = this.setTimer(() => {
      this.windowTimer = null;
      const range = this.window.rangeFor(this.visible.start, this.visible.end);
      if (range && this.windowLive) this.sendWindow(range);
    }, this.options.windowThrottleMs ?? 100);
  }

  setCursor(id: string | null): void {
    this.pendingCursorIndex = null;
    this.set({ table: { ...this.state.table, cursorId: id } });
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
      this.set({ table: { ...this.state.table, cursorId: null } });
      this.pendingCursorIndex = index;
    }
    return index;
  }

  openCursor(): void {
    const id = this.state.table.cursorId;
    if (id !== null) this.select(id);
  }

  // ---- selection ----

  select(id: string | null): void {
    if (id === null) {
      if (!this.state.capture) this.options.stream.send({ type: 'select', id: null });
      this.set({ selection: null });
      return;
    }
    const view = this.viewById(id) ?? null;
    this.detailRing = new RingBuffer<DetailSample>(DETAIL_HISTORY);
    this.lastNextProbeAt = view ? nextProbeAt(view) : null;
    this.lastProbesOut = view ? (probesOut(view) ?? 0) : 0;
    this.set({
      selection: { id, view, gone: false, tcpInfo: null, detailError: null, history: [], rearms: 0 },
      table: { ...this.state.table, cursorId: id },
      kill: { pendingId: null, error: null, killed: null },
    });
    this.resetRetune(view, id);
    if (!this.state.capture) this.options.stream.send({ type: 'select', id, intervalMs: DETAIL_INTERVAL_MS });
  }

  // ---- retune ----

  /** The namespace picked in the filter bar (its inode), or undefined for every namespace. */
  get pickedNetns(): number | undefined {
    return this.parsedFilter.filter.netns;
  }

  /** What a socket that sets nothing gets: its own namespace's sysctls where known. */
  private defaults(view: ConnectionView | null): KeepaliveSettings {
    const host = this.state.host.sysctl;
    const inode = view?.netns?.inode;
    const s = inode === undefined ? host : (this.namespaces.byInode(inode)?.sysctl ?? (host?.netns?.inode === inode ? host : null));
    return s ? { enabled: false, idleSec: s.keepaliveTimeSec, intervalSec: s.keepaliveIntvlSec, count: s.keepaliveProbes, userTimeoutMs: 0 } : LINUX_DEFAULTS;
  }

  private resetRetune(view: ConnectionView | null, id = view?.id ?? null): void {
    const base = view?.keepalive ?? this.defaults(view);
    const draft = draftFrom(base);
    const prev = this.state.retune;
    const sameConnection = prev.connectionId === id;
    this.set({
      retune: {
        connectionId: id,
        draft,
        check: checkDraft(draft),
        base,
        baseKnown: view?.keepalive !== null && view?.keepalive !== undefined,
        dirty: false,
        pending: false,
        result: sameConnection ? prev.result : null,
        error: sameConnection ? prev.error : null,
        lastChange: prev.lastChange,
      },
    });
  }

  private setDraft(draft: RetuneDraft): void {
    this.set({ retune: { ...this.state.retune, draft, check: checkDraft(draft), dirty: true, error: null } });
  }

  setRetuneField(field: keyof RetuneDraft, value: string | boolean): void {
    this.setDraft({ ...this.state.retune.draft, [field]: value } as RetuneDraft);
  }

  applyPreset(name: string): void {
    const preset = KEEPALIVE_PRESETS.find((p) => p.name === name);
    if (preset) this.setDraft(withPreset(this.state.retune.draft, preset));
  }

  /** Back to the socket's current settings. */
  revertDraft(): void {
    const id = this.state.retune.connectionId;
    this.resetRetune(id ? (this.viewById(id) ?? this.state.selection?.view ?? null) : null, id);
  }

  async applyRetune(): Promise<void> {
    const retune = this.state.retune;
    const id = retune.connectionId;
    if (!id || !retune.check.values || retune.pending || this.state.capture) return;
    const patch = patchFor(retune.baseKnown ? retune.base : null, retune.check.values);
    if (!patch) return;
    await this.sendRetune(id, patch, false);
  }

  async undo(): Promise<void> {
    const last = this.state.retune.lastChange;
    if (!last || this.state.retune.pending) return;
    const patch = undoPatch(last.result);
    if (!patch) return;
    await this.sendRetune(last.connectionId, patch, true);
  }

  private async sendRetune(id: string, patch: Parameters<ApiClient['retune']>[1], isUndo: boolean): Promise<void> {
    this.set({ retune: { ...this.state.retune, pending: true, error: null } });
    try {
      const result = await this.options.api.retune(id, patch);
      const retune = this.state.retune;
      const draft = draftFrom(result.after);
      this.set({
        retune: {
          ...retune,
          ...(retune.connectionId === id ? { draft, check: checkDraft(draft), base: result.after, baseKnown: true, dirty: false } : {}),
          pending: false,
          result,
          error: null,
          lastChange: isUndo ? null : { connectionId: id, result },
        },
      });
    } catch (error) {
      this.set({ retune: { ...this.state.retune, pending: false, error: asErrorBody(error) } });
    }
  }

  // ---- kill ----

  async kill(id: string): Promise<void> {
    this.set({ kill: { pendingId: id, error: null, killed: null } });
    try {
      await this.options.api.kill(id);
      this.set({ kill: { pendingId: null, error: null, killed: id } });
    } catch (error) {
      this.set({ kill: { pendingId: null, error: asErrorBody(error), killed: null } });
    }
  }

  // ---- host ----

  private noteAuth(error: unknown): void {
    if (error instanceof ApiError && error.status === 401 && !this.state.link.unauthorized) {
      this.set({ link: { ...this.state.link, unauthorized: true } });
    }
  }

  async refreshHealth(): Promise<void> {
    try {
      const health = await this.options.api.health();
      this.clock.observe(health.serverTime);
      const link = this.state.link.unauthorized ? { ...this.state.link, unauthorized: false } : this.state.link;
      this.set({ host: { ...this.state.host, health, error: null }, link });
    } catch (error) {
      this.noteAuth(error);
      this.set({ host: { ...this.state.host, error: asErrorBody(error) } });
    }
  }

  async refreshSysctl(): Promise<void> {
    const netns = this.pickedNetns;
    try {
      const sysctl = await this.options.api.sysctl(netns);
      // Picked another namespace meanwhile: this answer is for a form no longer shown.
      if (netns !== this.pickedNetns) return;
      this.set({ host: { ...this.state.host, sysctl, sysctlError: null } });
      // A form that started from Linux defaults now starts from this host's.
      const retune = this.state.retune;
      if (!retune.baseKnown && !retune.dirty && retune.connectionId) this.resetRetune(this.state.selection?.view ?? null, retune.connectionId);
    } catch (error) {
      this.noteAuth(error);
      if (netns === this.pickedNetns) this.set({ host: { ...this.state.host, sysctlError: asErrorBody(error) } });
    }
  }

  /** After a sysctl change: the form's namespace and every namespace's row. */
  private refreshSysctlAndNamespaces(): Promise<unknown> {
    return Promise.all([this.refreshSysctl(), this.namespaces.refresh()]);
  }

  refreshHost(): Promise<unknown> {
    return Promise.all([this.refreshHealth(), this.refreshSysctl()]);
  }

  /** Changes the defaults of the picked namespace (the server's own when none is). */
  async applySysctl(patch: SysctlPatch): Promise<void> {
    this.set({ host: { ...this.state.host, sysctlPending: true, sysctlError: null, sysctlResult: null } });
    try {
      const result = await this.options.api.putSysctl(patch, this.pickedNetns);
      this.set({ host: { ...this.state.host, sysctlPending: false, sysctlResult: result } });
      await this.refreshSysctlAndNamespaces();
    } catch (error) {
      this.set({ host: { ...this.state.host, sysctlPending: false, sysctlError: asErrorBody(error) } });
    }
  }

  // ---- events ----

  private setEvents(all: DashboardEvent[], error: ErrorBody | null = this.state.events.error): void {
    const events = this.state.events;
    this.set({ events: { ...events, all, visible: filterEvents(all, events.filter), error } });
  }

  async refreshEvents(): Promise<void> {
    try {
      const page = await this.options.api.events(200);
      this.setEvents(mergeEvents(this.state.events.all, page.events), null);
    } catch (error) {
      this.noteAuth(error);
      this.setEvents(this.state.events.all, asErrorBody(error));
    }
  }

  setEventFilter(patch: Partial<EventFilter>): void {
    const filter = { ...this.state.events.filter, ...patch };
    const events = this.state.events;
    this.set({ events: { ...events, filter, visible: filterEvents(events.all, filter) } });
  }

  // ---- lab ----

  async refreshLab(): Promise<void> {
    try {
      const list = await this.options.api.lab();
      this.set({ lab: { ...this.state.lab, entries: list.entries, labAnyAddress: list.labAnyAddress, canBlackhole: list.canBlackhole === true } });
    } catch (error) {
      this.noteAuth(error);
      this.set({ lab: { ...this.state.lab, error: asErrorBody(error) } });
    }
  }

  private async labAction(action: () => Promise<LabEntry>): Promise<LabEntry | null> {
    this.set({ lab: { ...this.state.lab, pending: true, error: null } });
    try {
      const entry = await action();
      this.set({ lab: { ...this.state.lab, pending: false, lastOpened: entry } });
      await this.refreshLab();
      return entry;
    } catch (error) {
      this.set({ lab: { ...this.state.lab, pending: false, error: asErrorBody(error) } });
      return null;
    }
  }

  openLabConnection(host: string, port: number): Promise<LabEntry | null> {
    return this.labAction(() => this.options.api.openLabConnection(host, port));
  }

  openLabListener(port: number, host?: string): Promise<LabEntry | null> {
    return this.labAction(() => this.options.api.openLabListener(port, host));
  }

  closeLab(id: string): Promise<LabEntry | null> {
    return this.labAction(() => this.options.api.closeLab(id));
  }

  /** Black-holes (or restores) a lab connection's peer: a pulled cable, to watch keepalive declare it dead. */
  async setBlackhole(labId: string, on: boolean): Promise<void> {
    this.set({ lab: { ...this.state.lab, pending: true, error: null } });
    try {
      await this.options.api.blackhole(labId, on);
      this.set({ lab: { ...this.state.lab, pending: false } });
      await this.refreshLab();
    } catch (error) {
      this.set({ lab: { ...this.state.lab, pending: false, error: asErrorBody(error) } });
    }
  }

  // ---- capture ----

  async loadCapture(name: string, text: string, format: CaptureFormat | 'auto' = 'auto', userHz?: number): Promise<void> {
    const chosen = format === 'auto' ? detectCaptureFormat(text) : format;
    this.set({ captureLoad: { pending: true, error: null } });
    try {
      const parsed = await this.options.api.parseCapture(chosen, text, userHz);
      this.showCapture(buildCapture(name, chosen, parsed.connections, parsed.issues.map(({ line, message }) => ({ line, message })), this.clock.now()));
      this.set({ captureLoad: { pending: false, error: null } });
    } catch (error) {
      let body = asErrorBody(error);
      if (error instanceof ApiError && error.status === 404 && error.code === 'KA_ERR_NOT_FOUND') {
        body = { code: error.code, message: `this server cannot parse captures (POST /api/parse is missing): ${error.message}` };
      }
      this.set({ captureLoad: { pending: false, error: body } });
    }
  }

  /** Shows an already-parsed capture (also what tests use). */
  showCapture(capture: Capture): void {
    if (this.state.selection && !this.state.capture) this.options.stream.send({ type: 'select', id: null });
    this.captureSet = new ConnectionSet();
    this.captureSet.replace(capture.views);
    this.set({
      capture: { name: capture.name, format: capture.format, capturedAt: capture.capturedAt, count: capture.views.length, issues: capture.issues, probing: capture.probing },
      selection: null,
    });
    this.recomputeRows({ mode: 'capture', cursorId: null });
  }

  leaveCapture(): void {
    this.captureSet = null;
    this.set({ capture: null, selection: null, captureLoad: { pending: false, error: null } });
    if (!this.windowed) {
      this.recomputeRows({ mode: 'live', cursorId: null, totals: this.state.table.totals });
      return;
    }
    this.set({ table: { ...this.state.table, mode: 'live', cursorId: null, rows: [], offset: 0, total: 0, known: 0, loading: true } });
    this.showWindow();
    // Sorted or filtered while the capture was shown: the server's window follows now.
    if (queryKey(this.windowQuery()) !== this.sentQuery) this.sendWindow();
  }

  /** For tests and the status line: the table's data version. */
  get dataVersion(): number {
    return this.rowsVersion;
  }
}
