/**
 * Bounded memory per stream client (issue 10, item 7): every frame counts
 * against the client's unsent bytes, a client that takes nothing is closed,
 * pings and selects are rate-limited. The first two run the real server
 * process with its clients in other processes, and its default stall time (30 s).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';

import { WebSocket } from 'ws';

import type { ConnectionView } from '@keepalive-dashboard/shared';
import { STREAM_LIMITS } from '@keepalive-dashboard/server/stream/limits';

import { AUTH, buildApp, tempDir } from '../helpers/app.js';
import { MEGABYTE, sleepMs, spawnStallers, streamClients, watchServer } from '../helpers/stream-watch.js';
import { isType, openStream } from '../helpers/ws.js';
import { CLI_TOKEN, startServer, type RunningServer } from '../server/faults/server-process.js';

const STALL_MS = 30_000;

async function start(t: TestContext): Promise<RunningServer & { selectId: string }> {
  const server = await startServer(t, ['--audit-log', join(tempDir(t), 'audit.jsonl')]);
  let own: ConnectionView | undefined;
  while (!own) {
    const { connections } = (await server.call('GET', '/api/connections')).body as { connections: ConnectionView[] };
    // The server's own listening socket: a row with a holder, so each detail reads tcp_info through pidfd_getfd.
    own = connections.find((v) => v.state === 'LISTEN' && `http://127.0.0.1:${v.local.port}` === server.base) ?? connections[0];
    if (!own) await sleepMs(200);
  }
  // Start-up (the first /proc scan, the first collections, JIT) settles before RSS is measured against it.
  await sleepMs(5000);
  return { ...server, selectId: own.id };
}

function openClient(t: TestContext, base: string): WebSocket {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/stream`, { headers: { authorization: `Bearer ${CLI_TOKEN}` } });
  t.after(() => ws.terminate());
  return ws;
}

test('300 clients that never read, selecting every 100 ms for 60 s: RSS within start + 100 MB, /api/health answers throughout, each closed with a reason once stalled', { timeout: 300_000 }, async (t) => {
  const server = await start(t);
  const watch = watchServer(server.pid, server.base, CLI_TOKEN);
  const common = { base: server.base, token: CLI_TOKEN, selectId: server.selectId, selectEveryMs: 100, runMs: 60_000, waitCloseMs: 20_000 };
  const stallers = await spawnStallers(t, { ...common, count: 300, readAfterMs: null });
  await sleepMs(3000); // the table now holds the 300: a probe's first snapshot alone is more than its receive window
  // Probes read once stalled past the stall time, before ws gives up on the closing handshake (30 s later).
  const probes = await spawnStallers(t, { ...common, count: 10, readAfterMs: STALL_MS + 12_000 });
  const { closes } = (await probes.next()) as { closes: ({ code: number; reason: string } | null)[] };
  assert.equal((await stallers.next()).done, true);
  let served = await streamClients(server.base, CLI_TOKEN);
  for (let i = 0; i < 20 && served > 0; i++, await sleepMs(1000)) served = await streamClients(server.base, CLI_TOKEN);
  const report = await watch.stop();
  t.diagnostic(`RSS ${(watch.rssStartBytes / MEGABYTE).toFixed(0)} → max ${(report.rssMaxBytes / MEGABYTE).toFixed(0)} MB at ${(report.rssMaxAtMs / 1000).toFixed(0)} s; ${report.healthChecks} health checks`);
  t.diagnostic(`probes closed: ${JSON.stringify(closes.map((c) => c?.code ?? null))}; clients still served: ${served}`);
  for (const close of closes) {
    assert.equal(close?.code, 1008, JSON.stringify(close));
    assert.match(close.reason, /^send buffer stalled: \d+ bytes unsent, next to none taken for 3\d s, the client is not reading$/);
  }
  assert.equal(served, 0, 'every client that never read was closed');
  const grownMb = (report.rssMaxBytes - watch.rssStartBytes) / MEGABYTE;
  assert.ok(grownMb < 100, `server RSS grew ${grownMb.toFixed(0)} MB`);
  assert.deepEqual(report.healthFailures, [], `of ${report.healthChecks} health checks`);
});

test('one client sending 200k pings without reading: RSS grows < 50 MB, it is closed with a reason; another client keeps streaming', { timeout: 180_000 }, async (t) => {
  const server = await start(t);
  const other = openClient(t, server.base);
  const frames: { type: string; code?: string }[] = [];
  other.on('message', (data: Buffer) => frames.push(JSON.parse(String(data)) as { type: string }));
  await once(other, 'open');
  const watch = watchServer(server.pid, server.base, CLI_TOKEN);
  const flooder = openClient(t, server.base);
  await once(flooder, 'open');
  (flooder as unknown as { _socket: Socket })._socket.pause();
  for (let i = 0; i < 200_000; i++) {
    flooder.send('{"type":"ping"}');
    if (i % 10_000 === 0) await sleepMs(10); // let it drain to the server as it goes
  }
  for (let i = 0; i < 150 && (await streamClients(server.base, CLI_TOKEN)) > 1; i++) await sleepMs(200);
  await sleepMs(2000);
  const report = await watch.stop();
  t.diagnostic(`RSS ${(watch.rssStartBytes / MEGABYTE).toFixed(0)} → max ${(report.rssMaxBytes / MEGABYTE).toFixed(0)} MB`);
  const closed = once(flooder, 'close');
  (flooder as unknown as { _socket: Socket })._socket.resume();
  const [code, reason] = (await closed) as [number, Buffer];
  assert.equal(code, 1008);
  assert.match(String(reason), /^ping flood: over 1000 pings past the limit/);
  const grownMb = (report.rssMaxBytes - watch.rssStartBytes) / MEGABYTE;
  assert.ok(grownMb < 50, `server RSS grew ${grownMb.toFixed(0)} MB`);
  other.send(JSON.stringify({ type: 'ping' }));
  other.send(JSON.stringify({ type: 'select', id: server.selectId }));
  for (let i = 0; i < 100 && !(frames.some((f) => f.code === 'KA_PONG') && frames.some((f) => f.type === 'detail')); i++) await sleepMs(100);
  assert.ok(frames.some((f) => f.code === 'KA_PONG'), 'the other client still gets its pong');
  assert.ok(frames.some((f) => f.type === 'detail'), 'and its detail frames');
});

test('selects over the limit coalesce: the burst is applied, then only the latest', async (t) => {
  const fastify = await buildApp(t);
  const reader = await openStream(fastify as never, AUTH);
  t.after(() => reader.socket.terminate());
  await reader.next(isType('snapshot'));
  const ids = Array.from({ length: 20 }, (_, i) => `gone-${i}`);
  const started = Date.now();
  for (const id of ids) reader.send({ type: 'select', id, intervalMs: 10_000 });
  const seen: string[] = [];
  while (seen.at(-1) !== ids.at(-1)) seen.push((await reader.next(isType('detail'), 5000)).id);
  // The bucket refills by the wall clock: a slow machine may let a middle select through, never more than the refill allows.
  const refilled = Math.ceil(((Date.now() - started) / 1000) * STREAM_LIMITS.selectPerSec);
  assert.deepEqual(seen.slice(0, STREAM_LIMITS.selectBurst), ids.slice(0, STREAM_LIMITS.selectBurst), 'the burst is applied in order');
  assert.equal(seen.at(-1), ids.at(-1), 'the latest is applied');
  const middle = seen.slice(STREAM_LIMITS.selectBurst, -1);
  assert.ok(middle.length <= refilled, `${middle.length} coalesced selects applied in between, ${refilled} refilled`);
  assert.deepEqual(middle, [...middle].sort((a, b) => ids.indexOf(a) - ids.indexOf(b)), 'in order, none twice');
  await sleepMs(1000);
  await assert.rejects(reader.next(isType('detail'), 200), /timed out/, 'nothing else was queued');
});

test('pings over the limit are ignored; a flood of them closes the client (1008) with a reason', async (t) => {
  const fastify = await buildApp(t);
  const reader = await openStream(fastify as never, AUTH);
  t.after(() => reader.socket.terminate());
  await reader.next(isType('snapshot'));
  const sent = STREAM_LIMITS.pingBurst + 100;
  const started = Date.now();
  for (let i = 0; i < sent; i++) reader.send({ type: 'ping' });
  let pongs = 0;
  let lastPongAt = started;
  await assert.rejects(async () => {
    for (;;) {
      if ((await reader.next(isType('error'), 500)).code !== 'KA_PONG') continue;
      pongs++;
      lastPongAt = Date.now();
    }
  }, /timed out/);
  // Bounded by the burst plus what the wall clock refilled while they were handled: an invariant, not a speed.
  const refilled = Math.ceil(((lastPongAt - started) / 1000) * STREAM_LIMITS.pingPerSec);
  assert.ok(pongs >= STREAM_LIMITS.pingBurst && pongs <= STREAM_LIMITS.pingBurst + refilled, `${pongs} pongs for ${sent} pings (${refilled} refilled)`);
  const closed = once(reader.socket, 'close');
  for (let i = 0; i < STREAM_LIMITS.pingFloodAfter; i++) reader.send({ type: 'ping' });
  const [code, reason] = (await closed) as [number, Buffer];
  assert.equal(code, 1008);
  assert.match(String(reason), /ping flood/);
});
