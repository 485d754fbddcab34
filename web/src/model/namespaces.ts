/**
 * The host's network namespaces, as GET /api/namespaces lists them: polled
 * while the page is open (a container started or stopped shows up without a
 * reload), and asked again after a sysctl change. Its own small model with
 * subscribe(): the namespace picker and the host panel are its views.
 */
import type { ErrorBody, Namespace, NetnsOwner } from '@keepalive-dashboard/shared';

import { asErrorBody, type ApiClient } from '../transport/api.js';

export interface NamespacesState {
  /** Own namespace first, then the host's initial one, then by label; null until the first answer. */
  list: readonly Namespace[] | null;
  error: ErrorBody | null;
  /**
   * Labels of namespaces listed earlier and gone since, so a picked one that
   * vanished (container stopped) still has a name. Bounded: a host that churns
   * containers all day must not grow the page.
   */
  goneLabels: ReadonlyMap<number, string>;
}

export interface NamespacesOptions {
  api: Pick<ApiClient, 'namespaces'>;
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** How often to ask while the page is open, ms. */
  pollMs?: number;
}

export const NAMESPACES_POLL_MS = 5000;
const GONE_LABELS_KEPT = 200;

export function orderNamespaces(list: readonly Namespace[]): Namespace[] {
  const rank = (ns: Namespace): number => (ns.own ? 0 : ns.initial ? 1 : 2);
  return [...list].sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label) || a.inode - b.inode);
}

export class NamespacesModel {
  private state: NamespacesState = { list: null, error: null, goneLabels: new Map() };
  private readonly listeners = new Set<() => void>();
  private timer: unknown = null;
  /** Answers arrive out of order when a refresh overlaps the poll: only the newest request's counts. */
  private asked = 0;

  constructor(private readonly options: NamespacesOptions) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): NamespacesState => this.state;

  private set(patch: Partial<NamespacesState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  start(): void {
    void this.refresh();
    const tick = (): void => {
      this.timer = this.options.setTimer(() => {
        void this.refresh();
        tick();
      }, this.options.pollMs ?? NAMESPACES_POLL_MS);
    };
    tick();
  }

  stop(): void {
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
  }

  async refresh(): Promise<void> {
    const ask = ++this.asked;
    try {
      const answer = await this.options.api.namespaces();
      if (ask !== this.asked) return;
      const list = orderNamespaces(answer.namespaces);
      this.set({ list, error: null, goneLabels: this.goneSince(list) });
    } catch (error) {
      if (ask === this.asked) this.set({ error: asErrorBody(error) });
    }
  }

  byInode(inode: number): Namespace | undefined {
    return this.state.list?.find((ns) => ns.inode === inode);
  }

  private goneSince(list: readonly Namespace[]): Map<number, string> {
    const present = new Set(list.map((ns) => ns.inode));
    const gone = new Map([...this.state.goneLabels].filter(([inode]) => !present.has(inode)));
    for (const ns of this.state.list ?? []) if (!present.has(ns.inode)) gone.set(ns.inode, ns.label);
    while (gone.size > GONE_LABELS_KEPT) gone.delete(gone.keys().next().value as number);
    return gone;
  }
}

export interface PickerOption {
  /** The inode as text; '' = every namespace. */
  value: string;
  label: string;
}

/** "all", then one option per namespace with its socket count; a picked namespace that vanished stays, marked gone. */
export function pickerOptions(state: NamespacesState, picked: number | undefined): PickerOption[] {
  const options: PickerOption[] = [{ value: '', label: 'all' }];
  for (const ns of state.list ?? []) options.push({ value: String(ns.inode), label: `${ns.label} (${plural(ns.sockets, 'socket')})` });
  if (picked !== undefined && !state.list?.some((ns) => ns.inode === picked)) {
    options.push({ value: String(picked), label: `${state.goneLabels.get(picked) ?? `netns:${picked}`} (gone)` });
  }
  return options;
}

/** "1 socket", "1,234 sockets". */
export function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** Container ids are 64 hex digits; people (and `docker ps`) use the first 12. */
export function ownerText(owner: NetnsOwner | null): string {
  if (!owner) return '—';
  const id = owner.runtime === 'systemd' ? owner.id : owner.id.slice(0, 12);
  return `${owner.runtime} ${id}${owner.podUid ? ` · pod ${owner.podUid}` : ''}`;
}

const PROCESSES_SHOWN = 4;

/** "sleep(41) python3(42) +3 more": the first few (the whole list is the cell's title), and how many more are inside. */
export function processesText(ns: Pick<Namespace, 'processes' | 'processCount'>): string {
  if (ns.processCount === 0) return 'none (held by a bind mount only)';
  const first = ns.processes.slice(0, PROCESSES_SHOWN);
  const shown = first.map((p) => `${p.comm}(${p.pid})`).join(' ');
  const more = ns.processCount - first.length;
  return more > 0 ? `${shown} +${more} more` : shown;
}
