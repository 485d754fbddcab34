/** Bulk retune: apply only after a dry run of the same patch and set, only to what the dry run listed; server refusals as sent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { BulkRetuneItem, BulkRetuneRequest, BulkRetuneResult } from '@keepalive-dashboard/shared';

import { BulkModel, canApply, checkBulkDraft, EMPTY_BULK_DRAFT } from '../../web/src/model/bulk-model.js';
import { ApiError } from '../../web/src/transport/api.js';
import { SETTINGS } from './views.js';

const item = (id: string, outcome: BulkRetuneItem['outcome']): BulkRetuneItem => ({
  id, state: 'ESTABLISHED', local: null, peer: null, outcome, before: SETTINGS, after: outcome === 'refused' ? null : { ...SETTINGS, idleSec: 30 },
  error: outcome === 'refused' ? { code: 'KA_ERR_TIME_WAIT', message: 'TIME_WAIT' } : null,
});
const result = (dryRun: boolean, items: BulkRetuneItem[]): BulkRetuneResult => ({ serverTime: 1, dryRun, bulkId: dryRun ? null : 'b1', matched: items.length, items });

function harness(answer: (body: BulkRetuneRequest) => BulkRetuneResult) {
  const sent: BulkRetuneRequest[] = [];
  const model = new BulkModel({ bulkRetune: async (body) => { sent.push(body); return answer(body); } });
  return { model, sent };
}

test('empty fields are left out of the patch; a field out of the kernel bounds is named and blocks the dry run', () => {
  assert.equal(checkBulkDraft(EMPTY_BULK_DRAFT).patch, null, 'nothing asked');
  assert.deepEqual(checkBulkDraft({ ...EMPTY_BULK_DRAFT, idleSec: ' 30 ', enabled: 'on' }).patch, { enabled: true, idleSec: 30 });
  const bad = checkBulkDraft({ ...EMPTY_BULK_DRAFT, idleSec: '40000', count: '1.5' });
  assert.equal(bad.patch, null);
  assert.match(bad.errors.idleSec ?? '', /32767/);
  assert.ok(bad.errors.count);
});

test('apply is disabled until a dry run of this patch; then it sends the dry run\'s would-apply ids with the same patch', async () => {
  const h = harness((body) => (body.dryRun ? result(true, [item('a', 'would-apply'), item('tw', 'refused'), item('b', 'would-apply')]) : result(false, [item('a', 'applied'), item('b', 'applied')])));
  h.model.open({ kind: 'filter', filter: { advisory: 'any' }, label: '3 matching' });
  h.model.setField('idleSec', '30');
  assert.equal(canApply(h.model.getState()), false, 'no dry run yet');
  await h.model.apply();
  assert.equal(h.sent.length, 0, 'apply without a dry run sends nothing');
  await h.model.dryRun();
  assert.deepEqual(h.sent[0], { filter: { advisory: 'any' }, patch: { idleSec: 30 }, dryRun: true });
  assert.equal(canApply(h.model.getState()), true);
  await h.model.apply();
  assert.deepEqual(h.sent[1], { ids: ['a', 'b'], patch: { idleSec: 30 }, dryRun: false }, 'exactly what the dry run listed, refused left out');
  assert.deepEqual(h.model.getState().applied?.items.map((i) => i.outcome), ['applied', 'applied']);
  assert.equal(canApply(h.model.getState()), false, 'not twice');
});

test('a changed field drops the dry run: apply waits for a new one', async () => {
  const h = harness(() => result(true, [item('a', 'would-apply')]));
  h.model.open({ kind: 'ids', ids: ['a'], label: '1' });
  h.model.setField('idleSec', '30');
  await h.model.dryRun();
  assert.equal(canApply(h.model.getState()), true);
  h.model.setField('count', '4');
  assert.equal(h.model.getState().dryRun, null);
  assert.equal(canApply(h.model.getState()), false);
});

test('server refusals are kept as the server sent them (413 over the cap, 403 read-only, 503 audit)', async () => {
  for (const [status, code] of [[413, 'KA_ERR_PAYLOAD_TOO_LARGE'], [403, 'KA_ERR_READ_ONLY'], [503, 'KA_ERR_AUDIT']] as const) {
    const model = new BulkModel({ bulkRetune: async () => { throw new ApiError(code, `refused ${status}`, status); } });
    model.open({ kind: 'ids', ids: ['a'], label: '1' });
    model.setField('enabled', 'on');
    await model.dryRun();
    assert.deepEqual(model.getState().error, { code, message: `refused ${status}`, status });
    assert.equal(model.getState().busy, null);
  }
});
