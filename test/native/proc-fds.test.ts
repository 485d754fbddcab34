import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { fdOf, scanProcSocketsAsync, SOCKET_FD_WORDS, type ProcSocketScan } from '@keepalive-dashboard/native';
import { scanSocketHoldersDetailed } from '@keepalive-dashboard/server/processes/scan';

import { tempDir } from '../helpers/app.js';
import { openPair } from '../helpers/loopback.js';
import { spawnChild } from '../helpers/processes.js';

const triples = (scan: ProcSocketScan, pid?: number): number[][] => {
  const out: number[][] = [];
  for (let i = 0; i < scan.sockets.length; i += SOCKET_FD_WORDS) {
    const triple = [...scan.sockets.subarray(i, i + SOCKET_FD_WORDS)];
    if (pid === undefined || triple[0] === pid) out.push(triple);
  }
  return out;
};

/** A fake procfs: pid → fd name → link target, plus a comm per pid. */
function fakeProc(root: string, pids: Record<string, Record<string, string>>): void {
  for (const [pid, fds] of Object.entries(pids)) {
    mkdirSync(join(root, pid, 'fd'), { recursive: true });
    writeFileSync(join(root, pid, 'comm'), `fake${pid}\n`);
    for (const [fd, target] of Object.entries(fds)) symlinkSync(target, join(root, pid, 'fd', fd));
  }
}

test('a child holding two known sockets at fds 3 and 4: exactly those triples, and its comm', async (t) => {
  const { client, accepted } = await openPair(t);
  const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', client, accepted] });
  t.after(() => child.kill());
  await once(child, 'spawn');
  const inodes = [client, accepted].map((socket) => fstatSync(fdOf(socket)).ino);
  const expected = [[child.pid, 3, inodes[0]], [child.pid, 4, inodes[1]]];
  const only = await scanProcSocketsAsync({ pids: [child.pid as number] });
  assert.deepEqual(triples(only), expected);
  assert.equal(only.comms.get(child.pid as number), 'sleep');
  assert.deepEqual(triples(await scanProcSocketsAsync(), child.pid), expected, 'the whole-host scan finds them too');
});

test('a pid that has exited is skipped without an error and still counts as scanned', async () => {
  const child = spawn('true');
  await once(child, 'exit');
  const scan = await scanProcSocketsAsync({ pids: [child.pid as number, process.pid] });
  assert.deepEqual([scan.scannedPids, scan.deniedPids], [2, 0]);
  assert.deepEqual(triples(scan, child.pid), []);
  assert.ok(triples(scan, process.pid).length > 0, 'the live pid after it is still scanned');
});

test('a fake procRoot: only `socket:[N]` links count, non-numeric entries are not pids', async (t) => {
  const root = tempDir(t);
  fakeProc(root, { '4242': { '7': 'socket:[123]', '8': '/dev/null', '9': 'socket:[12x]', '10': 'pipe:[5]' } });
  symlinkSync('4242', join(root, 'self'));
  const scan = await scanProcSocketsAsync({ procRoot: root });
  assert.deepEqual(triples(scan), [[4242, 7, 123]]);
  assert.deepEqual([...scan.comms], [[4242, 'fake4242']]);
  assert.deepEqual([scan.scannedPids, scan.deniedPids], [1, 0]);
});

test('holders come out in the JavaScript walk’s order (names in strcmp order: 10 before 2), identical from both walks', async (t) => {
  const root = tempDir(t);
  fakeProc(root, { '2': { '3': 'socket:[77]', '10': 'socket:[77]', '20': 'socket:[88]' }, '10': { '5': 'socket:[77]' } });
  const native = await scanSocketHoldersDetailed({ procRoot: root, engine: 'native' });
  const javascript = await scanSocketHoldersDetailed({ procRoot: root, engine: 'javascript' });
  assert.deepEqual(
    native.holders.get(77)?.map((h) => `${h.pid}:${h.fd}`),
    ['10:5', '2:10', '2:3'],
  );
  assert.deepEqual([...native.holders], [...javascript.holders]);
  assert.deepEqual([native.scannedPids, native.deniedPids], [javascript.scannedPids, javascript.deniedPids]);
});

test('on the real /proc both walks agree on our own and a child’s sockets', async (t) => {
  const { client } = await openPair(t);
  const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', client] });
  t.after(() => child.kill());
  await once(child, 'spawn');
  const pids = [process.pid, child.pid as number];
  const native = await scanSocketHoldersDetailed({ pids, engine: 'native' });
  const javascript = await scanSocketHoldersDetailed({ pids, engine: 'javascript' });
  assert.deepEqual([...native.holders], [...javascript.holders]);
  assert.equal(native.holders.get(fstatSync(fdOf(client)).ino)?.length, 2);
});

test('a process whose fds we may not list counts as denied; a missing procRoot rejects ENOENT', async (t) => {
  const call = `import { scanProcSocketsAsync } from '@keepalive-dashboard/native';
const scan = await scanProcSocketsAsync({ pids: [1] });
console.log(JSON.stringify([scan.scannedPids, scan.deniedPids, scan.sockets.length]));`;
  const run = spawnChild(t, 'setpriv', [
    '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
    process.execPath, '--input-type=module', '-e', call,
  ]);
  assert.deepEqual(JSON.parse(await run.nextLine()), [0, 1, 0]);
  await assert.rejects(scanProcSocketsAsync({ procRoot: '/nonexistent-proc' }), { code: 'ENOENT' });
});

test('arguments are checked before the addon is called', async () => {
  await assert.rejects(scanProcSocketsAsync({ pids: [0] }), RangeError);
  await assert.rejects(scanProcSocketsAsync({ pids: [1.5] }), RangeError);
  await assert.rejects(scanProcSocketsAsync({ procRoot: '' }), TypeError);
});
