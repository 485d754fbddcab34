import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { lockFileExclusive } from '@keepalive-dashboard/native';

import { tempDir } from '../helpers/app.js';
import { spawnChild } from '../helpers/processes.js';

const isEagain = (error: { code?: string }): boolean => error.code === 'EAGAIN';

test('flock is per open file description: a second open in the same process is refused with EAGAIN until the first closes', (t) => {
  const path = join(tempDir(t), 'x.lock');
  const first = openSync(path, 'w');
  const second = openSync(path, 'r');
  t.after(() => closeSync(second));
  lockFileExclusive(first);
  lockFileExclusive(first); // taking it again on the same description is allowed
  assert.throws(() => lockFileExclusive(second), isEagain);
  closeSync(first);
  lockFileExclusive(second);
});

test('a lock held by another process (flock(1)) refuses us, and its death releases it', async (t) => {
  const path = join(tempDir(t), 'x.lock');
  const holder = spawnChild(t, 'flock', ['--exclusive', path, 'sh', '-c', 'echo locked; exec cat']);
  assert.equal(await holder.nextLine(), 'locked');
  const fd = openSync(path, 'r');
  t.after(() => closeSync(fd));
  assert.throws(() => lockFileExclusive(fd), isEagain);
  holder.child.stdin?.end(); // cat exits, then flock(1): the kernel drops its lock
  await once(holder.child, 'exit');
  lockFileExclusive(fd);
});

test('bad fds: TypeError before the addon, EBADF from the kernel', (t) => {
  assert.throws(() => lockFileExclusive(-1), TypeError);
  assert.throws(() => lockFileExclusive(1.5), TypeError);
  const fd = openSync(join(tempDir(t), 'x'), 'w');
  closeSync(fd);
  assert.throws(() => lockFileExclusive(fd), (error: { code?: string }) => error.code === 'EBADF');
});
