/**
 * The store samples by prediction: a view is rebuilt when its holders or
 * settings change, not only when the kernel's row does. Real sockets held by
 * a separate process, the real netlink source.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ConnectionDetail } from '@keepalive-dashboard/shared';

import { AUTH, buildApp } from '../helpers/app.js';
import { spawnSocketHolder } from '../helpers/processes.js';

test('detail after the owner changed its own settings: settings, predictions and advisories all follow the new values', async (t) => {
  const fastify = await buildApp(t);
  const holder = await spawnSocketHolder(t);
  await fastify.ka.processMap.refresh();
  await fastify.ka.store.collectFresh();
  const id = fastify.ka.store.findByInode(holder.held.inode)?.id;
  assert.ok(id);
  const detail = async (): Promise<ConnectionDetail['connection']> =>
    ((await fastify.inject({ url: `/api/connections/${id}`, headers: AUTH })).json() as ConnectionDetail).connection;

  holder.child.stdin?.write('set {"userTimeoutMs": 65432}\n');
  await holder.nextLine();
  const short = await detail();
  assert.equal(short.keepalive?.userTimeoutMs, 65432);
  assert.deepEqual(short.advisories.map((a) => a.code), ['user-timeout-below-idle', 'idle-exceeds-middlebox']);
  // TCP_USER_TIMEOUT below idle: the kernel gives up one interval after the first probe.
  assert.ok(short.derived?.deadAt !== null && short.derived?.nextProbeAt !== null);
  assert.equal((short.derived?.deadAt ?? 0) - (short.derived?.nextProbeAt ?? 0), 30_000);

  holder.child.stdin?.write('set {"userTimeoutMs": 0}\n');
  await holder.nextLine();
  const back = await detail();
  assert.equal(back.keepalive?.userTimeoutMs, 0);
  assert.deepEqual(back.advisories.map((a) => a.code), ['idle-exceeds-middlebox'], 'no advisory quotes the old user timeout');
  assert.equal((back.derived?.deadAt ?? 0) - (back.derived?.nextProbeAt ?? 0), 4 * 30_000, 'count 4 × interval 30 s after the first probe');
  assert.deepEqual(fastify.ka.store.get(id)?.derived, back.derived, 'the table shows what the detail shows');
});

test('a socket seen before its holder is known: never a holder beside "no process holds this socket", and read back once known', async (t) => {
  const fastify = await buildApp(t);
  const holder = await spawnSocketHolder(t);
  await fastify.ka.store.collectFresh();
  const early = fastify.ka.store.findByInode(holder.held.inode);
  assert.ok(early);
  if (early.keepaliveError?.code === 'ENOENT') assert.deepEqual(early.holders, []);

  await fastify.ka.processMap.refresh();
  // Read back in turn behind whatever else the host holds (other sockets may be queued first).
  let known = fastify.ka.store.findByInode(holder.held.inode);
  const deadline = Date.now() + 20_000;
  while (known?.keepaliveOrigin !== 'foreign' && Date.now() < deadline) {
    await fastify.ka.store.collectFresh();
    known = fastify.ka.store.findByInode(holder.held.inode);
    assert.ok(!(known?.keepaliveError?.code === 'ENOENT' && known.holders.length > 0), 'a holder beside "no process holds this socket"');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(known?.holders.map((h) => h.pid), [holder.pid]);
  assert.equal(known?.keepaliveError, null);
  assert.equal(known?.keepaliveOrigin, 'foreign');
  assert.deepEqual(known?.keepalive, holder.held.keepalive);
});
