import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ClientFrame, KeepalivePatch } from '@keepalive-dashboard/shared';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient, type FetchLike } from '../../web/src/transport/api.js';
import { delta, kaView, SETTINGS, snapshot, view } from './views.js';

interface Call {
  method: string;
  url: string;
  body: unknown;
}

type Route = (call: Call) => { status: number; body: unknown } | undefined;

function harness(route: Route = () => undefined) {
  const calls: Call[] = [];
  const fetchFn: FetchLike = async (url, init) => {
    const call = { method: init.method, url, body: init.body ? JSON.parse(init.body) : undefined };
    calls.push(call);
    const answer = route(call) ?? defaults(call);
    return { ok: answer.status < 400, status: answer.status, text: async () => JSON.stringify(answer.body) };
  };
  const sent: ClientFrame[] = [];
  const timers: (() => void)[] = [];
  let local = 1_000_000;
  const model = new DashboardModel({
    api: new ApiClient(fetchFn),
    stream: { start: () => {}, stop: () => {}, send: (f) => sent.push(f) },
    localNow: () => local,
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => {},
  });
  return {
    model,
    calls,
    sent,
    runTimers: () => timers.splice(0).forEach((fn) => fn()),
    advance: (ms: number) => (local += ms),
  };
}

function defaults(call: Call): { status: number; body: unknown } {
  if (call.url.startsWith('/api/events')) return { status: 200, body: { events: [], next: null } };
  if (call.url === '/api/lab') return { status: 200, body: { entries: [], labAnyAddress: false } };
  return { status: 404, body: { code: 'KA_ERR_NOT_FOUND', message: `no route ${call.method} ${call.url}` } };
}

test('snapshots and deltas become sorted, filtered rows; totals are kept over time', () => {
  const { model } = harness();
  const a = view({ id: 'a', state: 'LISTEN' });
  const b = view({ id: 'b' });
  model.onFrame(snapshot([b, a]));
  assert.equal(model.getState().table.loading, false);
  assert.deepEqual(model.getState().table.rows.map((v) => v.id), ['b', 'a'], 'ESTABLISHED sorts before LISTEN');
  model.setSort('state');
  assert.deepEqual(model.getState().table.rows.map((v) => v.id), ['a', 'b']);
  model.onFrame(delta({ added: [view({ id: 'c', state: 'CLOSE_WAIT' })], removed: ['a'] }));
  assert.deepEqual(model.getState().table.rows.map((v) => v.id), ['b', 'c']);
  assert.equal(model.getState().host.totalsHistory.length, 2);
});

test('a slice keeps its identity until it changes (views re-render only then)', () => {
  const { model } = harness();
  model.onFrame(snapshot([view()]));
  const events = model.getState().events;
  const table = model.getState().table;
  model.onFrame({ type: 'error', serverTime: 1, code: 'KA_ERR_BAD_REQUEST', message: 'x' });
  assert.equal(model.getState().events, events);
  assert.equal(model.getState().table, table);
  assert.deepEqual(model.getState().server.lastError, { code: 'KA_ERR_BAD_REQUEST', message: 'x' });
  model.onFrame({ type: 'error', serverTime: 1, code: 'KA_PONG', message: 'pong' });
  assert.equal(model.getState().server.lastError?.code, 'KA_ERR_BAD_REQUEST', 'a pong is not an error');
});

test('the filter applies at once here and, debounced, on the server', () => {
  const { model, sent, runTimers } = harness();
  model.onFrame(snapshot([view({ id: 'x', state: 'LISTEN' }), view({ id: 'y' })]));
  model.setFilter({ state: 'LISTEN' });
  model.setFilter({ port: '22' });
  model.setFilter({ port: '' });
  assert.deepEqual(model.getState().table.rows.map((v) => v.id), ['x']);
  assert.equal(sent.length, 0);
  runTimers();
  assert.deepEqual(sent, [{ type: 'filter', filter: { state: 'LISTEN' } }]);
  model.setFilter({ search: 'nothing-matches' });
  runTimers();
  assert.equal(sent.length, 1, 'search is local: the server filter did not change');
  assert.equal(model.getState().table.rows.length, 0);
});

