// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** Views rendered to HTML on the server side of React: names, labels, and text that stays text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient } from '../../web/src/transport/api.js';
import { Row } from '../../web/src/view/ConnectionTable.js';
import { DetailPanel } from '../../web/src/view/DetailPanel.js';
import { RetuneForm } from '../../web/src/view/RetuneForm.js';
import { StatusBar } from '../../web/src/view/StatusBar.js';
import { tcpInfoRow } from '../../web/src/view/format.js';
import { renderer, rowNode, textOf } from './render-env.js';
import { kaView, snapshot } from './views.js';

const EVIL = '<img src=x onerror=alert(1)>';

function setup() {
  const model = new DashboardModel({
    api: new ApiClient(async () => ({ ok: true, status: 200, text: async () => '{}' })),
    stream: { start: () => {}, stop: () => {}, send: () => {} },
    localNow: () => 1_000_000,
    setTimer: () => 0,
    clearTimer: () => {},
  });
  return { model, render: renderer(model) };
}

test('a process named like HTML is shown as text, never as markup', () => {
  const { model, render } = setup();
  const v = kaView(1_000_000, 5_000, 0, undefined, { id: 'evil', holders: [{ pid: 66, fd: 7, comm: EVIL, cmdline: '', uid: null, user: null, unit: null }] });
  const row = render(rowNode(v));
  assert.ok(!row.includes('<img'), row);
  assert.ok(textOf(row).includes('&lt;img src=x onerror=alert(1)&gt; (66)'), row);
  model.onFrame(snapshot([v], 1_000_000));
  model.select('evil');
  const detail = render(<DetailPanel />);
  assert.ok(!detail.includes('<img'));
  assert.ok(detail.includes('&lt;img src=x onerror=alert(1)&gt;'));
});

test('rows are table rows with the live columns filled', () => {
  const { render } = setup();
  const v = kaView(1_000_000, 85_000, 2); // probe 3 was due at 80 s
  const html = render(
    <table>
      <tbody>
        <Row view={v} index={4} selected cursor={false} focusable={false} urgencyClass="row-probing" onOpen={() => {}} />
      </tbody>
    </table>,
  );
  assert.match(html, /<tr class="row row-probing row-selected state-established"[^>]*aria-rowindex="6"[^>]*aria-current="true"/);
  assert.match(html, /<td class="num c-next"><span>0\.0 s<\/span><\/td>/, 'overdue probe reads 0');
  assert.match(html, />2 \/ 6</);
  assert.match(html, /<td class="num c-dead" title="predicted death at \d\d:\d\d:\d\d \(local time\)"><span>35 s<\/span>/);
  assert.match(html, />0\.25 ms</);
});

test('the retune form carries its accessible names', () => {
  const { model, render } = setup();
  model.onFrame(snapshot([kaView(1_000_000, 0, 0, undefined, { id: 'k' })], 1_000_000));
  model.select('k');
  const html = render(<RetuneForm disabledReason={null} />);
  for (const [id, label] of [
    ['retune-idleSec', 'Idle (s)'],
    ['retune-intervalSec', 'Interval (s)'],
    ['retune-count', 'Count'],
    ['retune-userTimeoutMs', 'User timeout (ms)'],
  ]) {
    assert.ok(html.includes(`<label for="${id}">${label}</label>`), label);
    assert.ok(html.includes(`id="${id}"`), id);
  }
  assert.match(html, /<label class="check"><input type="checkbox"[^>]*\/>Keepalive enabled<\/label>/);
  assert.match(html, /<button type="submit" class="primary" disabled="">Apply<\/button>/, 'nothing changed yet: Apply is disabled');
  assert.match(html, /a dead peer will be detected 2 min 0 s after its last answer/);
  model.setRetuneField('count', '500');
  const invalid = render(<RetuneForm disabledReason={null} />);
  assert.match(invalid, /aria-invalid="true"/);
  assert.match(invalid, /count must be 1–127, got 500/);
});

