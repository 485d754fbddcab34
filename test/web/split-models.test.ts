/** Each concern's model alone, with plain fakes for what it takes: no DashboardModel, no transport. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ClientFrame, DashboardEvent } from '@keepalive-dashboard/shared';

import { CaptureModel } from '../../web/src/model/capture-model.js';
import { ServerClock } from '../../web/src/model/clock.js';
import { EventsModel } from '../../web/src/model/events-model.js';
import { DETAIL_INTERVAL_MS } from '../../web/src/model/history.js';
import { HostModel } from '../../web/src/model/host-model.js';
import { LabModel } from '../../web/src/model/lab-model.js';
import { LinkModel } from '../../web/src/model/link-model.js';
import { SelectionModel } from '../../web/src/model/selection-model.js';
import { TableModel } from '../../web/src/model/table-model.js';
import { ApiError, type ApiClient } from '../../web/src/transport/api.js';
import { delta, kaView, SETTINGS, snapshot, view } from './views.js';

const noAuth = { failed: () => {}, ok: () => {} };
const noTimers = { setTimer: () => null, clearTimer: () => {} };
const event = (seq: number, at: number, type: DashboardEvent['type']): DashboardEvent => ({ seq, at, type, connectionId: null, summary: `${type} ${seq}`, actor: null });

test('table model: filters and sorts the live set, and a delta touching nothing keeps the rows', () => {
  const sent: ClientFrame[] = [];
  const table = new TableModel({ send: (f) => sent.push(f), ...noTimers, windowed: false });
  table.applySnapshot(snapshot([view({ id: 'a', local: { address: '127.0.0.1', port: 9 } }), view({ id: 'b', local: { address: '127.0.0.1', port: 8 } })]));
  table.setSortSpec({ column: 'local', direction: 'asc' });
  assert.deepEqual(table.getState().table.rows.map((r) => r.id), ['b', 'a']);
  table.setFilter({ port: '9' });
  assert.deepEqual(table.getState().table.rows.map((r) => r.id), ['a']);
  const rows = table.getState().table.rows;
  assert.equal(table.applyDelta(delta({})).size, 0);
  assert.equal(table.getState().table.rows, rows, 'same array: no re-sort for timers counting down');
});

test('selection model: selecting asks the server for detail; the form starts from the defaults it is given', () => {
  const sent: ClientFrame[] = [];
  const target = view({ id: 'x' });
  const selection = new SelectionModel({
    api: {} as Pick<ApiClient, 'retune' | 'kill'>,
    send: (f) => sent.push(f),
    viewById: (id) => (id === 'x' ? target : undefined),
    inCapture: () => false,
    defaultsFor: () => ({ ...SETTINGS, enabled: false, idleSec: 77 }),
  });
  selection.select('x');
  assert.deepEqual(sent[0], { type: 'select', id: 'x', intervalMs: DETAIL_INTERVAL_MS });
  assert.equal(selection.getState().retune.base.idleSec, 77);
  assert.equal(selection.getState().retune.baseKnown, false);
});

test('selection model: a retune updates the form and offers Undo of exactly that change', async () => {
  const before = { ...SETTINGS };
  const after = { ...SETTINGS, idleSec: 30 };
  const target = kaView(1_000_000, 0, 0, before, { id: 'k' });
  const api = { retune: async () => ({ id: 'k', before, after, changed: ['idleSec'] }), kill: async () => ({}) } as unknown as Pick<ApiClient, 'retune' | 'kill'>;
  const selection = new SelectionModel({ api, send: () => {}, viewById: () => target, inCapture: () => false, defaultsFor: () => SETTINGS });
  selection.select('k');
  selection.setRetuneField('idleSec', '30');
  await selection.applyRetune();
  const retune = selection.getState().retune;
  assert.equal(retune.base.idleSec, 30);
  assert.equal(retune.dirty, false);
  assert.equal(retune.lastChange?.connectionId, 'k');
});

test('host model: a 401 is reported to the auth port; the defaults follow the sysctls it fetched', async () => {
  const failures: unknown[] = [];
  const sysctl = { keepaliveTimeSec: 600, keepaliveIntvlSec: 5, keepaliveProbes: 3, netns: null };
  const host = new HostModel({
    api: { health: async () => Promise.reject(new ApiError('KA_ERR_UNAUTHORIZED', 'no', 401)), sysctl: async () => sysctl } as unknown as Pick<ApiClient, 'health' | 'sysctl' | 'putSysctl' | 'history'>,
    clock: new ServerClock(() => 0),
    namespaces: { byInode: () => undefined, refresh: async () => {} },
    pickedNetns: () => undefined,
    auth: { failed: (e) => failures.push(e), ok: () => {} },
    onSysctl: () => {},
    ...noTimers,
  });
  await host.refresh();
  assert.equal(failures.length, 1);
  assert.equal(host.getState().host.error?.code, 'KA_ERR_UNAUTHORIZED');
  assert.equal(host.defaultsFor(null).idleSec, 600);
});

test('events model: stream events and a fetched page merge newest first; a filter starts again from the server', async () => {
  const events = new EventsModel({ api: { events: async () => ({ events: [event(1, 100, 'killed')], next: null }) } as unknown as Pick<ApiClient, 'events'>, auth: noAuth });
  events.add(event(-1, 200, 'appeared'));
  await events.refresh();
  assert.deepEqual(events.getState().events.all.map((e) => e.seq), [-1, 1]);
  events.setFilter({ type: 'killed' });
  await events.refresh();
  assert.deepEqual(events.getState().events.all.map((e) => e.seq), [1], 'the server filters; the held stream event that does not match goes');
});

test('lab model: a failed open is shown as its error and clears pending', async () => {
  const api = { openLabConnection: async () => Promise.reject(new ApiError('KA_ERR_LAB_REFUSED', 'refused', 400)) } as unknown as Pick<ApiClient, 'lab' | 'openLabConnection' | 'openLabListener' | 'closeLab' | 'blackhole'>;
  const lab = new LabModel({ api, auth: noAuth });
  assert.equal(await lab.openConnection('127.0.0.1', 1), null);
  assert.equal(lab.getState().lab.pending, false);
  assert.equal(lab.getState().lab.error?.code, 'KA_ERR_LAB_REFUSED');
});

test('capture model: a server without /api/parse is named; leaving clears the capture', async () => {
  const api = { parseCapture: async () => Promise.reject(new ApiError('KA_ERR_NOT_FOUND', 'no route', 404)) } as unknown as Pick<ApiClient, 'parseCapture'>;
  const capture = new CaptureModel({ api, clock: new ServerClock(() => 0) });
  assert.equal(await capture.load('x.txt', 'State Recv-Q\n'), null);
  assert.match(capture.getState().captureLoad.error?.message ?? '', /cannot parse captures/);
  capture.leave();
  assert.equal(capture.getState().captureLoad.error, null);
});

test('link model: the moment of a loss is kept across retries; a 401 marks unauthorized until ok()', () => {
  let now = 5;
  const link = new LinkModel(() => now);
  link.onStatus({ state: 'open', attempt: 0, retryAt: null, lastClose: null, openedAt: 1 });
  link.onStatus({ state: 'reconnecting', attempt: 1, retryAt: 9, lastClose: null, openedAt: 1 });
  now = 50;
  link.onStatus({ state: 'reconnecting', attempt: 2, retryAt: 90, lastClose: null, openedAt: 1 });
  assert.equal(link.getState().link.lostAt, 5);
  link.failed(new ApiError('KA_ERR_UNAUTHORIZED', 'no', 401));
  assert.equal(link.getState().link.unauthorized, true);
  link.ok();
  assert.equal(link.getState().link.unauthorized, false);
});
