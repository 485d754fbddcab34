/** The benchmark's side of ./stream-client.ts: starts it, collects its frame reports, ends it by pid. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

import type { ClientCommand, ClientReport, CountersReport, FrameReport } from './stream-messages.js';

const SCRIPT = new URL('./stream-client.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const EXIT_GRACE_MS = 5_000;

type Waiter = { match: (report: ClientReport) => boolean; resolve: (report: ClientReport) => void };

export class StreamProbe {
  readonly frames: FrameReport[] = [];
  readonly errors: string[] = [];
  closed: { code: number; reason: string } | null = null;
  /** When the client saw its WebSocket open (epoch ms). */
  openedAt = 0;
  private waiters: Waiter[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (report: ClientReport) => this.receive(report));
  }

  /** Starts the client; resolves once its WebSocket is open (the snapshot may still be on its way). */
  /** `ownPids`: this run's processes; the client counts the snapshot's connections held by any other. */
  static async open(url: string, token: string, ownPids: number[], timeoutMs = 30_000): Promise<StreamProbe> {
    const child = fork(SCRIPT, [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, KA_BENCH_URL: url, KA_BENCH_TOKEN: token, KA_BENCH_OWN_PIDS: ownPids.join(',') },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (child.pid === undefined) {
      const [error] = (await once(child, 'error')) as [Error];
      throw error;
    }
    const probe = new StreamProbe(child);
    try {
      const opened = await probe.next((r) => r.kind === 'open', timeoutMs, 'the WebSocket to open');
      if (opened.kind === 'open') probe.openedAt = opened.at;
    } catch (error) {
      probe.killNow();
      throw error;
    }
    return probe;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  private receive(report: ClientReport): void {
    if (report.kind === 'frame') this.frames.push(report);
    if (report.kind === 'error') this.errors.push(report.message);
    if (report.kind === 'closed') this.closed = { code: report.code, reason: report.reason };
    const matched = this.waiters.filter((w) => w.match(report));
    this.waiters = this.waiters.filter((w) => !matched.includes(w));
    for (const w of matched) w.resolve(report);
  }

  /** The next report matching `match` from now on. */
  next(match: (report: ClientReport) => boolean, timeoutMs: number, what: string): Promise<ClientReport> {
    return new Promise((resolve, reject) => {
      const onExit = () => {
        clearTimeout(timer);
        reject(new Error(`stream client exited while waiting for ${what}${this.errors.length ? ` (${this.errors.join('; ')})` : ''}`));
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        this.child.off('exit', onExit);
        reject(new Error(`no ${what} within ${timeoutMs} ms${this.errors.length ? ` (${this.errors.join('; ')})` : ''}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (report) => {
          clearTimeout(timer);
          this.child.off('exit', onExit);
          resolve(report);
        },
      };
      this.child.once('exit', onExit);
      this.waiters.push(waiter);
    });
  }

  /** The first frame, already received or still to come, that arrived after `afterAt` and matches. */
  async frame(match: (frame: FrameReport) => boolean, afterAt: number, timeoutMs: number, what: string): Promise<FrameReport> {
    const seen = this.frames.find((f) => f.at >= afterAt && match(f));
    if (seen) return seen;
    return (await this.next((r) => r.kind === 'frame' && r.at >= afterAt && match(r), timeoutMs, what)) as FrameReport;
  }

  async watch(ids: string[]): Promise<void> {
    const ack = this.next((r) => r.kind === 'watching', 5_000, 'the watch acknowledgement');
    this.send({ kind: 'watch', ids });
    await ack;
  }

  async counters(): Promise<CountersReport> {
    const reply = this.next((r) => r.kind === 'counters', 5_000, 'the counters');
    this.send({ kind: 'counters' });
    return (await reply) as CountersReport;
  }

  private send(command: ClientCommand): void {
    this.child.send(command);
  }

  /** Closes the WebSocket and waits for the process; SIGKILL after a grace period. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    const timer = setTimeout(() => this.killNow(), EXIT_GRACE_MS);
    if (this.child.connected) this.send({ kind: 'close' });
    else this.killNow();
    await exited;
    clearTimeout(timer);
  }

  killNow(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // ESRCH: already gone.
    }
  }
}
