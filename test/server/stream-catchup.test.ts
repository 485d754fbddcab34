/**
 * A stream client that fell behind is owed the newest state (a folded delta
 * or a fresh snapshot). It must get it once it drains, whether or not the
 * store publishes again: a host where nothing changes publishes no delta
 * between sweeps, and a sweep may be seconds away — or, with the collector
 * stopped, never come. A real port, so the server sees the kernel's send
 * queue fill while the client does not read.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';

import WebSocket from 'ws';

import type { Connection, ServerFrame } from '@keepalive-dashboard/shared';

import { StreamModel } from '../../bench/soak/model.js';
import { TOKEN, buildApp } from '../helpers/app.js';
import { fakeSourceFactories } from '../helpers/fake-source.js';

// ~4 MB of snapshot against a 256 KiB high-water mark: far behind while it does not read.
const ROWS = 5_000;
const HIGH_WATER_BYTES = 256 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A made-up row the test adds to the table, to make a delta. */
async function newRow(n: number): Promise<Connection> {
  const [row] = await fakeSourceFactories(1).netlink().collect();
  return { ...(row as Connection), id: `ino:${n}`, inode: n, local: { address: '10.254.0.1', port: n } };
}

/**
 * The app on a real port with the fake source's rows plus `extra` (which a
 * test grows), collected once, and one stream client that does not read
 * from its first byte: the snapshot fills its receive window and waits in the
 * server's send queue. `tcp.resume()` lets it read.
 */
async function behindClient(t: TestContext) {
  const extra: Connection[] = [];
  const base = fakeSourceFactories(ROWS).netlink();
  const source = () => ({ name: 'netlink' as const, collect: async () => [...(await base.collect()), ...extra] });
  const fastify = await buildApp(t, { sourceFactories: { netlink: source, ss: source, netstat: source, proc: source }, streamHighWaterBytes: HIGH_WATER_BYTES });
  await fastify.ka.store.collect();
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const { port } = fastify.server.address() as { port: number };
  const model = new StreamModel();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/stream`, { headers: { authorization: `Bearer ${TOKEN}` }, perMessageDeflate: false });
  t.after(() => ws.terminate());
  ws.on('message', (data: Buffer) => model.apply(JSON.parse(data.toString('utf8')) as ServerFrame));
  const tcp = await new Promise<Socket>((resolve) => ws.once('upgrade', (response: IncomingMessage) => resolve(response.socket.pause())));
  return { store: fastify.ka.store, extra, model, tcp };
}

/** Waits (generously: a loaded machine) until the model is at `seq`; says where it stopped if it never gets there. */
async function untilSeq(model: StreamModel, seq: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (model.seq < seq && Date.now() < deadline) await sleep(100);
  const { snapshots, deltas, foldedDeltas } = model.stats();
  assert.equal(model.seq, seq, `the client stayed at seq ${model.seq} (${snapshots} snapshot(s), ${deltas} delta(s), ${foldedDeltas} folded); the store is at ${seq}`);
}

test('a client behind when the last delta went out gets the newest state once it drains, with no delta after', { timeout: 60_000 }, async (t) => {
  const { store, extra, model, tcp } = await behindClient(t);
  await sleep(500);
  // Published while the client is behind: folded (or a snapshot owed), not sent.
  extra.push(await newRow(42));
  const delta = await store.collect();
  assert.ok(delta.added.some((v) => v.id === 'ino:42'), 'the store published the new row');

  // From here the store publishes nothing. The client reads again.
  tcp.resume();
  await untilSeq(model, delta.seq);
  assert.ok(model.views.has('ino:42'), 'the row added while it was behind is in its model');
  assert.equal(model.stats().inconsistencies, 0, model.stats().problems.join('; '));
});

test('a client that reads nothing for a few seconds, far under the stall time, is caught up by a folded delta, not sent the whole table again', { timeout: 60_000 }, async (t) => {
  const { store, extra, model, tcp } = await behindClient(t);
  // A browser busy parsing on a loaded machine: several watch periods (1 s) without reading, deltas going out meanwhile.
  for (let n = 1; n <= 6; n++) {
    await sleep(500);
    extra.push(await newRow(n));
    await store.collect();
  }
  tcp.resume();
  await untilSeq(model, store.snapshot().seq);
  const { snapshots, foldedDeltas, inconsistencies, problems } = model.stats();
  assert.equal(snapshots, 1, `sent the whole table ${snapshots - 1} more time(s) for a 3 s pause`);
  assert.ok(foldedDeltas >= 1, 'caught up without a folded delta: the client was never behind, the test tested nothing');
  assert.equal(inconsistencies, 0, problems.join('; '));
});
