/**
 * The middlebox lab on the real kernel: a router namespace whose conntrack forgets an idle
 * flow after 8 s. Keepalive below that keeps the flow (a message after 20 s of silence
 * arrives); above it the entry expires, the message is lost and the client dies by
 * retransmission timeout (drop) or at once by a reset (rst). The scenarios wait real seconds,
 * so they run concurrently; every namespace is deleted when the test ends, pass or fail.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type { FastifyInstance } from 'fastify';

import { AUTH, buildApp } from '../helpers/app.js';

type Connection = { id: string; status: string; closeCode: string | null; conntrack: { state: string; remainingSec: number } | null; forgottenAt: number | null };
type Message = { delivered: boolean; clientError: string | null };

const ours = (instance: string): string[] => readdirSync('/run/netns').filter((n) => n.startsWith(`ka-mb-${instance}-`));

/** An app with the middlebox on; its namespaces are deleted after the test even if the app's own close fails. */
async function middleboxApp(t: TestContext, mode: 'drop' | 'rst', options = {}): Promise<FastifyInstance> {
  const app = await buildApp(t, options);
  const instance = app.ka.middlebox.instance;
  t.after(() => {
    for (const name of ours(instance)) spawnSync('ip', ['netns', 'delete', name]);
  });
  const put = await app.inject({ method: 'PUT', url: '/api/lab/middlebox', headers: AUTH, payload: { enabled: true, preset: 'custom', timeoutSec: 8, mode } });
  assert.equal(put.statusCode, 200, put.body);
  return app;
}

async function open(app: FastifyInstance, body: object): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/lab/middlebox/connections', headers: AUTH, payload: { userTimeoutMs: 5000, ...body } });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as Connection).id;
}

async function connection(app: FastifyInstance, id: string): Promise<Connection> {
  const view = (await app.inject({ method: 'GET', url: '/api/lab/middlebox', headers: AUTH })).json() as { connections: Connection[] };
  return view.connections.find((c) => c.id === id) as Connection;
}

async function until(app: FastifyInstance, id: string, ok: (c: Connection) => boolean, withinMs: number): Promise<Connection> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const c = await connection(app, id);
    if (ok(c)) return c;
    if (Date.now() > deadline) assert.fail(`not reached within ${withinMs} ms: ${JSON.stringify(c)}`);
    await sleep(500);
  }
}

const message = async (app: FastifyInstance, id: string, waitMs = 3000): Promise<Message> =>
  (await app.inject({ method: 'POST', url: `/api/lab/middlebox/connections/${id}/message`, headers: AUTH, payload: { waitMs } })).json() as Message;

test('a real conntrack middlebox with an 8 s idle timeout', { timeout: 180_000, concurrency: true }, async (t) => {
  const drop = await middleboxApp(t, 'drop');
  const rst = await middleboxApp(t, 'rst');
  await Promise.all([
    t.test('keepalive idle 3 s keeps the flow: a message after 20 s of silence arrives', async () => {
      const id = await open(drop, { keepalive: { idleSec: 3, intervalSec: 3, count: 3 } });
      await sleep(20_000);
      const c = await connection(drop, id);
      assert.equal(c.conntrack?.state, 'ESTABLISHED', JSON.stringify(c));
      assert.equal(c.forgottenAt, null);
      const sent = await message(drop, id);
      assert.deepEqual([sent.delivered, sent.clientError], [true, null]);
    }),
    t.test('keepalive idle 15 s: the entry expires first, the message is lost, the client dies by ETIMEDOUT', async () => {
      const died: { summary: string; detail?: Record<string, unknown> }[] = [];
      t.after(drop.ka.events.subscribe((e) => {
        if (e.type === 'died') died.push(e);
      }));
      const id = await open(drop, { keepalive: { idleSec: 15, intervalSec: 1, count: 3 } });
      assert.notEqual((await connection(drop, id)).conntrack, null);
      const forgotten = await until(drop, id, (c) => c.conntrack === null && c.forgottenAt !== null, 30_000);
      assert.equal(forgotten.status, 'open');
      assert.equal((await message(drop, id)).delivered, false);
      assert.equal((await until(drop, id, (c) => c.status === 'closed', 60_000)).closeCode, 'ETIMEDOUT');
      await until(drop, id, () => died.some((e) => e.detail?.middleboxConnection === id), 5000);
      const event = died.find((e) => e.detail?.middleboxConnection === id);
      assert.equal(event?.detail?.layer, 'middlebox');
      assert.match(event?.summary ?? '', /forgotten by the middlebox at .*, 7 s before the first keepalive probe/);
    }),
    t.test('rst mode: the first segment after expiry is answered with a reset (ECONNRESET)', async () => {
      const id = await open(rst, {});
      await until(rst, id, (c) => c.conntrack === null && c.forgottenAt !== null, 30_000);
      const sent = await message(rst, id, 5000);
      assert.deepEqual([sent.delivered, sent.clientError], [false, 'ECONNRESET']);
    }),
  ]);
  // The lab's links and rules live only in its namespaces.
  assert.equal(spawnSync('ip', ['link', 'show', 'to-router']).status !== 0, true);
  assert.doesNotMatch(execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }), /keepalive_middlebox/);
});

