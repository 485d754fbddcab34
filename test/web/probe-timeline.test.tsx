// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** Probes on the wire in the detail: answered and unanswered marks, the CAP_NET_RAW fallback, the kernel counters with units. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { KernelKeepaliveCounters, Namespace, ProbeTimeline } from '@keepalive-dashboard/shared';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient } from '../../web/src/transport/api.js';
import { DetailPanel } from '../../web/src/view/DetailPanel.js';
import { clockTime } from '../../web/src/view/format.js';
import { NamespaceList } from '../../web/src/view/NamespaceList.js';
import { ProbeTimelineView } from '../../web/src/view/ProbeTimeline.js';
import { renderer, textOf } from './render-env.js';
import { kaView, SETTINGS, snapshot } from './views.js';

const NOW = 1_000_000;
const COUNTERS: KernelKeepaliveCounters = { probesTotal: 40, abortsOnTimeoutTotal: 2, probesPerSec: 0.25, abortsPerSec: 0.0167, spanMs: 60_000 };
const NS: Namespace = {
  inode: 7, label: 'ka-a', name: null, owner: null, own: false, initial: false, path: '/run/netns/ka-a', processes: [], processCount: 0,
  sockets: 1, reader: 'netlink', error: null, sysctl: null, sysctlError: null, firstSeenAt: 0, keepaliveCounters: COUNTERS,
};
const timeline = (extra: Partial<ProbeTimeline> = {}): ProbeTimeline => ({
  id: 'k', watched: true, capturing: true, interface: 'lo', error: null,
  probes: [{ by: 'local', sentAt: NOW - 2000, answeredAt: NOW - 1988.4 }, { by: 'peer', sentAt: NOW - 1500, answeredAt: NOW - 1499.898 }, { by: 'local', sentAt: NOW - 1000, answeredAt: null }],
  ...extra,
});

async function setup() {
  const api = new ApiClient(async (url) => ({ ok: true, status: 200, text: async () => JSON.stringify(url === '/api/namespaces' ? { serverTime: NOW, namespaces: [NS] } : {}) }));
  const model = new DashboardModel({ api, stream: { start: () => {}, stop: () => {}, send: () => {} }, localNow: () => NOW, setTimer: () => 0, clearTimer: () => {} });
  await model.namespaces.refresh();
  const render = renderer(model);
  return { model, text: (node: Parameters<typeof render>[0]) => textOf(render(node).replace(/<!-- -->/g, '')), html: render };
}

test('answered and unanswered probes: a different mark and class each, sent-at clock time and the ACK delay in words', async () => {
  const { html } = await setup();
  const out = html(<ProbeTimelineView timeline={timeline()} counters={COUNTERS} />).replace(/<!-- -->/g, '');
  assert.match(out, /<li class="probe-answered"[^>]*>✓<\/li><li class="probe-answered"[^>]*>✓<\/li><li class="probe-unanswered"[^>]*>✗<\/li>/);
  assert.ok(out.includes(`${clockTime(NOW - 1000)} sent: unanswered`), out);
  assert.ok(out.includes(`${clockTime(NOW - 2000)} sent: answered after 12 ms`), out);
  assert.ok(out.includes(`${clockTime(NOW - 1500)} from the peer: answered after 0.1 ms`), 'a sub-ms ACK in tenths');
  assert.ok(out.indexOf(`${clockTime(NOW - 1000)} sent`) < out.indexOf(`${clockTime(NOW - 2000)} sent`), 'the newest is listed first');
});

test('without CAP_NET_RAW: says so and shows the kernel counters with units instead', async () => {
  const { text } = await setup();
  const out = text(<ProbeTimelineView timeline={timeline({ capturing: false, probes: [], error: { code: 'KA_ERR_PERMISSION', message: 'no CAP_NET_RAW' } })} counters={COUNTERS} />);
  assert.match(out, /probes on the wire need CAP_NET_RAW; the kernel&#x27;s counters are shown instead/);
  assert.match(out, /kernel: 0\.25 probes\/s · 0\.02 aborts\/s/);
});

test("the detail keeps the detail frame's probes and shows them with its namespace's counters", async () => {
  const { model, text } = await setup();
  const v = kaView(NOW, 20_000, 0, SETTINGS, { id: 'k', netns: { inode: 7, label: 'ka-a', own: false } });
  model.onFrame(snapshot([v], NOW));
  model.select('k');
  assert.ok(!text(<DetailPanel />).includes('Probes on the wire'), 'nothing before a frame carries a timeline');
  model.onFrame({ type: 'detail', serverTime: NOW + 500, id: 'k', tcpInfo: null, connection: v, error: null, probes: timeline() });
  model.onFrame({ type: 'detail', serverTime: NOW + 1000, id: 'k', tcpInfo: null, connection: v, error: null });
  assert.equal(model.getState().selection?.probes?.probes.length, 3, 'a frame without probes keeps the last timeline');
  const out = text(<DetailPanel />);
  assert.match(out, /Probes on the wire \(lo\)/);
  assert.match(out, /kernel: 0\.25 probes\/s · 0\.02 aborts\/s/);
});

test("the host panel's namespace list: kernel probes/s and aborts/s, units on both", async () => {
  const { html } = await setup();
  const out = html(<NamespaceList picked={undefined} />);
  assert.match(out, /<td class="num" data-counter="probesPerSec">0\.25 probes\/s<\/td><td class="num" data-counter="abortsPerSec">0\.02 aborts\/s<\/td>/);
});