test('keyboard: arrows move the cursor, Enter selects, select(null) closes', () => {
  const { model, sent } = harness();
  model.onFrame(snapshot([view({ id: 'a' }), view({ id: 'b' }), view({ id: 'c' })]));
  assert.equal(model.moveCursor(1), 0);
  assert.equal(model.moveCursor(1), 1);
  assert.equal(model.moveCursor('last'), 2);
  assert.equal(model.moveCursor(5), 2);
  assert.equal(model.moveCursor(-1), 1);
  model.openCursor();
  assert.equal(model.getState().selection?.id, 'b');
  assert.deepEqual(sent.at(-1), { type: 'select', id: 'b', intervalMs: 500 });
  model.select(null);
  assert.equal(model.getState().selection, null);
  assert.deepEqual(sent.at(-1), { type: 'select', id: null });
});

test('detail frames feed the timeline and a jump of the countdown counts as a re-arm', () => {
  const { model } = harness();
  const now = 1_000_000;
  const v = kaView(now, 20_000, 0, SETTINGS, { id: 'k' });
  model.onFrame(snapshot([v], now));
  model.select('k');
  model.onFrame({ type: 'detail', serverTime: now + 500, id: 'k', tcpInfo: { rtt: 1500, probes: 0 }, connection: v, error: null });
  model.onFrame({ type: 'detail', serverTime: now + 1000, id: 'k', tcpInfo: { rtt: 1500, probes: 0 }, connection: v, error: null });
  const history = model.getState().selection?.history ?? [];
  assert.equal(history.length, 2);
  assert.deepEqual(history[0], { t: now + 500, probesOut: 0, rttMs: 1.5, nextProbeS: 39.5 });
  assert.equal(model.getState().selection?.rearms, 0);
  // The peer answered: last receive is now, the timer re-armed to a full idle.
  const rearmed = kaView(now + 2000, 0, 0, SETTINGS, { id: 'k' });
  model.onFrame(delta({ changed: [rearmed] }, now + 2000, 2));
  assert.equal(model.getState().selection?.rearms, 1);
  assert.equal(model.getState().selection?.view, rearmed);
  // A probe going out moves the next one by an interval: not a re-arm.
  model.onFrame(delta({ changed: [kaView(now + 62_000, 61_000, 1, SETTINGS, { id: 'k' })] }, now + 62_000, 3));
  assert.equal(model.getState().selection?.rearms, 1);
  model.onFrame({ type: 'detail', serverTime: now + 2500, id: 'other', tcpInfo: null, connection: null, error: null });
  assert.equal(model.getState().selection?.history.length, 2, 'frames for another id are ignored');
  model.onFrame({ type: 'detail', serverTime: now + 3000, id: 'k', tcpInfo: null, connection: null, error: { code: 'KA_ERR_SOCKET_GONE', message: 'the connection is gone' } });
  assert.equal(model.getState().selection?.gone, true);
});

test('Apply sends only what changed, shows before → after, and Undo reverses it', async () => {
  const patches: KeepalivePatch[] = [];
  let current = { ...SETTINGS };
  const { model, calls } = harness((call) => {
    if (call.method !== 'PATCH') return undefined;
    assert.equal(call.url, '/api/connections/k/keepalive');
    const patch = call.body as KeepalivePatch;
    patches.push(patch);
    const before = current;
    current = { ...current, ...patch };
    return { status: 200, body: { before, after: current } };
  });
  model.onFrame(snapshot([kaView(1_000_000, 0, 0, SETTINGS, { id: 'k' })]));
  model.select('k');
  assert.equal(model.getState().retune.draft.idleSec, '60');
  model.setRetuneField('idleSec', '0');
  assert.match(model.getState().retune.check.errors.idleSec ?? '', /got 0/);
  await model.applyRetune();
  assert.equal(patches.length, 0, 'an invalid form is not sent');
  model.setRetuneField('idleSec', '600');
  assert.equal(model.getState().retune.check.deadAfterMs, 660_000);
  await model.applyRetune();
  assert.deepEqual(patches, [{ idleSec: 600 }]);
  const retune = model.getState().retune;
  assert.deepEqual(retune.result, { before: SETTINGS, after: { ...SETTINGS, idleSec: 600 } });
  assert.equal(retune.dirty, false);
  assert.equal(retune.draft.idleSec, '600');
  await model.undo();
  assert.deepEqual(patches[1], { idleSec: 60 });
  assert.equal(model.getState().retune.lastChange, null);
  assert.ok(calls.every((c) => !c.url.includes('token')));
});