test('a LISTEN socket can be retuned, with what that does said; a TIME_WAIT one cannot', () => {
  const { model, render } = setup();
  const listener = kaView(1_000_000, 5_000, 0, undefined, { id: 'l', state: 'LISTEN' });
  const timeWait = kaView(1_000_000, 5_000, 0, undefined, { id: 'tw', state: 'TIME_WAIT' });
  model.onFrame(snapshot([listener, timeWait], 1_000_000));
  model.select('l');
  const open = render(<DetailPanel />);
  assert.match(open, /data-testid="listen-inherit"/);
  assert.match(open, /accepts from now on inherit these settings/);
  assert.ok(!/means nothing/.test(open), 'no refusal for a listener');
  model.select('tw');
  const closed = render(<DetailPanel />);
  assert.match(closed, /A TIME_WAIT socket has no keepalive/);
  assert.match(closed, /belongs to no process/, "TIME_WAIT is nobody's socket, not another process's");
  assert.ok(!closed.includes('listen-inherit'));
});

test("a rate the kernel leaves unlimited (u64 all ones) reads 'unlimited', not twenty digits", () => {
  assert.deepEqual(tcpInfoRow('maxPacingRate', 18_446_744_073_709_552_000), { name: 'maxPacingRate', value: 'unlimited', unit: '' });
  assert.deepEqual(tcpInfoRow('pacingRate', 125_000), { name: 'pacingRate', value: '125,000', unit: 'B/s' });
});

test('keepalive off: the stored idle / interval / count are muted as unused, and no probes are counted against them', () => {
  const { render } = setup();
  const off = kaView(1_000_000, 5_000, 0, undefined, { id: 'off', keepalive: { enabled: false, idleSec: 7200, intervalSec: 75, count: 9, userTimeoutMs: 0 } });
  const html = render(rowNode(off));
  assert.equal(html.match(/ka-unused/g)?.length, 3, html);
  assert.ok(!html.includes('0 / 9'), 'no probe count for a socket that will not probe');
});

test('a bidi override in a process name is shown escaped in the row and the detail, with who runs it', () => {
  const { model, render } = setup();
  const holder = { pid: 7454, fd: 3, comm: 'pay\u202egnp.exe', cmdline: 'pay\u202egnp.exe --serve', uid: 1000, user: 'alice', unit: 'systemd:pay.service' };
  const v = kaView(1_000_000, 5_000, 0, undefined, { id: 'bidi', holders: [holder] });
  const row = render(rowNode(v));
  assert.ok(!row.includes('\u202e'), 'the override character never reaches the page');
  assert.ok(textOf(row).includes('pay\\u{202E}gnp.exe (7454)'), row);
  // A long name is cut before its pid, never the pid: it sits in a part that does not shrink.
  assert.ok(row.includes('<span class="kept"> (7454)</span>'), row);
  model.onFrame(snapshot([v], 1_000_000));
  model.select('bidi');
  const detail = render(<DetailPanel />);
  assert.ok(!detail.includes('\u202e'));
  assert.match(detail, /alice · systemd:pay\.service/);
  assert.match(detail, /pay\\u\{202E\}gnp\.exe --serve/);
});

test('a lost live link is said with since-when and dims the table; a capture never reads as Live', () => {
  const { model, render } = setup();
  const status = (state: 'open' | 'reconnecting') => ({ state, attempt: state === 'open' ? 0 : 1, retryAt: null, lastClose: state === 'open' ? null : 'server gone', openedAt: state === 'open' ? 1 : null });
  model.onLinkStatus(status('open'));
  assert.ok(!render(<StatusBar />).includes('stale-banner'));
  model.onLinkStatus(status('reconnecting'));
  const lost = model.getState().link.lostAt;
  assert.equal(lost, 1_000_000, 'when it was lost, by this browser');
  model.onLinkStatus({ ...status('reconnecting'), attempt: 2 });
  assert.equal(model.getState().link.lostAt, lost, 'a later retry does not move it');
  assert.match(render(<StatusBar />), /data-testid="stale-banner"[^>]*>Disconnected since/);
  model.onLinkStatus(status('open'));
  assert.equal(model.getState().link.lostAt, null);
});

test('an endpoint keeps its port in a part of the cell that does not shrink; the cell still reads address:port', () => {
  const { render } = setup();
  const v = kaView(1_000_000, 5_000, 0, undefined, { local: { address: '::ffff:127.0.0.1', port: 48123 }, peer: { address: '127.0.0.1', port: 5432 } });
  const row = render(rowNode(v));
  assert.match(row, /<span class="cut">\[::ffff:127\.0\.0\.1\]<\/span><span class="kept">:48123<\/span>/);
  assert.match(textOf(row), /127\.0\.0\.1:5432/);
});
