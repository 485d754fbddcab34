// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The grouped view and the bulk dialog as rendered: group headers with their counts, before → after per socket, Apply only after the dry run. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { BulkRetuneResult } from '@keepalive-dashboard/shared';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient } from '../../web/src/transport/api.js';
import { BulkRetune } from '../../web/src/view/BulkRetune.js';
import { GroupTable } from '../../web/src/view/GroupTable.js';
import { renderer } from './render-env.js';
import { SETTINGS, snapshot, view } from './views.js';

const DRY_RUN: BulkRetuneResult = {
  serverTime: 1, dryRun: true, bulkId: null, matched: 2,
  items: [
    { id: 'a', state: 'ESTABLISHED', local: { address: '127.0.0.1', port: 40001 }, peer: { address: '127.0.0.1', port: 5432 }, outcome: 'would-apply', before: { ...SETTINGS, idleSec: 600 }, after: { ...SETTINGS, idleSec: 120 }, error: null },
    { id: 'tw', state: 'TIME_WAIT', local: null, peer: null, outcome: 'refused', before: null, after: null, error: { code: 'KA_ERR_TIME_WAIT', message: 'a TIME_WAIT socket has no keepalive' } },
  ],
};

function setup() {
  const api = new ApiClient(async () => ({ ok: true, status: 200, text: async () => JSON.stringify(DRY_RUN) }));
  const model = new DashboardModel({ api, stream: { start: () => {}, stop: () => {}, send: () => {} }, setTimer: () => 0, clearTimer: () => {} });
  return { model, render: renderer(model) };
}

test('group headers show count, at risk and keepalive off per process, most at risk first', async () => {
  const { model, render } = setup();
  const holders = (pid: number) => [{ pid, fd: 3, comm: `p${pid}`, cmdline: '', uid: null, user: null, unit: null }];
  model.onFrame(snapshot([view({ holders: holders(1) }), view({ holders: holders(2), advisories: [{ code: 'idle-exceeds-middlebox', message: 'm' }], keepalive: SETTINGS }), view({ holders: holders(2), keepalive: { ...SETTINGS, enabled: false } })]));
  model.groups.setBy('process');
  await model.groups.refresh();
  const html = render(<GroupTable />);
  const heads = [...html.matchAll(/(p\d \(\d\)).*?group-count">(\d+)<.*?group-at-risk">(\d+)<.*?group-ka-off">(\d+)</g)].map((m) => m.slice(1).join(' '));
  assert.deepEqual(heads, ['p2 (2) 2 1 1', 'p1 (1) 1 0 0']);
  assert.match(html, /as of \d\d:\d\d:\d\d/);
});

test('the dialog lists each socket before → after and refusals with the reason; Apply is enabled only after the dry run', async () => {
  const { model, render } = setup();
  model.bulk.open({ kind: 'ids', ids: ['a', 'tw'], label: '2 in p1' });
  model.bulk.setField('idleSec', '120');
  assert.match(render(<BulkRetune />), /<button[^>]*disabled=""[^>]*>Apply to 0</);
  await model.bulk.dryRun();
  const html = render(<BulkRetune />);
  assert.match(html, /on · 600 s \/ 10 s \/ 6<\/td><td>→ on · 120 s \/ 10 s \/ 6<\/td><td>would apply/);
  assert.match(html, /refused<!-- -->: a TIME_WAIT socket has no keepalive/);
  assert.match(html, /<button type="button" class="danger">Apply to 1</);
});
