/**
 * The snapshot store: the views of every connection, kept current by sampling
 * by prediction rather than by brute force (see cadence.ts):
 * - a sweep of the whole host at an adaptive cadence, handing over only the
 *   rows that changed (the netlink source diffs in the addon);
 * - between sweeps, exact lookups of the sockets whose keepalive event is due,
 *   the lab's, and those just retuned or selected;
 * - recomputing, without the kernel, the views whose holders or foreign
 *   settings changed.
 * Each of these publishes a delta (added / changed / removed) to the stream.
 */
import { EventEmitter } from 'node:events';

import { getKeepalive } from '@keepalive-dashboard/native';
import {
  DEFAULT_ADVISORY_OPTIONS,
  inProbePhase,
  type AdvisoryOptions,
  type Connection,
  type ConnectionView,
  type Capabilities,
  type KeepaliveDefaults,
  type NetnsRef,
  type Totals,
} from '@keepalive-dashboard/shared';

import type { Lab } from '../control/lab.js';
import type { NamespaceRegistry } from '../namespaces/registry.js';
import type { NamespaceSysctls } from '../namespaces/sysctls.js';
import type { EventBus } from '../events.js';
import { sameHolderFds } from '../processes/holders.js';
import type { ProcessMap } from '../processes/process-map.js';
import { hiddenForeignSocket } from '../security/foreign-permission.js';
import type { Source } from '../sources/types.js';
import { KEEP_FRESH_MS, OVERDUE_GIVE_UP_MS, revisitAt, sweepIntervalMs } from './cadence.js';
import { viewChanged } from './diff.js';
import type { ForeignSettings } from './foreign-settings.js';
import { sweeperFor, type Sweeper } from './sweep.js';
import { computeTotals } from './totals.js';
import { connectionOf, toView, type SettingsLookup, type ViewContext } from './view.js';

export interface Delta {
  seq: number;
  serverTime: number;
  added: ConnectionView[];
  changed: ConnectionView[];
  removed: string[];
  totals: Totals;
}

export interface CollectionStats {
  at: number;
  durationMs: number;
  connections: number;
}

/** What the sampler is doing, for /api/health and the benchmark. */
export interface SamplingStatus {
  sockets: number;
  /** The gap between full sweeps now, ms (adapts to what a sweep costs). */
  sweepIntervalMs: number;
  /** The last sweep, dump and processing, ms. */
  lastSweepMs: number;
  /** Sockets looked up exactly in the last tick between sweeps. */
  lookupsLastTick: number;
  /** Sockets whose next keepalive event falls before the next sweep. */
  due: number;
  /** Times a lookup's "gone" was contradicted by the addon, so the next sweep re-read every row. */
  sweepResets: number;
}

export interface StoreEvents {
  delta: [Delta];
  /** Views no longer listed, as last seen (before the events announcing them): post-mortems keep them. */
  gone: [views: readonly ConnectionView[], at: number];
  error: [Error];
}

export interface StoreOptions {
  source: Source;
  processMap: ProcessMap;
  lab: Lab;
  foreign: ForeignSettings;
  events: EventBus;
  now?: () => number;
  advisoryOptions?: AdvisoryOptions;
  /** What this process may do: a foreign socket whose holders are hidden is then "not permitted", not "unknown". */
  capabilities?: Capabilities;
  /**
   * Local ports of the server's own HTTP/WebSocket sockets: they carry the
   * stream, so their counters move every tick; only other changes count.
   */
  quietPorts?: () => ReadonlySet<number>;
  /** More than this many appear/close in one tick: one summary event instead of one each. */
  eventBurstLimit?: number;
  /** The network namespaces watched: re-discovered every tick; a namespace that comes or goes is swept at once. */
  namespaces?: NamespaceRegistry;
  /** Their keepalive sysctls: advisories compare each socket against its own namespace's. */
  namespaceSysctls?: NamespaceSysctls;
}

