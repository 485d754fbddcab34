/**
 * Window mode: a client asks for a slice of the filtered, sorted table and is
 * sent those rows only, kept current. Most tests use a made-up source whose
 * sockets the test changes, so "inside" and "outside" the window are exact;
 * one uses the real kernel where the real socket is the point.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import { isEmptyFilter, matchesFilter, matchesSearch, sortViews, type Connection, type ServerFrame, type WindowRequest } from '@keepalive-dashboard/shared';
import type { SourceFactories } from '@keepalive-dashboard/server/sources/select';

import { AUTH, buildApp, labPair } from '../helpers/app.js';
import { isType, openStream, type FrameReader } from '../helpers/ws.js';

/** N sockets the test can change between collections. */
function mutableSource(count: number): { sockets: Connection[]; factories: SourceFactories } {
  const sockets: Connection[] = Array.from({ length: count }, (_, i) => ({
    id: `ino:${5_000_000 + i}`,
    family: 4,
    state: i % 4 === 0 ? 'TIME_WAIT' : 'ESTABLISHED',
    local: { address: `10.0.${(i >> 8) & 255}.${i & 255}`, port: 1024 + ((i * 7919) % 60_000) },
    peer: { address: '10.255.0.1', port: 5432 },
    inode: 5_000_000 + i,
    cookie: null,
    uid: 1000,
    recvQ: 0,
    sendQ: 0,
    timer: { kind: 'none', remainingMs: 0, count: 0 },
  }));
  const fake = () => ({ name: 'netlink' as const, collect: async () => sockets.map((s) => ({ ...s })) });
  return { sockets, factories: { netlink: fake, ss: fake, netstat: fake, proc: fake } };
}

const request = (overrides: Partial<WindowRequest> = {}): WindowRequest => ({
  type: 'window',
  filter: {},
  sort: { column: 'local', direction: 'asc' },
  offset: 0,
  limit: 50,
  requestId: 1,
  ...overrides,
});

async function windowed(t: TestContext, count: number) {
  const source = mutableSource(count);
  const fastify = await buildApp(t, { sourceFactories: source.factories, processIntervalMs: 600_000 });
  await fastify.ka.store.collect();
  const reader = await openStream(fastify as never, AUTH, '/api/stream?view=window');
  t.after(() => reader.socket.terminate());
  return { fastify, reader, sockets: source.sockets };
}

const isWindow = isType('window');

/** Every frame up to the answer to a ping: what the server sent meanwhile, in order. */
async function framesUntilPong(reader: FrameReader): Promise<ServerFrame[]> {
  const seen: ServerFrame[] = [];
  reader.send({ type: 'ping' });
  await reader.next((f) => {
    seen.push(f);
    return f.type === 'error' && f.code === 'KA_PONG';
  });
  return seen.slice(0, -1);
}

test('a window holds the rows a full sort of the filtered table puts there, in that order', async (t) => {
  const { fastify, reader } = await windowed(t, 2000);
  const all = fastify.ka.store.snapshot().connections;
  const asks: Partial<WindowRequest>[] = [
    { sort: { column: 'local', direction: 'desc' }, offset: 700, limit: 120 },
    { sort: { column: 'state', direction: 'asc' }, offset: 0, limit: 500, filter: { state: 'TIME_WAIT' } },
    { sort: { column: 'peer', direction: 'asc' }, offset: 30, limit: 40, search: '10.0.3.' },
  ];
  for (const [n, ask] of asks.entries()) {
    const r = request({ ...ask, requestId: n + 10 });
    reader.send(r);
    const frame = await reader.next((f) => f.type === 'window' && f.requestId === r.requestId);
    assert.ok(frame.type === 'window');
    const expected = sortViews(all.filter((v) => (isEmptyFilter(r.filter) || matchesFilter(v, r.filter)) && matchesSearch(v, r.search ?? '')), r.sort);
    assert.equal(frame.total, expected.length);
    assert.deepEqual(frame.ids, expected.slice(r.offset, r.offset + r.limit).map((v) => v.id), JSON.stringify(ask));
  }
});

test('a window client gets no snapshot or delta, and only rows it does not already hold', async (t) => {
  const { fastify, reader } = await windowed(t, 300);
  reader.send(request({ offset: 0, limit: 100 }));
  const first = await reader.next(isWindow);
  assert.equal(first.rows.length, 100);
  reader.send(request({ offset: 50, limit: 100, requestId: 2 }));
  const scrolled = await reader.next(isWindow);
  assert.deepEqual(scrolled.ids.slice(0, 50), first.ids.slice(50), 'the slice moved by 50 rows');
  assert.deepEqual(scrolled.rows.map((v) => v.id), scrolled.ids.slice(50), 'only the 50 rows new to the client are sent');
  await fastify.ka.store.collect();
  const meanwhile = await framesUntilPong(reader);
  assert.deepEqual(meanwhile.filter((f) => f.type === 'snapshot' || f.type === 'delta'), []);
});

