/**
 * The middlebox lab: at most one client ⇄ router ⇄ server topology per server
 * instance, its settings, and the lab connections through it. The router's
 * conntrack table is read once a second while connections are open, so a
 * flow's forgetting is timed even when nobody is looking.
 */
import { EventEmitter } from 'node:events';

import type { TableOwner } from '../blackhole.js';
import { listConntrack } from './conntrack.js';
import { MiddleboxConnection, type KeepaliveRequest, type MessageResult, type MiddleboxConnectionView } from './connection.js';
import { runCommand, type RunCommand } from './run.js';
import type { MiddleboxSettings } from './settings.js';
import { ADDRESSES, instanceName, reapLeftovers, Topology } from './topology.js';

export interface MiddleboxView {
  enabled: boolean;
  settings: MiddleboxSettings | null;
  topology: { namespaces: Topology['names']; addresses: typeof ADDRESSES } | null;
  connections: MiddleboxConnectionView[];
}

const WATCH_MS = 1000;
const CLOSED_KEPT = 50;

const gone = (what: string): Error => Object.assign(new Error(what), { code: 'ENOENT' });

export class Middlebox extends EventEmitter<{ closed: [connection: MiddleboxConnectionView] }> {
  readonly instance: string;
  private readonly owner: TableOwner;
  private topology: Topology | null = null;
  private settings: MiddleboxSettings | null = null;
  private readonly connections = new Map<string, MiddleboxConnection>();
  private nextId = 1;
  private watcher: NodeJS.Timeout | null = null;
  // Changes to the topology run one at a time: a toggle mid-build must not see half a lab.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: { run?: RunCommand; now?: () => number; maxOpen?: number } = {},
  ) {
    super();
    ({ instance: this.instance, owner: this.owner } = instanceName());
  }

  private get run(): RunCommand {
    return this.options.run ?? runCommand;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  get enabled(): boolean {
    return this.topology !== null;
  }

  currentSettings(): MiddleboxSettings | null {
    return this.settings ? { ...this.settings } : null;
  }

  /** Lab namespaces left by crashed instances: deleted, their names returned. */
  recoverLeftovers(): Promise<string[]> {
    return reapLeftovers(this.run, this.owner);
  }

  /** Builds the lab, changes its settings in place, or (null) removes it with its connections. */
  set(settings: MiddleboxSettings | null): Promise<void> {
    return this.serial(async () => {
      if (settings === null) return this.teardown();
      if (this.topology) await this.topology.apply(settings);
      else {
        const topology = new Topology(this.instance, this.run);
        await topology.create(settings);
        this.topology = topology;
      }
      this.settings = { ...settings };
    });
  }

  private async teardown(): Promise<void> {
    this.stopWatching();
    for (const connection of this.connections.values()) connection.stop();
    this.connections.clear();
    const topology = this.topology;
    this.topology = null;
    this.settings = null;
    await topology?.remove();
  }

  /** Removes everything; never rejects (it runs while the app closes). */
  close(): Promise<void> {
    return this.serial(() => this.teardown()).catch(() => {});
  }

  openCount(): number {
    let n = 0;
    for (const c of this.connections.values()) if (c.open) n++;
    return n;
  }

  openConnection(options: { keepalive: KeepaliveRequest | null; userTimeoutMs: number }): Promise<MiddleboxConnectionView> {
    return this.serial(async () => {
      const topology = this.topology;
      if (!topology) throw Object.assign(new Error('the middlebox lab is off: PUT /api/lab/middlebox {"enabled": true} first'), { code: 'ENOTCONN' });
      const maxOpen = this.options.maxOpen ?? 16;
      if (this.openCount() >= maxOpen) throw Object.assign(new Error(`the middlebox lab holds ${maxOpen} open connections, its limit`), { code: 'ELABFULL' });
      const id = `mb-${this.nextId++}`;
      const connection = await MiddleboxConnection.open(id, topology, { ...options, now: () => this.now(), onClosed: (view) => this.emit('closed', view) });
      this.connections.set(id, connection);
      this.prune();
      this.startWatching();
      await this.poll();
      return connection.view();
    });
  }

  message(id: string, bytes: number, waitMs: number): Promise<MessageResult> {
    const connection = this.connections.get(id);
    if (!connection) return Promise.reject(gone(`no middlebox connection ${JSON.stringify(id.slice(0, 100))}`));
    return connection.message(bytes, waitMs);
  }

  has(id: string): boolean {
    return this.connections.has(id);
  }

  /** The lab as it is now, with a fresh read of the router's table. */
  async view(): Promise<MiddleboxView> {
    await this.poll();
    const topology = this.topology;
    return {
      enabled: topology !== null,
      settings: this.currentSettings(),
      topology: topology ? { namespaces: { ...topology.names }, addresses: ADDRESSES } : null,
      connections: [...this.connections.values()].map((c) => c.view()),
    };
  }

  private async poll(): Promise<void> {
    const topology = this.topology;
    if (!topology || this.connections.size === 0) return;
    const at = this.now();
    const entries = await listConntrack(this.run, topology.names.router).catch(() => null);
    // A failed read says nothing about the flows: keep what was last seen.
    if (!entries || this.topology !== topology) return;
    for (const connection of this.connections.values()) connection.observe(entries, at);
  }

  private startWatching(): void {
    if (this.watcher) return;
    this.watcher = setInterval(() => void this.poll(), WATCH_MS);
    this.watcher.unref();
  }

  private stopWatching(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = null;
  }

  private prune(): void {
    const closed = [...this.connections.values()].filter((c) => !c.open);
    for (const c of closed.slice(0, Math.max(0, closed.length - CLOSED_KEPT))) this.connections.delete(c.id);
  }
}
