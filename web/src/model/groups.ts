/**
 * The grouped view: the filtered connections gathered by the process that
 * holds them or by the remote side they talk to, each group with how many are
 * at risk (advisories) and how many have keepalive off.
 *
 * A windowed table holds only the rows on screen, so the groups are worked
 * out from a fetch of the whole filtered list (GET /api/connections), done
 * only while grouping is on and again every few seconds — an "as of" view,
 * and it says so, not a live one.
 */
import { escapeControl, formatEndpoint, keepaliveStatus, type ConnectionView } from '@keepalive-dashboard/shared';

export const GROUP_BYS = ['none', 'process', 'peer', 'service'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export const GROUP_BY_LABELS: Record<GroupBy, string> = {
  none: 'nothing',
  process: 'process',
  peer: 'remote address:port',
  service: 'remote port (service)',
};

export interface ConnectionGroup {
  key: string;
  label: string;
  /** The members' ids, in the fetched list's order: what a group's bulk retune names. */
  ids: string[];
  views: ConnectionView[];
  count: number;
  /** Members with at least one advisory. */
  atRisk: number;
  /** Members whose keepalive is read back off (unknown is not counted). */
  keepaliveOff: number;
}

function groupKey(view: ConnectionView, by: Exclude<GroupBy, 'none'>): { key: string; label: string } {
  if (by === 'process') {
    const holder = view.holders[0];
    // Names come from other users: escaped here, once, as every view shows them.
    return holder ? { key: `pid:${holder.pid}`, label: `${escapeControl(holder.comm)} (${holder.pid})` } : { key: 'pid:none', label: 'no process (TIME_WAIT, in flight, unknown)' };
  }
  if (by === 'peer') return { key: `peer:${formatEndpoint(view.peer)}`, label: formatEndpoint(view.peer) };
  return { key: `port:${view.peer.port}`, label: view.peer.port === 0 ? 'no remote port (LISTEN)' : `port ${view.peer.port}` };
}

/** Groups most at risk first, then the biggest, then by label: the order an SRE works through them. */
export function groupViews(views: readonly ConnectionView[], by: Exclude<GroupBy, 'none'>): ConnectionGroup[] {
  const groups = new Map<string, ConnectionGroup>();
  for (const view of views) {
    const { key, label } = groupKey(view, by);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, label, ids: [], views: [], count: 0, atRisk: 0, keepaliveOff: 0 }));
    group.ids.push(view.id);
    group.views.push(view);
    group.count += 1;
    if (view.advisories.length > 0) group.atRisk += 1;
    if (keepaliveStatus(view) === 'off') group.keepaliveOff += 1;
  }
  return [...groups.values()].sort((a, b) => b.atRisk - a.atRisk || b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

export interface GroupsState {
  by: GroupBy;
  groups: ConnectionGroup[];
  /** Server time the groups were fetched at; null before the first fetch. */
  asOf: number | null;
  loading: boolean;
  error: { code: string; message: string } | null;
  /** Keys of the groups shown open. */
  expanded: ReadonlySet<string>;
}

export interface GroupsOptions {
  /** Every row of the current view (filter and search applied): the server's whole filtered list. */
  fetchRows: () => Promise<ConnectionView[]>;
  /** Server epoch ms now. */
  now: () => number;
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** How often the groups are fetched again while shown, ms. */
  refreshMs?: number;
}

export const GROUPS_REFRESH_MS = 5000;

export class GroupsModel {
  private state: GroupsState = { by: 'none', groups: [], asOf: null, loading: false, error: null, expanded: new Set() };
  private readonly listeners = new Set<() => void>();
  private timer: unknown = null;
  /** Bumped by each fetch and each change of grouping: a late answer to an older question is dropped. */
  private generation = 0;

  constructor(private readonly options: GroupsOptions) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): GroupsState => this.state;

  private set(patch: Partial<GroupsState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  setBy(by: GroupBy): void {
    if (by === this.state.by) return;
    this.generation += 1;
    this.cancelTimer();
    this.set({ by, groups: [], asOf: null, error: null, loading: false, expanded: new Set() });
    if (by !== 'none') void this.refresh();
  }

  toggle(key: string): void {
    const expanded = new Set(this.state.expanded);
    if (!expanded.delete(key)) expanded.add(key);
    this.set({ expanded });
  }

  /** Fetches now (the filter changed, or the timer came round) and schedules the next. */
  async refresh(): Promise<void> {
    const by = this.state.by;
    if (by === 'none') return;
    const generation = ++this.generation;
    this.cancelTimer();
    this.set({ loading: true });
    try {
      const views = await this.options.fetchRows();
      if (generation !== this.generation) return;
      this.set({ groups: groupViews(views, by), asOf: this.options.now(), loading: false, error: null });
    } catch (error) {
      if (generation !== this.generation) return;
      const code = (error as { code?: unknown }).code;
      // The last groups stay, with their "as of" time: older but true of then.
      this.set({ loading: false, error: { code: typeof code === 'string' ? code : 'KA_ERR_CLIENT', message: (error as Error).message } });
    }
    this.timer = this.options.setTimer(() => void this.refresh(), this.options.refreshMs ?? GROUPS_REFRESH_MS);
  }

  stop(): void {
    this.generation += 1;
    this.cancelTimer();
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
  }
}