test('server errors are shown as the server sent them', async () => {
  const { model } = harness((call) =>
    call.method === 'PATCH' ? { status: 403, body: { code: 'KA_ERR_PERMISSION', message: 'pidfd_getfd: EPERM (needs CAP_SYS_PTRACE)' } } : undefined,
  );
  model.onFrame(snapshot([kaView(1_000_000, 0, 0, SETTINGS, { id: 'k' })]));
  model.select('k');
  model.applyPreset('Fast fail');
  assert.deepEqual(model.getState().retune.draft, { enabled: true, idleSec: '10', intervalSec: '5', count: '3', userTimeoutMs: '0' });
  await model.applyRetune();
  assert.deepEqual(model.getState().retune.error, { code: 'KA_ERR_PERMISSION', message: 'pidfd_getfd: EPERM (needs CAP_SYS_PTRACE)' });
  assert.equal(model.getState().retune.pending, false);
});

test('a socket without readable settings starts from the host defaults and sends every field', async () => {
  const bodies: unknown[] = [];
  const { model } = harness((call) => {
    if (call.url === '/api/sysctl') return { status: 200, body: { keepaliveTimeSec: 300, keepaliveIntvlSec: 20, keepaliveProbes: 5, bounds: {}, writable: false } };
    if (call.method === 'PATCH') {
      bodies.push(call.body);
      return { status: 200, body: { before: SETTINGS, after: SETTINGS } };
    }
    return undefined;
  });
  await model.refreshSysctl();
  model.onFrame(snapshot([view({ id: 'f' })]));
  model.select('f');
  assert.deepEqual(model.getState().retune.draft, { enabled: false, idleSec: '300', intervalSec: '20', count: '5', userTimeoutMs: '0' });
  model.setRetuneField('enabled', true);
  await model.applyRetune();
  assert.deepEqual(bodies, [{ enabled: true, idleSec: 300, intervalSec: 20, count: 5, userTimeoutMs: 0 }]);
});

test('a 401 marks the page unauthorized; the next open clears it', async () => {
  const { model } = harness(() => ({ status: 401, body: { code: 'KA_ERR_UNAUTHORIZED', message: 'missing or wrong token' } }));
  await model.refreshHealth();
  assert.equal(model.getState().link.unauthorized, true);
  assert.deepEqual(model.getState().host.error, { code: 'KA_ERR_UNAUTHORIZED', message: 'missing or wrong token' });
  model.onStreamOpen();
  assert.equal(model.getState().link.unauthorized, false);
});

test('on reopen the model says again which filter and connection it wants', () => {
  const { model, sent, runTimers } = harness();
  model.onFrame(snapshot([view({ id: 'a' })]));
  model.setFilter({ keepalive: 'on' });
  runTimers();
  model.select('a');
  sent.length = 0;
  model.onStreamOpen();
  assert.deepEqual(sent, [
    { type: 'filter', filter: { keepalive: 'on' } },
    { type: 'select', id: 'a', intervalMs: 500 },
  ]);
});

test('live events merge with the fetched page, newest first; a filter is asked of the server and narrows live events', async () => {
  const urls: string[] = [];
  const retuned = { seq: 1, at: 1, type: 'retuned', connectionId: 'k', summary: 'idle 7200 → 600', actor: '127.0.0.1' } as const;
  const { model } = harness((call) => {
    if (!call.url.startsWith('/api/events')) return undefined;
    urls.push(call.url);
    return { status: 200, body: { events: call.url.includes('type=died') ? [] : [retuned], next: null } };
  });
  await model.refreshEvents();
  const died = { seq: 2, at: 2, type: 'died', connectionId: 'k', summary: 'died by keepalive timeout', actor: null } as const;
  model.onFrame({ type: 'event', serverTime: 2, event: died });
  model.onFrame({ type: 'event', serverTime: 2, event: died });
  assert.deepEqual(model.getState().events.all.map((e) => e.seq), [2, 1]);
  model.setEventFilter({ type: 'died' });
  await model.refreshEvents();
  assert.match(urls.at(-1) ?? '', /type=died/);
  model.onFrame({ type: 'event', serverTime: 3, event: { ...retuned, seq: 3, at: 3 } });
  assert.deepEqual(model.getState().events.all.map((e) => e.seq), [], 'the page had none; a live retune does not match');
});
