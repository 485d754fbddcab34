/** Link down, windowed: the filter and sort apply to the rows on hand (the server cannot), and the reopened stream asks with them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ClientFrame, ConnectionView, WindowFrame, WindowRequest } from '@keepalive-dashboard/shared';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient } from '../../web/src/transport/api.js';
import type { LinkStatus } from '../../web/src/transport/stream-transport.js';
import { TOTALS, view } from './views.js';

const status = (state: LinkStatus['state'], attempt = 0): LinkStatus => ({ state, attempt, retryAt: null, lastClose: null, openedAt: state === 'open' ? 1 : null });

function harness(healthStatus = 200) {
  const sent: ClientFrame[] = [];
  const timers: (() => void)[] = [];
  const healthCalls: string[] = [];
  const api = new ApiClient(async (url) => {
    if (url === '/api/health') healthCalls.push(url);
    const status = url === '/api/health' ? healthStatus : 404;
    return { ok: false, status, text: async () => JSON.stringify({ code: status === 401 ? 'KA_ERR_UNAUTHORIZED' : 'KA_ERR_NOT_FOUND', message: 'x' }) };
  });
  const model = new DashboardModel({ api, stream: { start: () => {}, stop: () => {}, send: (f) => sent.push(f) }, setTimer: (fn) => timers.push(fn), clearTimer: () => {}, windowed: true });
  const windows = (): WindowRequest[] => sent.filter((f): f is WindowRequest => f.type === 'window');
  return { model, windows, healthCalls, runTimers: () => timers.splice(0).forEach((fn) => fn()) };
}

function frame(request: WindowRequest, rows: ConnectionView[]): WindowFrame {
  return { type: 'window', seq: 1, serverTime: 1_000_000, intervalMs: 1000, readOnly: false, requestId: request.requestId, total: rows.length, offset: 0, ids: rows.map((v) => v.id), rows, totals: { ...TOTALS, connections: 1054 } };
}

const port = (id: string, p: number): ConnectionView => view({ id, local: { address: '127.0.0.1', port: p } });
const ids = (model: DashboardModel): string[] => model.getState().table.rows.map((v) => v.id);

/** Live with rows a (port 9), b (port 8), c (port 9); then the link drops. */
function liveThenDown() {
  const h = harness();
  h.model.onLinkStatus(status('connecting'));
  h.model.onStreamOpen();
  h.model.onLinkStatus(status('open'));
  h.model.onFrame(frame(h.windows()[0] as WindowRequest, [port('a', 9), port('b', 8), port('c', 9)]));
  h.model.onLinkStatus(status('reconnecting', 1));
  return h;
}

test('link down, windowed: a typed filter applies to the rows on hand, said so; cleared, the server\'s rows are back as they were', () => {
  const { model } = liveThenDown();
  model.setFilter({ port: '9' });
  const table = model.getState().table;
  assert.deepEqual([ids(model), table.total, table.known, table.filteredHere], [['a', 'c'], 2, 1054, true]);
  model.setFilter({ port: '' });
  assert.deepEqual([ids(model), model.getState().table.filteredHere], [['a', 'b', 'c'], false]);
});

test('link down, windowed: a sort orders the rows on hand instead of blanking the table', () => {
  const { model } = liveThenDown();
  model.setSortSpec({ column: 'local', direction: 'asc' });
  assert.deepEqual(ids(model), ['b', 'a', 'c']);
  assert.equal(model.getState().table.filteredHere, true);
});

test('link back: the reopened stream asks the server with the filter typed while down; its answer replaces the local one', () => {
  const { model, windows, runTimers } = liveThenDown();
  model.setFilter({ port: '9' });
  runTimers();
  model.onLinkStatus(status('connecting', 1));
  model.onStreamOpen();
  model.onLinkStatus(status('open'));
  const reopened = windows().at(-1) as WindowRequest;
  assert.deepEqual([reopened.filter, reopened.offset], [{ port: 9 }, 0]);
  model.onFrame(frame(reopened, [port('c', 9)]));
  assert.deepEqual([ids(model), model.getState().table.filteredHere], [['c'], false]);
});
