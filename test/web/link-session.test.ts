/** A failed reopen asks over HTTP whether the session still holds: a refused WebSocket upgrade shows only as 1006. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { LinkModel } from '../../web/src/model/link-model.js';
import { ApiClient } from '../../web/src/transport/api.js';
import type { LinkStatus } from '../../web/src/transport/stream-transport.js';

const status = (state: LinkStatus['state'], attempt = 0): LinkStatus => ({ state, attempt, retryAt: null, lastClose: null, openedAt: state === 'open' ? 1 : null });

test('link model: every failed attempt asks for the session once, an open link or a repeated status does not', () => {
  let checks = 0;
  const link = new LinkModel(() => 0, () => checks++);
  for (const s of [status('connecting'), status('reconnecting', 1), status('reconnecting', 1), status('connecting', 1), status('reconnecting', 2), status('connecting', 2), status('open')]) link.onStatus(s);
  assert.equal(checks, 2);
  link.onStatus(status('reconnecting', 1));
  assert.equal(checks, 3, 'the loss of an open socket asks too');
});

test('a reopen refused after a restart (1006, a 401 in truth) ends the session at that attempt, not at the health poll', async () => {
  // The server is down (health unreachable) at the loss, then back with a new token (health 401).
  let health: 'down' | 'refused' = 'down';
  let healthCalls = 0;
  const api = new ApiClient(async (url) => {
    if (url !== '/api/health') return { ok: false, status: 404, text: async () => '{"code":"KA_ERR_NOT_FOUND","message":"x"}' };
    healthCalls++;
    if (health === 'down') throw new TypeError('Failed to fetch');
    return { ok: false, status: 401, text: async () => '{"code":"KA_ERR_UNAUTHORIZED","message":"no session"}' };
  });
  const model = new DashboardModel({ api, stream: { start: () => {}, stop: () => {}, send: () => {} }, setTimer: () => null, clearTimer: () => {}, windowed: true });
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  for (const s of [status('connecting'), status('open'), status('reconnecting', 1), status('connecting', 1)]) model.onLinkStatus(s);
  await settle();
  assert.equal(model.getState().link.unauthorized, false, 'a server that is down is no verdict on the session');
  health = 'refused';
  const before = healthCalls;
  model.onLinkStatus(status('reconnecting', 2));
  assert.equal(healthCalls, before + 1, 'asked at once: no timer ran');
  await settle();
  assert.equal(model.getState().link.unauthorized, true);
});
