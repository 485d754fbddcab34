import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ClientFrame, ConnectionView, WindowFrame, WindowRequest } from '@keepalive-dashboard/shared';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { FIRST_WINDOW_ROWS } from '../../web/src/model/table-window.js';
import { ApiClient } from '../../web/src/transport/api.js';
import { TOTALS, view } from './views.js';

function harness() {
  const sent: ClientFrame[] = [];
  const timers: (() => void)[] = [];
  const model = new DashboardModel({
    api: new ApiClient(async () => ({ ok: false, status: 404, text: async () => '{"code":"KA_ERR_NOT_FOUND","message":"x"}' })),
    stream: { start: () => {}, stop: () => {}, send: (f) => sent.push(f) },
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => {},
    windowed: true,
  });
  const windows = (): WindowRequest[] => sent.filter((f): f is WindowRequest => f.type === 'window');
  return { model, sent, windows, runTimers: () => timers.splice(0).forEach((fn) => fn()) };
}

function frame(request: WindowRequest, ids: string[], rows: ConnectionView[], total = ids.length, offset = request.offset): WindowFrame {
  return { type: 'window', seq: 1, serverTime: 1_000_000, intervalMs: 1000, readOnly: true, requestId: request.requestId, total, offset, ids, rows, totals: { ...TOTALS, connections: total + 5 } };
}

const ids = (model: DashboardModel): string[] => model.getState().table.rows.map((v) => v.id);

test('windowed: the first window request goes out on open; its frame is the table', () => {
  const { model, windows } = harness();
  model.onStreamOpen();
  const [first] = windows();
  assert.ok(first);
  assert.deepEqual({ offset: first.offset, limit: first.limit, sort: first.sort, filter: first.filter }, { offset: 0, limit: FIRST_WINDOW_ROWS, sort: { column: 'state', direction: 'asc' }, filter: {} });
  assert.equal(model.getState().table.loading, true);
  const a = view({ id: 'a' });
  model.onFrame(frame(first, ['a'], [a], 40_000));
  const table = model.getState().table;
  assert.deepEqual([table.total, table.known, table.offset, ids(model), table.loading], [40_000, 40_005, 0, ['a'], false]);
  assert.equal(model.getState().server.readOnly, true, 'server facts come with the window frame');
});

test('windowed: rows the frame leaves out are the ones held; rows no longer named are dropped', () => {
  const { model, windows } = harness();
  model.onStreamOpen();
  const request = windows()[0] as WindowRequest;
  const [a, b, c] = [view({ id: 'a' }), view({ id: 'b' }), view({ id: 'c' })];
  model.onFrame(frame(request, ['a', 'b', 'c'], [a, b, c]));
  const c2 = { ...c, recvQ: 5 };
  const d = view({ id: 'd' });
  model.onFrame(frame(request, ['b', 'c', 'd'], [c2, d]));
  assert.deepEqual(ids(model), ['b', 'c', 'd']);
  assert.equal(model.getState().table.rows[0], b, 'b kept as held');
  assert.equal(model.getState().table.rows[1]?.recvQ, 5, 'c replaced by its new version');
  // a was dropped: a frame naming it without sending it shows nothing from it on.
  model.onFrame(frame(request, ['a', 'b'], []));
  assert.deepEqual(ids(model), []);
});

test('windowed: scrolling asks for the rows on screen plus overscan, at most once per throttle period', () => {
  const { model, windows, runTimers } = harness();
  model.onStreamOpen();
  model.onFrame(frame(windows()[0] as WindowRequest, [], [], 50_000));
  model.setVisibleRange(0, 30);
  runTimers();
  assert.equal(windows().length, 1, 'the first slice covers the first screen');
  model.setVisibleRange(3000, 3030);
  model.setVisibleRange(5000, 5030);
  runTimers();
  const asked = windows().slice(1);
  assert.equal(asked.length, 1, 'one request for a burst of scroll positions');
  assert.deepEqual([asked[0]?.offset, asked[0]?.limit], [4900, 230], 'the last position, 100 rows either side');
});

test('windowed: a new sort shows placeholders and asks at once; a frame for the old order is not shown', () => {
  const { model, windows } = harness();
  model.onStreamOpen();
  const old = windows()[0] as WindowRequest;
  const [a, b] = [view({ id: 'a' }), view({ id: 'b' })];
  model.onFrame(frame(old, ['a', 'b'], [a, b]));
  model.setSort('peer');
  const next = windows()[1];
  assert.ok(next);
  assert.deepEqual(next.sort, { column: 'peer', direction: 'asc' });
  assert.deepEqual([ids(model), model.getState().table.total], [[], 2], 'placeholders where the rows were');
  model.onFrame(frame(old, ['a', 'b'], [])); // sent before the server read the new request
  assert.deepEqual(ids(model), []);
  model.onFrame(frame(next, ['b', 'a'], []));
  assert.deepEqual(ids(model), ['b', 'a'], 'held rows, in the new order');
});

test('windowed: filter and search go to the server, debounced, and nothing is filtered here', () => {
  const { model, sent, windows, runTimers } = harness();
  model.onStreamOpen();
  model.onFrame(frame(windows()[0] as WindowRequest, ['x'], [view({ id: 'x', state: 'LISTEN' })]));
  model.setFilter({ state: 'ESTABLISHED', search: ' postgres ' });
  assert.deepEqual(ids(model), ['x'], 'the rows stay until the answer');
  runTimers();
  const asked = windows()[1];
  assert.deepEqual([asked?.filter, asked?.search], [{ state: 'ESTABLISHED' }, 'postgres']);
  assert.equal(sent.some((f) => f.type === 'filter'), false);
  runTimers();
  model.setFilter({});
  runTimers();
  assert.equal(windows().length, 2, 'an unchanged query is not sent again');
});

test('windowed: End moves the cursor to the last row once it arrives', () => {
  const { model, windows, runTimers } = harness();
  model.onStreamOpen();
  model.onFrame(frame(windows()[0] as WindowRequest, ['a'], [view({ id: 'a' })], 50_000));
  assert.equal(model.moveCursor('last'), 49_999);
  assert.equal(model.getState().table.cursorId, null);
  model.setVisibleRange(49_970, 50_000);
  runTimers();
  const scrolled = windows()[1] as WindowRequest;
  assert.equal(scrolled.offset + scrolled.limit >= 50_000, true, 'the scroll to the end asks for the last rows');
  model.onFrame(frame(scrolled, ['y', 'z'], [view({ id: 'y' }), view({ id: 'z' })], 50_000, 49_998));
  assert.equal(model.getState().table.cursorId, 'z');
});

test('windowed: a reopened stream asks again with a fresh account of held rows', () => {
  const { model, windows } = harness();
  model.onStreamOpen();
  model.onFrame(frame(windows()[0] as WindowRequest, ['a'], [view({ id: 'a' })]));
  model.onStreamOpen();
  const again = windows()[1] as WindowRequest;
  assert.ok(again.requestId > (windows()[0] as WindowRequest).requestId);
  model.onFrame(frame(again, ['a'], []));
  assert.deepEqual(ids(model), [], 'a row the new socket never sent is not taken from the old one');
});
