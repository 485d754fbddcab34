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
import { test } from 'node:test';

import WebSocket from 'ws';

import type { Connection, ServerFrame } from '@keepalive-dashboard/shared';

import { StreamModel } from '../../bench/soak/model.js';
import { TOKEN, buildApp } from '../helpers/app.js';
import { fakeSourceFactories } from '../helpers/fake-source.js';

// ~4 MB of snapshot against a 256 KiB high-water mark: far behind while it does not read.
const ROWS = 5_000;
const HIGH_WATER_BYTES = 256 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The fake source's rows plus `extra`, which the test grows to make a delta. */
function growingSource(extra: Connection[]) {
  const base = fakeSourceFactories(ROWS).netlink();
  const source = () => ({ name: 'netlink' as const, collect: async () => [...(await base.collect()), ...extra] });
  return { netlink: source, ss: source, netstat: source, proc: source };
}

test('a client behind when the last delta went out gets the newest state once it drains, with no delta after', { timeout: 60_000 }, async (t) => {
  const extra: Connection[] = [];
  const fastify = await buildApp(t, { sourceFactories: growingSource(extra), streamHighWaterBytes: HIGH_WATER_BYTES });
  await fastify.ka.store.collect();
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const { port } = fastify.server.address() as { port: number };

  const model = new StreamModel();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/stream`, { headers: { authorization: `Bearer ${TOKEN}` }, perMessageDeflate: false });
  t.after(() => ws.terminate());
  ws.on('message', (data: Buffer) => model.apply(JSON.parse(data.toString('utf8')) as ServerFrame));
  // Not reading from the first byte: the snapshot fills the client's receive window and waits in the server's send queue.
  const tcp = await new Promise<Socket>((resolve) => ws.once('upgrade', (response: IncomingMessage) => resolve(response.socket.pause())));
  await sleep(500);

  // A new row, published while the client is behind: folded (or a snapshot owed), not sent.
  const [row] = await fakeSourceFactories(1).netlink().collect();
  extra.push({ ...(row as Connection), id: 'ino:42', inode: 42, local: { address: '10.254.0.1', port: 4242 } });
  const delta = await fastify.ka.store.collect();
  assert.ok(delta.added.some((v) => v.id === 'ino:42'), 'the store published the new row');

  // From here the store publishes nothing. The client reads again.
  tcp.resume();
  const deadline = Date.now() + 30_000;
  while (model.seq < delta.seq && Date.now() < deadline) await sleep(100);
  assert.equal(model.seq, delta.seq, `the client stayed at seq ${model.seq} (${model.stats().snapshots} snapshot(s), ${model.stats().deltas} delta(s)); the store is at ${delta.seq}`);
  assert.ok(model.views.has('ino:42'), 'the row added while it was behind is in its model');
  assert.equal(model.stats().inconsistencies, 0, model.stats().problems.join('; '));
});
