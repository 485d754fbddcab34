/**
 * For stream memory tests against a real server process: its RSS and the
 * latency of GET /api/health sampled throughout, the stream clients it still
 * serves (from /metrics), and child processes of clients that never read.
 */
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';

import { HELPERS, spawnChild } from './processes.js';

export const MEGABYTE = 1024 * 1024;

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** VmRSS of a process, bytes. */
export function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

export interface ServerWatch {
  rssStartBytes: number;
  /** Stops sampling; the largest RSS seen and every health check that failed or took over healthTimeoutMs. */
  stop(): Promise<{ rssMaxBytes: number; rssMaxAtMs: number; healthChecks: number; healthFailures: string[] }>;
}

/** Samples RSS every 250 ms and asks /api/health once a second, each answer within healthTimeoutMs. */
export function watchServer(pid: number, base: string, token: string, healthTimeoutMs = 5000): ServerWatch {
  const rssStartBytes = rssBytes(pid);
  const startedAt = Date.now();
  let rssMaxBytes = rssStartBytes;
  let rssMaxAtMs = 0;
  const sampler = setInterval(() => {
    const rss = rssBytes(pid);
    if (rss > rssMaxBytes) [rssMaxBytes, rssMaxAtMs] = [rss, Date.now() - startedAt];
  }, 250);
  let running = true;
  let healthChecks = 0;
  const healthFailures: string[] = [];
  const checking = (async () => {
    while (running) {
      const askedAt = Date.now();
      try {
        const res = await fetch(`${base}/api/health`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(healthTimeoutMs) });
        if (res.status !== 200) healthFailures.push(`status ${res.status}`);
        await res.arrayBuffer();
      } catch (error) {
        healthFailures.push(`${(error as Error).name} after ${Date.now() - askedAt} ms`);
      }
      healthChecks++;
      await sleepMs(1000);
    }
  })();
  return {
    rssStartBytes,
    async stop() {
      running = false;
      clearInterval(sampler);
      await checking;
      return { rssMaxBytes, rssMaxAtMs, healthChecks, healthFailures };
    },
  };
}

/** Stream clients the server still serves (a client it closed no longer counts). */
export async function streamClients(base: string, token: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const value = /^keepalive_websocket_clients (\d+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error('no keepalive_websocket_clients in /metrics');
  return Number(value);
}

export interface StallerOptions {
  base: string;
  token: string;
  count: number;
  selectId: string;
  selectEveryMs: number;
  /** How long to select when never reading, ms (readAfterMs null). */
  runMs: number;
  /** Resume reading this long after ready and report each client's close; null: never read. */
  readAfterMs: number | null;
  waitCloseMs: number;
}

/** Spawns stream-stallers.mjs; resolves once every client is open, with a reader of its next JSON line. */
export async function spawnStallers(t: TestContext, options: StallerOptions): Promise<{ next: () => Promise<Record<string, unknown>> }> {
  const child = spawnChild(t, process.execPath, [`${HELPERS}stream-stallers.mjs`, JSON.stringify(options)]);
  const next = async (): Promise<Record<string, unknown>> => JSON.parse(await child.nextLine()) as Record<string, unknown>;
  const ready = await next();
  if (ready.ready !== options.count) throw new Error(`stallers not ready: ${JSON.stringify(ready)}`);
  return { next };
}
