/** The parent side of ./churn-holder.ts: starts it, asks it to churn, ends it by pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface, type Interface } from 'node:readline';

const SCRIPT = new URL('./churn-holder.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const READY_TIMEOUT_MS = 60_000;
const EXIT_GRACE_MS = 5_000;

export interface ChurnReady {
  pid: number;
  pairs: number;
  address: string;
  port: number;
}

export class ChurnHolder {
  private child: ChildProcess | null = null;
  private lines: Interface | null = null;
  private readonly pending: ((line: string) => void)[] = [];
  ready: ChurnReady | null = null;

  /** `address` must differ from the fleet's 127.0.0.x so the two never share a 4-tuple space. */
  async start(pairs: number, address: string): Promise<ChurnReady> {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--pairs', String(pairs), '--address', address], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    if (child.pid === undefined) {
      const [error] = (await once(child, 'error')) as [Error];
      throw error;
    }
    this.child = child;
    this.lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
    this.ready = JSON.parse(await this.nextLine(READY_TIMEOUT_MS, 'ready')) as ChurnReady;
    return this.ready;
  }

  /** Resets every pair and opens as many new ones; resolves when all are connected and accepted. */
  async churn(timeoutMs = 30_000): Promise<{ churned: number; ms: number }> {
    if (!this.child?.stdin) throw new Error('churn holder not started');
    const reply = this.nextLine(timeoutMs, 'churned');
    this.child.stdin.write('churn\n');
    return JSON.parse(await reply) as { churned: number; ms: number };
  }

  private nextLine(timeoutMs: number, what: string): Promise<string> {
    const child = this.child as ChildProcess;
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        reject(new Error(`churn holder ${child.pid} exited (${signal ?? code}) before saying ${what}`));
      };
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        reject(new Error(`churn holder ${child.pid} did not say ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      child.once('exit', onExit);
      this.pending.push((line) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(line);
      });
    });
  }

  /** Closes its stdin (it resets its sockets and exits), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.lines?.close();
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin?.end();
    const timer = setTimeout(() => killPid(child.pid as number), EXIT_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  /** For process 'exit', where nothing can be awaited. */
  killNow(): void {
    if (this.child?.pid !== undefined && this.child.exitCode === null) killPid(this.child.pid);
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
}