test('a change inside the window arrives; one outside it and an idle store send nothing', async (t) => {
  const { fastify, reader, sockets } = await windowed(t, 400);
  reader.send(request({ offset: 0, limit: 20 }));
  const first = await reader.next(isWindow);
  await fastify.ka.store.collect();
  assert.deepEqual((await framesUntilPong(reader)).filter(isWindow), [], 'nothing changed: nothing sent');
  const outside = sockets.find((s) => !first.ids.includes(s.id) && s.state === 'ESTABLISHED');
  assert.ok(outside);
  outside.recvQ = 7;
  await fastify.ka.store.collect();
  assert.deepEqual((await framesUntilPong(reader)).filter(isWindow), [], 'a change below the window is not sent');
  const inside = sockets.find((s) => s.id === first.ids[5]);
  assert.ok(inside);
  inside.recvQ = 9;
  await fastify.ka.store.collect();
  const changed = await reader.next(isWindow);
  assert.deepEqual(changed.ids, first.ids, 'same rows, same order');
  assert.deepEqual(changed.rows.map((v) => [v.id, v.recvQ]), [[inside.id, 9]], 'just the changed row');
});

test('rows moving into and out of the window, and the total, follow a filtered window', async (t) => {
  const { fastify, reader, sockets } = await windowed(t, 400);
  reader.send(request({ filter: { state: 'TIME_WAIT' }, limit: 10 }));
  const first = await reader.next(isWindow);
  assert.equal(first.total, 100);
  // The first TIME_WAIT row closes; an ESTABLISHED one sorting first of all turns TIME_WAIT.
  const leaving = sockets.findIndex((s) => s.id === first.ids[0]);
  sockets.splice(leaving, 1);
  const arriving = sockets.find((s) => s.state === 'ESTABLISHED' && s.local.address === '10.0.0.1');
  assert.ok(arriving);
  arriving.state = 'TIME_WAIT';
  arriving.local = { address: '10.0.0.0', port: 1 };
  await fastify.ka.store.collect();
  const next = await reader.next(isWindow);
  assert.equal(next.total, 100);
  assert.equal(next.ids[0], arriving.id);
  assert.deepEqual(next.ids.slice(1), first.ids.slice(1));
  assert.deepEqual(next.rows.map((v) => v.id), [arriving.id]);
});

test('bad window frames get an error frame and change nothing', async (t) => {
  const { reader } = await windowed(t, 50);
  reader.send(request({ limit: 10 }));
  await reader.next(isWindow);
  const bad: [unknown, RegExp][] = [
    [{ ...request(), limit: 501 }, /window frame: limit/],
    [{ ...request(), offset: -1 }, /window frame: offset/],
    [{ ...request(), sort: { column: 'nope', direction: 'asc' } }, /window frame: sort/],
    [{ ...request(), filter: { port: 'x' } }, /window frame: filter/],
    [{ ...request(), extra: true }, /window frame/],
    [{ type: 'window' }, /window frame/],
  ];
  for (const [frame, message] of bad) {
    reader.send(frame);
    const error = await reader.next(isType('error'));
    assert.equal(error.code, 'KA_ERR_BAD_REQUEST');
    assert.match(error.message, message, JSON.stringify(frame));
  }
  assert.deepEqual((await framesUntilPong(reader)).filter(isWindow), [], 'no window was changed by a refused frame');
});

test('at 20 000 rows a window client is sent at most its limit of rows per frame', async (t) => {
  const { fastify, reader, sockets } = await windowed(t, 20_000);
  const frames: ServerFrame[] = [];
  reader.socket.on('message', (data: Buffer) => frames.push(JSON.parse(String(data)) as ServerFrame));
  // Scrolling: a client short of room is sent only the newest slice once it drains.
  for (const [i, offset] of [0, 5000, 19_900].entries()) reader.send(request({ offset, limit: 200, requestId: i, sort: { column: 'rtt', direction: 'desc' } }));
  const last = await reader.next((f) => f.type === 'window' && f.requestId === 2);
  assert.ok(last.type === 'window' && last.ids.length === 100, 'the last 100 of 20 000 rows');
  for (const s of sockets) s.recvQ = 1; // every row changes
  await fastify.ka.store.collect();
  const update = await reader.next(isWindow);
  assert.equal(update.rows.length, 100, 'the changed rows of the window, not of the table');
  const windows = frames.filter(isWindow);
  for (const w of windows) assert.ok(w.rows.length <= 200 && w.ids.length <= 200 && w.total === 20_000, `${w.rows.length} rows of ${w.total}`);
  assert.equal(frames.filter((f) => f.type === 'snapshot' || f.type === 'delta').length, 0);
});

test('a filter frame takes a window client back to snapshots and deltas', async (t) => {
  const { reader } = await windowed(t, 30);
  reader.send(request());
  await reader.next(isWindow);
  reader.send({ type: 'filter', filter: { state: 'TIME_WAIT' } });
  const snapshot = await reader.next(isType('snapshot'));
  assert.equal(snapshot.connections.length, 8);
});

test('real sockets: a lab connection retuned in a port-filtered window arrives changed', async (t) => {
  const fastify = await buildApp(t);
  const { port, connectionId } = await labPair(fastify);
  const reader = await openStream(fastify as never, AUTH, '/api/stream?view=window');
  t.after(() => reader.socket.terminate());
  reader.send(request({ filter: { port }, sort: { column: 'state', direction: 'asc' } }));
  const first = await reader.next(isWindow);
  assert.ok(first.ids.includes(connectionId), 'the lab connection is in the window');
  assert.ok(first.rows.every((v) => v.local.port === port || v.peer.port === port));
  await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 77 } });
  await fastify.ka.store.collect();
  const changed = await reader.next((f) => f.type === 'window' && f.rows.some((v) => v.id === connectionId && v.keepalive?.idleSec === 77), 10_000);
  assert.ok(changed.type === 'window' && changed.rows.length < first.ids.length, 'only the changed rows come again');
});
