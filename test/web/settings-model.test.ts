/** The middlebox timeout setting without a browser: PUT then read back, the server's refusal kept as sent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Settings, SettingsPut } from '@keepalive-dashboard/shared';

import { SettingsModel } from '../../web/src/model/settings-model.js';
import { ApiError } from '../../web/src/transport/api.js';

function model(put: (body: SettingsPut) => Promise<Settings>, stored = { middleboxTimeoutSec: 350 }) {
  const puts: SettingsPut[] = [];
  const api = {
    settings: async () => ({ ...stored }),
    putSettings: (body: SettingsPut) => (puts.push(body), put(body)),
  };
  return { m: new SettingsModel({ api, auth: { failed: () => {}, ok: () => {} } }), puts, stored };
}

test('a change is PUT as {middleboxTimeoutSec}, then the value shown is the one read back', async () => {
  const stored = { middleboxTimeoutSec: 350 };
  // Another tab changes it right after ours: the model shows what the server holds, not what was typed.
  const { m, puts } = model(async () => ((stored.middleboxTimeoutSec = 240), { middleboxTimeoutSec: 600 }), stored);
  await m.refresh();
  assert.equal(m.getState().settings.value?.middleboxTimeoutSec, 350);
  assert.equal(await m.setMiddleboxTimeout(600), true);
  assert.deepEqual(puts, [{ middleboxTimeoutSec: 600 }]);
  assert.deepEqual(m.getState().settings, { value: { middleboxTimeoutSec: 240 }, pending: false, error: null });
});

test("a refusal (403 read-only) is shown as the server sent it and the value stays the server's", async () => {
  const { m } = model(async () => {
    throw new ApiError('KA_ERR_READ_ONLY', 'the server runs with --read-only', 403);
  });
  await m.refresh();
  assert.equal(await m.setMiddleboxTimeout(600), false);
  assert.deepEqual(m.getState().settings, { value: { middleboxTimeoutSec: 350 }, pending: false, error: { code: 'KA_ERR_READ_ONLY', message: 'the server runs with --read-only' } });
});
