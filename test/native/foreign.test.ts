import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync, fstatSync, openSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';

import {
  fdOf,
  getForeignKeepalive,
  getForeignTcpInfo,
  setForeignKeepalive,
  withForeignSocket,
} from '@keepalive-dashboard/native';

import { socketsOnPort, socketWithInode } from '../helpers/diag.js';
import { openPair } from '../helpers/loopback.js';
import { fdOfInode, openFdCount, runUnprivileged, spawnChild, spawnSocketHolder } from '../helpers/processes.js';
import { ssTimer } from '../helpers/ss.js';

test("another process's socket: read its keepalive and tcp_info, retune it, read it back", async (t) => {
  const { held, pid } = await spawnSocketHolder(t);
  const expect = { inode: held.inode };
  assert.deepEqual(getForeignKeepalive(pid, held.fd, expect), held.keepalive);
  assert.equal(getForeignTcpInfo(pid, held.fd, expect).state, 'ESTABLISHED');
  const { before, after } = setForeignKeepalive(pid, held.fd, expect, { idleSec: 45, count: 9 });
  assert.deepEqual(before, held.keepalive);
  assert.deepEqual(after, { ...held.keepalive, idleSec: 45, count: 9 });
  assert.deepEqual(getForeignKeepalive(pid, held.fd, expect), after);
});

test('the fd is checked against the expected inode and cookie: ESTALE, and nothing is changed', async (t) => {
  const { held, pid } = await spawnSocketHolder(t);
  const cookie = socketWithInode(held.inode)?.cookie ?? '';
  assert.equal(getForeignKeepalive(pid, held.fd, { inode: held.inode, cookie }).idleSec, 600);
  assert.throws(() => setForeignKeepalive(pid, held.fd, { inode: held.inode + 1 }, { idleSec: 5 }), { code: 'ESTALE', message: /not the expected inode/ });
  assert.throws(() => setForeignKeepalive(pid, held.fd, { cookie: 'ffffffffffffff00' }, { idleSec: 5 }), { code: 'ESTALE' });
  assert.equal(getForeignKeepalive(pid, held.fd, { cookie }).idleSec, 600);
});

test('the duplicated fd is closed at once, even when fn throws', async (t) => {
  const { client } = await openPair(t);
  const fd = fdOf(client);
  const before = openFdCount();
  let seen = -1;
  assert.throws(() => withForeignSocket(process.pid, fd, { inode: fstatSync(fd).ino }, (dup) => { seen = dup; throw new Error('boom'); }), /boom/);
  assert.ok(seen > 0 && seen !== fd);
  assert.equal(openFdCount(), before);
  assert.throws(() => fstatSync(seen), { code: 'EBADF' });
});

test('errors that say what happened: exited process, no such fd, not a socket', async (t) => {
  const exited = spawnChild(t, process.execPath, ['-e', '0']);
  if (exited.child.exitCode === null) await once(exited.child, 'exit');
  assert.throws(() => getForeignKeepalive(exited.pid, 0, { inode: 1 }), { code: 'ESRCH', message: `process ${exited.pid} has exited` });
  const { pid } = await spawnSocketHolder(t);
  assert.throws(() => getForeignKeepalive(pid, 9999, { inode: 1 }), { code: 'EBADF', message: `process ${pid} has no fd 9999` });
  const file = openSync('/dev/null', 'r');
  t.after(() => closeSync(file));
  assert.throws(() => getForeignKeepalive(process.pid, file, { inode: 1 }), { code: 'ENOTSOCK', message: `process ${process.pid} fd ${file} is not a socket` });
  assert.throws(() => getForeignKeepalive(pid, 0, {}), { name: 'TypeError', message: /inode or cookie/ });
});

test('without CAP_SYS_PTRACE and as another uid: EPERM that says what is missing', async (t) => {
  const { client } = await openPair(t);
  const fd = fdOf(client);
  const answer = await runUnprivileged(t, ['foreign-keepalive', String(process.pid), String(fd), String(fstatSync(fd).ino)]);
  assert.equal(answer.code, 'EPERM');
  assert.match(answer.message ?? '', /needs CAP_SYS_PTRACE or the same uid/);
});

test("socat's idle connection, found through the dump and /proc/<pid>/fd, retuned: ss shows the new timer", async (t) => {
  const server = net.createServer().listen(0, '127.0.0.1');
  t.after(() => server.close());
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const socat = spawnChild(t, 'socat', ['STDIO', `TCP:127.0.0.1:${port}`]);
  const [accepted] = await acceptedP;
  t.after(() => accepted.destroy());
  const theirs = socketsOnPort(port).find((s) => s.local.port === accepted.remotePort);
  const fd = fdOfInode(socat.pid, theirs?.inode ?? 0);
  assert.ok(theirs && fd !== null, `socat holds socket:[${theirs?.inode}]`);
  setForeignKeepalive(socat.pid, fd, { inode: theirs.inode, cookie: theirs.cookie }, { enabled: true, idleSec: 77, intervalSec: 5, count: 3 });
  const timer = ssTimer({ address: '127.0.0.1', port: accepted.remotePort ?? 0 }, { address: '127.0.0.1', port: accepted.localPort ?? 0 });
  assert.equal(timer.kind, 'keepalive', timer.line);
  assert.ok(timer.ms > 70_000 && timer.ms <= 77_000, `ss: ${timer.line}`);
});
