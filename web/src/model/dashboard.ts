/**
 * The composition root of the page's models: it owns the transport wiring
 * (the stream's frames, link status and reopen), routes each frame to the
 * model of its concern, and joins their slices into one `DashboardState`
 * for the views. React components read it with useSyncExternalStore and call
 * its methods; they own no data.
 *
 * `getState()` returns an immutable object; a slice keeps its identity until
 * that slice changes, so a view that selects one slice re-renders only then.
 */
import type { ClientFrame, ConnectionFilter, ConnectionView, DashboardEvent, MiddleboxKeepalive, MiddleboxPut, ServerFrame, SysctlPatch } from '@keepalive-dashboard/shared';

import type { Capture } from '../capture/capture.js';
import type { ApiClient, CaptureFormat, LabEntry } from '../transport/api.js';
import type { LinkStatus } from '../transport/stream-transport.js';
import { CaptureModel, type CaptureSlices } from './capture-model.js';
import { ServerClock } from './clock.js';
import type { ColumnId, SortSpec } from './columns.js';
import { BulkModel } from './bulk-model.js';
import { EventsModel, type EventsState } from './events-model.js';
import { exportFile, fetchViewRows, type ExportFile } from './export.js';
import { pidsNamedIn, type EventFilter } from './events.js';
import { EMPTY_FILTER, type FilterDraft } from './filter.js';
import { GroupsModel } from './groups.js';
import { HostModel, type HostState } from './host-model.js';
import { LabModel, type LabState } from './lab-model.js';
import { LinkModel, type LinkSlices } from './link-model.js';
import { MiddleboxModel, type MiddleboxState } from './middlebox-model.js';
import { FleetModel } from './fleet-model.js';
import { NamespacesModel } from './namespaces.js';
import type { RetuneDraft } from './retune-form.js';
import { SelectionModel, type SelectionSlices } from './selection-model.js';
import { SettingsModel, type SettingsState } from './settings-model.js';
import { TableModel, type TableState } from './table-model.js';

export type { CaptureState } from './capture-model.js';
export type { EventsState } from './events-model.js';
export type { HostState } from './host-model.js';
export type { LabState } from './lab-model.js';
export type { LinkState, ServerState } from './link-model.js';
export type { MiddleboxState } from './middlebox-model.js';
export type { KillState, RetuneState, SelectionState } from './selection-model.js';
export type { SettingsState } from './settings-model.js';
export type { TableState } from './table-model.js';

/** What the model needs from the stream transport. */
export interface StreamPort {
  start(): void;
  stop(): void;
  send(frame: ClientFrame): void;
}

export interface DashboardState extends LinkSlices, SelectionSlices, CaptureSlices {
  table: TableState;
  events: EventsState;
  host: HostState;
  lab: LabState;
  middlebox: MiddleboxState;
  settings: SettingsState;
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

export class DashboardModel {
  private state!: DashboardState;
  private readonly listeners = new Set<() => void>();
  private readonly clock: ServerClock;
  private readonly localNow: () => number;
  /** The host's network namespaces: the picker's choices and the host panel's list. */
  readonly namespaces: NamespacesModel;
  /** The fleet from the server's Prometheus: its own model, the host panel's fleet list is its view. */
  readonly fleet: FleetModel;
  readonly link: LinkModel;
  readonly table: TableModel;
  readonly selection: SelectionModel;
  readonly host: HostModel;
  readonly events: EventsModel;
  readonly lab: LabModel;
  readonly middlebox: MiddleboxModel;
  readonly settings: SettingsModel;
  readonly capture: CaptureModel;
  /** The grouped view and the bulk retune: their own state, reached by the views that show them (not in DashboardState). */
  readonly groups: GroupsModel;
  readonly bulk: BulkModel;

  constructor(private readonly options: DashboardOptions) {
    this.localNow = options.localNow ?? Date.now;
    this.clock = options.clock ?? new ServerClock(this.localNow);
    const setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    const clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
    const send = (frame: ClientFrame): void => options.stream.send(frame);
    const auth = (this.link = new LinkModel(this.localNow, () => void this.host.refreshHealth()));
    this.namespaces = new NamespacesModel({ api: options.api, setTimer, clearTimer, pollMs: options.namespacesPollMs });
    this.table = new TableModel({ send, setTimer, clearTimer, windowed: options.windowed ?? false, filterDebounceMs: options.filterDebounceMs, windowThrottleMs: options.windowThrottleMs });
    this.host = new HostModel({
      api: options.api, clock: this.clock, namespaces: this.namespaces, auth, setTimer, clearTimer,
      pickedNetns: () => this.table.pickedNetns,
      onSysctl: () => this.selection.defaultsChanged(),
    });
    this.selection = new SelectionModel({
      api: options.api, send,
      viewById: (id) => this.table.viewById(id),
      inCapture: () => this.table.inCapture,
      defaultsFor: (view) => this.host.defaultsFor(view),
    });
    this.events = new EventsModel({ api: options.api, auth, pidsNamed: (name) => pidsNamedIn(this.state.table.rows, name) });
    this.lab = new LabModel({ api: options.api, auth });
    this.middlebox = new MiddleboxModel({ api: options.api, auth, now: () => this.clock.now(), setTimer, clearTimer });
    this.settings = new SettingsModel({ api: options.api, auth });
    this.fleet = new FleetModel({ api: options.api, auth, setTimer, clearTimer });
    this.capture = new CaptureModel({ api: options.api, clock: this.clock });
    this.groups = new GroupsModel({ fetchRows: () => this.viewRows(), now: () => this.now(), setTimer, clearTimer });
    this.bulk = new BulkModel(options.api);
    this.compose();
    for (const model of [this.link, this.table, this.selection, this.host, this.events, this.lab, this.middlebox, this.settings, this.capture]) model.subscribe(this.changed);
  }

