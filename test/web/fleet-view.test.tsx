// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The Host tab's fleet list: Prometheus's hosts in the server's order, each a link to its dashboard; without --prometheus, how to get one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Fleet } from '@keepalive-dashboard/shared';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient } from '../../web/src/transport/api.js';
import { FleetList } from '../../web/src/view/FleetList.js';
import { renderer, textOf } from './render-env.js';

const FLEET: Fleet = {
  configured: true,
  prometheus: 'http://prom:9090/',
  at: 0,
  hosts: [
    { instance: 'db1:7405', up: false, deathsLastHour: 0, probing: 0, advisories: 0, connections: 0, dashboardUrl: 'http://db1:7405/' },
    { instance: 'web1:7405', up: true, deathsLastHour: 3, probing: 2, advisories: 7, connections: 900, dashboardUrl: 'http://web1:7405/' },
  ],
};

function modelAnswering(status: number, body: unknown): { model: DashboardModel; calls: () => number; pending: Map<number, () => void> } {
  let calls = 0;
  // Timers held here: a test sees which polls are still scheduled.
  const pending = new Map<number, () => void>();
  let handles = 0;
  const api = new ApiClient(async (url) => {
    if (url === '/api/fleet') calls++;
    return { ok: status === 200, status, text: async () => JSON.stringify(url === '/api/fleet' ? body : {}) };
  });
  const model = new DashboardModel({ api, stream: { start: () => {}, stop: () => {}, send: () => {} }, setTimer: (callback) => pending.set(++handles, callback) && handles, clearTimer: (handle) => pending.delete(handle as number) });
  return { model, calls: () => calls, pending };
}

test("the fleet list keeps the server's ranking, says which host is down, and links each to its own dashboard", async () => {
  const { model } = modelAnswering(200, FLEET);
  await model.fleet.refresh();
  const html = renderer(model)(<FleetList model={model.fleet} />).replace(/<!-- -->/g, '');
  assert.deepEqual([...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]), ['http://db1:7405/', 'http://web1:7405/']);
  assert.match(textOf(html), /db1:7405DOWN0000.*web1:7405up327900/);
});

test('without --prometheus the list says how to turn it on and stops asking; a 502 is shown as sent', async () => {
  const { model, calls, pending } = modelAnswering(200, { configured: false, prometheus: null, at: 0, hosts: [] });
  model.fleet.start();
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(textOf(renderer(model)(<FleetList model={model.fleet} />)), /Start the server with --prometheus URL/);
  assert.equal(calls(), 1);
  // Only the fleet model was started: every timer left would be its poll.
  assert.equal(pending.size, 0, 'no fleet poll left scheduled');
  const down = modelAnswering(502, { code: 'KA_ERR_PROMETHEUS', message: 'Prometheus at http://prom:9090/ did not answer' }).model;
  await down.fleet.refresh();
  assert.match(textOf(renderer(down)(<FleetList model={down.fleet} />)), /KA_ERR_PROMETHEUS: Prometheus at http:\/\/prom:9090\/ did not answer/);
});
