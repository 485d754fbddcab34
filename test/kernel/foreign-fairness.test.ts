/**
 * Fair foreign read-back against the real kernel: a separate process's IPv4
 * sockets come first in its list and its IPv6 ones last; every one is read
 * back within the first-read bound, and a change the process makes itself to
 * IPv6 ones is seen within the refresh period. Time is a schedule clock
 * advanced a second per readDue, so a loaded machine changes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createForeignReader } from '../../server/src/collector/foreign-reader.js';
import { DEFAULT_FOREIGN_OPTIONS, ForeignSettings } from '../../server/src/collector/foreign-settings.js';
import { nativeForeignAccess } from '../../server/src/control/native-control.js';
import { spawnForeignHolder } from '../helpers/foreign-holder.js';

/** Calls readDue once a schedule second from `fromMs` until `untilMs`; first `now` each inode was reported changed. */
function tickUntil(settings: ForeignSettings, fromMs: number, untilMs: number, done: (seen: Map<number, number>) => boolean): Map<number, number> {
  const seen = new Map<number, number>();
  for (let now = fromMs; now <= untilMs && !done(seen); now += 1000) {
    for (const inode of settings.readDue(now)) if (!seen.has(inode)) seen.set(inode, now);
  }
  return seen;
}

test('300 IPv4 then 300 IPv6 sockets of another process: all read back within 10 s, its own IPv6 change seen within the refresh period', { timeout: 120_000 }, async (t) => {
  const holder = await spawnForeignHolder(t, 150);
  assert.deepEqual([...new Set(holder.sockets.map((s) => s.family))], [4, 6], 'IPv4 sockets listed first');
  const settings = new ForeignSettings(createForeignReader(nativeForeignAccess()));
  for (const socket of holder.sockets) settings.track(socket.inode, holder.holdersOf(socket), 0);

  const firstReads = tickUntil(settings, 0, DEFAULT_FOREIGN_OPTIONS.firstReadMs - 1000, (seen) => seen.size === holder.sockets.length);
  assert.equal(firstReads.size, 600, `${600 - firstReads.size} sockets not read back within 10 s`);
  for (const socket of holder.sockets) {
    const entry = settings.get(socket.inode);
    assert.deepEqual(entry?.settings, socket.keepalive, `${socket.role} IPv${socket.family} fd ${socket.fd}: ${JSON.stringify(entry?.error)}`);
  }

  const retuned = await holder.setOwnIdle(777, 6);
  assert.equal(retuned.length, 150);
  const startMs = 10_000;
  const seen = tickUntil(settings, startMs, startMs + DEFAULT_FOREIGN_OPTIONS.refreshMs, (s) => retuned.every((inode) => s.has(inode)));
  for (const inode of retuned) {
    assert.ok(seen.has(inode), `IPv6 inode ${inode}: its idle 777 s not seen within the refresh period`);
    assert.equal(settings.get(inode)?.settings?.idleSec, 777);
  }
  const others = holder.sockets.filter((s) => !retuned.includes(s.inode));
  assert.deepEqual(others.filter((s) => seen.has(s.inode)).map((s) => s.inode), [], 'sockets the process left alone are not reported changed');
  assert.equal(settings.status(startMs).failed, 0);
});