/** What one step changed, published as one delta. */
class Batch {
  readonly added = new Map<string, ConnectionView>();
  readonly changed = new Map<string, ConnectionView>();
  readonly gone: ConnectionView[] = [];
  get empty(): boolean {
    return this.added.size === 0 && this.changed.size === 0 && this.gone.length === 0;
  }
  /** A view that changed: still "added" if it appeared in this same step. */
  changedTo(view: ConnectionView): void {
    (this.added.has(view.id) ? this.added : this.changed).set(view.id, view);
  }
}

export class ConnectionStore extends EventEmitter<StoreEvents> {
  private readonly views = new Map<string, ConnectionView>();
  private readonly idByInode = new Map<number, string>();
  /** Next keepalive event of each view due before the next sweep (see revisitAt). */
  private readonly due = new Map<string, number>();
  /** Views read exactly every tick until the time given: retuned, selected. */
  private readonly keepFreshUntil = new Map<string, number>();
  /** Inodes whose holders or foreign settings changed: their views are recomputed. */
  private readonly dirtyInodes = new Set<number>();
  /** Views whose namespace's label or sysctls changed: recomputed too. */
  private readonly dirtyIds = new Set<string>();
  /** Advisory options with each namespace's defaults, built on first use; cleared when a namespace changes. */
  private readonly advisoryByNetns = new Map<number, AdvisoryOptions>();
  /** Removed because a lookup said so (id → when): the next sweep that began after it checks the addon agrees. */
  private removedByLookup = new Map<string, { at: number; netns: number | undefined }>();
  /** The last keepalive prediction made for each owned socket, kept past its last view: its death is judged against it. */
  private readonly lastPredictions = new Map<number, { derived: NonNullable<ConnectionView['derived']>; seq: number }>();
  private readonly sweeper: Sweeper;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private tickMs = 1000;
  private sweeping: Promise<Delta> | null = null;
  private ticking = false;
  private nextSweepAt = 0;
  private sweepEveryMs = 1000;
  private stats: CollectionStats | null = null;
  private lastSweepMs = 0;
  private lastDumpMs = 0;
  private lookupsLastTick = 0;
  private sweepResets = 0;
  private totals: Totals = { connections: 0, byState: {}, keepaliveOn: 0, keepaliveOff: 0, probing: 0 };
  private netnsCounts: ReadonlyMap<number, number> = new Map();
  private readonly now: () => number;
  private advisoryOptions: AdvisoryOptions;

  constructor(private readonly options: StoreOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.advisoryOptions = options.advisoryOptions ?? DEFAULT_ADVISORY_OPTIONS;
    this.sweeper = sweeperFor(options.source);
    options.processMap.onHoldersChanged((inodes) => {
      for (const inode of inodes) this.dirtyInodes.add(inode);
    });
  }

  get source(): Source {
    return this.options.source;
  }

  lastCollection(): CollectionStats | null {
    return this.stats;
  }

  sampling(): SamplingStatus {
    return { sockets: this.views.size, sweepIntervalMs: this.sweepEveryMs, lastSweepMs: this.lastSweepMs, lookupsLastTick: this.lookupsLastTick, due: this.due.size, sweepResets: this.sweepResets };
  }

  snapshot(): { seq: number; serverTime: number; connections: ConnectionView[]; totals: Totals } {
    return { seq: this.seq, serverTime: this.now(), connections: [...this.views.values()], totals: this.totals };
  }

  get(id: string): ConnectionView | undefined {
    return this.views.get(id);
  }

  /** The view of the socket with this inode (0 never matches: TIME-WAIT and request sockets have none). */
  findByInode(inode: number): ConnectionView | undefined {
    if (inode <= 0) return undefined;
    const id = this.idByInode.get(inode);
    return id === undefined ? undefined : this.views.get(id);
  }

  /** The current views without copying them (snapshot() copies, for callers that keep the list). */
  currentViews(): IterableIterator<ConnectionView> {
    return this.views.values();
  }

  /** The last keepalive prediction made for an owned socket (by inode), even if it has since gone. */
  lastPrediction(inode: number): NonNullable<ConnectionView['derived']> | undefined {
    return this.lastPredictions.get(inode)?.derived;
  }