test('toggle-off and close remove every namespace of the lab', { timeout: 60_000 }, async (t) => {
  const app = await middleboxApp(t, 'drop');
  const instance = app.ka.middlebox.instance;
  assert.equal(ours(instance).length, 3);
  const off = await app.inject({ method: 'PUT', url: '/api/lab/middlebox', headers: AUTH, payload: { enabled: false } });
  assert.equal(off.statusCode, 200, off.body);
  assert.deepEqual(ours(instance), []);
  await app.inject({ method: 'PUT', url: '/api/lab/middlebox', headers: AUTH, payload: { enabled: true, preset: 'gcp', mode: 'rst' } });
  assert.equal(ours(instance).length, 3);
  await app.close();
  assert.deepEqual(ours(instance), []);
});

test('bad input is refused with a 4xx and changes nothing', { timeout: 30_000 }, async (t) => {
  const app = await buildApp(t);
  const bad = [
    { enabled: true, preset: 'custom', timeoutSec: 1 },
    { enabled: true, preset: 'custom' },
    { enabled: true, preset: 'aws', timeoutSec: 8 },
    { enabled: true, mode: 'reject' },
    { enabled: 'yes' },
    { enabled: true, extra: 1 },
  ];
  for (const payload of bad) {
    const res = await app.inject({ method: 'PUT', url: '/api/lab/middlebox', headers: AUTH, payload });
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${JSON.stringify(payload)} → ${res.statusCode}`);
  }
  const conn = await app.inject({ method: 'POST', url: '/api/lab/middlebox/connections', headers: AUTH, payload: {} });
  assert.equal(conn.statusCode, 409);
  assert.equal(((await app.inject({ method: 'GET', url: '/api/lab/middlebox', headers: AUTH })).json() as { enabled: boolean }).enabled, false);
  assert.deepEqual(ours(app.ka.middlebox.instance), []);
});

test('--read-only refuses to build the lab', { timeout: 30_000 }, async (t) => {
  const app = await buildApp(t, { readOnly: true });
  const res = await app.inject({ method: 'PUT', url: '/api/lab/middlebox', headers: AUTH, payload: { enabled: true } });
  assert.equal(res.statusCode, 403);
  assert.equal((res.json() as { code: string }).code, 'KA_ERR_READ_ONLY');
  assert.deepEqual(ours(app.ka.middlebox.instance), []);
});

test('a start after a crash removes a stale ka-mb-* set whose owner is gone, and keeps a live one', { timeout: 30_000 }, async (t) => {
  const deadPid = spawnSync('true').pid as number;
  const pidNs = /\[(\d+)\]/.exec(execFileSync('readlink', ['/proc/self/ns/pid'], { encoding: 'utf8' }))?.[1];
  const stale = ['client', 'router', 'server'].map((role) => `ka-mb-${deadPid}-1-${pidNs}-1-${role}`);
  const live = `ka-mb-${process.pid}-1-${pidNs}-99-router`; // our pid, but its start time is not ours: judged dead too
  const alive = `ka-mb-1-${readFileStart(1)}-${pidNs}-1-router`; // pid 1 with its real start time: alive
  t.after(() => {
    for (const name of [...stale, live, alive]) if (existsSync(`/run/netns/${name}`)) spawnSync('ip', ['netns', 'delete', name]);
  });
  for (const name of [...stale, live, alive]) execFileSync('ip', ['netns', 'add', name]);
  await buildApp(t);
  assert.deepEqual([...stale, live].filter((n) => existsSync(`/run/netns/${n}`)), []);
  assert.equal(existsSync(`/run/netns/${alive}`), true);
});

function readFileStart(pid: number): number {
  const stat = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

test('the client end is retuned like any foreign socket (pidfd_getfd), in its namespace', { timeout: 60_000 }, async (t) => {
  const app = await middleboxApp(t, 'drop', { namespaces: 'all' });
  const opened = (await app.inject({ method: 'POST', url: '/api/lab/middlebox/connections', headers: AUTH, payload: {} })).json() as { client: { netns: string; port: number } };
  const inode = statSync(`/run/netns/${opened.client.netns}`).ino;
  app.ka.namespaces.refresh();
  await app.ka.processMap.refresh();
  await app.ka.store.collectFresh();
  const view = [...app.ka.store.currentViews()].find((v) => v.netns?.inode === inode && v.local.port === opened.client.port);
  assert.ok(view, 'the client end is listed in its namespace');
  const patch = await app.inject({ method: 'PATCH', url: `/api/connections/${encodeURIComponent(view.id)}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 4 } });
  assert.equal(patch.statusCode, 200, patch.body);
  assert.equal((patch.json() as { after: { idleSec: number } }).after.idleSec, 4);
});
