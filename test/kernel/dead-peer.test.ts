/**
 * Kernel truth: black-hole a lab peer and watch the real kernel give up on it,
 * against what shared/ predicted. Real sockets, a real nftables table
 * (removed when the app closes, even on failure), real timers.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';

import type { ConnectionView, DashboardEvent } from '@keepalive-dashboard/shared';

import { AUTH, buildApp, labPair } from '../helpers/app.js';
import { openStream, type FrameReader } from '../helpers/ws.js';

interface Lab {
  fastify: Awaited<ReturnType<typeof buildApp>>;
  reader: FrameReader;
  connectionId: string;
  labId: string;
  /** Every view of the connection the stream delivered, in order. */
  views: ConnectionView[];
  events: DashboardEvent[];
}

async function deadPeerLab(t: TestContext, options: Parameters<typeof buildApp>[1] = {}): Promise<Lab> {
  const fastify = await buildApp(t, { collect: true, intervalMs: 200, ...options });
  const { connectionId, labId } = await labPair(fastify);
  const reader = await openStream(fastify as never, AUTH);
  t.after(() => reader.socket.terminate());
  const lab: Lab = { fastify, reader, connectionId, labId, views: [], events: [] };
  reader.socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(String(data)) as { type: string; added?: ConnectionView[]; changed?: ConnectionView[]; connections?: ConnectionView[]; event?: DashboardEvent };
    for (const v of [...(frame.added ?? []), ...(frame.changed ?? []), ...(frame.connections ?? [])]) if (v.id === connectionId) lab.views.push(v);
    if (frame.event) lab.events.push(frame.event);
  });
  return lab;
}

const patch = (lab: Lab, body: object) =>
  lab.fastify.inject({ method: 'PATCH', url: `/api/connections/${lab.connectionId}/keepalive`, headers: AUTH, payload: body });
