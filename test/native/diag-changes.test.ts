import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test, type TestContext } from 'node:test';

import { createTcpSocketDiffer, getTcpInfo, loadAddon, setKeepalive, type TcpSocketDiffer } from '@keepalive-dashboard/native';

import { live, socketsOnPort } from '../helpers/diag.js';
import { openPair, sleep } from '../helpers/loopback.js';

// Generous: on a loaded machine the worker thread can be preempted between a
// datagram's stamp and its fill; still far below the 700 ms sleeps below.
const TOLERANCE_MS = 200;

function differ(t: TestContext): TcpSocketDiffer {
  const d = createTcpSocketDiffer();
  t.after(() => d.close());
  return d;
}

/** Our sockets (listener on `port` and its connections) among a sweep's changed rows, as "local>peer". */
async function changedOn(d: TcpSocketDiffer, port: number): Promise<string[]> {
  const { changed } = await d.sweep(TOLERANCE_MS);
  return live(socketsOnPort(port, changed)).map((s) => `${s.local.port}>${s.peer.port}`).sort();
}

test('a first sweep reports our sockets, an immediate second one none of them, reset() all again', async (t) => {
  const { port } = await openPair(t);
  const d = differ(t);
  const first = await d.sweep(TOLERANCE_MS);
  assert.equal(live(socketsOnPort(port, first.changed)).length, 3);
  assert.ok(first.total >= 3 && first.dumpMs >= 0, `${first.total} sockets in ${first.dumpMs} ms`);
  assert.deepEqual(await changedOn(d, port), []);
  d.reset();
  assert.equal((await changedOn(d, port)).length, 3);
  assert.deepEqual(await changedOn(d, port), []);
});

test('data on one connection reports exactly its two ends', async (t) => {
  const one = await openPair(t);
  await connectAnother(t, one.server, one.port);
  const d = differ(t);
  await d.sweep(TOLERANCE_MS);
  assert.deepEqual(await changedOn(d, one.port), []);
  one.client.write('x');
  await once(one.accepted, 'data');
  const ends = [`${one.client.localPort}>${one.port}`, `${one.port}>${one.client.localPort}`].sort();
  assert.deepEqual(await changedOn(d, one.port), ends);
});

/** A second client on the same listener, so "exactly" has something to exclude; accepted, so the backlog is still. */
async function connectAnother(t: TestContext, server: net.Server, port: number): Promise<void> {
  const accepted = once(server, 'connection');
  const client = net.connect(port, '127.0.0.1').on('error', () => {});
  t.after(() => client.destroy());
  await Promise.all([once(client, 'connect'), accepted]);
}

test('a reset connection: both cookies come back in removed, once', async (t) => {
  const { client, accepted, port } = await openPair(t);
  const d = differ(t);
  const cookies = socketsOnPort(port, (await d.sweep(TOLERANCE_MS)).changed)
    .filter((s) => s.state === 'ESTABLISHED')
    .map((s) => s.cookie);
  assert.equal(cookies.length, 2);
  const closed = new Promise((resolve) => accepted.once('close', resolve)); // once() would reject on its ECONNRESET
  client.resetAndDestroy();
  await closed;
  const { removed, changed } = await d.sweep(TOLERANCE_MS);
  assert.deepEqual(removed.filter((c) => cookies.includes(c)).sort(), [...cookies].sort());
  assert.deepEqual(live(socketsOnPort(port, changed)), []);
  assert.deepEqual((await d.sweep(TOLERANCE_MS)).removed.filter((c) => cookies.includes(c)), []);
});

test('a graceful close: the TIME-WAIT socket keeps its cookie and is reported changed, not removed', async (t) => {
  const { client, port } = await openPair(t);
  const d = differ(t);
  const localPort = client.localPort; // undefined once closed
  const cookie = socketsOnPort(port, (await d.sweep(TOLERANCE_MS)).changed).find((s) => s.local.port === localPort)?.cookie;
  client.end();
  await once(client, 'close');
  const { changed, removed } = await d.sweep(TOLERANCE_MS);
  const tw = socketsOnPort(port, changed).find((s) => s.local.port === localPort);
  assert.deepEqual([tw?.state, tw?.cookie, removed.includes(cookie ?? '')], ['TIME_WAIT', cookie, false]);
});

test('a running keepalive timer is not a change; the probe that re-arms it is', async (t) => {
  const { client, port } = await openPair(t);
  setKeepalive(client, { enabled: true, idleSec: 5, intervalSec: 1 });
  const segsOut = getTcpInfo(client).segsOut ?? 0;
  const d = differ(t);
  await d.sweep(TOLERANCE_MS);
  await sleep(700);
  assert.deepEqual(await changedOn(d, port), []);
  // The timer's remainingMs fell by ≥ 700 ms between the sweeps; no probe went out yet.
  assert.equal(getTcpInfo(client).segsOut, segsOut, 'a probe went out early: this host paused us for 5 s');
  const deadline = Date.now() + 30_000;
  while ((getTcpInfo(client).segsOut ?? 0) === segsOut && Date.now() < deadline) await sleep(100);
  assert.ok((await changedOn(d, port)).includes(`${client.localPort}>${port}`));
});

test('sweeps of one differ run one after another; the raw addon refuses an overlapping one with EBUSY', async (t) => {
  const { port } = await openPair(t);
  const d = differ(t);
  const [a, b] = await Promise.all([d.sweep(TOLERANCE_MS), d.sweep(TOLERANCE_MS)]);
  assert.deepEqual([live(socketsOnPort(port, a.changed)).length, live(socketsOnPort(port, b.changed)).length], [3, 0]);
  const raw = loadAddon();
  const handle = raw.tcpDiffCreate!();
  t.after(() => raw.tcpDiffClose!(handle));
  const running = raw.tcpDiffSweepAsync!(handle, TOLERANCE_MS, false);
  assert.throws(() => raw.tcpDiffSweepAsync!(handle, TOLERANCE_MS, false), { code: 'EBUSY' });
  await running;
  d.close();
  await assert.rejects(d.sweep(TOLERANCE_MS), { code: 'ERR_DIFFER_CLOSED' });
  await assert.rejects(d.sweep(-1), RangeError);
});

test('a retune that moves the keepalive timer is a change, with nothing else on the socket moving', async (t) => {
  const { client, port } = await openPair(t);
  setKeepalive(client, { enabled: true, idleSec: 60 });
  const d = differ(t);
  await d.sweep(TOLERANCE_MS);
  setKeepalive(client, { idleSec: 30 });
  const [row] = socketsOnPort(port, (await d.sweep(TOLERANCE_MS)).changed);
  assert.deepEqual([row?.local.port, row?.timer.kind], [client.localPort, 'keepalive']);
  assert.ok((row?.timer.remainingMs ?? 0) <= 30_000, `${row?.timer.remainingMs} ms`);
});
