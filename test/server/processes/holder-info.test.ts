import assert from 'node:assert/strict';
import { fstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { fdOf } from '@keepalive-dashboard/native';
import { ProcessMap } from '@keepalive-dashboard/server/processes/process-map';

import { tempDir } from '../../helpers/app.js';
import { openPair } from '../../helpers/loopback.js';
import { spawnChild } from '../../helpers/processes.js';

test('a real child run as nobody: its command line, effective uid and user name ride on its holder', async (t) => {
  const { client } = await openPair(t);
  const inode = fstatSync(fdOf(client)).ino;
  const child = spawnChild(t, 'setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sleep', '30'], {
    stdio: ['ignore', 'ignore', 'inherit', client],
  });
  const map = new ProcessMap();
  let holder;
  // setpriv execs sleep: wait until the pid's command line is sleep's, not setpriv's.
  for (let i = 0; i < 200 && holder?.comm !== 'sleep'; i++) {
    holder = (await map.refreshFor(inode)).find((h) => h.pid === child.pid);
    if (holder?.comm !== 'sleep') await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(holder, { pid: child.pid, fd: 3, comm: 'sleep', cmdline: 'sleep 30', uid: 65534, user: 'nobody', unit: holder?.unit });
  assert.deepEqual(map.get(inode).find((h) => h.pid === process.pid)?.uid, 0, 'our own holder too: we run as root');
});

/** A fake /proc with one pid holding socket inode 123 at fd 7. */
function fakePid(root: string, files: { cmdline: string; startTime: number; uid?: number; cgroup?: string }): void {
  const dir = join(root, '4242');
  mkdirSync(join(dir, 'fd'), { recursive: true });
  try {
    symlinkSync('socket:[123]', join(dir, 'fd', '7'));
  } catch {
    // already there: a later state of the same process
  }
  writeFileSync(join(dir, 'comm'), 'fake\n');
  writeFileSync(join(dir, 'cmdline'), files.cmdline);
  // comm with a space and a paren: the start time is counted from the last ')'.
  writeFileSync(join(dir, 'stat'), `4242 (fa) ke) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${files.startTime} 0 0\n`);
  writeFileSync(join(dir, 'status'), `Name:\tfake\nUid:\t0\t${files.uid ?? 65534}\t0\t0\n`);
  writeFileSync(join(dir, 'cgroup'), files.cgroup ?? '0::/system.slice/fake.service\n');
}

test('a pid is read once; its command line is re-read only when its start time changes (the pid reused)', async (t) => {
  const root = tempDir(t);
  fakePid(root, { cmdline: 'old\0--flag\0', startTime: 100 });
  const map = new ProcessMap({ procRoot: root });
  const changed: number[][] = [];
  map.onHoldersChanged((inodes) => changed.push(inodes));
  await map.refresh();
  assert.deepEqual(map.get(123), [{ pid: 4242, fd: 7, comm: 'fake', cmdline: 'old --flag', uid: 65534, user: 'nobody', unit: 'systemd:fake.service' }]);
  const first = map.get(123);
  fakePid(root, { cmdline: 'new\0', startTime: 100, uid: 0, cgroup: '0::/\n' });
  await map.refresh();
  assert.equal(map.get(123), first, 'same start time: the same process, nothing re-read, the same array');
  fakePid(root, { cmdline: 'new\0', startTime: 200, uid: 0, cgroup: '0::/\n' });
  await map.refresh();
  assert.deepEqual(map.get(123)[0], { pid: 4242, fd: 7, comm: 'fake', cmdline: 'new', uid: 0, user: 'root', unit: null });
  assert.deepEqual(changed, [[123], [123]]);
});

test('a command line is capped at 512 characters, its NULs spaces', async (t) => {
  const root = tempDir(t);
  fakePid(root, { cmdline: `${'a'.repeat(300)}\0${'b'.repeat(2000)}\0`, startTime: 1 });
  const map = new ProcessMap({ procRoot: root });
  await map.refresh();
  const cmdline = map.get(123)[0]?.cmdline ?? '';
  assert.equal(cmdline.length, 512);
  assert.equal(cmdline.slice(299, 302), 'a b');
});
