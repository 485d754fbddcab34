/**
 * Post-mortems: a connection that died is answered after the fact with its
 * last view and cause — a real dead peer (a lab black hole: nftables, removed
 * when the app closes), a real reset, a kill — and the store of them stays bounded.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';

import type { FastifyInstance } from 'fastify';

import type { ConnectionDetail, ConnectionView, DetailFrame } from '@keepalive-dashboard/shared';
import { PostMortems } from '@keepalive-dashboard/server/collector/post-mortems';

import { AUTH, buildApp, labPair } from '../helpers/app.js';
import { openPair, sleep } from '../helpers/loopback.js';
import { openStream } from '../helpers/ws.js';

const detail = async (fastify: FastifyInstance, id: string) => {
  const res = await fastify.inject({ url: `/api/connections/${id}`, headers: AUTH });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as ConnectionDetail;
};

async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let value = fn(); ; value = fn()) {
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('a black-holed lab peer: GET and the selected detail frame say it died by keepalive, ETIMEDOUT, probes and prediction', async (t) => {
  const fastify = await buildApp(t, { collect: true, intervalMs: 200 });
  const { connectionId, labId } = await labPair(fastify);
  const reader = await openStream(fastify as never, AUTH);
  t.after(() => reader.socket.terminate());
  const patch = (payload: object) => fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload });
  assert.equal((await patch({ enabled: true })).statusCode, 200);
  assert.equal((await patch({ idleSec: 1, intervalSec: 1, count: 2 })).statusCode, 200);
  reader.send({ type: 'select', id: connectionId, intervalMs: 200 });
  const hole = await fastify.inject({ method: 'POST', url: `/api/lab/connections/${labId}/blackhole`, headers: AUTH, payload: { on: true } });
  assert.equal(hole.statusCode, 200, hole.body);
  // A sweep may miss the socket a moment before its owner reads ETIMEDOUT (a plain close until then): wait for the cause.
  const frame = (await reader.next((f) => f.type === 'detail' && f.gone !== undefined && f.gone.cause !== 'closed', 40_000)) as DetailFrame;
  assert.deepEqual([frame.gone?.cause, frame.gone?.code, frame.error?.code, frame.connection?.id], ['keepalive', 'ETIMEDOUT', 'KA_ERR_SOCKET_GONE', connectionId]);
  await until('the store to drop it', () => !fastify.ka.store.get(connectionId));
  const body = await detail(fastify, connectionId);
  assert.equal(body.connection.id, connectionId, 'its last view');
  assert.deepEqual([body.gone?.cause, body.gone?.seenBy, body.tcpInfo], ['keepalive', 'socket', null]);
  assert.ok((body.gone?.probesOut ?? 0) >= 1, JSON.stringify(body.gone));
  assert.ok(body.gone?.predictedDeadAt !== null && Math.abs(body.gone?.errorMs ?? Infinity) < 3000, JSON.stringify(body.gone));
});

test('a peer that resets a lab connection: cause reset, ECONNRESET', async (t) => {
  const fastify = await buildApp(t, { collect: true, intervalMs: 200 });
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const port = (server.address() as net.AddressInfo).port;
  const opened = (await fastify.inject({ method: 'POST', url: '/api/lab/connections', headers: AUTH, payload: { host: '127.0.0.1', port } })).json() as { connectionId: string };
  (await accepted)[0].resetAndDestroy();
  const gone = await until('the post-mortem', () => fastify.ka.postMortems.get(opened.connectionId)?.gone);
  assert.deepEqual([gone.cause, gone.code], ['reset', 'ECONNRESET']);
});

test('a killed connection: cause killed, seen by the kill', async (t) => {
  const fastify = await buildApp(t);
  const pair = await openPair(t);
  await fastify.ka.store.collect();
  const localPort = pair.client.localPort;
  const view = fastify.ka.store.snapshot().connections.find((v) => v.state === 'ESTABLISHED' && v.local.port === localPort);
  assert.ok(view);
  assert.equal((await fastify.inject({ method: 'DELETE', url: `/api/connections/${view.id}`, headers: AUTH })).statusCode, 200);
  await fastify.ka.store.collect();
  const body = await detail(fastify, view.id);
  assert.deepEqual([body.gone?.cause, body.gone?.seenBy, body.connection.local.port], ['killed', 'kill', localPort]);
});

test('bounded: at most 1,000 closes and 1,000 deaths, closes never push out deaths, all forgotten after 15 min', () => {
  let now = 0;
  const store = new PostMortems({ now: () => now });
  const view = (id: string): ConnectionView => ({ id, state: 'ESTABLISHED', inode: 0, keepalive: null, derived: null }) as unknown as ConnectionView;
  for (let i = 0; i < 1500; i++) store.noteDeath(view(`dead-${i}`), { at: now, cause: 'keepalive', code: null, seenBy: 'sweep' });
  for (let i = 0; i < 5000; i++) store.noteGone([view(`closed-${i}`), view(`tw-${i}`)].map((v, j) => (j === 1 ? { ...v, state: 'TIME_WAIT' } : v)), now);
  assert.equal(store.size, 2000);
  assert.deepEqual([store.get('dead-499'), store.get('closed-3999')], [undefined, undefined], 'the oldest of each forgotten');
  assert.equal(store.get('dead-1499')?.gone.cause, 'keepalive');
  assert.equal(store.get('closed-4999')?.gone.cause, 'closed');
  assert.equal(store.get('tw-4999'), undefined, 'TIME_WAIT leaving is no news');
  now = 15 * 60_000 + 1;
  assert.equal(store.get('dead-1499'), undefined);
  store.noteGone([view('fresh')], now);
  assert.equal(store.size, 1);
});
