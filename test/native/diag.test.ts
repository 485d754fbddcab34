import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fstatSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';

import { Value } from '@sinclair/typebox/value';

import { ConnectionSchema } from '@keepalive-dashboard/shared';
import {
  createNative,
  dumpTcpSockets,
  dumpTcpSocketsAsync,
  fdOf,
  loadAddon,
  setKeepalive,
  TcpSocketTable,
  type DiagSocket,
} from '@keepalive-dashboard/native';
import { createNetlinkSource } from '@keepalive-dashboard/server/sources/netlink';
import { SourceUnavailableError } from '@keepalive-dashboard/server/sources/types';

import { openPair, sleep } from '../helpers/loopback.js';
import { countOnPort, live, onListenerPort, socketsOnPort, socketWithInode } from '../helpers/diag.js';
import { openManyPairs } from '../helpers/many-pairs.js';
import { spawnChild } from '../helpers/processes.js';

const mine = (port: number, table?: TcpSocketTable): DiagSocket[] => socketsOnPort(port, table);

test('a loopback pair: listener, both ends, with inode, uid, queues and tcp_info', async (t) => {
  const { client, accepted, port } = await openPair(t);
  const found = live(mine(port));
  const listener = found.find((s) => s.state === 'LISTEN');
  const ours = found.find((s) => s.local.port === client.localPort);
  assert.equal(found.length, 3);
  assert.deepEqual({ ...listener?.peer, recvQ: listener?.recvQ, sendQ: listener?.sendQ }, { address: '0.0.0.0', port: 0, recvQ: 0, sendQ: 511 });
  assert.deepEqual(ours?.local, { address: '127.0.0.1', port: client.localPort });
  assert.deepEqual(ours?.peer, { address: '127.0.0.1', port });
  assert.equal(ours?.inode, fstatSync(fdOf(client)).ino);
  assert.equal(found.find((s) => s.peer.port === client.localPort)?.inode, fstatSync(fdOf(accepted)).ino);
  assert.deepEqual([ours?.family, ours?.stateCode, ours?.uid, ours?.iface], [4, 1, 0, null]);
  assert.ok((ours?.tcpInfo?.rtt ?? 0) > 0 && ours?.tcpInfo?.unacked === 0 && (ours.tcpInfo.pmtu ?? 0) > 0);
});

test('inode and cookie agree with ss -e (sk: is the u64 cookie, high half first)', async (t) => {
  const { port } = await openPair(t);
  const ss = execFileSync('ss', ['-tanHe', 'exclude', 'time-wait', `( src 127.0.0.1:${port} or dst 127.0.0.1:${port} )`], { encoding: 'utf8' });
  const fromSs = [...ss.matchAll(/:(\d+)\s+\S+:(\d+|\*)\s.*?ino:(\d+) sk:([0-9a-f]+)/g)]
    .map((m) => `${m[1]}>${m[2] === '*' ? 0 : m[2]} ${m[3]} ${(m[4] ?? '').padStart(16, '0')}`)
    .sort();
  const fromDump = live(mine(port)).map((s) => `${s.local.port}>${s.peer.port} ${s.inode} ${s.cookie}`).sort();
  assert.equal(fromSs.length, 3, ss);
  assert.deepEqual(fromDump, fromSs);
});

test('the keepalive timer: kind, remaining ms and probe count', async (t) => {
  const { client } = await openPair(t);
  setKeepalive(client, { enabled: true, idleSec: 30 });
  const s = socketWithInode(fstatSync(fdOf(client)).ino);
  assert.equal(s?.timer.kind, 'keepalive');
  assert.equal(s?.timer.count, 0);
  assert.ok((s?.timer.remainingMs ?? 0) <= 30_000 && (s?.timer.remainingMs ?? 0) > 28_000, `${s?.timer.remainingMs} ms`);
});

test('IPv6: ::1, a dual-stack listener and its v4-mapped peers, a v6only listener', async (t) => {
  const v6 = await openPair(t, '::1');
  const dual = net.createServer().listen({ port: 0, host: '::' });
  const v6only = net.createServer().listen({ port: 0, host: '::', ipv6Only: true });
  t.after(() => (dual.close(), v6only.close()));
  await Promise.all([once(dual, 'listening'), once(v6only, 'listening')]);
  const dualPort = (dual.address() as net.AddressInfo).port;
  const client = net.connect(dualPort, '127.0.0.1');
  t.after(() => client.destroy());
  await once(client, 'connect');
  const all = dumpTcpSockets();
  const v6client = mine(v6.port, all).find((s) => s.local.port === v6.client.localPort);
  assert.deepEqual([v6client?.family, v6client?.local.address, v6client?.peer.address], [6, '::1', '::1']);
  const mapped = mine(dualPort, all).find((s) => s.state === 'ESTABLISHED' && s.local.port === dualPort);
  assert.deepEqual([mapped?.family, mapped?.local.address, mapped?.peer.address], [6, '::ffff:127.0.0.1', '::ffff:127.0.0.1']);
  assert.equal(mine(dualPort, all).find((s) => s.state === 'LISTEN')?.v6only, false);
  assert.equal(mine((v6only.address() as net.AddressInfo).port, all).find((s) => s.state === 'LISTEN')?.v6only, true);
});

