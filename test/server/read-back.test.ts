/**
 * Foreign read-back through the running server (ticks, sweeps, the process
 * map): every socket of another process is read back whatever its family or
 * its place in the dump, and a program that changes its own settings is
 * seen within the refresh period. Bounds are generous: a busy machine slows
 * the ticks, it must not fail the test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildApp } from '../helpers/app.js';
import { spawnForeignHolder } from '../helpers/foreign-holder.js';

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a process’s IPv4 then IPv6 sockets are all read back; its own change on the IPv6 ones is shown within the refresh period', { timeout: 150_000 }, async (t) => {
  const fastify = await buildApp(t, { collect: true, processIntervalMs: 2_000, foreignRefreshMs: 5_000 });
  const holder = await spawnForeignHolder(t, 150);
  const view = (inode: number) => fastify.ka.store.findByInode(inode);
  await until(() => holder.sockets.every((s) => view(s.inode)?.keepaliveOrigin === 'foreign'), 60_000, 'every socket read back');
  for (const s of holder.sockets) assert.deepEqual(view(s.inode)?.keepalive, s.keepalive, `${s.role} IPv${s.family} inode ${s.inode}`);

  const changed = await holder.setOwnIdle(1234, 6);
  assert.ok(changed.length > 0);
  await until(() => changed.every((inode) => view(inode)?.keepalive?.idleSec === 1234), 60_000, 'the owner’s change on its IPv6 sockets shown');
  const others = holder.sockets.filter((s) => !changed.includes(s.inode));
  for (const s of others) assert.equal(view(s.inode)?.keepalive?.idleSec, s.keepalive.idleSec, 'nothing else changed');
});
