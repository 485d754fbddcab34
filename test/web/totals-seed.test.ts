import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { HistoryPage } from '@keepalive-dashboard/shared';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient, type FetchLike } from '../../web/src/transport/api.js';
import { snapshot } from './views.js';

function modelWith(history: HistoryPage): { model: DashboardModel; answer: () => void } {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const fetchFn: FetchLike = async (url) => {
    if (url !== '/api/history') return { ok: false, status: 404, text: async () => '{"code":"KA_ERR_NOT_FOUND","message":"no"}' };
    await held;
    return { ok: true, status: 200, text: async () => JSON.stringify(history) };
  };
  const model = new DashboardModel({ api: new ApiClient(fetchFn), stream: { start: () => {}, stop: () => {}, send: () => {} }, localNow: () => 0, setTimer: () => 0, clearTimer: () => {} });
  return { model, answer: release };
}

const point = (at: number, connections: number): HistoryPage['points'][number] => ({ at, connections, byState: { ESTABLISHED: connections }, keepaliveOn: 0, keepaliveOff: 0, probing: 0, namespaces: 1, samples: 1 });
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

test('a new tab seeds its totals chart from /api/history, before the samples the stream brought meanwhile', async () => {
  const { model, answer } = modelWith({ serverTime: 1_000_000, resolution: '1s', points: [point(997_000, 7), point(998_000, 8), point(1_000_000, 9)] });
  model.start();
  model.onFrame(snapshot([], 1_000_000));
  answer();
  await settle();
  const history = model.getState().host.totalsHistory;
  assert.deepEqual(history.map((s) => [s.t, s.connections, s.established]), [[997_000, 7, 7], [998_000, 8, 8], [1_000_000, 0, 0]], 'kept points older than the live one, then the live one');
  model.stop();
});
