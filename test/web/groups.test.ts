/** The grouped view: groups worked out from a fetch of the filtered list (not the window), refreshed, stale answers dropped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ConnectionView } from '@keepalive-dashboard/shared';

import { groupViews, GroupsModel } from '../../web/src/model/groups.js';
import { SETTINGS, view } from './views.js';

const risky = { code: 'idle-exceeds-middlebox', message: 'idle 7200 s is longer than…' };
const holder = (pid: number, comm: string) => [{ pid, fd: 3, comm, cmdline: '', uid: null, user: null, unit: null }];

test('groups by process: count, at risk, keepalive off (unknown not counted), most at risk first', () => {
  const views = [
    view({ holders: holder(10, 'nginx'), keepalive: { ...SETTINGS, enabled: false } }),
    view({ holders: holder(20, 'pay\u202egnp'), advisories: [risky], keepalive: { ...SETTINGS, idleSec: 7200 } }),
    view({ holders: holder(10, 'nginx'), keepalive: null }),
    view({ holders: [], state: 'TIME_WAIT' }),
  ];
  const groups = groupViews(views, 'process');
  assert.deepEqual(groups.map((g) => [g.label, g.count, g.atRisk, g.keepaliveOff]), [
    ['pay\\u{202E}gnp (20)', 1, 1, 0],
    ['nginx (10)', 2, 0, 1],
    ['no process (TIME_WAIT, in flight, unknown)', 1, 0, 0],
  ]);
  assert.deepEqual(groups[1]?.ids, [views[0]?.id, views[2]?.id], 'the members, for a bulk retune of the group');
});

test('groups by remote address:port and by remote port (the service)', () => {
  const views = [view({ peer: { address: '10.0.0.1', port: 443 } }), view({ peer: { address: '10.0.0.2', port: 443 } }), view({ peer: { address: '10.0.0.1', port: 5432 } })];
  assert.deepEqual(groupViews(views, 'peer').map((g) => g.count), [1, 1, 1]);
  assert.deepEqual(groupViews(views, 'service').map((g) => [g.label, g.count]), [['port 443', 2], ['port 5432', 1]]);
});

function harness(answers: ConnectionView[][]) {
  const timers: { fn: () => void; ms: number }[] = [];
  const pending: ((views: ConnectionView[]) => void)[] = [];
  let fetches = 0;
  const model = new GroupsModel({
    fetchRows: () => { fetches += 1; return answers.length ? Promise.resolve(answers.shift() ?? []) : new Promise((resolve) => pending.push(resolve)); },
    now: () => 1_700_000_000_000,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
  });
  return { model, timers, pending, fetches: () => fetches };
}

test('nothing is fetched until a grouping is picked; then it is, and again on a timer, with an "as of" time', async () => {
  const h = harness([[view()], [view(), view()]]);
  await h.model.refresh();
  assert.equal(h.fetches(), 0, 'grouping off: no fetch');
  h.model.setBy('service');
  await new Promise((r) => setImmediate(r));
  assert.equal(h.model.getState().groups[0]?.count, 1);
  assert.equal(h.model.getState().asOf, 1_700_000_000_000);
  assert.equal(h.timers.length, 1, 'the next refresh is scheduled');
  h.timers.shift()?.fn();
  await new Promise((r) => setImmediate(r));
  assert.equal(h.model.getState().groups[0]?.count, 2, 'refreshed');
});

test('an answer to an older grouping is dropped', async () => {
  const h = harness([]);
  h.model.setBy('process');
  h.model.setBy('service');
  assert.equal(h.pending.length, 2);
  h.pending[0]?.([view({ holders: holder(1, 'old') })]);
  await new Promise((r) => setImmediate(r));
  assert.equal(h.model.getState().asOf, null, 'the process answer is not shown as service groups');
  h.pending[1]?.([view()]);
  await new Promise((r) => setImmediate(r));
  assert.equal(h.model.getState().groups[0]?.label, 'port 5432');
});
