import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

import type { HistoryPage, Totals } from '@keepalive-dashboard/shared';
import { PointRing, TotalsHistory } from '@keepalive-dashboard/server/collector/history';

import { AUTH, buildApp } from '../helpers/app.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const totals = (n: number): Totals => ({ connections: n, byState: { ESTABLISHED: n }, keepaliveOn: n, keepaliveOff: 0, probing: 0 });

/** A history on an injected clock: `at(ms)` moves it. */
function clocked(options: { seconds?: number; minutes?: number } = {}): { history: TotalsHistory; at: (ms: number) => void } {
  let now = T0;
  const history = new TotalsHistory({ now: () => now, namespaceCount: () => 1, ...options });
  return { history, at: (ms) => (now = T0 + ms) };
}

test('history: the 1 s ring keeps the newest hour and its memory is fixed from the start', () => {
  const { history, at } = clocked();
  const bytes = history.bytes;
  assert.equal(bytes, (3600 + 1440) * PointRing.bytesPerPoint);
  assert.ok(PointRing.bytesPerPoint <= 100, `${PointRing.bytesPerPoint} B a point`);
  for (let s = 0; s < 5000; s++) {
    at(s * 1000);
    history.record(totals(s));
  }
  const points = history.points('1s');
  assert.equal(points.length, 3600);
  assert.deepEqual([points[0]?.at, points.at(-1)?.at], [T0 + 1400_000, T0 + 4999_000], 'oldest overwritten first, newest last');
  assert.equal(points.at(-1)?.connections, 4999);
  assert.equal(history.bytes, bytes);
});

test('history: never more than one point a second, the newest totals win', () => {
  const { history, at } = clocked();
  for (const [ms, n] of [[0, 1], [300, 2], [999, 3], [1000, 4], [1700, 5]] as const) {
    at(ms);
    history.record(totals(n));
  }
  const points = history.points('1s');
  assert.deepEqual(points.map((p) => [p.at - T0, p.connections, p.byState.ESTABLISHED]), [[0, 3, 3], [1000, 5, 5]]);
  assert.equal(points[0]?.namespaces, 1);
});

test('history: since= returns only the points after it', () => {
  const { history, at } = clocked();
  for (let s = 0; s < 10; s++) {
    at(s * 1000);
    history.record(totals(s));
  }
  assert.deepEqual(history.points('1s', T0 + 6000).map((p) => p.connections), [7, 8, 9]);
  assert.deepEqual(history.points('1s', T0 + 60_000), []);
});

test('history: 1m points are the rounded mean of their seconds, the minute still filling last', () => {
  const { history, at } = clocked();
  for (let s = 0; s <= 120; s++) {
    at(s * 1000 + 250);
    history.record({ ...totals(s), probing: s % 2, byState: { ESTABLISHED: s, TIME_WAIT: 10 } });
  }
  const minutes = history.points('1m');
  assert.deepEqual(
    minutes.map((p) => [p.at - T0, p.samples, p.connections, p.probing, p.byState.TIME_WAIT]),
    [[0, 60, 30, 1, 10], [60_000, 60, 90, 1, 10], [120_000, 1, 120, 0, 10]],
  );
  assert.deepEqual(history.points('1m', T0 + 60_000).map((p) => p.at - T0), [120_000]);
});

test('history: the 1m ring keeps its newest points too', () => {
  const { history, at } = clocked({ seconds: 10, minutes: 3 });
  for (let m = 0; m < 6; m++) {
    at(m * 60_000);
    history.record(totals(m));
  }
  assert.deepEqual(history.points('1m').map((p) => p.connections), [2, 3, 4, 5]);
});

test('GET /api/history: a quiet host still gets a point each second, filtered by since and resolution', async (t) => {
  const fastify = await buildApp(t);
  await fastify.ka.store.collect();
  await sleep(3500);
  const get = async (query: string): Promise<HistoryPage> => {
    const res = await fastify.inject({ url: `/api/history${query}`, headers: AUTH });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as HistoryPage;
  };
  const page = await get('');
  assert.equal(page.resolution, '1s');
  assert.ok(page.points.length >= 2, `${page.points.length} points after 3.5 s without a delta`);
  const seconds = page.points.map((p) => p.at);
  assert.deepEqual(seconds, [...new Set(seconds)].sort((a, b) => a - b), 'one point per second, oldest first');
  assert.equal(page.points.at(-1)?.connections, fastify.ka.store.snapshot().totals.connections);
  // A timer point may land between two requests: newer ones may follow, never older.
  assert.equal((await get(`?since=${seconds.at(-2)}`)).points[0]?.at, seconds.at(-1));
  const minutes = await get('?resolution=1m');
  assert.ok(minutes.points.length <= 2 && minutes.points.length >= 1);
  assert.ok(minutes.points.reduce((sum, p) => sum + p.samples, 0) >= page.points.length, 'every second counted in its minute');
  const bad = await fastify.inject({ url: '/api/history?resolution=5s', headers: AUTH });
  assert.equal(bad.statusCode, 400);
  assert.match((bad.json() as { message: string }).message, /resolution must be one of 1s, 1m/);
});

test('GET /api/history needs the credential', async (t) => {
  const fastify = await buildApp(t);
  assert.equal((await fastify.inject({ url: '/api/history' })).statusCode, 401);
});
