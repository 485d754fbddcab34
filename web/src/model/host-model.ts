/**
 * The host: health, the keepalive sysctls of the picked namespace (its
 * defaults for sockets that set nothing), and the totals history the chart
 * draws — seeded from the server's, then fed by the stream.
 */
import type { ConnectionView, ErrorBody, Health, KeepaliveSettings, Sysctl, SysctlPatch, Totals } from '@keepalive-dashboard/shared';

import { asErrorBody, type ApiClient, type SysctlView } from '../transport/api.js';
import type { ServerClock } from './clock.js';
import { TOTALS_HISTORY, totalsSample, type TotalsSample } from './history.js';
import type { NamespacesModel } from './namespaces.js';
import { LINUX_DEFAULTS } from './retune-form.js';
import { RingBuffer } from './ring.js';
import { StateModel, type AuthPort } from './state-model.js';

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

export interface HostModelOptions {
  api: Pick<ApiClient, 'health' | 'sysctl' | 'putSysctl' | 'history'>;
  clock: ServerClock;
  namespaces: Pick<NamespacesModel, 'byInode' | 'refresh'>;
  /** The namespace picked in the filter bar (its inode), or undefined for every namespace. */
  pickedNetns(): number | undefined;
  auth: AuthPort;
  /** The picked namespace's sysctls arrived: forms that started from Linux defaults can start from these. */
  onSysctl(): void;
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
}

/** Health is polled this often (the stream says nothing of it), ms. */
const HEALTH_POLL_MS = 10_000;

export class HostModel extends StateModel<{ host: HostState }> {
  private readonly totalsRing = new RingBuffer<TotalsSample>(TOTALS_HISTORY);
  private healthTimer: unknown = null;

  constructor(private readonly options: HostModelOptions) {
    super({ host: { health: null, sysctl: null, sysctlResult: null, sysctlError: null, sysctlPending: false, error: null, totalsHistory: [] } });
  }

  private setHost(patch: Partial<HostState>): void {
    this.set({ host: { ...this.state.host, ...patch } });
  }

  start(): void {
    void this.refresh();
    void this.seedTotals();
    const tick = (): void => {
      this.healthTimer = this.options.setTimer(() => {
        void this.refreshHealth();
        tick();
      }, HEALTH_POLL_MS);
    };
    tick();
  }

  stop(): void {
    if (this.healthTimer !== null) this.options.clearTimer(this.healthTimer);
    this.healthTimer = null;
  }

  refresh(): Promise<unknown> {
    return Promise.all([this.refreshHealth(), this.refreshSysctl()]);
  }

  async refreshHealth(): Promise<void> {
    try {
      const health = await this.options.api.health();
      this.options.clock.observe(health.serverTime);
      this.options.auth.ok();
      this.setHost({ health, error: null });
    } catch (error) {
      this.options.auth.failed(error);
      this.setHost({ error: asErrorBody(error) });
    }
  }

  async refreshSysctl(): Promise<void> {
    const netns = this.options.pickedNetns();
    try {
      const sysctl = await this.options.api.sysctl(netns);
      // Picked another namespace meanwhile: this answer is for a form no longer shown.
      if (netns !== this.options.pickedNetns()) return;
      this.setHost({ sysctl, sysctlError: null });
      this.options.onSysctl();
    } catch (error) {
      this.options.auth.failed(error);
      if (netns === this.options.pickedNetns()) this.setHost({ sysctlError: asErrorBody(error) });
    }
  }

  /** The picked namespace changed: the last one's defaults are not shown meanwhile. */
  netnsChanged(): void {
    this.setHost({ sysctl: null, sysctlResult: null, sysctlError: null });
    void this.refreshSysctl();
  }

  /** After a sysctl change: the form's namespace and every namespace's row. */
  refreshSysctlAndNamespaces(): Promise<unknown> {
    return Promise.all([this.refreshSysctl(), this.options.namespaces.refresh()]);
  }

  /** Changes the defaults of the picked namespace (the server's own when none is). */
  async applySysctl(patch: SysctlPatch): Promise<void> {
    this.setHost({ sysctlPending: true, sysctlError: null, sysctlResult: null });
    try {
      const result = await this.options.api.putSysctl(patch, this.options.pickedNetns());
      this.setHost({ sysctlPending: false, sysctlResult: result });
      await this.refreshSysctlAndNamespaces();
    } catch (error) {
      this.setHost({ sysctlPending: false, sysctlError: asErrorBody(error) });
    }
  }

  /** What a socket that sets nothing gets: its own namespace's sysctls where known. */
  defaultsFor(view: ConnectionView | null): KeepaliveSettings {
    const host = this.state.host.sysctl;
    const inode = view?.netns?.inode;
    const s = inode === undefined ? host : (this.options.namespaces.byInode(inode)?.sysctl ?? (host?.netns?.inode === inode ? host : null));
    return s ? { enabled: false, idleSec: s.keepaliveTimeSec, intervalSec: s.keepaliveIntvlSec, count: s.keepaliveProbes, userTimeoutMs: 0 } : LINUX_DEFAULTS;
  }

  recordTotals(serverTime: number, totals: Totals): void {
    const sample = totalsSample(serverTime, totals);
    const last = this.totalsRing.last();
    // The charts plot whole seconds: the same counts again within the second (a scroll's window answers
    // come ten a second) would redraw two SVG charts for nothing.
    if (last && Math.floor(last.t / 1000) === Math.floor(serverTime / 1000) && (Object.keys(sample) as (keyof TotalsSample)[]).every((k) => k === 't' || sample[k] === last[k])) return;
    this.totalsRing.push(sample);
    this.setHost({ totalsHistory: this.totalsRing.toArray() });
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
    this.setHost({ totalsHistory: this.totalsRing.toArray() });
  }
}
