/**
 * The real server, in this process, built the way server/src/main.ts builds
 * it: Fastify + the app plugin, the netlink source, the periodic collector on,
 * listening on 127.0.0.1 at a free port. The audit log goes to a temporary
 * directory that close() removes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type {} from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';

import { app, type AppOptions } from '@keepalive-dashboard/server';

export interface RunningServer {
  fastify: FastifyInstance;
  url: string;
  token: string;
  /** What the app logged (collection failures, warnings): printed by the benchmark, not swallowed. */
  log: string[];
  startMs: number;
  close(): Promise<void>;
}

/** `extra` overrides the defaults (a fake source, a web root…). */
export async function startServer(intervalMs: number, extra: AppOptions = {}): Promise<RunningServer> {
  const started = performance.now();
  const auditDir = mkdtempSync(join(tmpdir(), 'ka-bench-server-'));
  const token = randomBytes(18).toString('base64url');
  const log: string[] = [];
  const fastify = Fastify({ logger: { level: 'warn' }, bodyLimit: 64 * 1024, pluginTimeout: 120_000 });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      await fastify.close();
    } finally {
      rmSync(auditDir, { recursive: true, force: true });
    }
  };
  try {
    await fastify.register(app, {
      token,
      source: 'netlink',
      collect: true,
      intervalMs,
      auditLogPath: join(auditDir, 'audit.jsonl'),
      log: (message) => log.push(message),
      ...extra,
    });
    await fastify.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await close();
    throw error;
  }
  const address = fastify.server.address();
  if (typeof address !== 'object' || !address) {
    await close();
    throw new Error(`unexpected listen address ${String(address)}`);
  }
  return { fastify, url: `http://127.0.0.1:${address.port}`, token, log, startMs: performance.now() - started, close };
}
