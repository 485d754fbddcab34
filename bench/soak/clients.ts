/**
 * The soak's side of ./client-host.ts: spreads N stream clients over a few
 * host processes, asks them for their counters, and ends every host it
 * started, by pid.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

import type { ClientStats, HostCommand, HostMessage, HostReport } from './messages.js';

const SCRIPT = new URL('./client-host.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const EXIT_GRACE_MS = 5_000;
// A host parsing several 50k-pair snapshots answers only after them.
const REPORT_TIMEOUT_MS = 180_000;

class Host {
  private readonly pending = new Map<number, (report: HostReport) => void>();
  private nextId = 0;
  private opened: (() => void) | null = null;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: HostMessage) => {
      if (message.kind === 'opened') this.opened?.();
      else {
        this.pending.get(message.id)?.(message);
        this.pending.delete(message.id);
      }
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private send(command: HostCommand): void {
    this.child.send(command);
  }

  /** Resolves `reply`, or rejects when the host exits or `timeoutMs` passes first; leaves no listener behind. */
  private await<T>(reply: Promise<T>, what: string, timeoutMs: number): Promise<T> {
    let onExit: ((code: number | null, signal: string | null) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
      onExit = (code, signal) => reject(new Error(`client host ${this.pid} exited (${signal ?? code}) while waiting for ${what}`));
      this.child.once('exit', onExit);
      timer = setTimeout(() => reject(new Error(`client host ${this.pid}: no ${what} within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([reply, failed]).finally(() => {
      clearTimeout(timer);
      if (onExit) this.child.off('exit', onExit);
    });
  }

  async open(url: string, token: string, indexes: number[]): Promise<void> {
    const opened = new Promise<void>((resolve) => (this.opened = resolve));
    this.send({ kind: 'open', url, token, indexes });
    await this.await(opened, 'its clients to open', REPORT_TIMEOUT_MS);
  }

  report(digests: boolean): Promise<HostReport> {
    const id = this.nextId++;
    const reply = new Promise<HostReport>((resolve) => this.pending.set(id, resolve));
    this.send({ kind: 'report', id, digests });
    return this.await(reply, 'report', REPORT_TIMEOUT_MS).finally(() => this.pending.delete(id));
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.child, 'exit');
    const timer = setTimeout(() => this.killNow(), EXIT_GRACE_MS);
    if (this.child.connected) this.send({ kind: 'close' });
    else this.killNow();
    await exited;
    clearTimeout(timer);
  }

  killNow(): void {
    if (!this.alive) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // ESRCH: it exited between the check and the kill.
    }
  }
}

export interface ClientsReport {
  /** Epoch ms when the last host answered. */
  at: number;
  hosts: { pid: number; cpu: NodeJS.CpuUsage; rssBytes: number; heapUsedBytes: number }[];
  /** Each client with `serverSeq`: the server's seq when its host's answer arrived. */
  clients: (ClientStats & { serverSeq: number })[];
}

export class ClientFleet {
  private readonly hosts: Host[] = [];

  get pids(): number[] {
    return this.hosts.map((h) => h.pid);
  }

  get size(): number {
    return this.hosts.length;
  }

  /** Starts `count` host processes, with no client yet. */
  start(count: number): void {
    for (let i = 0; i < count; i++) this.startHost();
  }

  /** Opens the clients `indexes`; client i lives in host i mod hosts. */
  async open(url: string, token: string, indexes: readonly number[]): Promise<void> {
    const groups = this.hosts.map((_, h) => indexes.filter((i) => i % this.hosts.length === h));
    await Promise.all(this.hosts.map((host, h) => (groups[h]?.length ? host.open(url, token, groups[h]) : Promise.resolve())));
  }

  private startHost(): void {
    const child = fork(SCRIPT, [], {
      cwd: REPO_ROOT,
      // Each client's model is a full copy of the server's views: give the heap room.
      execArgv: ['--import', 'tsx', '--max-old-space-size=6144'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (child.pid === undefined) throw new Error('could not start a client host');
    this.hosts.push(new Host(child));
  }

  /**
   * Every client's counters. `serverSeq()` is read as each host's answer
   * arrives: the answer was written before that, so a client compared with it
   * can only look further behind than it was, never less. With `digests`,
   * each client also digests its model (./digest.ts).
   */
  async report(serverSeq: () => number, digests = false): Promise<ClientsReport> {
    const reports = await Promise.all(this.hosts.map((h) => h.report(digests).then((r) => ({ r, seq: serverSeq() }))));
    return {
      at: Date.now(),
      hosts: reports.map(({ r }) => ({ pid: r.pid, cpu: r.cpu, rssBytes: r.rssBytes, heapUsedBytes: r.heapUsedBytes })),
      clients: reports.flatMap(({ r, seq }) => r.clients.map((c) => ({ ...c, serverSeq: seq }))).sort((a, b) => a.index - b.index),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.close()));
  }

  /** For process 'exit', where nothing can be awaited. */
  killNow(): void {
    for (const host of this.hosts) host.killNow();
  }
}
