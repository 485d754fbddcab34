/**
 * The real CLI (`node server/dist/main.js`) as a child process: started on
 * port 0, its URL read from stdout, stopped (SIGKILL, by pid) when the test ends.
 * For faults that only the whole program shows: missing tools, dropped
 * capabilities, refused audit-log paths.
 */
import { once } from 'node:events';
import type { SpawnOptions } from 'node:child_process';
import type { TestContext } from 'node:test';

import { REPO_ROOT, spawnChild } from '../../helpers/processes.js';

export const MAIN = `${REPO_ROOT}server/dist/main.js`;
export const CLI_TOKEN = 'faults-token-0123456789';

/** setpriv prefix that runs the rest as uid/gid 65534 with every capability dropped. */
export const UNPRIVILEGED = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];

export interface RunningServer {
  pid: number;
  base: string;
  /** Everything printed on stdout up to and including the URL line. */
  banner: string;
  stderr(): string;
  /** SIGTERM (or `signal`) by pid, then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

export interface StartOptions {
  /** Command to run node under (e.g. UNPRIVILEGED). */
  prefix?: string[];
  env?: NodeJS.ProcessEnv;
}

function argvFor(args: string[], prefix: string[] = []): [string, string[]] {
  const full = [...prefix, process.execPath, MAIN, ...args];
  return [full[0] as string, full.slice(1)];
}

/** Starts the server and waits for its "Open: http://…" line. */
export async function startServer(t: TestContext, args: string[], options: StartOptions = {}): Promise<RunningServer> {
  // Tests pick their sockets by port, and other namespaces (other tests') repeat ports: namespace tests pass --namespaces all.
  const scope = args.includes('--namespaces') ? [] : ['--namespaces', 'own'];
  const [command, argv] = argvFor(['--port', '0', '--token', CLI_TOKEN, ...scope, ...args], options.prefix);
  const spawnOptions: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) };
  const server = spawnChild(t, command, argv, spawnOptions);
  let stderr = '';
  server.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines: string[] = [];
  let url: string | undefined;
  while (url === undefined) {
    const line = await server.nextLine().catch((error: Error) => {
      throw new Error(`${error.message}; stderr: ${stderr}`);
    });
    lines.push(line);
    url = /Open: (http:\/\/[^/]+)\//.exec(line)?.[1];
  }
  const base = url;
  const exited = once(server.child, 'exit');
  return {
    pid: server.pid,
    base,
    banner: lines.join('\n'),
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (server.child.exitCode === null && server.child.signalCode === null) process.kill(server.pid, signal);
      await exited;
    },
    async call(method, path, body) {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${CLI_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  };
}

/** Runs the CLI to completion (for starts that must fail); resolves its exit code and output. */
export async function runCli(t: TestContext, args: string[], options: StartOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, argv] = argvFor(args, options.prefix);
  const run = spawnChild(t, command, argv, { stdio: ['pipe', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  let stdout = '';
  let stderr = '';
  run.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  run.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 20_000);
  // 'close', not 'exit': after it, everything the child printed has been read.
  const [code] = (await once(run.child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