  // ---- store plumbing ----

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): DashboardState => this.state;

  private compose(): void {
    this.state = {
      ...this.link.getState(),
      ...this.table.getState(),
      ...this.selection.getState(),
      ...this.host.getState(),
      ...this.events.getState(),
      ...this.lab.getState(),
      ...this.middlebox.getState(),
      ...this.settings.getState(),
      ...this.capture.getState(),
    };
  }

  private readonly changed = (): void => {
    this.compose();
    for (const listener of [...this.listeners]) listener();
  };

  /** Server epoch ms now — or, while a capture is shown, the moment it was loaded. */
  now = (): number => this.state.capture?.capturedAt ?? this.clock.now();

  get serverClock(): ServerClock {
    return this.clock;
  }

  // ---- lifecycle ----

  start(): void {
    this.options.stream.start();
    this.host.start();
    void this.events.refresh();
    void this.lab.refresh();
    void this.middlebox.refresh();
    void this.settings.refresh();
    this.namespaces.start();
    this.fleet.start();
  }

  stop(): void {
    this.options.stream.stop();
    this.namespaces.stop();
    this.fleet.stop();
    this.host.stop();
    this.table.stop();
    this.groups.stop();
    this.middlebox.stop();
  }

  /** The transport reopened: the server knows nothing of this client, so say it again. */
  onStreamOpen(): void {
    this.table.onStreamOpen();
    this.selection.onStreamOpen();
    this.link.ok();
    // What happened while away.
    void this.events.refresh();
    void this.lab.refresh();
    void this.middlebox.refresh();
  }

  onLinkStatus(status: LinkStatus): void {
    this.link.onStatus(status);
    this.table.setLinkOpen(status.state === 'open');
  }

  // ---- frames ----

  onFrame(frame: ServerFrame): void {
    if ('serverTime' in frame) this.clock.observe(frame.serverTime);
    switch (frame.type) {
      case 'snapshot':
        this.host.recordTotals(frame.serverTime, frame.totals);
        this.link.onTableFrame(frame, this.clock.offsetMs);
        return this.table.applySnapshot(frame);
      case 'delta': {
        const touched = this.table.applyDelta(frame);
        this.host.recordTotals(frame.serverTime, frame.totals);
        this.link.onTableFrame(frame, this.clock.offsetMs);
        const selected = this.state.selection;
        const view = selected && !this.table.inCapture && touched.has(selected.id) ? this.table.liveView(selected.id) : undefined;
        if (view) this.selection.viewChanged(view);
        return;
      }
      case 'window': {
        this.table.applyWindow(frame);
        this.host.recordTotals(frame.serverTime, frame.totals);
        this.link.onTableFrame(frame, this.clock.offsetMs);
        // Like a delta: only a row sent anew is news for the selection (detail frames bring it fresher).
        const selected = this.state.selection;
        const view = selected && !this.table.inCapture ? frame.rows.find((v) => v.id === selected.id) : undefined;
        if (view) this.selection.viewChanged(view);
        return;
      }
      case 'event':
        return this.onEvent(frame.event);
      case 'detail':
        return this.selection.onDetail(frame);
      case 'error':
        if (frame.code === 'KA_PONG') return;
        return this.link.onError({ code: frame.code, message: frame.message });
    }
  }

  private onEvent(event: DashboardEvent): void {
    this.events.add(event);
    this.middlebox.onEvent(event);
    if (event.type === 'lab' || event.type === 'blackhole' || event.type === 'died') void this.lab.refresh();
    if (event.type === 'sysctl') void this.host.refreshSysctlAndNamespaces();
    // Changed from another tab or a script: the host panel shows what the advisories now use.
    if (event.type === 'settings') void this.settings.refresh();
  }

  // ---- delegates: the views and tests call the composition root; each model does the work ----

  get pickedNetns(): number | undefined {
    return this.table.pickedNetns;
  }

  get dataVersion(): number {
    return this.table.dataVersion;
  }

