// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The namespace column, picker and host-panel list rendered to HTML: labels stay text, the picked one is highlighted and editable. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Namespace } from '@keepalive-dashboard/shared';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient } from '../../web/src/transport/api.js';
import { FilterBar } from '../../web/src/view/FilterBar.js';
import { HostPanel } from '../../web/src/view/HostPanel.js';
import { NamespaceList } from '../../web/src/view/NamespaceList.js';
import { renderer, rowNode } from './render-env.js';
import { view } from './views.js';

const EVIL = '<img src=x onerror=alert(1)>';
const SYSCTL = { keepaliveTimeSec: 600, keepaliveIntvlSec: 30, keepaliveProbes: 4 };

function ns(inode: number, label: string, extra: Partial<Namespace> = {}): Namespace {
  return {
    inode, label, name: null, owner: null, own: false, initial: false, path: `/run/netns/${label}`,
    processes: [{ pid: 42, comm: 'python3' }], processCount: 1, sockets: 2, reader: 'netlink', error: null,
    sysctl: SYSCTL, sysctlError: null, firstSeenAt: 0, ...extra,
  };
}

async function setup(namespaces: Namespace[]) {
  const api = new ApiClient(async (url) => {
    const body = url === '/api/namespaces' ? { serverTime: 1, namespaces } : url.startsWith('/api/sysctl') ? { ...SYSCTL, bounds: {}, writable: true, netns: { inode: 7, label: 'ka-a', own: false } } : {};
    return { ok: true, status: 200, text: async () => JSON.stringify(body) };
  });
  const model = new DashboardModel({ api, stream: { start: () => {}, stop: () => {}, send: () => {} }, setTimer: () => 0, clearTimer: () => {} });
  await model.namespaces.refresh();
  return { model, render: renderer(model) };
}

test('the namespace cell shows the label as text, its inode in the title, the own namespace muted', async () => {
  const { render } = await setup([]);
  const foreign = render(rowNode(view({ netns: { inode: 4026532301, label: EVIL, own: false } })));
  assert.ok(!foreign.includes('<img'), foreign);
  assert.match(foreign, /<td class="c-netns" title="netns:4026532301">&lt;img src=x onerror=alert\(1\)&gt;<\/td>/);
  const own = render(rowNode(view({ netns: { inode: 4026531840, label: 'host', own: true } })));
  assert.match(own, /<td class="c-netns netns-own" title="netns:4026531840 \(this server&#x27;s namespace\)">host<\/td>/);
});

test('the picker offers every namespace with its socket count, and the picked one is selected', async () => {
  const { model, render } = await setup([ns(4026531840, 'host', { own: true, initial: true, sockets: 9 }), ns(7, 'ka-a')]);
  model.setFilter({ netns: '7' });
  const html = render(<FilterBar />);
  assert.match(html, /<select id="filter-netns">/);
  assert.match(html, /<option value="">all<\/option><option value="4026531840">host \(9 sockets\)<\/option><option value="7" selected="">ka-a \(2 sockets\)<\/option>/);
});

test("the host panel's list: units on every number, why a namespace is not read, the picked one highlighted with its form", async () => {
  const { model, render } = await setup([ns(7, 'ka-a'), ns(8, 'ka-b', { reader: null, sysctl: null, error: { code: 'EPERM', message: 'setns: EPERM (needs CAP_SYS_ADMIN)' } })]);
  model.setFilter({ netns: '7' });
  await model.refreshSysctl();
  const html = render(<NamespaceList picked={7} />);
  assert.match(html, /<tr class="ns-picked" aria-current="true" data-netns="7">/);
  assert.match(html, />600 s<\/td>.*>30 s<\/td>.*>4 probes<\/td>/);
  assert.match(html, />2 sockets</);
  assert.match(html, /sockets not read: setns: EPERM \(needs CAP_SYS_ADMIN\)/);
  assert.match(html, /<form class="sysctl" aria-label="Keepalive defaults of ka-a">/);
  assert.equal(html.match(/<form/g)?.length, 1, 'one form, in the picked row');
});

test('only one namespace visible: the list says so', async () => {
  const { render } = await setup([ns(4026531840, 'host', { own: true, initial: true })]);
  assert.match(render(<NamespaceList picked={undefined} />), /Only this server’s namespace is visible: /);
});

test('a picked namespace that is gone stays picked: the picker marks it, the host panel says so', async () => {
  const { model, render } = await setup([ns(7, 'ka-a')]);
  model.setFilter({ netns: '9' });
  assert.match(render(<FilterBar />), /<option value="9" selected="">netns:9 \(gone\)<\/option>/);
  assert.match(render(<HostPanel />), /The picked namespace \(netns:<!-- -->9<!-- -->\) is no longer listed/);
  model.setFilter({ netns: 'x1' });
  assert.ok(!render(<HostPanel />).includes('no longer listed'), 'text that is no inode picks nothing, as the table reads it');
});
