/**
 * The snapshot store: collects from the source every interval, builds views,
 * keeps the previous view when nothing a viewer sees has changed, and
 * publishes deltas (added / changed / removed) to the stream.
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
  type KeepaliveSettings,
  type Totals,
} from '@keepalive-dashboard/shared';

import type { Lab } from '../control/lab.js';
import type { EventBus } from '../events.js';
import type { ProcessMap } from '../processes/process-map.js';
import { hiddenForeignSocket } from '../security/foreign-permission.js';
import type { Source } from '../sources/types.js';
import { viewChanged } from './diff.js';
import type { ForeignSettings } from './foreign-settings.js';
import { computeTotals } from './totals.js';
import { derive, toView, type SettingsLookup } from './view.js';

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

export interface StoreEvents {
  delta: [Delta];
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
}

export class ConnectionStore extends EventEmitter<StoreEvents> {
  private views = new Map<string, ConnectionView>();
  /** The last prediction made for each owned socket, kept past its last view: its death is judged against it. */
  private readonly lastPredictions = new Map<number, { derived: NonNullable<ConnectionView['derived']>; seq: number }>();
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private collecting: Promise<Delta> | null = null;
  private stats: CollectionStats | null = null;
  private totals: Totals = { connections: 0, byState: {}, keepaliveOn: 0, keepaliveOff: 0, probing: 0 };
  private readonly now: () => number;
  private lastDumpMs = 0;

  constructor(private readonly options: StoreOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  get source(): Source {
    return this.options.source;
  }

  lastCollection(): CollectionStats | null {
    return this.stats;
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
    for (const view of this.views.values()) if (view.inode === inode) return view;
    return undefined;
  }

  /** The current views without copying them (snapshot() copies, for callers that keep the list). */
  currentViews(): IterableIterator<ConnectionView> {
    return this.views.values();
  }

  /** The last keepalive prediction made for an owned socket (by inode), even if it has since gone. */
  lastPrediction(inode: number): NonNullable<ConnectionView['derived']> | undefined {
    return this.lastPredictions.get(inode)?.derived;
  }

  /** One collection; concurrent callers share it (a slow dump never stacks up). */
  collect(): Promise<Delta> {
    this.collecting ??= this.collectOnce().finally(() => {
      this.collecting = null;
    });
    return this.collecting;
  }

  /**
   * A retune the server just made, shown at once as a one-connection delta
   * instead of waiting for (or forcing) a full host dump: the settings are
   * known (read back), and the kernel's keepalive timer moves by rule —
   * switching SO_KEEPALIVE on arms a full idle from now; a new TCP_KEEPIDLE
   * re-arms it for idle − elapsed (at once if already past). The next tick
   * confirms it from the kernel.
   */
  applyRetune(id: string, before: KeepaliveSettings, after: KeepaliveSettings): void {
    const view = this.views.get(id);
    if (!view) return;
    const now = this.now();
    const age = now - view.sampledAt;
    const info = view.tcpInfo
      ? {
          ...view.tcpInfo,
          ...(view.tcpInfo.lastDataRecv !== undefined ? { lastDataRecv: view.tcpInfo.lastDataRecv + age } : {}),
          ...(view.tcpInfo.lastAckRecv !== undefined ? { lastAckRecv: view.tcpInfo.lastAckRecv + age } : {}),
          ...(view.tcpInfo.lastDataSent !== undefined ? { lastDataSent: view.tcpInfo.lastDataSent + age } : {}),
        }
      : undefined;
    let timer = { kind: view.timer.kind, remainingMs: view.timer.expiresAt === null ? 0 : Math.max(0, view.timer.expiresAt - now), count: view.timer.count };
    const mayMoveTimer = (view.timer.kind === 'none' || view.timer.kind === 'keepalive') && view.state !== 'LISTEN';
    if (mayMoveTimer) {
      const elapsed = info?.lastDataRecv !== undefined && info.lastAckRecv !== undefined ? Math.min(info.lastDataRecv, info.lastAckRecv) : 0;
      if (!after.enabled) timer = { kind: 'none', remainingMs: 0, count: 0 };
      else if (!before.enabled) timer = { kind: 'keepalive', remainingMs: after.idleSec * 1000, count: 0 };
      else if (after.idleSec !== before.idleSec && view.timer.count === 0) timer = { kind: 'keepalive', remainingMs: Math.max(0, after.idleSec * 1000 - elapsed), count: 0 };
    }
    const connection: Connection = { ...view, timer, ...(info ? { tcpInfo: info } : {}) };
    const updated: ConnectionView = {
      ...view,
      sampledAt: now,
      keepalive: after,
      keepaliveOrigin: view.ownership === 'owned' ? 'owned' : 'foreign',
      keepaliveError: null,
      timer: { kind: timer.kind, expiresAt: timer.kind === 'none' ? null : now + timer.remainingMs, count: timer.count },
      derived: derive(connection, after, now),
      ...(info ? { tcpInfo: info } : {}),
    };
    this.views.set(id, updated);
    this.totals = computeTotals(this.views.values());
    this.seq++;
    this.emit('delta', { seq: this.seq, serverTime: now, added: [], changed: [updated], removed: [], totals: this.totals });
  }

  /** A collection that starts after this call: for callers that just changed something and must see it. */
  async collectFresh(): Promise<Delta> {
    if (this.collecting) await this.collecting.catch(() => {});
    return this.collect();
  }

  start(intervalMs: number): void {
    this.stop();
    const tick = (): void => {
      this.collect().catch((error: Error) => this.emit('error', error));
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private settingsFor(connection: Connection, labId: string | null, now: number): SettingsLookup {
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
    const holders = this.options.processMap.get(connection.inode);
    const entry = this.options.foreign.lookup(connection.inode, holders, now);
    if (entry?.settings) return { settings: entry.settings, origin: 'foreign', error: null };
    const origin = connection.timer.kind === 'keepalive' ? 'inferred' : 'unknown';
    const caps = this.options.capabilities;
    const hidden =
      holders.length === 0 && caps ? hiddenForeignSocket({ ownership: 'foreign', uid: connection.uid, inode: connection.inode } as ConnectionView, caps) : null;
    return { settings: null, origin, error: entry?.error ?? hidden };
  }

  private async collectOnce(): Promise<Delta> {
    const started = performance.now();
    // The kernel computed every "ms ago" and "ms from now" during the dump:
    // anchor them at its start, not at whenever parsing finished.
    const now = this.now();
    const connections = await this.options.source.collect();
    // A value was read at some moment within this dump or, for the previous view, within the last one.
    const thisDumpMs = performance.now() - started;
    const dumpMs = Math.max(thisDumpMs, this.lastDumpMs);
    this.lastDumpMs = thisDumpMs;
    const { lab, processMap, foreign } = this.options;
    foreign.beginTick();
    const ctx = {
      now,
      holders: (inode: number) => processMap.get(inode),
      labId: (inode: number) => lab.handleForInode(inode)?.entry.id ?? null,
      settings: (c: Connection, labId: string | null) => this.settingsFor(c, labId, now),
      advisoryOptions: this.options.advisoryOptions ?? DEFAULT_ADVISORY_OPTIONS,
    };
    const next = new Map<string, ConnectionView>();
    const added: ConnectionView[] = [];
    const changed: ConnectionView[] = [];
    const inodes = new Set<number>();
    const quiet = this.options.quietPorts?.() ?? new Set<number>();
    for (const connection of connections) {
      if (next.has(connection.id)) continue; // a socket seen twice in one dump (it moved while dumping)
      inodes.add(connection.inode);
      const view = toView(connection, ctx);
      if (view.ownership === 'owned' && view.derived) this.lastPredictions.set(view.inode, { derived: view.derived, seq: this.seq });
      const prev = this.views.get(connection.id);
      if (!prev) {
        added.push(view);
        next.set(view.id, view);
      } else if (viewChanged(prev, view, dumpMs, quiet.has(view.local.port) && view.state === 'ESTABLISHED')) {
        changed.push(view);
        next.set(view.id, view);
      } else {
        next.set(prev.id, prev);
      }
    }
    const removed: string[] = [];
    const gone: ConnectionView[] = [];
    for (const [id, view] of this.views) {
      if (!next.has(id)) {
        removed.push(id);
        gone.push(view);
      }
    }
    foreign.retain(inodes);
    // Kept a while after the socket goes: its death is reported a moment later.
    for (const [inode, p] of this.lastPredictions) if (this.seq - p.seq > 50) this.lastPredictions.delete(inode);
    this.views = next;
    this.totals = computeTotals(next.values());
    this.seq++;
    this.stats = { at: now, durationMs: performance.now() - started, connections: next.size };
    this.announce(added, gone, now);
    // New sockets with no known holder: look for them without waiting for the slow clock.
    if (added.some((v) => v.inode > 0 && v.holders.length === 0)) processMap.refreshSoon();
    const delta: Delta = { seq: this.seq, serverTime: now, added, changed, removed, totals: this.totals };
    this.emit('delta', delta);
    return delta;
  }

  private announce(added: ConnectionView[], gone: ConnectionView[], now: number): void {
    const events = this.options.events;
    const limit = this.options.eventBurstLimit ?? 20;
    const describe = (v: ConnectionView): string => `${v.local.address}:${v.local.port} → ${v.peer.address}:${v.peer.port}`;
    // The first collection is the starting picture, not news.
    if (this.seq > 1) {
      if (added.length > limit) events.emit({ type: 'appeared', connectionId: null, summary: `${added.length} connections appeared`, actor: null, at: now });
      else for (const v of added) events.emit({ type: 'appeared', connectionId: v.id, summary: `${v.state} ${describe(v)} appeared`, actor: null, at: now });
    }
    const deaths = gone.filter((v) => v.ownership !== 'owned' && v.state === 'ESTABLISHED' && inProbePhase(v));
    for (const v of deaths) {
      // Probes were out and then the socket vanished: the kernel gave up on the peer.
      events.emit({
        type: 'died',
        connectionId: v.id,
        summary: `${describe(v)} died by keepalive timeout after ${v.derived?.probesOut ?? v.timer.count} unanswered probes`,
        actor: null,
        at: now,
        detail: { predictedDeadAt: v.derived?.deadAt ?? null, lastRecvAt: v.derived?.lastRecvAt ?? null, owned: false },
      });
    }
    const closed = gone.filter((v) => !deaths.includes(v));
    if (closed.length > limit) events.emit({ type: 'closed', connectionId: null, summary: `${closed.length} connections closed`, actor: null, at: now });
    else for (const v of closed) events.emit({ type: 'closed', connectionId: v.id, summary: `${v.state} ${describe(v)} closed`, actor: null, at: now });
  }
}