  setFilter(patch: Partial<FilterDraft>): void {
    const netnsBefore = this.table.pickedNetns;
    this.table.setFilter(patch);
    // The host panel's defaults follow the picked namespace.
    if (this.table.pickedNetns !== netnsBefore) this.host.netnsChanged();
  }

  clearFilter = (): void => this.setFilter(EMPTY_FILTER);
  openCursor = (): void => {
    const id = this.state.table.cursorId;
    if (id !== null) this.select(id);
  };
  select = (id: string | null): void => {
    if (id !== null) this.table.setCursor(id);
    this.selection.select(id);
  };

  setSort = (column: ColumnId): void => this.table.setSort(column);
  setSortSpec = (sort: SortSpec): void => this.table.setSortSpec(sort);
  setVisibleRange = (start: number, end: number): void => this.table.setVisibleRange(start, end);
  setCursor = (id: string | null): void => this.table.setCursor(id);
  moveCursor = (delta: number | 'first' | 'last'): number => this.table.moveCursor(delta);
  setRetuneField = (field: keyof RetuneDraft, value: string | boolean): void => this.selection.setRetuneField(field, value);
  applyPreset = (name: string): void => this.selection.applyPreset(name);
  revertDraft = (): void => this.selection.revertDraft();
  applyRetune = (): Promise<void> => this.selection.applyRetune();
  undo = (): Promise<void> => this.selection.undo();
  kill = (id: string): Promise<void> => this.selection.kill(id);
  refreshHealth = (): Promise<void> => this.host.refreshHealth();
  refreshSysctl = (): Promise<void> => this.host.refreshSysctl();
  refreshHost = (): Promise<unknown> => this.host.refresh();
  applySysctl = (patch: SysctlPatch): Promise<void> => this.host.applySysctl(patch);
  refreshEvents = (): Promise<void> => this.events.refresh();
  setEventFilter = (patch: Partial<EventFilter>): void => this.events.setFilter(patch);
  loadOlderEvents = (): Promise<void> => this.events.loadOlder();
  refreshLab = (): Promise<void> => this.lab.refresh();
  openLabConnection = (host: string, port: number): Promise<LabEntry | null> => this.lab.openConnection(host, port);
  openLabListener = (port: number, host?: string): Promise<LabEntry | null> => this.lab.openListener(port, host);
  closeLab = (id: string): Promise<LabEntry | null> => this.lab.close(id);
  setBlackhole = (labId: string, on: boolean): Promise<void> => this.lab.setBlackhole(labId, on);
  setMiddlebox = (body: MiddleboxPut): Promise<boolean> => this.middlebox.setLab(body);
  openMiddleboxConnection = (keepalive: MiddleboxKeepalive | null, userTimeoutMs: number): Promise<boolean> => this.middlebox.openConnection(keepalive, userTimeoutMs);
  sendMiddleboxMessage = (id: string): Promise<void> => this.middlebox.sendMessage(id);
  setMiddleboxTimeout = (sec: number): Promise<boolean> => this.settings.setMiddleboxTimeout(sec);
  /** Selects a middlebox lab connection's client end in the table, once the server lists it. */
  showMiddleboxConnection = async (id: string): Promise<boolean> => {
    const rowId = await this.middlebox.clientRowId(id);
    if (rowId !== null) this.select(rowId);
    return rowId !== null;
  };

  /** The current view as a file: every row the table shows (filter, search and sort applied), not only the window on hand. */
  async exportView(format: 'csv' | 'json'): Promise<ExportFile> {
    const { table } = this.state;
    const query = { filter: this.table.filter, search: table.filter.search, sort: table.sort };
    return exportFile(format, await this.viewRows(), { ...query, now: this.now() });
  }

  /** Every row the table shows (filter, search and sort applied): on hand, or fetched when the browser holds only a window. */
  async viewRows(): Promise<ConnectionView[]> {
    const { table } = this.state;
    if (this.table.allRowsOnHand) return [...table.rows];
    return fetchViewRows(this.options.api, { filter: this.table.filter, search: table.filter.search, sort: table.sort });
  }

  /** The server-side filter now in force (what a bulk retune "of the matching" sends). */
  get serverFilter(): ConnectionFilter {
    return this.table.filter;
  }

  // ---- capture ----

  async loadCapture(name: string, text: string, format: CaptureFormat | 'auto' = 'auto', userHz?: number): Promise<void> {
    const capture = await this.capture.load(name, text, format, userHz);
    if (capture) this.showCapture(capture);
  }

  /** Shows an already-parsed capture (also what tests use). */
  showCapture(capture: Capture): void {
    if (this.state.selection && !this.table.inCapture) this.options.stream.send({ type: 'select', id: null });
    this.capture.show(capture);
    this.selection.clear();
    this.table.showCapture(capture.views);
  }

  leaveCapture(): void {
    this.table.leaveCapture();
    this.selection.clear();
    this.capture.leave();
  }
}
