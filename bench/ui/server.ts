/**
 * The real server in this process (Fastify + the app plugin, collector on)
 * serving web/dist on 127.0.0.1:0, its source a fake one of N sockets. The
 * audit log and state go to a temporary directory that close() removes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type {} from '@fastify/websocket';
import Fastify from 'fastify';

import { app } from '@keepalive-dashboard/server';

import { fakeSourceFactories } from '../../test/helpers/fake-source.js';

export interface UiServer {
  /** The page to open, token included (the page moves it to a cookie). */
  pageUrl: string;
  /** What the app logged: printed by the benchmark, not swallowed. */
  log: string[];
  close(): Promise<void>;
}

export async function startUiServer(options: { connections: number; intervalMs: number; webRoot: string }): Promise<UiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ka-bench-ui-'));
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
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await fastify.register(app, {
      token,
      source: 'netlink',
      sourceFactories: fakeSourceFactories(options.connections),
      collect: true,
      intervalMs: options.intervalMs,
      // The process map scans /proc: nothing to find for made-up sockets, only noise on a shared CPU.
      processIntervalMs: 600_000,
      webRoot: options.webRoot,
      auditLogPath: join(dir, 'audit.jsonl'),
      stateDir: dir,
      log: (message) => log.push(message),
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
  return { pageUrl: `http://127.0.0.1:${address.port}/?token=${token}`, log, close };
}
