/** ?advisory= through the REST list, the stream's filter and its window, on real lab sockets; unknown kinds are 400 naming the known ones. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { AUTH, buildApp, labPair } from '../helpers/app.js';
import { isType, openStream } from '../helpers/ws.js';

type Page = { total: number; connections: { id: string }[] };

/** A lab pair whose outbound end has idle 400 s: over the 350 s middlebox timeout, flagged idle-exceeds-middlebox. */
async function flaggedPair(t: TestContext): Promise<{ fastify: FastifyInstance; port: number; connectionId: string }> {
  const fastify = await buildApp(t);
  const { port, connectionId } = await labPair(fastify);
  const res = await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 400 } });
  assert.equal(res.statusCode, 200, res.body);
  return { fastify, port, connectionId };
}

test('GET /api/connections?advisory= a kind, any, none: the flagged socket alone, or the rest', async (t) => {
  const { fastify, port, connectionId } = await flaggedPair(t);
  const get = async (advisory: string) => (await fastify.inject({ url: `/api/connections?port=${port}&advisory=${advisory}`, headers: AUTH })).json() as Page;
  assert.deepEqual((await get('idle-exceeds-middlebox')).connections.map((c) => c.id), [connectionId]);
  assert.deepEqual((await get('any')).connections.map((c) => c.id), [connectionId]);
  const none = await get('none');
  assert.ok(none.total >= 2 && !none.connections.some((c) => c.id === connectionId), 'the accepted end and the listener');
  assert.equal((await get('user-timeout-below-idle')).total, 0);
});

test('an unknown advisory kind is 400 naming the known ones; the expression form is 400 too', async (t) => {
  const fastify = await buildApp(t);
  const res = await fastify.inject({ url: '/api/connections?advisory=risky', headers: AUTH });
  assert.equal(res.statusCode, 400);
  assert.match((res.json() as { message: string }).message, /^advisory: at 1: expected an advisory kind \(keepalive-off-idle, .*idle-exceeds-middlebox.*\), any or none, got 'risky'$/);
  const expr = await fastify.inject({ url: `/api/connections?expr=${encodeURIComponent('advisory risky')}`, headers: AUTH });
  assert.equal(expr.statusCode, 400);
  assert.match((expr.json() as { message: string }).message, /^expr: at 10: expected an advisory kind/);
});

test('the stream filter and the window select by advisory as the REST list does', async (t) => {
  const { fastify, port, connectionId } = await flaggedPair(t);
  const reader = await openStream(fastify as never, AUTH);
  t.after(() => reader.socket.terminate());
  await reader.next(isType('snapshot'));
  reader.send({ type: 'filter', filter: { port, advisory: 'idle-exceeds-middlebox' } });
  const snapshot = await reader.next(isType('snapshot'), 20_000);
  assert.deepEqual(snapshot.connections.map((c) => c.id), [connectionId]);
  reader.send({ type: 'window', filter: { port, expr: 'advisory any' }, sort: { column: 'local', direction: 'asc' }, offset: 0, limit: 50, requestId: 7 });
  const window = await reader.next((f) => f.type === 'window' && f.requestId === 7, 20_000);
  assert.ok(window.type === 'window');
  assert.deepEqual(window.ids, [connectionId]);
  reader.send({ type: 'filter', filter: { advisory: 'risky' } });
  assert.match((await reader.next(isType('error'), 20_000)).message, /advisory: .*known|advisory kind/);
});
