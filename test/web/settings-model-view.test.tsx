// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The host panel's middlebox idle timeout: the server's value, the cloud quick picks, a refusal shown as sent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient } from '../../web/src/transport/api.js';
import { MiddleboxTimeoutSetting } from '../../web/src/view/MiddleboxTimeoutSetting.js';
import { renderer, textOf } from './render-env.js';

test('the setting shows the value read back, AWS 350 / GCP 600 / Azure 240, that the advisory uses it, and a 403 as sent', async () => {
  const api = new ApiClient(async (url, init) =>
    init.method === 'PUT'
      ? { ok: false, status: 403, text: async () => JSON.stringify({ code: 'KA_ERR_READ_ONLY', message: 'the server runs with --read-only' }) }
      : { ok: true, status: 200, text: async () => JSON.stringify(url === '/api/settings' ? { middleboxTimeoutSec: 350 } : {}) },
  );
  const model = new DashboardModel({ api, stream: { start: () => {}, stop: () => {}, send: () => {} }, setTimer: () => 0, clearTimer: () => {} });
  await model.settings.refresh();
  assert.equal(await model.setMiddleboxTimeout(600), false);
  const html = renderer(model)(<MiddleboxTimeoutSetting />).replace(/<!-- -->/g, '');
  assert.match(html, /<input type="number" min="1" max="86400" [^>]*value="350"/);
  const text = textOf(html);
  assert.match(text, /AWS 350 s.*GCP 600 s.*Azure 240 s/);
  assert.match(text, /The advisory idle-exceeds-middlebox uses it.*\(now 350 s\)/);
  assert.match(text, /KA_ERR_READ_ONLY: the server runs with --read-only/);
});
