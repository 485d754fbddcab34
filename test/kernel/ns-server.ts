/**
 * The real CLI with the netlink source, as the namespace tests drive it: typed reads of the
 * lists they check, and a poll that waits for the server to catch up (a new namespace, a
 * foreign socket's settings read back) with a timeout generous enough for a busy machine.
 */
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import type { ConnectionView, DashboardEvent, Health, Namespace } from '@keepalive-dashboard/shared';

import { tempDir } from '../helpers/app.js';
import { startServer, type RunningServer } from '../server/faults/server-process.js';

export interface NsServer extends RunningServer {
  /** GET /api/connections?netns=INO, failing on anything but 200. */
  connections(netns: number): Promise<ConnectionView[]>;
  namespaces(): Promise<Namespace[]>;
  health(): Promise<Health>;
  events(): Promise<DashboardEvent[]>;
}

const ok = async (server: RunningServer, path: string): Promise<Record<string, unknown>> => {
  const res = await server.call('GET', path);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

/** Starts the CLI (`--source netlink`, its own audit log), optionally under `prefix` (e.g. setpriv). */
export async function startNsServer(t: TestContext, prefix?: string[]): Promise<NsServer> {
  const dir = tempDir(t, 'ka-netns-');
  const server = await startServer(t, ['--source', 'netlink', '--namespaces', 'all', '--audit-log', join(dir, 'audit.jsonl')], prefix ? { prefix } : {});
  return {
    ...server,
    connections: async (netns) => (await ok(server, `/api/connections?netns=${netns}`)).connections as ConnectionView[],
    namespaces: async () => (await ok(server, '/api/namespaces')).namespaces as Namespace[],
    health: async () => (await ok(server, '/api/health')) as unknown as Health,
    events: async () => (await ok(server, '/api/events?limit=1000')).events as DashboardEvent[],
  };
}

/** Polls `check` until it returns something truthy; fails after `timeoutMs` saying `what` and the last error. */
export async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