  /** One full sweep; concurrent callers share it (a slow dump never stacks up). */
  collect(): Promise<Delta> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  /** A sweep that starts after this call: for callers that just changed something and must see it. */
  async collectFresh(): Promise<Delta> {
    if (this.sweeping) await this.sweeping.catch(() => {});
    return this.collect();
  }

  /** Read these connections exactly, now (a retune just changed them); a full sweep where the source cannot. */
  async refresh(ids: readonly string[]): Promise<void> {
    const now = this.now();
    for (const id of ids) this.keepFreshUntil.set(id, now + KEEP_FRESH_MS);
    const views = ids.map((id) => this.views.get(id)).filter((v): v is ConnectionView => v !== undefined);
    if (views.length === 0) return;
    if (!this.sweeper.lookup) {
      await this.collectFresh();
      return;
    }
    await this.lookupNow(views, new Batch(), true);
  }

  /** Keep reading this connection exactly each tick for a while (someone is looking at it). */
  keepFresh(id: string, forMs = KEEP_FRESH_MS): void {
    if (this.views.has(id)) this.keepFreshUntil.set(id, Math.max(this.keepFreshUntil.get(id) ?? 0, this.now() + forMs));
  }

  /**
   * Recompute a view from its last sample with the settings known now (the
   * detail view just read them fresh): predictions, timer and advisories
   * then agree with the settings shown beside them.
   */
  recompute(id: string): ConnectionView | undefined {
    const view = this.views.get(id);
    if (!view) return undefined;
    const batch = new Batch();
    this.recomputeView(view, batch);
    this.publish(batch, this.now());
    return this.views.get(id);
  }