test('TIME-WAIT: no inode, no tcp_info, a timewait timer, the cookie kept', async (t) => {
  const { client, port } = await openPair(t);
  const localPort = client.localPort;
  const before = mine(port).find((s) => s.local.port === localPort);
  client.end();
  await once(client, 'close');
  const tw = mine(port).find((s) => s.local.port === localPort);
  assert.deepEqual([tw?.state, tw?.inode, tw?.timer.kind, 'tcpInfo' in (tw ?? {})], ['TIME_WAIT', 0, 'timewait', false]);
  assert.ok((tw?.timer.remainingMs ?? 0) > 50_000, `${tw?.timer.remainingMs}`);
  assert.equal(tw?.cookie, before?.cookie);
});

test('a request socket (NEW_SYN_RECV inside, SYN_RECV as the kernel reports it) held by TCP_DEFER_ACCEPT', async (t) => {
  // Node cannot set TCP_DEFER_ACCEPT; Python can. A bare ACK then leaves the request socket pending.
  const py = 'import socket,sys\ns=socket.socket()\ns.setsockopt(6,9,30)\ns.bind(("127.0.0.1",0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()';
  const listener = spawnChild(t, 'python3', ['-c', py]);
  const port = Number(await listener.nextLine());
  const client = net.connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  await once(client, 'connect');
  await sleep(20);
  const req = mine(port).find((s) => s.state === 'SYN_RECV');
  assert.deepEqual([req?.inode, req?.local.port, req?.peer.port, 'tcpInfo' in (req ?? {})], [0, port, client.localPort, false]);
  assert.equal(req?.timer.kind, 'retransmit');
});

test('SO_BINDTODEVICE shows as iface, and the source writes it as address%iface', async (t) => {
  const py = 'import socket,sys\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_BINDTODEVICE,b"lo")\ns.bind(("127.0.0.1",0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()';
  const listener = spawnChild(t, 'python3', ['-c', py]);
  const port = Number(await listener.nextLine());
  assert.equal(mine(port).find((s) => s.state === 'LISTEN')?.iface, 'lo');
  const connection = onListenerPort(port, await createNetlinkSource().collect()).find((c) => c.state === 'LISTEN');
  assert.equal(connection?.local.address, '127.0.0.1%lo');
  assert.match(execFileSync('ss', ['-tlnH', `( sport = :${port} )`], { encoding: 'utf8' }), /127\.0\.0\.1%lo:/);
});

test('1,000 pairs: every socket comes back from a multi-part dump, sync and async alike', async (t) => {
  const pairs = await openManyPairs(1000);
  t.after(() => pairs.close());
  assert.equal(countOnPort(pairs.port, dumpTcpSockets()), 2001);
  assert.equal(countOnPort(pairs.port, await dumpTcpSocketsAsync()), 2001);
});

test('a stale addon (older build, other layout) and a non-Linux host are refused with codes', () => {
  assert.throws(() => new TcpSocketTable({ layout: 99, columns: 41, count: 0, rows: new ArrayBuffer(0), strings: [] }), { code: 'ERR_ADDON_STALE' });
  const old = createNative({ load: () => ({ ...loadAddon(), tcpDiagDump: undefined, pidfdGetfd: undefined }) });
  assert.throws(() => old.dumpTcpSockets(), { code: 'ERR_ADDON_STALE', message: /predates tcpDiagDump\(\)/ });
  assert.throws(() => old.getForeignKeepalive(1, 0, { inode: 1 }), { code: 'ERR_ADDON_STALE' });
  assert.throws(() => createNative({ platform: 'darwin' }).dumpTcpSockets(), { code: 'ENOTSUP' });
});

test('the netlink source: schema-valid connections, id = cookie, `*` for the v6 any address', async (t) => {
  const { client, port } = await openPair(t);
  const dual = net.createServer().listen({ port: 0, host: '::' });
  t.after(() => dual.close());
  await once(dual, 'listening');
  const dualPort = (dual.address() as net.AddressInfo).port;
  const all = await createNetlinkSource().collect();
  const ours = live([...onListenerPort(port, all), ...onListenerPort(dualPort, all)]);
  assert.equal(ours.length, 4);
  for (const c of ours) assert.ok(Value.Check(ConnectionSchema, c), JSON.stringify([...Value.Errors(ConnectionSchema, c)]));
  const mineC = ours.find((c) => c.local.port === client.localPort);
  assert.equal(mineC?.id, mineC?.cookie);
  assert.deepEqual(ours.find((c) => c.local.port === dualPort)?.local, { address: '*', port: dualPort });
});

test('the netlink source rejects with SourceUnavailableError without the addon or kernel support', async () => {
  const missing = Object.assign(new Error('native addon could not be loaded'), { code: 'ERR_ADDON_NOT_FOUND' });
  const noDiag = Object.assign(new Error('socket failed'), { code: 'EPROTONOSUPPORT', syscall: 'socket(NETLINK_SOCK_DIAG)' });
  for (const [error, hint] of [[missing, /npm run build/], [noDiag, /modprobe inet_diag tcp_diag/]] as const) {
    const source = createNetlinkSource({ dump: () => Promise.reject(error) });
    await assert.rejects(source.collect(), (e: unknown) => e instanceof SourceUnavailableError && e.source === 'netlink' && hint.test(e.message));
  }
});
