// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The event log view: its empty states say why; the newest event is the first row. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient } from '../../web/src/transport/api.js';
import { EventLog } from '../../web/src/view/EventLog.js';
import { renderer } from './render-env.js';

function setup(events: unknown[] = []) {
  const model = new DashboardModel({
    api: new ApiClient(async () => ({ ok: true, status: 200, text: async () => JSON.stringify({ events, next: null }) })),
    stream: { start: () => {}, stop: () => {}, send: () => {} },
    localNow: () => 1_000_000,
    setTimer: () => 0,
    clearTimer: () => {},
  });
  const render = renderer(model);
  return { model, render: () => render(<EventLog />).replace(/<!-- -->/g, '') };
}

test('an empty filtered list names the filter; an unfiltered one says none happened yet', async () => {
  const { model, render } = setup();
  await model.refreshEvents();
  assert.match(render(), /No events yet/);
  model.setEventFilter({ type: 'killed' });
  await model.refreshEvents();
  assert.match(render(), /No events match type=killed\./);
});

test('a live event is drawn first, above the fetched page', async () => {
  const { model, render } = setup([{ seq: 1, at: 1, type: 'retuned', connectionId: 'k', summary: 'old retune', actor: null }]);
  await model.refreshEvents();
  model.onFrame({ type: 'event', serverTime: 2, event: { seq: 2, at: 2, type: 'died', connectionId: 'k', summary: 'fresh death', actor: null } });
  const html = render();
  assert.ok(html.indexOf('fresh death') < html.indexOf('old retune') && html.indexOf('fresh death') > 0, html);
});
