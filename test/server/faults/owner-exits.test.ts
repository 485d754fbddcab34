import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';

import { AUTH, buildApp } from '../../helpers/app.js';
import { spawnSocketHolder } from '../../helpers/processes.js';

/** What this process's fds point at (socket:[ino], anon_inode:[pidfd], paths). */
function fdTargets(): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      out.push(readlinkSync(`/proc/self/fd/${name}`));
    } catch {
      // the fd readdir itself used, closed already
    }
  }
  return out;
}

/**
 * Fds open now that were not before. Not a plain count: child stdio
 * (socketpairs) closes on its own as the holders die, which would hide a leak.
 */
function opened(before: string[], after: string[]): string[] {
  const left = [...before];
  // A process scan in flight on the libuv pool holds a /proc/PID/fd directory open for a moment: not a leak of ours.
  return after.filter((target) => {
    if (/^\/proc\/\d+\/fd$/.test(target)) return false;
    const i = left.indexOf(target);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

async function listed(fastify: Awaited<ReturnType<typeof buildApp>>, inode: number): Promise<string> {
  await fastify.ka.store.collectFresh();
  const view = fastify.ka.store.snapshot().connections.find((v) => v.inode === inode);
  assert.ok(view, `socket inode ${inode} listed`);
  return view.id;
}

test('the owner exits right before the PATCH: 404 KA_ERR_SOCKET_GONE, no fd left open', async (t) => {
  const fastify = await buildApp(t);
  const holder = await spawnSocketHolder(t);
  const id = await listed(fastify, holder.held.inode);
  process.kill(holder.pid, 'SIGKILL');
  await once(holder.child, 'exit');
  const before = fdTargets();
  const res = await fastify.inject({ method: 'PATCH', url: `/api/connections/${id}/keepalive`, headers: AUTH, payload: { idleSec: 30 } });
  assert.equal(res.statusCode, 404, res.body);
  const body = res.json() as { code: string; message: string };
  assert.equal(body.code, 'KA_ERR_SOCKET_GONE');
  assert.match(body.message, /gone/);
  assert.deepEqual(opened(before, fdTargets()), []);
  assert.ok(fdTargets().length <= before.length, 'fd count unchanged');
});

test('the owner exits while PATCHes are in flight: 200 or 404, never 500; no duplicate or pidfd left open', async (t) => {
  const fastify = await buildApp(t);
  const holders = await Promise.all(Array.from({ length: 6 }, () => spawnSocketHolder(t)));
  const ids = await Promise.all(holders.map((h) => listed(fastify, h.held.inode)));
  const before = fdTargets();
  const statuses = await Promise.all(
    holders.map(async (holder, i) => {
      const patches = Array.from({ length: 5 }, () => fastify.inject({ method: 'PATCH', url: `/api/connections/${ids[i]}/keepalive`, headers: AUTH, payload: { idleSec: 40 + i } }));
      // Killed at a different moment for each holder: before, among and after its PATCHes start.
      await new Promise((resolve) => setTimeout(resolve, i));
      process.kill(holder.pid, 'SIGKILL');
      return Promise.all(patches);
    }),
  );
  await Promise.all(holders.map((h) => (h.child.exitCode === null && h.child.signalCode === null ? once(h.child, 'exit') : null)));
  await fastify.ka.store.collectFresh(); // each 200 started a background collection: let its netlink socket close
  for (const res of statuses.flat()) {
    assert.ok(res.statusCode === 200 || res.statusCode === 404, `${res.statusCode} ${res.body}`);
    if (res.statusCode === 404) assert.equal((res.json() as { code: string }).code, 'KA_ERR_SOCKET_GONE');
  }
  const after = fdTargets();
  assert.deepEqual(opened(before, after), [], 'every pidfd and duplicated socket closed');
  for (const h of holders) assert.ok(!after.includes(`socket:[${h.held.inode}]`), `no duplicate of ${h.held.inode} kept`);
});
