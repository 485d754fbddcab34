/** The namespace model, picker and per-namespace sysctls in the dashboard model: no browser, a fake server. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ClientFrame, Namespace, NamespaceList, SysctlView, WindowRequest } from '@keepalive-dashboard/shared';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { NamespacesModel, ownerText, pickerOptions, processesText } from '../../web/src/model/namespaces.js';
import { parseFilter, EMPTY_FILTER } from '../../web/src/model/filter.js';
import { ApiClient, type FetchLike } from '../../web/src/transport/api.js';
import { snapshot, view } from './views.js';

const HOST = 4026531840;
const A = 4026532301;
const B = 4026532402;

function ns(inode: number, label: string, extra: Partial<Namespace> = {}): Namespace {
  return {
    inode, label, name: null, owner: null, own: inode === HOST, initial: inode === HOST, path: `/proc/1/ns/net`,
    processes: [], processCount: 0, sockets: 0, reader: 'netlink', error: null,
    sysctl: { keepaliveTimeSec: 7200, keepaliveIntvlSec: 75, keepaliveProbes: 9 }, sysctlError: null, firstSeenAt: 0,
    ...extra,
  };
}

function sysctlView(inode: number, timeSec: number): SysctlView {
  return { keepaliveTimeSec: timeSec, keepaliveIntvlSec: 75, keepaliveProbes: 9, bounds: {}, writable: true, netns: { inode, label: `ns${inode}`, own: inode === HOST } };
}

/** A fake server: `answer` by method and URL; calls recorded; each answer can be held back and released later. */
function server(answer: (method: string, url: string, body: unknown) => unknown) {
  const calls: string[] = [];
  const held: (() => void)[] = [];
  let hold = false;
  const fetchFn: FetchLike = (url, init) => {
    calls.push(`${init.method} ${url}`);
    const body = answer(init.method, url, init.body ? JSON.parse(init.body) : undefined);
    const response = { ok: body !== undefined, status: body === undefined ? 404 : 200, text: async () => JSON.stringify(body ?? { code: 'KA_ERR_NOT_FOUND', message: url }) };
    if (!hold) return Promise.resolve(response);
    return new Promise((resolve) => held.push(() => resolve(response)));
  };
  return { api: new ApiClient(fetchFn), calls, held, holdNext: (on: boolean) => (hold = on) };
}

function dashboard(answer: (method: string, url: string, body: unknown) => unknown, windowed = true) {
  const srv = server(answer);
  const sent: ClientFrame[] = [];
  const timers: (() => void)[] = [];
  const model = new DashboardModel({ api: srv.api, stream: { start: () => {}, stop: () => {}, send: (f) => sent.push(f) }, setTimer: (fn) => timers.push(fn), clearTimer: () => {}, windowed });
  return { model, sent, srv, runTimers: () => timers.splice(0).forEach((fn) => fn()) };
}

const list = (...namespaces: Namespace[]): NamespaceList => ({ serverTime: 1, namespaces });

test('the picker lists all, then own, host and the rest by label with socket counts', async () => {
  const srv = server(() => list(ns(B, 'docker:3f2a9c1b7d2e', { sockets: 1 }), ns(HOST, 'host', { sockets: 1234 }), ns(A, 'ka-a', { sockets: 2 })));
  const model = new NamespacesModel({ api: srv.api, setTimer: () => 0, clearTimer: () => {} });
  await model.refresh();
  assert.deepEqual(pickerOptions(model.getState(), undefined), [
    { value: '', label: 'all' },
    { value: String(HOST), label: 'host (1,234 sockets)' },
    { value: String(B), label: 'docker:3f2a9c1b7d2e (1 socket)' },
    { value: String(A), label: 'ka-a (2 sockets)' },
  ]);
});

test('a picked namespace that vanishes stays in the picker, marked gone, under its last label', async () => {
  let namespaces = [ns(HOST, 'host'), ns(A, 'ka-a')];
  const srv = server(() => list(...namespaces));
  const model = new NamespacesModel({ api: srv.api, setTimer: () => 0, clearTimer: () => {} });
  await model.refresh();
  namespaces = [ns(HOST, 'host')];
  await model.refresh();
  assert.deepEqual(pickerOptions(model.getState(), A).at(-1), { value: String(A), label: 'ka-a (gone)' });
  assert.equal(pickerOptions(model.getState(), undefined).length, 2, 'not picked: not offered');
  assert.deepEqual(pickerOptions(model.getState(), 77).at(-1), { value: '77', label: 'netns:77 (gone)' }, 'never seen: its inode');
});

test('the list is polled every pollMs from start until stop', async () => {
  const srv = server(() => list(ns(HOST, 'host')));
  const timers: { fn: () => void; ms: number }[] = [];
  const cleared: unknown[] = [];
  const model = new NamespacesModel({ api: srv.api, setTimer: (fn, ms) => `timer${timers.push({ fn, ms })}`, clearTimer: (h) => cleared.push(h), pollMs: 5000 });
  model.start();
  assert.deepEqual(srv.calls, ['GET /api/namespaces']);
  assert.equal(timers[0]?.ms, 5000);
  timers[0]?.fn();
  assert.equal(srv.calls.length, 2);
  assert.equal(timers.length, 2, 'and re-armed');
  model.stop();
  assert.deepEqual(cleared, ['timer2'], 'the pending timer is cleared');
});

