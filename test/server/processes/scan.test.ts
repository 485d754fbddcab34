import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fstatSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';

import { fdOf } from '@keepalive-dashboard/native';
import { ProcessMap } from '@keepalive-dashboard/server/processes/process-map';
import { scanSocketHolders, scanSocketHoldersDetailed } from '@keepalive-dashboard/server/processes/scan';

import { openPair } from '../../helpers/loopback.js';

test('the scan finds our own sockets by inode, with pid, fd and command', async (t) => {
  const { client, accepted } = await openPair(t);
  const holders = await scanSocketHolders();
  for (const socket of [client, accepted]) {
    const fd = fdOf(socket);
    const inode = fstatSync(fd).ino;
    assert.deepEqual(holders.get(inode), [{ pid: process.pid, fd, comm: 'node' }]);
  }
});

test('a socket held by two processes lists both holders', async (t) => {
  const { client } = await openPair(t);
  const inode = fstatSync(fdOf(client)).ino;
  // The child inherits the socket as its fd 3 and waits until its stdin closes.
  const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', client] });
  t.after(() => child.kill());
  await once(child, 'spawn');
  const holders = (await scanSocketHolders()).get(inode) ?? [];
  assert.deepEqual(holders.map((h) => h.pid).sort(), [process.pid, child.pid].sort());
  assert.deepEqual(holders.find((h) => h.pid === child.pid), { pid: child.pid, fd: 3, comm: 'sleep' });
});

test('a scan limited to some pids sees only those', async (t) => {
  await openPair(t);
  const scan = await scanSocketHoldersDetailed({ pids: [process.pid] });
  assert.equal(scan.scannedPids, 1);
  assert.ok(scan.holders.size >= 2);
  for (const list of scan.holders.values()) for (const h of list) assert.equal(h.pid, process.pid);
});

test('the process map refreshes on demand for one new connection', async (t) => {
  const map = new ProcessMap();
  await map.refresh();
  const { client } = await openPair(t);
  const inode = fstatSync(fdOf(client)).ino;
  assert.deepEqual(map.get(inode), [], 'not seen before the refresh');
  const holders = await map.refreshFor(inode);
  assert.equal(holders[0]?.pid, process.pid);
  assert.equal(map.getStatus().deniedPids, 0);
  assert.ok(map.getStatus().sockets >= 2);
});

test('a missing procfs is a clear ENOENT, not a crash', async () => {
  await assert.rejects(scanSocketHolders({ procRoot: '/nonexistent-proc' }), { code: 'ENOENT' });
});

test('refreshFor with a max age shares one rescan of an inode among those who ask within it', async () => {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const inode = fstatSync(fdOf(server)).ino;
    let now = 1_000;
    const map = new ProcessMap({ now: () => now });
    const first = map.refreshFor(inode, 1000);
    assert.equal(map.refreshFor(inode, 1000), first, 'shared within the window');
    assert.notEqual(map.refreshFor(inode), first, 'without a max age: read now');
    assert.ok((await first).some((h) => h.pid === process.pid), 'and it finds the real holder');
    now += 1000;
    assert.notEqual(map.refreshFor(inode, 1000), first, 'a new rescan once the window passed');
  } finally {
    server.close();
  }
});
