import assert from 'node:assert/strict';
import { once } from 'node:events';
import { fstatSync } from 'node:fs';
import type net from 'node:net';
import { test } from 'node:test';

import { destroySocket, fdOf, type DiagSocket } from '@keepalive-dashboard/native';

import { socketWithInode } from '../helpers/diag.js';
import { openPair } from '../helpers/loopback.js';
import { runUnprivileged, spawnSocketHolder } from '../helpers/processes.js';

/** Our own socket as the dump sees it, found by its inode. */
const dumped = (socket: net.Socket): DiagSocket | undefined => socketWithInode(fstatSync(fdOf(socket)).ino);

const targetOf = (s: DiagSocket | undefined) => ({
  family: s?.family ?? 4,
  src: s?.local.address ?? '',
  sport: s?.local.port ?? 0,
  dst: s?.peer.address ?? '',
  dport: s?.peer.port ?? 0,
  cookie: s?.cookie,
});

test('a killed socket in another process: its owner sees ECONNABORTED', async (t) => {
  const holder = await spawnSocketHolder(t);
  destroySocket(targetOf(socketWithInode(holder.held.inode)));
  assert.deepEqual(JSON.parse(await holder.nextLine()), { event: 'error', code: 'ECONNABORTED' });
  assert.equal(socketWithInode(holder.held.inode), undefined);
});

test('IPv6, our own net.Socket: ECONNABORTED on the socket, a reset for the peer', async (t) => {
  const { client, accepted } = await openPair(t, '::1');
  const peerError = once(accepted, 'error');
  destroySocket(targetOf(dumped(client)));
  const [error] = (await once(client, 'error')) as [NodeJS.ErrnoException];
  assert.equal(error.code, 'ECONNABORTED');
  assert.equal(((await peerError)[0] as NodeJS.ErrnoException).code, 'ECONNRESET');
});

test('a stale cookie is refused as gone and the socket on that 4-tuple lives on', async (t) => {
  const { client } = await openPair(t);
  const target = { ...targetOf(dumped(client)), cookie: 'ffff0000ffff0000' };
  assert.throws(() => destroySocket(target), { code: 'ENOENT', message: /^the socket is gone: .* with cookie ffff0000ffff0000$/ });
  assert.ok(dumped(client));
});

test('a socket that is not there: ENOENT, "the socket is gone"', async (t) => {
  const { client } = await openPair(t);
  const target = { ...targetOf(dumped(client)), dport: 1, cookie: null };
  assert.throws(() => destroySocket(target), { code: 'ENOENT', message: /^the socket is gone/ });
});

test('without CAP_NET_ADMIN: EPERM naming it, the socket untouched', async (t) => {
  const { client } = await openPair(t);
  const answer = await runUnprivileged(t, ['destroy', JSON.stringify(targetOf(dumped(client)))]);
  assert.equal(answer.code, 'EPERM');
  assert.match(answer.message ?? '', /needs CAP_NET_ADMIN/);
  assert.ok(dumped(client));
});

test('bad targets are refused before any syscall', () => {
  const good = { family: 4 as const, src: '127.0.0.1', sport: 1, dst: '127.0.0.1', dport: 2 };
  assert.throws(() => destroySocket({ ...good, src: '::1' }), { name: 'TypeError', message: /src must be an IPv4 address/ });
  assert.throws(() => destroySocket({ ...good, dport: 65536 }), { name: 'RangeError', message: /dport must be 0–65535/ });
  assert.throws(() => destroySocket({ ...good, cookie: 'sk:1' }), { name: 'TypeError', message: /cookie must be 16 hex digits/ });
});
