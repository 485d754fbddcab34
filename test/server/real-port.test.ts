import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';

import { AUTH, buildApp } from '../helpers/app.js';
import { spawnSocketHolder } from '../helpers/processes.js';
import { ssTimer } from '../helpers/ss.js';

async function listening(t: Parameters<typeof buildApp>[0]) {
  const fastify = await buildApp(t);
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, { method, headers: { ...AUTH, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { fastify, call };
}

test('on a real port: a retune through the API changes what ss shows', async (t) => {
  const { call } = await listening(t);
  const listener = await call('POST', '/api/lab/listeners', { port: 0 });
  const port = (listener.body.local as { port: number }).port;
  const conn = await call('POST', '/api/lab/connections', { host: '127.0.0.1', port });
  assert.equal(conn.status, 201);
  const patch = await call('PATCH', `/api/connections/${String(conn.body.connectionId)}/keepalive`, { enabled: true, idleSec: 45 });
  assert.equal(patch.status, 200);
  const { kind, ms } = ssTimer(conn.body.local as { address: string; port: number }, conn.body.peer as { address: string; port: number });
  assert.equal(kind, 'keepalive');
  assert.ok(ms > 40_000 && ms <= 45_000, `ss timer ${ms} ms ≈ 45 s`);
});

test('on a real port: a foreign retune of a separate process’s socket', async (t) => {
  const { fastify, call } = await listening(t);
  const holder = await spawnSocketHolder(t);
  await fastify.ka.store.collectFresh();
  const view = fastify.ka.store.snapshot().connections.find((v) => v.inode === holder.held.inode);
  assert.ok(view, 'the holder’s socket is listed');
  assert.equal(view.ownership, 'foreign');
  const patch = await call('PATCH', `/api/connections/${view.id}/keepalive`, { idleSec: 77, count: 2 });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));
  assert.equal((patch.body.before as { idleSec: number }).idleSec, 600);
  assert.deepEqual(patch.body.after, { ...holder.held.keepalive, idleSec: 77, count: 2 });
  const { kind, ms } = ssTimer({ address: '127.0.0.1', port: holder.held.localPort }, { address: '127.0.0.1', port: holder.held.peerPort });
  assert.equal(kind, 'keepalive');
  assert.ok(ms > 72_000 && ms <= 77_000, `ss timer ${ms} ms ≈ 77 s`);
  const read = await call('GET', `/api/connections/${view.id}`);
  const connection = read.body.connection as { keepalive: { idleSec: number }; keepaliveOrigin: string; holders: { pid: number }[] };
  assert.equal(connection.keepaliveOrigin, 'foreign');
  assert.equal(connection.keepalive.idleSec, 77);
  assert.equal(connection.holders[0]?.pid, holder.held.pid);
});

test('on a real port: a client that stops reading is not queued for; it gets the newest state', async (t) => {
  const fastify = await buildApp(t, { streamHighWaterBytes: 64 * 1024, maxLabObjects: 1000 });
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const listener = (await fastify.inject({ method: 'POST', url: '/api/lab/listeners', headers: AUTH, payload: { port: 0 } })).json() as { local: { port: number } };
  for (let i = 0; i < 200; i++) await fastify.ka.lab.connect('127.0.0.1', listener.local.port);
  await fastify.ka.store.collectFresh();
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${(fastify.server.address() as { port: number }).port}/api/stream`, { headers: AUTH });
  t.after(() => ws.terminate());
  const frames: { type: string; connections?: unknown[] }[] = [];
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(String(data)) as { type: string }));
  await new Promise((resolve) => ws.once('open', resolve));
  const filter = JSON.stringify({ type: 'filter', filter: { port: listener.local.port } });
  ws.send(filter);
  await sleepMs(500);
  const snapshotBytes = JSON.stringify(frames.at(-1)).length;
  assert.ok(snapshotBytes > 100_000, `a sizeable snapshot (${snapshotBytes} bytes)`);
  const socket = (ws as unknown as { _socket: Socket })._socket;
  socket.pause(); // stop reading: kernel buffers fill, then the server's own buffer would grow
  const server = [...(fastify.websocketServer.clients as Set<{ bufferedAmount: number }>)][0];
  let maxBuffered = 0;
  for (let i = 0; i < 60; i++) {
    ws.send(filter); // each asks for a full snapshot
    await sleepMs(20);
    maxBuffered = Math.max(maxBuffered, server?.bufferedAmount ?? 0);
  }
  assert.ok(maxBuffered < 64 * 1024 + 2 * snapshotBytes, `backlog bounded: ${maxBuffered} bytes for ${60 * snapshotBytes} asked`);
  const before = frames.length;
  socket.resume();
  await sleepMs(1000);
  await fastify.ka.store.collectFresh();
  await sleepMs(1000);
  assert.ok(frames.slice(before).some((f) => f.type === 'snapshot'), 'it catches up with a fresh snapshot');
  assert.ok(frames.length - before < 60, `far fewer frames than asked for (${frames.length - before})`);
});

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
