/** A real app (real sources, real kernel) built without listening, torn down after the test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import type {} from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';

import { app, type AppOptions } from '@keepalive-dashboard/server';
import { serverOptions } from '@keepalive-dashboard/server/server-options';

export const TOKEN = 'test-token-0123456789';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

export function tempDir(t: TestContext, prefix = 'ka-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function buildApp(t: TestContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions());
  t.after(() => {
    // Terminated on the server side too: ws would otherwise wait out its close timer (~30 s).
    for (const client of fastify.websocketServer?.clients ?? []) client.terminate();
    return fastify.close();
  });
  await fastify.register(app, {
    token: TOKEN,
    source: 'netlink',
    collect: false,
    auditLogPath: join(tempDir(t), 'audit.jsonl'),
    // Tests pick their sockets by port, and other namespaces (other tests') repeat ports: namespace tests ask for all.
    namespaces: 'own',
    log: () => {},
    ...options,
  });
  await fastify.ready();
  return fastify;
}

/** Opens a lab listener and a lab connection to it; returns the outbound connection's id. */
export async function labPair(fastify: FastifyInstance): Promise<{ listenerId: string; port: number; connectionId: string; labId: string }> {
  const listener = await fastify.inject({ method: 'POST', url: '/api/lab/listeners', headers: AUTH, payload: { port: 0 } });
  const l = listener.json() as { id: string; local: { port: number } };
  const conn = await fastify.inject({ method: 'POST', url: '/api/lab/connections', headers: AUTH, payload: { host: '127.0.0.1', port: l.local.port } });
  const c = conn.json() as { id: string; connectionId: string };
  if (!c.connectionId) throw new Error(`lab connection not collected: ${conn.body}`);
  return { listenerId: l.id, port: l.local.port, connectionId: c.connectionId, labId: c.id };
}
