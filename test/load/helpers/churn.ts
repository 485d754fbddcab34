/** The test's side of ./churner.ts: starts it, reads its per-second lines, stops it, ends it by pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';

const SCRIPT = new URL('./churner.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('../../..', import.meta.url).pathname;
const EXIT_GRACE_MS = 5_000;

export interface ChurnSecond {
  second: number;
  opened: number;
  closed: number;
  failed: number;
  capped: number;
  open: number;
  acceptedOpen: number;
}

export interface ChurnTotals {
  stopped: true;
  opened: number;
  connected: number;
  closed: number;
  failed: number;
  capped: number;
  rst: number;
  fin: number;
  graceful: number;
  open: number;
  acceptedOpen: number;
  seconds: number;
}

export class Churner {
  readonly seconds: ChurnSecond[] = [];
  private readonly lines: string[] = [];
  private wake: (() => void) | null = null;

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const parsed = JSON.parse(line) as ChurnSecond | ChurnTotals | { ready: true };
      if ('second' in parsed) this.seconds.push(parsed);
      else this.lines.push(line);
      this.wake?.();
    });
    child.on('exit', () => this.wake?.());
  }

  /** Spawns it (ended when the test ends, pass or fail) and waits until it listens. */
  static async start(t: TestContext, args: string[]): Promise<Churner> {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    if (child.pid === undefined) {
      const [error] = (await once(child, 'error')) as [Error];
      throw error;
    }
    const churner = new Churner(child);
    t.after(() => churner.end());
    await churner.nextLine(30_000, 'ready');
    return churner;
  }

  private async nextLine(timeoutMs: number, what: string): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`churner exited before saying ${what}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`churner did not say ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.lines.shift() as string;
  }

  begin(): void {
    this.child.stdin?.write('start\n');
  }

  /** Stops opening, resets every open connection, waits until both ends of all are closed. */
  async stop(): Promise<ChurnTotals> {
    this.child.stdin?.write('stop\n');
    return JSON.parse(await this.nextLine(30_000, 'stopped')) as ChurnTotals;
  }

  /** Closes its stdin (it resets what is left and exits); SIGKILL by pid after a grace period. */
  async end(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin?.end();
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid as number, 'SIGKILL');
      } catch {
        // ESRCH: it exited meanwhile.
      }
    }, EXIT_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}
