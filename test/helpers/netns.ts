/**
 * Network namespaces for tests: created with loopback up, deleted when the test ends (pass or
 * fail; deleting one also destroys every nftables table in it). The test process stays in the
 * host namespace, so it reaches servers inside through netns-client.ts, run inside.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';

import { startServer, type RunningServer } from '../server/faults/server-process.js';
import { HELPERS, REPO_ROOT } from './processes.js';

let namespaces = 0;

export function createNetns(t: TestContext): string {
  namespaces += 1;
  const ns = `ka-bh-${process.pid}-${namespaces}`;
  execFileSync('ip', ['netns', 'add', ns]);
  t.after(() => execFileSync('ip', ['netns', 'delete', ns]));
  execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  return ns;
}

/** Runs a command inside the namespace; resolves its stdout. */
export function runIn(ns: string, command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, command, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} in ${ns}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Names of the keepalive-dashboard nftables tables in the namespace. */
export async function ourTables(ns: string): Promise<string[]> {
  const listing = JSON.parse(await runIn(ns, 'nft', ['-j', 'list', 'tables'])) as { nftables: { table?: { name: string } }[] };
  return listing.nftables.flatMap((e) => (e.table?.name.startsWith('keepalive_dashboard_') ? [e.table.name] : []));
}

/** The real CLI inside the namespace (`ip netns exec` execs, so the pid is node's); resolves once it prints its URL. */
export function startServerIn(t: TestContext, ns: string, args: string[]): Promise<RunningServer> {
  return startServer(t, args, { prefix: ['ip', 'netns', 'exec', ns] });
}

export interface NetnsClient {
  call(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** A TCP connect to a listener on 127.0.0.1 in the namespace: null when it worked, else the error. */
  connectLoopback(): Promise<string | null>;
}

/** Starts netns-client.ts inside the namespace (killed by pid when the test ends). */
export async function netnsClient(t: TestContext, ns: string): Promise<NetnsClient> {
  const client = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', `${HELPERS}netns-client.ts`], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => {
    if (client.exitCode === null && client.signalCode === null && client.pid !== undefined) process.kill(client.pid, 'SIGKILL');
  });
  client.stdin.on('error', () => {}); // a write after the client died: `gone` says so
  const pending = new Map<number, (answer: Record<string, unknown>) => void>();
  let listening: (port: unknown) => void = () => {};
  const started = new Promise((resolve) => (listening = resolve));
  createInterface({ input: client.stdout }).on('line', (line) => {
    const answer = JSON.parse(line) as Record<string, unknown>;
    if ('listening' in answer) listening(answer.listening);
    pending.get(answer.id as number)?.(answer);
    pending.delete(answer.id as number);
  });
  const gone = once(client, 'exit').then(([code, signal]) => {
    throw new Error(`netns client exited (${String(code ?? signal)})`);
  });
  gone.catch(() => {});
  await Promise.race([started, gone]);
  let nextId = 0;
  const ask = (request: object): Promise<Record<string, unknown>> => {
    nextId += 1;
    const id = nextId;
    const answered = new Promise<Record<string, unknown>>((resolve) => pending.set(id, resolve));
    client.stdin.write(`${JSON.stringify({ id, ...request })}\n`);
    return Promise.race([answered, gone]);
  };
  return {
    async call(base, token, method, path, body) {
      const answer = await ask({ op: 'http', url: base + path, method, token, body });
      if (answer.error !== undefined) throw new Error(`${method} ${path}: ${String(answer.error)}`);
      return answer as { status: number; body: Record<string, unknown> };
    },
    async connectLoopback() {
      const answer = await ask({ op: 'connect' });
      return answer.ok === true ? null : String(answer.error);
    },
  };
}
