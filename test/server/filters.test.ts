/** GET /api/connections with the filters people know: port ranges, CIDR, ss expressions, keepalive unknown ≠ off. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AUTH, buildApp, labPair } from '../helpers/app.js';
import { timeWaitPair } from '../helpers/loopback.js';
import { isType, openStream } from '../helpers/ws.js';

type Page = { total: number; connections: { id: string; state: string; local: { port: number }; peer: { port: number } }[] };

test('a port range and a CIDR select the lab pair; a CIDR it is not in selects nothing', async (t) => {
  const fastify = await buildApp(t);
  const { port } = await labPair(fastify);
  const get = async (query: string) => (await fastify.inject({ url: `/api/connections?state=established&${query}`, headers: AUTH })).json() as Page;
  const range = await get(`port=${Math.max(0, port - 5)}-${Math.min(65535, port + 5)}&address=127.0.0.0/8`);
  assert.ok(range.connections.filter((c) => c.local.port === port || c.peer.port === port).length === 2, 'both ends of the pair');
  assert.ok(range.connections.every((c) => Math.abs(c.local.port - port) <= 5 || Math.abs(c.peer.port - port) <= 5));
  assert.equal((await get(`port=${port}&address=10.0.0.0/8`)).total, 0);
  assert.equal((await get(`port=1,${port}`)).total, 2, 'a list');
});

test('an ss expression selects the pair by sport/dport; a bad one is 400 naming the position', async (t) => {
  const fastify = await buildApp(t);
  const { port } = await labPair(fastify);
  const expr = encodeURIComponent(`( sport = :${port} or dport = :${port} ) and src 127.0.0.1 and state connected`);
  const page = (await fastify.inject({ url: `/api/connections?expr=${expr}`, headers: AUTH })).json() as Page;
  assert.equal(page.total, 2, JSON.stringify(page.connections.map((c) => [c.state, c.local.port, c.peer.port])));
  const bad = await fastify.inject({ url: `/api/connections?expr=${encodeURIComponent('sport = :x')}`, headers: AUTH });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json(), { code: 'KA_ERR_BAD_REQUEST', message: "expr: at 9: expected a port like :443, got ':x'" });
  for (const [query, message] of [['port=9-1', /port: at 1: expected a range/], ['port=abc', /port must be a non-negative integer \(0–65535\), a range like 48000-48099/], ['address=10.0.0.0/99', /address: .*CIDR/]] as const) {
    const res = await fastify.inject({ url: `/api/connections?${query}`, headers: AUTH });
    assert.equal(res.statusCode, 400, query);
    assert.match((res.json() as { message: string }).message, message);
  }
});

test('keepalive=off excludes a TIME_WAIT row (keepalive unknown); keepalive=unknown lists it', async (t) => {
  const fastify = await buildApp(t);
  // The side that closes first keeps the TIME_WAIT: nothing holds it, so its settings cannot be read.
  const pair = await timeWaitPair(t);
  await fastify.ka.store.collect();
  const get = async (keepalive: string) => ((await fastify.inject({ url: `/api/connections?port=${pair.port}&keepalive=${keepalive}`, headers: AUTH })).json() as Page).connections.map((c) => c.state);
  assert.ok((await get('unknown')).includes('TIME_WAIT'), 'the TIME_WAIT row is unknown');
  assert.ok(!(await get('off')).includes('TIME_WAIT'), 'and so not off');
});

test('the stream answers a filter or window frame with a bad expression by an error frame with the parser’s message', async (t) => {
  const fastify = await buildApp(t);
  const reader = await openStream(fastify as never, AUTH);
  t.after(() => reader.socket.terminate());
  await reader.next(isType('snapshot'));
  reader.send({ type: 'filter', filter: { expr: 'dst 10.0.0.0/8 or' } });
  const error = await reader.next(isType('error'), 20_000);
  assert.equal(error.code, 'KA_ERR_BAD_REQUEST');
  assert.match(error.message, /^filter frame: expr: at 18: expected a condition/);
  reader.send({ type: 'window', filter: { port: '10-1' }, sort: { column: 'state', direction: 'asc' }, offset: 0, limit: 10, requestId: 1 });
  assert.match((await reader.next(isType('error'), 20_000)).message, /^window frame: port: at 1: expected a range/);
});
