/** Child processes for tests: spawned, read line by line, and ended by pid when the test ends. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readlinkSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { TestContext } from 'node:test';

export const REPO_ROOT = new URL('../..', import.meta.url).pathname;
export const HELPERS = new URL('.', import.meta.url).pathname;

export interface Child {
  child: ChildProcess;
  pid: number;
  /** The next stdout line (waits for it). */
  nextLine(): Promise<string>;
}

/**
 * Spawns `command`, killed (SIGKILL, by its pid) when the test ends, pass or fail.
 * stdin stays an open pipe: helpers exit by themselves when it closes.
 */
export function spawnChild(t: TestContext, command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'], ...options });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // reaped between the check and the kill
      }
    }
    child.stdin?.destroy();
  });
  const lines: Interface | undefined = child.stdout ? createInterface({ input: child.stdout }) : undefined;
  const buffered: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines?.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else buffered.push(line);
  });
  const nextLine = (): Promise<string> => {
    const line = buffered.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      waiting.push(resolve);
      child.once('exit', (code, signal) => reject(new Error(`${command} exited (${code ?? signal}) before printing a line`)));
    });
  };
  return { child, pid, nextLine };
}

export interface HeldSocket {
  pid: number;
  fd: number;
  inode: number;
  localPort: number;
  peerPort: number;
  keepalive: { enabled: boolean; idleSec: number; intervalSec: number; count: number; userTimeoutMs: number };
}

/** A separate Node process holding an idle loopback connection (see socket-holder.mjs). */
export async function spawnSocketHolder(t: TestContext, host = '127.0.0.1'): Promise<Child & { held: HeldSocket }> {
  const holder = spawnChild(t, process.execPath, [`${HELPERS}socket-holder.mjs`, host]);
  const held = JSON.parse(await holder.nextLine()) as HeldSocket;
  return { ...holder, held };
}

/** Runs unprivileged-call.mjs as uid/gid 65534 with every capability dropped; resolves its JSON answer. */
export async function runUnprivileged(t: TestContext, args: string[]): Promise<{ ok?: true; code?: string; message?: string }> {
  const run = spawnChild(t, 'setpriv', [
    '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
    process.execPath, `${HELPERS}unprivileged-call.mjs`, ...args,
  ]);
  const answer = JSON.parse(await run.nextLine()) as { ok?: true; code?: string; message?: string };
  await (run.child.exitCode === null ? once(run.child, 'exit') : Promise.resolve());
  return answer;
}

/** The fd number under which process `pid` holds socket `inode` (a scan of /proc/<pid>/fd), or null. */
export function fdOfInode(pid: number, inode: number): number | null {
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${name}`) === `socket:[${inode}]`) return Number(name);
    } catch {
      // closed while we looked
    }
  }
  return null;
}

/** How many fds this process has open: a duplicate left open shows here. */
export const openFdCount = (): number => readdirSync('/proc/self/fd').length;
