import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { parseNetstat } from '@keepalive-dashboard/server/sources/netstat';
import { parseProcNetTcp } from '@keepalive-dashboard/server/sources/proc';
import { parseSs } from '@keepalive-dashboard/server/sources/ss';
import { nextProbeAt, remainingMs } from '@keepalive-dashboard/shared';

import { buildCapture, detectCaptureFormat } from '../../web/src/capture/capture.js';
import { DashboardModel } from '../../web/src/model/dashboard.js';
import { ApiClient, type FetchLike } from '../../web/src/transport/api.js';
import { snapshot, view } from './views.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

test('the capture format is recognised from the text', () => {
  assert.equal(detectCaptureFormat(fixture('ss/probing-client-tanoie.txt')), 'ss');
  assert.equal(detectCaptureFormat(fixture('ss/steady-client-tanoeH.txt')), 'ss');
  assert.equal(detectCaptureFormat(fixture('netstat/probing-client.txt')), 'netstat');
  assert.equal(detectCaptureFormat(fixture('proc/probing-client-tcp.txt')), 'proc');
  assert.equal(detectCaptureFormat(fixture('proc/steady-client-tcp6.txt')), 'proc');
});

test('a parsed capture becomes frozen, read-only table rows with the kernel timer as countdown', () => {
  const parsed = parseSs(fixture('ss/probing-client-tanoie.txt'));
  const capture = buildCapture('probing.txt', 'ss', parsed.connections, [], 5_000_000);
  assert.ok(capture.views.length > 0);
  assert.ok(capture.views.every((v) => v.holders.length === 0 && v.ownership === 'foreign' && v.keepalive === null));
  const ka = capture.views.find((v) => v.timer.kind === 'keepalive');
  assert.ok(ka, 'the fixture has a socket with a keepalive timer');
  const original = parsed.connections.find((c) => c.id === ka.id);
  assert.equal(remainingMs(nextProbeAt(ka), capture.capturedAt), original?.timer.remainingMs);
  assert.equal(ka.keepaliveOrigin, 'inferred');
  for (const [format, text] of [
    ['netstat', parseNetstat(fixture('netstat/probing-client.txt'))],
    ['proc', parseProcNetTcp(fixture('proc/probing-client-tcp.txt'), 4, 100)],
  ] as const) {
    assert.ok(buildCapture('x', format, text.connections, [], 0).views.length > 0, format);
  }
});

function modelWith(answer: (body: unknown) => { status: number; body: unknown }) {
  const fetchFn: FetchLike = async (url, init) => {
    const result = url === '/api/parse' ? answer(JSON.parse(init.body ?? '{}')) : { status: 200, body: { events: [], next: null, entries: [] } };
    return { ok: result.status < 400, status: result.status, text: async () => JSON.stringify(result.body) };
  };
  let now = 9_000_000;
  const model = new DashboardModel({
    api: new ApiClient(fetchFn),
    stream: { start: () => {}, stop: () => {}, send: () => {} },
    localNow: () => now,
    setTimer: () => 0,
    clearTimer: () => {},
  });
  return { model, tick: (ms: number) => (now += ms) };
}

test('loading a capture shows it in the table, freezes its clock, and going back restores live rows', async () => {
  const text = fixture('ss/probing-client-tanoie.txt');
  const parsed = parseSs(text);
  let asked: unknown;
  const { model, tick } = modelWith((body) => {
    asked = body;
    return { status: 200, body: { connections: parsed.connections, issues: [{ line: 7, message: 'bad line', text: 'x' }] } };
  });
  model.onFrame(snapshot([view({ id: 'live-1' })], 9_000_000));
  await model.loadCapture('probing.txt', text);
  assert.deepEqual(asked, { format: 'ss', text });
  const state = model.getState();
  assert.equal(state.capture?.name, 'probing.txt');
  assert.deepEqual(state.capture?.issues, [{ line: 7, message: 'bad line' }]);
  assert.equal(state.table.mode, 'capture');
  assert.equal(state.table.rows.length, new Set(parsed.connections.map((c) => c.id)).size);
  const frozen = model.now();
  tick(5_000);
  assert.equal(model.now(), frozen, 'countdowns of a capture do not run');
  // Live deltas keep arriving but do not replace the capture's rows.
  model.onFrame(snapshot([view({ id: 'live-2' })], 9_001_000, 2));
  assert.ok(model.getState().table.rows.every((r) => r.id !== 'live-2'));
  model.setFilter({ probing: 'yes' });
  assert.ok(model.getState().table.rows.every((r) => r.timer.kind === 'keepalive' && r.timer.count > 0));
  model.leaveCapture();
  model.clearFilter();
  assert.deepEqual(model.getState().table.rows.map((r) => r.id), ['live-2']);
});

test('a server without the parse endpoint says so', async () => {
  const { model } = modelWith(() => ({ status: 404, body: { code: 'KA_ERR_NOT_FOUND', message: 'no route POST /api/parse' } }));
  await model.loadCapture('x.txt', 'State Recv-Q\n');
  assert.match(model.getState().captureLoad.error?.message ?? '', /cannot parse captures \(POST \/api\/parse is missing\)/);
  assert.equal(model.getState().capture, null);
});
