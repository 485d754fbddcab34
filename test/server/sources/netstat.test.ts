import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fdOf } from '@keepalive-dashboard/native';
import { createNetstatSource, parseNetstat } from '@keepalive-dashboard/server/sources/netstat';
import { SourceUnavailableError } from '@keepalive-dashboard/server/sources/types';

import { openPair } from '../../helpers/loopback.js';
import { assertSchema, byLocal, byPorts, emptyDir, fixture, inodeOfFd } from './fixtures.js';

test('every captured netstat output parses without issues into schema-valid connections', () => {
  for (const name of ['steady-client', 'steady-server', 'probing-client']) {
    const { connections, issues } = parseNetstat(fixture(`netstat/${name}.txt`));
    assert.deepEqual(issues, [], name);
    assert.ok(connections.length >= 20, name);
    assertSchema(connections);
  }
});

test('timers: keepalive and probe count probes (third number), on counts retransmits (second)', () => {
  const all = parseNetstat(fixture('netstat/probing-client.txt')).connections;
  assert.deepEqual(byLocal(all, 40001).timer, { kind: 'keepalive', remainingMs: 7_194_630, count: 0 });
  assert.deepEqual(byLocal(all, 40020).timer, { kind: 'keepalive', remainingMs: 740, count: 3 });
  assert.deepEqual(byLocal(all, 40020).tcpInfo, { retransmits: 0, probes: 3 });
  assert.deepEqual(byLocal(all, 40021).timer, { kind: 'retransmit', remainingMs: 410, count: 3 });
  assert.deepEqual(byLocal(all, 40013).timer, { kind: 'persist', remainingMs: 2_230, count: 1 });
  assert.deepEqual(byLocal(all, 40006).timer, { kind: 'none', remainingMs: 0, count: 0 });
  const tw = byLocal(all, 40010);
  assert.deepEqual([tw.state, tw.inode, tw.id, tw.tcpInfo], ['TIME_WAIT', 0, 'tw:10.213.0.1:40010-10.213.0.2:5001', undefined]);
  assert.deepEqual([byLocal(all, 40023).state, byLocal(all, 40023).inode], ['FIN_WAIT1', 0]);
  assert.equal(byLocal(all, 40012).uid, 65534);
});

test('addresses: tcp6 any, ::1, v4-mapped printed as bare IPv4, link-local', () => {
  const all = parseNetstat(fixture('netstat/steady-client.txt')).connections;
  const listener = byLocal(all, 6001, '*');
  assert.deepEqual([listener.family, listener.state, listener.peer], [6, 'LISTEN', { address: '*', port: 0 }]);
  const mapped = byLocal(all, 6001, '::ffff:127.0.0.1');
  assert.deepEqual([mapped.family, mapped.peer.address, mapped.id], [6, '::ffff:127.0.0.1', 'ino:96464']);
  assert.equal(byLocal(all, 40007).local.address, 'fe80::a');
  assert.equal(byLocal(all, 41002).peer.address, '::1');
  const server = parseNetstat(fixture('netstat/steady-server.txt')).connections;
  assert.deepEqual(byLocal(server, 5001, '0.0.0.0').peer, { address: '0.0.0.0', port: 0 });
  const finWait2 = server.find((c) => c.state === 'FIN_WAIT2');
  assert.deepEqual([finWait2?.timer.kind, finWait2?.inode, finWait2?.tcpInfo], ['timewait', 0, undefined]);
});

test('hand-written: old net-tools v4-mapped form, unkn-N, -p column, no -o, other protocols, bad lines', () => {
  const text = [
    'Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer',
    'tcp6       0      0 ::ffff:127.0.0.1:8080   ::ffff:127.0.0.1:5100   ESTABLISHED 1000       555        42/my prog           on (0.20/4/0)',
    'tcp        0      0 10.0.0.1:22             10.0.0.2:5000           ESTABLISHED 0          556        unkn-7 (1.50/0/2)',
    'tcp        0      0 10.0.0.1:23             10.0.0.2:5000           CLOSING     0          557',
    'udp        0      0 0.0.0.0:68              0.0.0.0:*                           0          558        off (0.00/0/0)',
    'tcp        0      0 10.0.0.1:24             10.0.0.2:5000           ESTABLISHED root       559        off (0.00/0/0)',
    'tcp        0      0 10.0.0.1:ssh            10.0.0.2:5000           ESTABLISHED 0          560        off (0.00/0/0)',
    'tcp        0      0 fe80::1:22              10.0.0.2:5000           ESTABLISHED 0          561        off (0.00/0/0)',
    'tcp        0      0 10.0.0.1:25             10.0.0.2:5000           WAITING     0          562        off (0.00/0/0)',
    'tc',
  ].join('\n');
  const { connections, issues } = parseNetstat(text);
  assert.deepEqual(connections.map((c) => c.inode), [555, 556, 557]);
  const [mapped, unknown, plain] = connections;
  assert.deepEqual([mapped?.local.address, mapped?.uid, mapped?.timer], ['::ffff:127.0.0.1', 1000, { kind: 'retransmit', remainingMs: 200, count: 4 }]);
  assert.deepEqual(unknown?.timer, { kind: 'unknown', remainingMs: 1_500, count: 0 });
  assert.deepEqual([plain?.state, plain?.timer.kind, plain?.tcpInfo], ['CLOSING', 'none', undefined]);
  assert.deepEqual(issues.map((i) => i.line), [6, 7, 8, 9, 10]);
  assert.match(issues[0]?.message ?? '', /name, not a uid/);
});

test('live: a loopback pair shows up with its state, addresses and inode', async (t) => {
  const { client, port } = await openPair(t);
  client.setKeepAlive(true, 60_000);
  const all = await createNetstatSource().collect();
  assert.ok(all.some((c) => c.state === 'LISTEN' && c.local.port === port && c.local.address === '127.0.0.1'));
  const mine = byPorts(all, client.localPort ?? 0, port);
  const inode = inodeOfFd(fdOf(client));
  assert.deepEqual([mine.state, mine.local.address, mine.peer, mine.inode, mine.id], ['ESTABLISHED', '127.0.0.1', { address: '127.0.0.1', port }, inode, `ino:${inode}`]);
  assert.equal(mine.timer.kind, 'keepalive');
});

test('without netstat in PATH, collect() says to install net-tools', async (t) => {
  await assert.rejects(createNetstatSource({ path: emptyDir(t) }).collect(), (error: unknown) => {
    assert.ok(error instanceof SourceUnavailableError);
    assert.match(error.message, /net-tools/);
    return true;
  });
});