  start(intervalMs: number): void {
    this.stop();
    this.tickMs = intervalMs;
    this.sweepEveryMs = intervalMs;
    const tick = (): void => {
      this.tick().catch((error: Error) => this.emit('error', error));
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One clock tick: a sweep when one is due, else the due lookups; then whatever must be recomputed. */
  private async tick(): Promise<void> {
    if (this.ticking) return; // the last tick is still running: skip, never stack up
    this.ticking = true;
    try {
      const now = this.now();
      const namespacesMoved = this.refreshNamespaces();
      if (!this.sweeper.lookup || now >= this.nextSweepAt || namespacesMoved) await this.collect();
      // Also right after a sweep: the addon reports only rows the kernel changed,
      // and an event due now (an advisory threshold crossed) may change none.
      if (this.sweeper.lookup) {
        await this.lookupDue(this.now());
        this.readForeign();
      }
    } finally {
      this.ticking = false;
    }
  }

  /** Re-discovers namespaces; true when one appeared or vanished (a sweep is then due now, not at the cadence's next). */
  private refreshNamespaces(): boolean {
    const registry = this.options.namespaces;
    if (!registry) return false;
    const found = registry.refresh();
    // A namespace that just appeared has no rows yet: only relabelled ones and changed sysctls rebuild rows.
    const changed = new Set([...found.relabelled, ...(this.options.namespaceSysctls?.refreshDue() ?? [])]);
    const moved = found.appeared.length > 0 || found.vanished.length > 0;
    if (changed.size > 0 || moved) this.namespacesChanged(changed);
    return moved;
  }

  /**
   * A namespace's label or sysctls changed: its rows are rebuilt (label,
   * advisories) at the next step. Every namespace's advisories compare with
   * the host's defaults, so a change to the initial namespace rebuilds all.
   */
  namespacesChanged(inodes: ReadonlySet<number>): void {
    this.advisoryByNetns.clear();
    if (inodes.size === 0) return;
    const initial = this.options.namespaces?.initialInode ?? null;
    const everyone = initial !== null && inodes.has(initial);
    for (const view of this.views.values()) if (view.netns && (everyone || inodes.has(view.netns.inode))) this.dirtyIds.add(view.id);
  }

  /** The user's middlebox timeout changed (PUT /api/settings): every row's advisories are rebuilt now, not at the next sweep. */
  setMiddleboxTimeout(sec: number): void {
    this.advisoryOptions = { ...this.advisoryOptions, middleboxIdleSec: sec };
    this.advisoryByNetns.clear();
    const batch = new Batch();
    for (const view of [...this.views.values()]) this.recomputeView(view, batch);
    this.publish(batch, this.now());
  }

  middleboxTimeoutSec(): number {
    return this.advisoryOptions.middleboxIdleSec;
  }

  /** Sockets per namespace at the last step (counted with the totals, in the same pass over the rows). */
  countByNetns(): ReadonlyMap<number, number> {
    return this.netnsCounts;
  }

  private async lookupDue(now: number): Promise<void> {
    const wanted = new Map<string, ConnectionView>();
    for (const [id, at] of this.due) {
      if (at > now) continue;
      const view = this.views.get(id);
      if (!view || now - at > OVERDUE_GIVE_UP_MS) this.due.delete(id);
      else wanted.set(id, view);
    }
    for (const [id, until] of this.keepFreshUntil) {
      const view = this.views.get(id);
      if (!view || until < now) this.keepFreshUntil.delete(id);
      else wanted.set(id, view);
    }
    // The lab's sockets are what the dead-peer lab is about: always exact.
    for (const entry of this.options.lab.list()) {
      const view = entry.inode > 0 ? this.findByInode(entry.inode) : undefined;
      if (view) wanted.set(view.id, view);
    }
    this.lookupsLastTick = wanted.size;
    if (wanted.size > 0) {
      await this.lookupNow([...wanted.values()], new Batch(), false);
      return;
    }
    const batch = new Batch();
    this.recomputeDirty(batch, now);
    this.publish(batch, now);
  }

  private async lookupNow(views: ConnectionView[], batch: Batch, fresh: boolean): Promise<void> {
    const lookup = this.sweeper.lookup;
    if (!lookup) return;
    const now = this.now();
    const result = await lookup(views.map(connectionOf));
    const ctx = this.viewContext(now);
    for (const connection of result.found) {
      const prev = this.views.get(connection.id);
      // A sweep or lookup that sampled it later has already been applied.
      if (prev && prev.sampledAt > now) continue;
      this.place(toView(connection, ctx), prev, batch, 0, now);
    }
    for (const id of result.missing) {
      const prev = this.views.get(id);
      if (!prev || prev.sampledAt > now) continue;
      this.drop(prev, batch);
      this.removedByLookup.set(id, { at: now, netns: prev.netns?.inode });
    }
    if (fresh) for (const v of views) this.keepFreshUntil.set(v.id, now + KEEP_FRESH_MS);
    this.recomputeDirty(batch, now);
    this.publish(batch, now);
  }

  private async sweepOnce(): Promise<Delta> {
    const started = performance.now();
    // The kernel computed every "ms ago" and "ms from now" during the dump:
    // anchor them at its start, not at whenever parsing finished.
    const now = this.now();
    // Two moments within the dump times apart may be the same moment.
    const result = await this.sweeper.sweep(200 + this.lastDumpMs);
    const slack = Math.max(result.dumpMs, this.lastDumpMs);
    this.lastDumpMs = result.dumpMs;
    const batch = new Batch();
    const ctx = this.viewContext(now);
    const quiet = this.options.quietPorts?.() ?? new Set<number>();
    const seen = new Set<string>();
    for (const connection of result.changed) {
      if (seen.has(connection.id)) continue; // a socket seen twice in one dump (it moved while dumping)
      seen.add(connection.id);
      const prev = this.views.get(connection.id);
      if (prev && prev.sampledAt > now) continue; // a lookup after the dump began is fresher
      // …and one that found it gone after the dump began: not brought back.
      if (!prev && (this.removedByLookup.get(connection.id)?.at ?? -Infinity) > now) continue;
      this.place(toView(connection, ctx), prev, batch, slack, now, quiet.has(connection.local.port) && connection.state === 'ESTABLISHED');
    }
    const removed = new Set(result.removed);
    // A namespace listed in full (or gone): its rows this sweep did not list are gone.
    const relisted = new Set(result.relisted);
    if (relisted.size > 0) {
      for (const view of this.views.values()) if (view.netns && relisted.has(view.netns.inode) && !seen.has(view.id)) removed.add(view.id);
    }
    for (const id of removed) {
      const prev = this.views.get(id);
      if (prev && prev.sampledAt <= now) this.drop(prev, batch);
    }
    // A lookup said "gone" but the addon still holds the row as unchanged: the
    // lookup was wrong (the socket is there); the next sweep reports it anew.
    // Only lookups before this dump began can be judged by it, and a
    // namespace listed in full has no "unchanged" rows to contradict it.
    let disagreed = false;
    const later = new Map<string, { at: number; netns: number | undefined }>();
    for (const [id, gone] of this.removedByLookup) {
      if (gone.at > now) later.set(id, gone);
      else if (!removed.has(id) && !seen.has(id) && !(gone.netns !== undefined && relisted.has(gone.netns))) disagreed = true;
    }
    this.removedByLookup = later;
    if (disagreed) {
      this.sweeper.reset();
      this.sweepResets++;
    }
    // Kept a while after the socket goes: its death is reported a moment later.
    for (const [inode, p] of this.lastPredictions) if (this.seq - p.seq > 50) this.lastPredictions.delete(inode);
    // Holders learnt since the last step first (they decide whose settings can
    // be read), then new sockets' settings: out in the same delta as the sockets.
    this.recomputeDirty(batch, now);
    for (const inode of this.options.foreign.readDue(this.now())) this.dirtyInodes.add(inode);
    this.recomputeDirty(batch, now);
    this.lastSweepMs = performance.now() - started;
    this.sweepEveryMs = disagreed ? this.tickMs : sweepIntervalMs(this.lastSweepMs, this.tickMs);
    this.nextSweepAt = now + this.sweepEveryMs - this.tickMs / 2;
    this.planDue(this.nextSweepAt + this.tickMs);
    this.stats = { at: now, durationMs: this.lastSweepMs, connections: this.views.size };
    const delta = this.publish(batch, now, true);
    // New sockets with no known holder: look for them without waiting for the slow clock.
    for (const v of batch.added.values()) {
      if (v.inode > 0 && v.holders.length === 0) {
        this.options.processMap.refreshSoon();
        break;
      }
    }
    return delta;
  }

  /** Which views to read exactly before the next sweep: their next keepalive event falls before it. */
  private planDue(horizon: number): void {
    this.due.clear();
    for (const view of this.views.values()) this.noteDue(view, horizon);
  }

  private noteDue(view: ConnectionView, horizon = this.nextSweepAt + this.tickMs): void {
    const at = view.state === 'LISTEN' ? null : revisitAt(view, this.advisoryOptions);
    if (at !== null && at <= horizon) this.due.set(view.id, at);
    else this.due.delete(view.id);
  }

  /** Puts a freshly built view in place of `prev`, recording what a viewer sees change. */
  private place(view: ConnectionView, prev: ConnectionView | undefined, batch: Batch, slackMs: number, now: number, ignoreTraffic = false): void {
    if (view.ownership === 'owned' && view.derived) this.lastPredictions.set(view.inode, { derived: view.derived, seq: this.seq });
    if (!prev) {
      this.set(view);
      batch.added.set(view.id, view);
      this.trackForeign(view, now);
    } else if (viewChanged(prev, view, slackMs, ignoreTraffic)) {
      this.set(view);
      batch.changedTo(view);
      if (!sameHolderFds(prev.holders, view.holders)) this.trackForeign(view, now);
    } else {
      // Unchanged to a viewer; its next event may still have moved (a fresh read).
      this.noteDue(prev);
    }
  }

  private set(view: ConnectionView): void {
    this.views.set(view.id, view);
    if (view.inode > 0) this.idByInode.set(view.inode, view.id);
    this.noteDue(view);
  }

  private drop(view: ConnectionView, batch: Batch): void {
    this.views.delete(view.id);
    this.due.delete(view.id);
    this.keepFreshUntil.delete(view.id);
    if (view.inode > 0 && this.idByInode.get(view.inode) === view.id) {
      this.idByInode.delete(view.inode);
      this.options.foreign.untrack(view.inode);
    }
    if (batch.added.delete(view.id)) return; // appeared and went within one step: nothing to tell
    batch.changed.delete(view.id);
    batch.gone.push(view);
  }

  private trackForeign(view: ConnectionView, now: number): void {
    if (view.inode > 0 && view.ownership !== 'owned' && view.state !== 'TIME_WAIT' && view.state !== 'NEW_SYN_RECV') {
      this.options.foreign.track(view.inode, view.holders, now);
    }
  }

  /** Foreign settings read this tick change their views. */
  private readForeign(): void {
    const now = this.now();
    const changed = this.options.foreign.readDue(now);
    if (changed.length === 0) return;
    for (const inode of changed) this.dirtyInodes.add(inode);
    const batch = new Batch();
    this.recomputeDirty(batch, now);
    this.publish(batch, now);
  }

  private recomputeDirty(batch: Batch, now: number): void {
    if (this.dirtyIds.size > 0) {
      const ids = [...this.dirtyIds];
      this.dirtyIds.clear();
      for (const id of ids) {
        const view = this.views.get(id);
        if (view) this.recomputeView(view, batch);
      }
    }
    if (this.dirtyInodes.size === 0) return;
    const inodes = [...this.dirtyInodes];
    this.dirtyInodes.clear();
    for (const inode of inodes) {
      const view = this.findByInode(inode);
      if (view) {
        const after = this.recomputeView(view, batch);
        if (after && !sameHolderFds(after.holders, view.holders)) this.trackForeign(after, now);
      }
    }
  }

  /** Rebuilds a view from its own last sample (at its sampledAt), with the holders and settings known now. */
  private recomputeView(view: ConnectionView, batch: Batch): ConnectionView | undefined {
    const rebuilt = toView(connectionOf(view), this.viewContext(view.sampledAt));
    if (!viewChanged(view, rebuilt)) return view;
    this.set(rebuilt);
    batch.changedTo(rebuilt);
    return rebuilt;
  }

  private viewContext(now: number): ViewContext {
    const { lab, processMap } = this.options;
    return {
      now,
      holders: (inode: number) => processMap.get(inode),
      labId: (inode: number) => lab.handleForInode(inode)?.entry.id ?? null,
      settings: (c: Connection, labId: string | null) => this.settingsFor(c, labId),
      advisoryOptions: this.advisoryOptions,
      netns: (inode: number | undefined) => this.options.namespaces?.ref(inode) ?? null,
      advisoryOptionsFor: (inode: number | undefined) => this.advisoryOptionsFor(inode),
    };
  }

  private advisoryOptionsFor(inode: number | undefined): AdvisoryOptions {
    const { namespaces, namespaceSysctls } = this.options;
    if (inode === undefined || !namespaces || !namespaceSysctls) return this.advisoryOptions;
    let options = this.advisoryByNetns.get(inode);
    if (!options) {
      const defaults = (ns: number): KeepaliveDefaults | null => {
        const values = namespaceSysctls.get(ns).values;
        return values ? { idleSec: values.keepaliveTimeSec, intervalSec: values.keepaliveIntvlSec, count: values.keepaliveProbes } : null;
      };
      const own = defaults(inode);
      const initial = namespaces.initialInode;
      const host = initial !== null && initial !== inode ? defaults(initial) : null;
      options = own ? { ...this.advisoryOptions, namespace: { ...own, label: namespaces.ref(inode)?.label ?? `netns:${inode}`, host } } : this.advisoryOptions;
      this.advisoryByNetns.set(inode, options);
    }
    return options;
  }

  private settingsFor(connection: Connection, labId: string | null): SettingsLookup {
    if (connection.state === 'TIME_WAIT' || connection.state === 'NEW_SYN_RECV' || connection.inode === 0) {
      return { settings: null, origin: 'unknown', error: null };
    }
    if (labId) {
      const held = this.options.lab.handleForInode(connection.inode);
      if (held) {
        try {
          return { settings: getKeepalive(held.handle), origin: 'owned', error: null };
        } catch (error) {
          return { settings: null, origin: 'unknown', error: { code: (error as { code?: string }).code ?? 'EIO', message: (error as Error).message } };
        }
      }
    }
    const entry = this.options.foreign.get(connection.inode);
    if (entry?.settings) return { settings: entry.settings, origin: 'foreign', error: null };
    const holders = this.options.processMap.get(connection.inode);
    const origin = connection.timer.kind === 'keepalive' ? 'inferred' : 'unknown';
    const caps = this.options.capabilities;
    const hidden =
      holders.length === 0 && caps ? hiddenForeignSocket({ ownership: 'foreign', uid: connection.uid, inode: connection.inode } as ConnectionView, caps) : null;
    // A failure read before the holders were known says nothing about them now.
    const error = entry?.error && !(entry.error.code === 'ENOENT' && holders.length > 0) ? entry.error : null;
    return { settings: null, origin, error: error ?? hidden };
  }

  private publish(batch: Batch, now: number, always = false): Delta {
    if (!batch.empty || always) {
      if (!batch.empty) {
        const counts = new Map<number, number>();
        this.totals = computeTotals(this.views.values(), counts);
        this.netnsCounts = counts;
      }
      this.seq++;
    }
    const delta: Delta = { seq: this.seq, serverTime: now, added: [...batch.added.values()], changed: [...batch.changed.values()], removed: batch.gone.map((v) => v.id), totals: this.totals };
    if (batch.empty && !always) return delta;
    if (batch.gone.length > 0) this.emit('gone', batch.gone, now);
    this.announce(delta.added, batch.gone, now);
    this.emit('delta', delta);
    return delta;
  }

  private announce(added: ConnectionView[], gone: ConnectionView[], now: number): void {
    const events = this.options.events;
    const limit = this.options.eventBurstLimit ?? 20;
    const describe = (v: ConnectionView): string => `${v.local.address}:${v.local.port} → ${v.peer.address}:${v.peer.port}${v.netns && !v.netns.own ? ` in ${v.netns.label}` : ''}`;
    // Its holders' pids, so /api/events?pid= finds the events of a process's sockets.
    const where = (v: ConnectionView): { netns?: NetnsRef; detail?: Record<string, unknown> } => ({ ...(v.netns ? { netns: v.netns } : {}), ...(v.holders.length ? { detail: { pids: v.holders.map((h) => h.pid) } } : {}) });
    // The first collection is the starting picture, not news.
    if (this.seq > 1) {
      if (added.length > limit) events.emit({ type: 'appeared', connectionId: null, summary: `${added.length} connections appeared`, actor: null, at: now });
      else for (const v of added) events.emit({ type: 'appeared', connectionId: v.id, ...where(v), summary: `${v.state} ${describe(v)} appeared`, actor: null, at: now });
    }
    const deaths = gone.filter((v) => v.ownership !== 'owned' && v.state === 'ESTABLISHED' && inProbePhase(v));
    for (const v of deaths) {
      // Probes were out and then the socket vanished: the kernel gave up on the peer.
      events.emit({
        type: 'died',
        connectionId: v.id,
        ...where(v),
        summary: `${describe(v)} died by keepalive timeout after ${v.derived?.probesOut ?? v.timer.count} unanswered probes`,
        actor: null,
        at: now,
        detail: { predictedDeadAt: v.derived?.deadAt ?? null, lastRecvAt: v.derived?.lastRecvAt ?? null, owned: false, pids: v.holders.map((h) => h.pid) },
      });
    }
    const closed = gone.filter((v) => !deaths.includes(v));
    if (closed.length > limit) events.emit({ type: 'closed', connectionId: null, summary: `${closed.length} connections closed`, actor: null, at: now });
    else for (const v of closed) events.emit({ type: 'closed', connectionId: v.id, ...where(v), summary: `${v.state} ${describe(v)} closed`, actor: null, at: now });
  }
}
