/**
 * The real CLI (`node SERVER_ROOT/server/dist/main.js`) as a child process,
 * so its CPU and memory are the kernel's figures for it alone: the token in a
 * 0600 file, the audit log in a 0700 temporary directory, port 0, the login
 * link read from its banner. stop() ends it by pid and removes the directory.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const READY_TIMEOUT_MS = 120_000;
const EXIT_GRACE_MS = 10_000;
// The log kept for the report: enough to see why a run went wrong, bounded for a chatty server.
const MAX_LOG_LINES = 200;

export interface CliServer {
  pid: number;
  /** http://127.0.0.1:PORT */
  base: string;
  token: string;
  /** The one-time login link the banner printed (a browser swaps it for a session cookie). */
  loginUrl: string;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  /** spawn → the login link printed, ms. */
  startMs: number;
  /** stderr and banner lines after the first, for the report. */
  log: string[];
  stop(): Promise<void>;
  /** Synchronous last resort for process 'exit'. */
  killNow(): void;
}

export async function startCliServer(serverRoot: string, extraArgs: readonly string[] = []): Promise<CliServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ka-bench-scale-'));
  const token = randomBytes(18).toString('base64url');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const main = join(serverRoot, 'server/dist/main.js');
  const args = [main, '--port', '0', '--token-file', tokenFile, '--audit-log', join(dir, 'audit.jsonl'), ...extraArgs];
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { cwd: serverRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    const [error] = (await once(child, 'error')) as [Error];
    throw error;
  }
  const pid = child.pid;
  const log: string[] = [];
  const keep = (line: string): void => {
    if (log.length < MAX_LOG_LINES) log.push(line);
  };
  createInterface({ input: child.stderr }).on('line', (line) => keep(`stderr: ${line}`));
  const killNow = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ESRCH: it exited between the check and the kill.
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      const timer = setTimeout(killNow, EXIT_GRACE_MS);
      process.kill(pid, 'SIGTERM');
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const stdout = createInterface({ input: child.stdout });
  try {
    const loginUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server printed no login link within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${signal ?? code}) before it was ready: ${log.slice(-5).join(' | ')}`));
      });
      stdout.on('line', (line) => {
        const url = /Open: (http:\/\/\S+\/login\?code=\S+)/.exec(line)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve(url);
        } else if (line.trim() !== '') keep(`stdout: ${line}`);
      });
    });
    return { pid, base: new URL(loginUrl).origin, token, loginUrl, spawnedAt, startMs: performance.now() - spawnedAt, log, stop, killNow };
  } catch (error) {
    await stop();
    throw error;
  }
}
