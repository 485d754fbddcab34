/** Limits on what one client can hold: slow requests, connections per address, lab objects. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import Fastify, { type FastifyInstance } from 'fastify';

import { app, type AppOptions } from '@keepalive-dashboard/server';
import { REQUEST_TIMEOUT_MS, SOCKET_IDLE_TIMEOUT_MS, serverOptions } from '@keepalive-dashboard/server/server-options';
import WebSocket from 'ws';

import { AUTH, TOKEN, buildApp, tempDir } from '../helpers/app.js';

const clients = new Set<net.Socket>();

async function listening(t: TestContext, options: AppOptions, requestTimeout = REQUEST_TIMEOUT_MS, connectionTimeout = SOCKET_IDLE_TIMEOUT_MS): Promise<{ fastify: FastifyInstance; port: number }> {
  const fastify = Fastify(serverOptions({ requestTimeout, connectionTimeout, http: { headersTimeout: Math.min(requestTimeout, 10_000), connectionsCheckingInterval: 200 } }));
  // Our raw client sockets first: the server's close waits for every connection.
  t.after(() => {
    for (const socket of clients) socket.destroy();
    clients.clear();
    return fastify.close();
  });
  await fastify.register(app, { token: TOKEN, collect: false, source: 'netlink', auditLogPath: join(tempDir(t), 'audit.jsonl'), log: () => {}, ...options });
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  return { fastify, port: (fastify.server.address() as net.AddressInfo).port };
}

function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  clients.add(socket);
  return once(socket, 'connect').then(() => socket);
}

test('the default request timeout is finite', () => {
  assert.ok(REQUEST_TIMEOUT_MS > 0 && REQUEST_TIMEOUT_MS <= 60_000);
  assert.equal(serverOptions().requestTimeout, REQUEST_TIMEOUT_MS);
});

test('a request body that trickles in is cut off at the request timeout', { timeout: 60_000 }, async (t) => {
  const { port } = await listening(t, {}, 1500);
  const socket = await connect(port);
  socket.write(`POST /api/parse HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"format":`);
  const started = Date.now();
  const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
  t.after(() => clearInterval(trickle));
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += String(d)));
  await once(socket, 'close');
  assert.ok(Date.now() - started < 30_000, 'closed long before the body could finish');
  assert.match(answer, /^HTTP\/1\.1 408|^$/, 'a 408, or a plain close');
});

test('a connection that never sends a byte is closed; a quiet WebSocket stream is not', { timeout: 60_000 }, async (t) => {
  const { port } = await listening(t, {}, REQUEST_TIMEOUT_MS, 1000);
  const silent = await connect(port);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/stream`, { headers: AUTH });
  t.after(() => ws.terminate());
  await once(ws, 'open');
  const started = Date.now();
  await once(silent, 'close');
  assert.ok(Date.now() - started < 20_000, 'the silent socket was closed by the server');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(ws.readyState, WebSocket.OPEN, 'the stream (no frames: nothing is collected) stays open past the idle timeout');
});

test('connections per address are capped: the extra ones get a 429 and are closed, the rest keep working', { timeout: 60_000 }, async (t) => {
  const { port } = await listening(t, { maxConnectionsPerAddress: 20 });
  const held = await Promise.all(Array.from({ length: 20 }, () => connect(port)));
  const extra = await connect(port);
  let refused = '';
  extra.on('data', (d: Buffer) => (refused += String(d)));
  await once(extra, 'close');
  assert.match(refused, /^HTTP\/1\.1 429/);
  for (const socket of held.slice(0, 5)) socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const res = await fetch(`http://127.0.0.1:${port}/api/health`, { headers: AUTH });
  assert.equal(res.status, 200, 'room again once some closed');
});

test('the lab holds a bounded number of open objects: past it a clear 409, and accepted sockets are refused', async (t) => {
  const fastify = await buildApp(t, { maxLabObjects: 3 });
  const post = (url: string, payload: object) => fastify.inject({ method: 'POST', url, headers: AUTH, payload });
  const listener = (await post('/api/lab/listeners', { port: 0 })).json() as { local: { port: number } };
  // listener + outbound + its accepted twin = 3
  assert.equal((await post('/api/lab/connections', { host: '127.0.0.1', port: listener.local.port })).statusCode, 201);
  const full = await post('/api/lab/listeners', { port: 0 });
  assert.equal(full.statusCode, 409);
  assert.match((full.json() as { message: string }).message, /limit/);
  const open = fastify.ka.lab.list().filter((e) => e.status === 'open').length;
  assert.ok(open <= 3, `open lab objects ${open}`);
});
