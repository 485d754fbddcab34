import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';

import { getForeignKeepalive, readForeignKeepaliveBatch, type KeepaliveSettings } from '@keepalive-dashboard/native';

import { spawnChild } from '../helpers/processes.js';

// A child holding 20 client sockets, each with its own keepalive settings;
// prints {held: [{fd, inode, keepalive}], file: an fd that is no socket} and lives until its stdin closes.
const HOLDER = `
import net from 'node:net';
import { once } from 'node:events';
import { fstatSync, openSync } from 'node:fs';
import { fdOf, getKeepalive, setKeepalive } from '@keepalive-dashboard/native';
const server = net.createServer((s) => s.on('error', () => {})).listen(0, '127.0.0.1');
await once(server, 'listening');
const held = [];
for (let i = 0; i < 20; i++) {
  const c = net.connect(server.address().port, '127.0.0.1');
  await once(c, 'connect');
  setKeepalive(c, { enabled: i % 2 === 0, idleSec: 100 + i, intervalSec: 10 + i, count: 1 + i, userTimeoutMs: 1000 * i });
  held.push({ fd: fdOf(c), inode: fstatSync(fdOf(c)).ino, keepalive: getKeepalive(c) });
}
console.log(JSON.stringify({ held, file: openSync('/dev/null', 'r') }));
process.stdin.on('end', () => process.exit(0)).resume();
`;

interface Held {
  fd: number;
  inode: number;
  keepalive: KeepaliveSettings;
}

async function spawnHolder(t: TestContext): Promise<{ pid: number; held: Held[]; file: number }> {
  const child = spawnChild(t, process.execPath, ['--input-type=module', '-e', HOLDER]);
  return { pid: child.pid, ...(JSON.parse(await child.nextLine()) as { held: Held[]; file: number }) };
}

test('every socket of a process read back exactly, in item order, as single reads see it', async (t) => {
  const { pid, held } = await spawnHolder(t);
  const results = readForeignKeepaliveBatch(pid, held.map(({ fd, inode }) => ({ fd, inode })));
  assert.deepEqual(results, held.map((h) => ({ settings: h.keepalive })));
  assert.equal(new Set(held.map((h) => h.keepalive.idleSec)).size, 20);
  for (const h of held.slice(0, 3)) assert.deepEqual(getForeignKeepalive(pid, h.fd, { inode: h.inode }), h.keepalive);
});

test('a bad fd, a reused fd (inode mismatch) and a non-socket fail alone; the others are read', async (t) => {
  const { pid, held, file } = await spawnHolder(t);
  const [a, b, c] = held as [Held, Held, Held];
  const results = readForeignKeepaliveBatch(pid, [
    { fd: a.fd, inode: a.inode },
    { fd: 9999, inode: 1 },
    { fd: b.fd, inode: b.inode + 1_000_000 },
    { fd: file, inode: 1 },
    { fd: c.fd, inode: c.inode },
  ]);
  assert.deepEqual(results[0], { settings: a.keepalive });
  assert.deepEqual(results[1], { error: { code: 'EBADF', message: `process ${pid} has no fd 9999` } });
  assert.equal((results[2] as { error: { code: string } }).error.code, 'ESTALE');
  assert.equal((results[3] as { error: { code: string } }).error.code, 'ENOTSOCK');
  assert.deepEqual(results[4], { settings: c.keepalive });
});

test('a process that has exited throws ESRCH; arguments are checked first', async (t) => {
  const exited = spawnChild(t, process.execPath, ['-e', '0']);
  if (exited.child.exitCode === null) await once(exited.child, 'exit');
  assert.throws(() => readForeignKeepaliveBatch(exited.pid, [{ fd: 0, inode: 1 }]), { code: 'ESRCH', message: `process ${exited.pid} has exited` });
  assert.deepEqual(readForeignKeepaliveBatch(process.pid, []), []);
  assert.throws(() => readForeignKeepaliveBatch(0, []), RangeError);
  assert.throws(() => readForeignKeepaliveBatch(process.pid, [{ fd: -1, inode: 1 }]), RangeError);
  assert.throws(() => readForeignKeepaliveBatch(process.pid, [{ fd: 0, inode: 0 }]), TypeError);
});

test('without ptrace rights over the process the whole batch throws EPERM, saying what is missing', async (t) => {
  const { pid, held } = await spawnHolder(t);
  const call = `import { readForeignKeepaliveBatch as read } from '@keepalive-dashboard/native';
try { read(${pid}, ${JSON.stringify(held.map(({ fd, inode }) => ({ fd, inode })))}); console.log('{}'); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const run = spawnChild(t, 'setpriv', [
    '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
    process.execPath, '--input-type=module', '-e', call,
  ]);
  const answer = JSON.parse(await run.nextLine()) as { code?: string; message?: string };
  assert.equal(answer.code, 'EPERM');
  assert.match(answer.message ?? '', new RegExp(`process ${pid}: pidfd_getfd needs CAP_SYS_PTRACE`));
});