const blackhole = async (lab: Lab, on: boolean): Promise<void> => {
  const res = await lab.fastify.inject({ method: 'POST', url: `/api/lab/connections/${lab.labId}/blackhole`, headers: AUTH, payload: { on } });
  assert.equal(res.statusCode, 200, res.body);
};
/** Keepalive on first, then the timing: TCP_KEEPIDLE then re-arms from the last receive. Returns how late that was. */
async function tune(lab: Lab, body: { idleSec: number; intervalSec: number; count: number; userTimeoutMs?: number }): Promise<number> {
  assert.equal((await patch(lab, { enabled: true })).statusCode, 200);
  const before = lab.fastify.ka.store.get(lab.connectionId)?.derived?.lastRecvAt ?? Date.now();
  assert.equal((await patch(lab, body)).statusCode, 200);
  return Math.max(0, Date.now() - before - body.idleSec * 1000);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const death = (lab: Lab) => lab.events.find((e) => e.type === 'died' && (e.detail as { labId?: string } | undefined)?.labId === lab.labId);

/** Measured death (from the last receive) minus the prediction, in ms. */
function deathError(event: DashboardEvent): { measuredMs: number; predictedMs: number } {
  const d = event.detail as { lastRecvAt: number; predictedDeadAt: number; diedAt: number };
  return { measuredMs: d.diedAt - d.lastRecvAt, predictedMs: d.predictedDeadAt - d.lastRecvAt };
}

/**
 * `lateMs`: how long after the last receive the settings took effect. The
 * kernel re-arms the timer for idle − elapsed when TCP_KEEPIDLE is set on a
 * socket with keepalive on — exactly the rule from the last receive — unless
 * idle had already passed, when the first probe goes at once.
 */
function assertOnTime(event: DashboardEvent, expectedMs: number, lateMs = 0): void {
  const { measuredMs, predictedMs } = deathError(event);
  // The prediction rides on the kernel's own timer once probing. The timer
  // wheel rounds a 2 s timeout up by up to ~64 ms, so each firing is a little
  // late and the lateness adds up over the firings (the death shares it).
  const firings = Math.ceil(expectedMs / 2000);
  const slack = 300 + 100 * firings;
  assert.ok(predictedMs >= expectedMs - 50 && predictedMs <= expectedMs + lateMs + slack, `shared/ predicted ${predictedMs} ms, the rule says ${expectedMs} ms (+${lateMs} ms late start, ${slack} ms timer slack)`);
  assert.ok(measuredMs - predictedMs >= -200 && measuredMs - predictedMs <= 1500, `died ${measuredMs} ms after the last receive, predicted ${predictedMs} ms`);
}

test('idle 3 / interval 2 / count 3, peer black-holed: ETIMEDOUT on time, probes rising 1, 2, 3', async (t) => {
  const lab = await deadPeerLab(t);
  const late = await tune(lab, { idleSec: 3, intervalSec: 2, count: 3 });
  await blackhole(lab, true);
  const event = await until('the death event', () => death(lab), 25_000);
  assert.equal((event.detail as { code: string }).code, 'ETIMEDOUT');
  assertOnTime(event, 9000, late);
  const probes = [...new Set(lab.views.map((v) => v.derived?.probesOut ?? 0))].filter((p) => p > 0);
  assert.deepEqual(probes, [1, 2, 3], 'the stream showed each probe');
  assert.ok(lab.views.some((v) => v.derived?.phase === 'probing'));
});

test('TCP_USER_TIMEOUT 7000 ms with idle 3 / interval 2: abort at the first firing at or past it', async (t) => {
  const lab = await deadPeerLab(t);
  const late = await tune(lab, { idleSec: 3, intervalSec: 2, count: 9, userTimeoutMs: 7000 });
  await blackhole(lab, true);
  const event = await until('the death event', () => death(lab), 25_000);
  assertOnTime(event, 7000, late);
});

test('the peer returns before count is reached: probes drop to 0, the connection lives, the countdown returns to idle', async (t) => {
  const lab = await deadPeerLab(t);
  await tune(lab, { idleSec: 3, intervalSec: 2, count: 5 });
  await blackhole(lab, true);
  await until('two probes out', () => lab.views.at(-1)?.derived?.probesOut === 2, 15_000);
  await blackhole(lab, false);
  const back = await until('probes back to 0', () => lab.views.at(-1)?.derived?.probesOut === 0 && lab.views.at(-1), 8_000);
  assert.equal(back.state, 'ESTABLISHED');
  assert.equal(back.derived?.phase, 'idle');
  const sinceRecv = (back.derived?.nextProbeAt ?? 0) - (back.derived?.lastRecvAt ?? 0);
  assert.equal(sinceRecv, 3000, 'next probe one idle after the answer');
  await sleep(2000);
  assert.equal(death(lab), undefined, 'no death');
});

test('raising count during the probe phase moves the death as predicted', async (t) => {
  const lab = await deadPeerLab(t);
  const late = await tune(lab, { idleSec: 3, intervalSec: 2, count: 4 });
  await blackhole(lab, true);
  await until('a probe out', () => (lab.views.at(-1)?.derived?.probesOut ?? 0) >= 1, 15_000);
  assert.equal((await patch(lab, { count: 6 })).statusCode, 200);
  const event = await until('the death event', () => death(lab), 30_000);
  assertOnTime(event, 3000 + 6 * 2000, late);
});

test('keepalive off, peer black-holed: it stays ESTABLISHED and is flagged as a half-open risk', async (t) => {
  const lab = await deadPeerLab(t, { advisoryOptions: { middleboxIdleSec: 350, idleWithoutKeepaliveMs: 2000 } });
  await patch(lab, { enabled: false });
  await blackhole(lab, true);
  await sleep(11_000); // past when idle 3 / interval 2 / count 3 would have killed it
  assert.equal(death(lab), undefined);
  const view = lab.fastify.ka.store.get(lab.connectionId);
  assert.equal(view?.state, 'ESTABLISHED');
  assert.ok(view?.advisories.some((a) => a.code === 'keepalive-off-idle'), JSON.stringify(view?.advisories));
});

test('black holes are removed on toggle-off and when the app closes', async (t) => {
  const lab = await deadPeerLab(t);
  const ours = () => execFileSync('nft', ['list', 'ruleset'], { encoding: 'utf8' }).split(/^(?=table )/m).filter((table) => table.startsWith(`table inet keepalive_dashboard_${process.pid}_`)).join('');
  const rules = () => execFileSync('ip', ['rule', 'show'], { encoding: 'utf8' });
  await blackhole(lab, true);
  assert.match(ours(), /elements = \{ 127\.0\.0\.1 \. \d+ \. 127\.0\.0\.1 \. \d+ \}/);
  assert.match(rules(), /^0:\s+from all lookup local/m, 'the local rule is never touched');
  await blackhole(lab, false);
  assert.doesNotMatch(ours(), /elements/);
  await blackhole(lab, true);
  await lab.fastify.close();
  assert.equal(ours(), '', 'its table is gone');
  assert.match(rules(), /^0:\s+from all lookup local/m);
});
