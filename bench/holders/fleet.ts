/**
 * The parent side of bench/holders/pairs.ts: grows the host's population of
 * idle loopback pairs across several child processes and ends every child it
 * started, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const HOLDER_SCRIPT = new URL('./pairs.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;

/**
 * The hard limit is 20,000 fds per process; 2 per pair plus listeners, stdio
 * and Node's own handful leaves headroom at 9,000 pairs.
 */
export const MAX_PAIRS_PER_HOLDER = 9_000;
const READY_TIMEOUT_MS = 120_000;
const EXIT_GRACE_MS = 5_000;

export interface HolderReady {
  pid: number;
  pairs: number;
  keepalive: number;
  address: string;
  ports: number[];
  setupMs: number;
}

export class HolderFleet {
  private readonly children = new Map<number, ChildProcess>();
  readonly holders: HolderReady[] = [];
  // 127.0.0.0/8 is all loopback: one destination address per holder keeps each
  // (127.0.0.1, dst, port) tuple far below the ~28k ephemeral ports.
  private nextAddressHost = 2;

  /**
   * holderArgs: more pairs.ts options for every holder, e.g. ['--keepalive-every', '5'].
   * netnsPath: a network namespace file (/run/netns/NAME) to start every holder in; nsenter execs, so the pid is node's.
   */
  constructor(
    private readonly holderArgs: readonly string[] = [],
    private readonly netnsPath: string | null = null,
  ) {}

  get pairs(): number {
    return this.holders.reduce((sum, h) => sum + h.pairs, 0);
  }

  /** Starts holders until the fleet holds `totalPairs` pairs; resolves when all are ready. */
  async growTo(totalPairs: number): Promise<HolderReady[]> {
    const missing = totalPairs - this.pairs;
    if (missing <= 0) return [];
    const count = Math.ceil(missing / MAX_PAIRS_PER_HOLDER);
    const shares = Array.from({ length: count }, (_, i) => Math.floor(missing / count) + (i < missing % count ? 1 : 0));
    const started = await Promise.all(shares.map((pairs) => this.startHolder(pairs)));
    this.holders.push(...started);
    return started;
  }

  private async startHolder(pairs: number): Promise<HolderReady> {
    const host = this.nextAddressHost++;
    if (host > 254) throw new Error('out of 127.0.0.x destination addresses');
    const address = `127.0.0.${host}`;
    const command = [process.execPath, '--import', 'tsx', HOLDER_SCRIPT, '--pairs', String(pairs), '--address', address, ...this.holderArgs];
    const [file, ...args] = this.netnsPath === null ? command : ['nsenter', `--net=${this.netnsPath}`, '--', ...command];
    const child = spawn(file as string, args, {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    if (child.pid === undefined) {
      const [error] = (await once(child, 'error')) as [Error];
      throw error;
    }
    const pid = child.pid;
    this.children.set(pid, child);
    child.once('exit', () => this.children.delete(pid));

    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    try {
      return await new Promise<HolderReady>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`holder ${pid} (${pairs} pairs) not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`holder ${pid} exited (${signal ?? code}) before it was ready`));
        });
        lines.once('line', (line) => {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(line) as HolderReady);
          } catch {
            reject(new Error(`holder ${pid} said ${JSON.stringify(line)}`));
          }
        });
      });
    } finally {
      lines.close();
    }
  }

  /** Closes every holder's stdin (it resets its sockets and exits), then SIGKILLs stragglers. */
  async stop(): Promise<void> {
    const exits = [...this.children.entries()].map(async ([pid, child]) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin?.end();
      const timer = setTimeout(() => killPid(pid, 'SIGKILL'), EXIT_GRACE_MS);
      await exited;
      clearTimeout(timer);
    });
    await Promise.all(exits);
    this.holders.length = 0;
  }

  /** Synchronous last resort for process 'exit': the event loop is gone, so no waiting. */
  killNow(): void {
    for (const pid of this.children.keys()) killPid(pid, 'SIGKILL');
  }
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it exited between our bookkeeping and the kill.
  }
}
