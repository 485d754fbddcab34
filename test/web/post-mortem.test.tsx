// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** A dead connection explained in the detail; one "dead in" everywhere; settings against the sysctls. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { DetailFrame, PostMortem } from '@keepalive-dashboard/shared';

import { COLUMNS } from '../../web/src/model/columns.js';
import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient } from '../../web/src/transport/api.js';
import { DetailPanel } from '../../web/src/view/DetailPanel.js';
import { deadAtTitle, deadInText, deathCauseText, predictionText, settingOrigin } from '../../web/src/view/format.js';
import { renderer } from './render-env.js';
import { kaView, SETTINGS, snapshot, view } from './views.js';

const NOW = 1_000_000;
const NETNS = { inode: 4026531840, label: 'host', own: true };
const SYSCTL = { keepaliveTimeSec: 60, keepaliveIntvlSec: 75, keepaliveProbes: 9, bounds: {}, writable: true, netns: NETNS };
const GONE: PostMortem = { at: NOW + 300, cause: 'keepalive', code: 'ETIMEDOUT', seenBy: 'socket', probesOut: 6, lastRecvAt: NOW - 120_000, predictedDeadAt: NOW, errorMs: 300, summary: 'died' };

function setup() {
  const body = (url: string): unknown => (url.startsWith('/api/sysctl') ? SYSCTL : {});
  const model = new DashboardModel({
    api: new ApiClient(async (url) => ({ ok: true, status: 200, text: async () => JSON.stringify(body(String(url))) })),
    stream: { start: () => {}, stop: () => {}, send: () => {} },
    localNow: () => NOW,
    setTimer: () => 0,
    clearTimer: () => {},
  });
  const render = renderer(model);
  // React marks where text pieces join (<!-- -->): the assertions read the text a person reads.
  return { model, render: (node: Parameters<typeof render>[0]) => render(node).replace(/<!-- -->/g, '') };
}

const goneFrame = (id: string, last = kaView(NOW, 110_000, 6, SETTINGS, { id, labId: 'lab1', ownership: 'owned' })): DetailFrame => ({
  type: 'detail', serverTime: NOW + 400, id, tcpInfo: null, connection: last, error: { code: 'KA_ERR_SOCKET_GONE', message: 'gone' }, gone: GONE,
});

test('a connection that dies while selected stays as a post-mortem: cause, probes, prediction; no live badge, retune, kill or restore', () => {
  const { model, render } = setup();
  const v = kaView(NOW, 100_000, 5, SETTINGS, { id: 'k1', labId: 'lab1', ownership: 'owned' });
  model.onFrame(snapshot([v], NOW));
  model.select('k1');
  model.onFrame(goneFrame('k1'));
  const html = render(<DetailPanel />);
  assert.match(html, /This connection has ended/);
  assert.match(html, /the kernel gave up after 6 unanswered keepalive probes \(ETIMEDOUT\)/);
  assert.match(html, /0\.3 s later than predicted/);
  assert.match(html, /6 unanswered \(of 6 allowed\)/);
  for (const absent of ['Restore the peer', 'Black-hole the peer', 'Retune keepalive', 'Kill connection', 'state-established']) assert.ok(!html.includes(absent), absent);
});

test('the post-mortem is kept until another connection is selected: a late row does not revive it', () => {
  const { model } = setup();
  model.onFrame(snapshot([kaView(NOW, 100_000, 5, SETTINGS, { id: 'k1' }), view({ id: 'k2' })], NOW));
  model.select('k1');
  model.onFrame(goneFrame('k1'));
  model.selection.viewChanged(kaView(NOW, 1_000, 0, SETTINGS, { id: 'k1' }));
  assert.equal(model.getState().selection?.postMortem?.cause, 'keepalive');
  assert.equal(model.getState().selection?.gone, true);
  model.select('k2');
  assert.equal(model.getState().selection?.postMortem, null);
});

test('causes in words, and the prediction against the fact', () => {
  assert.equal(deathCauseText({ ...GONE, cause: 'reset', code: 'ECONNRESET' }, SETTINGS), 'the peer reset it (ECONNRESET)');
  assert.match(deathCauseText({ ...GONE, cause: 'closed', code: null }, SETTINGS), /owner most likely closed it/);
  assert.match(deathCauseText({ ...GONE, cause: 'user-timeout' }, { ...SETTINGS, userTimeoutMs: 20_000 }), /^TCP_USER_TIMEOUT of 20\.0 s ran out/);
  assert.match(predictionText({ ...GONE, errorMs: -1500 }), /: 1\.5 s earlier than predicted$/);
  assert.match(predictionText({ ...GONE, errorMs: 40 }), /: within 0\.1 s of the prediction$/);
  assert.match(predictionText({ ...GONE, predictedDeadAt: null, errorMs: null, seenBy: 'sweep' }), /^no prediction.*sweep/);
});

test('one "dead in": the table cell and the detail say the same, with the death time on hover', () => {
  const { model, render } = setup();
  const v = kaView(NOW, 30_000, 0, SETTINGS, { id: 'd1' }); // dies at 60 + 60 s after the last receive: 90 s from now
  const column = COLUMNS.find((c) => c.id === 'deadIn');
  assert.equal(column?.text(v, NOW), '1 min 30 s');
  assert.equal(column?.cellTitle(v), deadAtTitle(v.derived?.deadAt ?? null));
  model.onFrame(snapshot([v], NOW));
  model.select('d1');
  const html = render(<DetailPanel />);
  assert.ok(html.includes(`title="${deadAtTitle(v.derived?.deadAt ?? null)}" data-testid="detail-dead-in">${deadInText(v.derived?.deadAt ?? null, NOW)}<`), html);
});

test('each setting says whether it equals its namespace sysctl or was set on the socket; unknown says nothing', async () => {
  assert.equal(settingOrigin('interval', SETTINGS, SYSCTL), 'socket');
  assert.equal(settingOrigin('count', { ...SETTINGS, count: 9 }, SYSCTL), 'sysctl');
  assert.equal(settingOrigin('idle', SETTINGS, null), null);
  const { model, render } = setup();
  await model.refreshSysctl();
  model.onFrame(snapshot([kaView(NOW, 1_000, 0, { ...SETTINGS, idleSec: 60 }, { id: 's1', netns: NETNS })], NOW));
  model.select('s1');
  const html = render(<DetailPanel />);
  assert.match(html, /data-testid="detail-idle">60 s<span[^>]*> = sysctl default \(net\.ipv4\.tcp_keepalive_time\)/);
  assert.match(html, /data-testid="detail-interval">10 s<span[^>]*> set on the socket/);
});

test('the header shows keepalive on/off once, from the settings read back: a timer alone says "unknown", not "on"', () => {
  const { model, render } = setup();
  model.onFrame(snapshot([kaView(NOW, 1_000, 0, SETTINGS, { id: 'u1', keepalive: null, keepaliveOrigin: 'unknown' })], NOW));
  model.select('u1');
  const html = render(<DetailPanel />);
  assert.match(html, /data-testid="detail-keepalive">keepalive unknown</);
  const header = html.slice(html.indexOf('detail-sub'), html.indexOf('</p>', html.indexOf('detail-sub')));
  assert.equal(header.match(/keepalive (on|off|unknown)/g)?.length, 1, header);
  assert.ok(!/<dd[^>]*>on \(seen from the kernel timer/.test(html), 'not a second, different on/off in the facts');
});
