import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MAX_CLIENT_FRAME_BYTES } from '@keepalive-dashboard/shared';

import { AUTH, buildApp, labPair } from '../helpers/app.js';
import { isType, openStream } from '../helpers/ws.js';

async function open(t: Parameters<typeof buildApp>[0]) {
  const fastify = await buildApp(t);
  const reader = await openStream(fastify as never, AUTH);
  t.after(() => reader.socket.terminate());
  return { fastify, reader };
}

test('first a snapshot, then deltas with added, changed and removed', async (t) => {
  const { fastify, reader } = await open(t);
  const snapshot = await reader.next(isType('snapshot'));
  assert.equal(typeof snapshot.serverTime, 'number');
  assert.ok(Array.isArray(snapshot.connections));
  const { connectionId } = await labPair(fastify);
  const added = await reader.next((f) => f.type === 'delta' && f.added.some((v) => v.id === connectionId));
  assert.equal(added.type, 'delta');
  await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 55 } });
  const changed = await reader.next((f) => f.type === 'delta' && f.changed.some((v) => v.id === connectionId && v.keepalive?.idleSec === 55));
  assert.ok(changed.type === 'delta');
  const view = changed.changed.find((v) => v.id === connectionId);
  assert.ok(view);
  assert.ok(view.timer.expiresAt !== null && view.timer.expiresAt > changed.serverTime + 50_000);
  // Killed (RST, no TIME_WAIT, which would keep the socket's cookie) it disappears.
  await fastify.inject({ method: 'DELETE', url: `/api/connections/${connectionId}`, headers: AUTH });
  await fastify.ka.store.collect();
  await reader.next((f) => f.type === 'delta' && f.removed.includes(connectionId));
});

test('a connection that only counts down produces no delta', async (t) => {
  const { fastify, reader } = await open(t);
  const { connectionId } = await labPair(fastify);
  await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 600 } });
  await fastify.ka.processMap.refresh(); // holders of the new sockets: a real change, settled first
  await fastify.ka.store.collect();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const delta = await fastify.ka.store.collect();
  assert.equal(delta.changed.some((v) => v.id === connectionId), false, 'unchanged while its timer counts down');
  void reader;
});

test('events arrive as frames: retuned, with before and after', async (t) => {
  const { fastify, reader } = await open(t);
  const { connectionId } = await labPair(fastify);
  await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { idleSec: 99 } });
  const frame = await reader.next((f) => f.type === 'event' && f.event.type === 'retuned');
  assert.ok(frame.type === 'event');
  assert.equal(frame.event.connectionId, connectionId);
  assert.equal((frame.event.after as { idleSec: number }).idleSec, 99);
});

test('malformed, unknown and oversized frames get an error frame; the socket stays up', async (t) => {
  const { reader } = await open(t);
  await reader.next(isType('snapshot'));
  const bad: [unknown, RegExp][] = [
    ['not json', /not valid JSON/],
    [{ type: 'launch' }, /unknown frame type/],
    [{ type: 'select', id: 5 }, /select frame: id/],
    [{ type: 'select', id: 'x', intervalMs: 1 }, /intervalMs/],
    [{ type: 'filter', filter: { port: -1 } }, /filter frame/],
    [{ type: 'filter', filter: { nested: { deep: true } } }, /filter frame/],
    ['x'.repeat(MAX_CLIENT_FRAME_BYTES + 1), /refused \(limit/],
  ];
  for (const [frame, message] of bad) {
    reader.send(frame);
    const error = await reader.next(isType('error'));
    assert.match(error.message, message, JSON.stringify(frame).slice(0, 80));
  }
  reader.send({ type: 'ping' });
  assert.equal((await reader.next(isType('error'))).code, 'KA_PONG');
});

test('a filter narrows the snapshot and the deltas', async (t) => {
  const { fastify, reader } = await open(t);
  await reader.next(isType('snapshot'));
  const { port } = await labPair(fastify);
  reader.send({ type: 'filter', filter: { port, state: 'LISTEN' } });
  const snap = await reader.next(isType('snapshot'));
  assert.equal(snap.connections.length, 1);
  assert.equal(snap.connections[0]?.state, 'LISTEN');
});

test('selecting a connection streams its full tcp_info', async (t) => {
  const { fastify, reader } = await open(t);
  const { connectionId } = await labPair(fastify);
  reader.send({ type: 'select', id: connectionId, intervalMs: 100 });
  const first = await reader.next(isType('detail'));
  const second = await reader.next(isType('detail'));
  assert.equal(first.id, connectionId);
  assert.equal(first.tcpInfo?.state, 'ESTABLISHED');
  assert.ok(second.serverTime > first.serverTime);
  reader.send({ type: 'select', id: 'ffffffffffffffff' });
  const gone = await reader.next(isType('detail'));
  assert.equal(gone.error?.code, 'KA_ERR_SOCKET_GONE');
});