test('an older answer arriving after a newer one does not overwrite it', async () => {
  let n = 0;
  const srv = server(() => list(ns(HOST, 'host', { sockets: ++n })));
  const model = new NamespacesModel({ api: srv.api, setTimer: () => 0, clearTimer: () => {} });
  srv.holdNext(true);
  const first = model.refresh();
  const second = model.refresh();
  srv.held[1]?.();
  await second;
  srv.held[0]?.();
  await first;
  assert.equal(model.getState().list?.[0]?.sockets, 2);
});

test('picking a namespace puts its inode in the window request; all takes it out', () => {
  const { model, sent, runTimers } = dashboard(() => undefined);
  model.setFilter({ netns: String(A) });
  runTimers();
  const windows = sent.filter((f): f is WindowRequest => f.type === 'window');
  assert.equal(windows.at(-1)?.filter.netns, A);
  model.setFilter({ netns: '' });
  runTimers();
  assert.equal(sent.filter((f): f is WindowRequest => f.type === 'window').at(-1)?.filter.netns, undefined);
  assert.equal(parseFilter({ ...EMPTY_FILTER, netns: 'x1' }).filter.netns, undefined, 'only an inode is a namespace');
});

test('the host sysctls follow the picked namespace; a late answer for the previous one is dropped', async () => {
  const { model, srv } = dashboard((method, url) => (url === '/api/sysctl' ? sysctlView(HOST, 7200) : url === `/api/sysctl?netns=${A}` ? sysctlView(A, 600) : undefined));
  await model.refreshSysctl();
  assert.equal(model.getState().host.sysctl?.netns.inode, HOST);
  srv.holdNext(true);
  model.setFilter({ netns: String(A) });
  assert.equal(model.getState().host.sysctl, null, "the host's values are not shown as A's");
  model.setFilter({ netns: String(B) });
  srv.held[0]?.();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(model.getState().host.sysctl, null, "A's answer is not shown while B is picked");
  assert.deepEqual(srv.calls.slice(1), [`GET /api/sysctl?netns=${A}`, `GET /api/sysctl?netns=${B}`]);
});

test("a sysctl change goes to the picked namespace, then both that namespace's sysctls and the list are asked again", async () => {
  const { model, srv } = dashboard((method, url, body) => {
    if (method === 'PUT') return { before: { keepaliveTimeSec: 600, keepaliveIntvlSec: 75, keepaliveProbes: 9 }, after: { keepaliveTimeSec: 300, keepaliveIntvlSec: 75, keepaliveProbes: 9, ...(body as object) } };
    if (url.startsWith('/api/sysctl')) return sysctlView(A, 300);
    if (url === '/api/namespaces') return list(ns(HOST, 'host'), ns(A, 'ka-a'));
    return undefined;
  });
  model.setFilter({ netns: String(A) });
  await model.applySysctl({ keepaliveTimeSec: 300 });
  assert.deepEqual(srv.calls, [`GET /api/sysctl?netns=${A}`, `PUT /api/sysctl?netns=${A}`, `GET /api/sysctl?netns=${A}`, 'GET /api/namespaces']);
  assert.equal(model.getState().host.sysctlResult?.after.keepaliveTimeSec, 300);
});

test("a socket that sets nothing starts its retune form from its own namespace's defaults", async () => {
  const { model } = dashboard((method, url) => {
    if (url === '/api/sysctl') return sysctlView(HOST, 7200);
    if (url === '/api/namespaces') return list(ns(HOST, 'host'), ns(A, 'ka-a', { sysctl: { keepaliveTimeSec: 45, keepaliveIntvlSec: 5, keepaliveProbes: 3 } }));
    return undefined;
  }, false);
  await Promise.all([model.refreshSysctl(), model.namespaces.refresh()]);
  model.onFrame(snapshot([view({ id: 'in-a', netns: { inode: A, label: 'ka-a', own: false } }), view({ id: 'at-home', netns: { inode: HOST, label: 'host', own: true } })]));
  model.select('in-a');
  assert.deepEqual(model.getState().retune.draft, { enabled: false, idleSec: '45', intervalSec: '5', count: '3', userTimeoutMs: '0' });
  model.select('at-home');
  assert.equal(model.getState().retune.draft.idleSec, '7200');
});

test('owner and processes read as a person names them', () => {
  assert.equal(ownerText({ runtime: 'docker', id: '3f2a9c1b7d2e8899aabbccddeeff00112233445566778899aabbccddeeff0011', podUid: null }), 'docker 3f2a9c1b7d2e');
  assert.equal(ownerText({ runtime: 'containerd', id: 'abcdef0123456789', podUid: '1b2c' }), 'containerd abcdef012345 · pod 1b2c');
  assert.equal(ownerText({ runtime: 'systemd', id: 'foo-bar.service', podUid: null }), 'systemd foo-bar.service');
  assert.equal(processesText({ processes: [{ pid: 41, comm: 'sleep' }, { pid: 42, comm: 'python3' }], processCount: 5 }), 'sleep(41) python3(42) +3 more');
  assert.equal(processesText({ processes: [], processCount: 0 }), 'none (held by a bind mount only)');
  const six = [1, 2, 3, 4, 5, 6].map((pid) => ({ pid, comm: 'k' }));
  assert.equal(processesText({ processes: six, processCount: 6 }), 'k(1) k(2) k(3) k(4) +2 more', 'the first four');
});
