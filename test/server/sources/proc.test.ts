import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fdOf } from '@keepalive-dashboard/native';
import { createProcSource, parseProcNetTcp } from '@keepalive-dashboard/server/sources/proc';
import { SourceUnavailableError } from '@keepalive-dashboard/server/sources/types';

import { openPair } from '../../helpers/loopback.js';
import { assertSchema, byLocal, byPorts, emptyDir, fixture, inodeOfFd } from './fixtures.js';

const parse = (name: string, family: 4 | 6, userHz = 100) => parseProcNetTcp(fixture(`proc/${name}`), family, userHz, { littleEndian: true });

test('every captured /proc/net/tcp and tcp6 parses without issues into schema-valid connections', () => {
  for (const capture of ['steady-client', 'steady-server', 'probing-client']) {
    for (const [file, family] of [['tcp', 4], ['tcp6', 6]] as const) {
      const { connections, issues } = parse(`${capture}-${file}.txt`, family);
      assert.deepEqual(issues, [], `${capture}-${file}`);
      assert.ok(connections.length >= 5);
      assertSchema(connections);
    }
  }
});

test('timers: tr picks the kind, tm->when is in USER_HZ ticks, timeout is the probe count', () => {
  const all = parse('probing-client-tcp.txt', 4).connections;
  assert.deepEqual(byLocal(all, 40001).timer, { kind: 'keepalive', remainingMs: 7_194_620, count: 0 }); // 02:000AFA66
  assert.deepEqual(byLocal(all, 40020).timer, { kind: 'keepalive', remainingMs: 720, count: 3 });
  assert.deepEqual(byLocal(all, 40020).tcpInfo, { retransmits: 0, probes: 3, rto: 200_000, sndCwnd: 10 });
  assert.deepEqual(byLocal(all, 40021).timer, { kind: 'retransmit', remainingMs: 390, count: 3 });
  assert.deepEqual(byLocal(all, 40013).timer, { kind: 'persist', remainingMs: 2_220, count: 1 });
  assert.equal(byLocal(all, 40013).sendQ, 29376);
  assert.equal(parseProcNetTcp(fixture('proc/probing-client-tcp.txt'), 4, 1000).connections[3]?.timer.remainingMs, 719_462);
  const tw = byLocal(all, 40010);
  assert.deepEqual([tw.state, tw.inode, tw.id, tw.timer.kind, tw.tcpInfo], ['TIME_WAIT', 0, 'tw:10.213.0.1:40010-10.213.0.2:5001', 'timewait', undefined]);
  const finWait = byLocal(all, 40023);
  assert.deepEqual([finWait.state, finWait.inode, finWait.id], ['FIN_WAIT1', 0, 'tw:10.213.0.1:40023-10.213.0.2:5001']);
  assert.deepEqual([byLocal(all, 40011).state, byLocal(all, 40011).recvQ], ['CLOSE_WAIT', 1]);
  assert.equal(byLocal(all, 40012).uid, 65534);
});

test('IPv6 words decoded in host order and written as ss writes them', () => {
  const all = parse('steady-client-tcp6.txt', 6).connections;
  assert.deepEqual(byLocal(all, 6001, '*').peer, { address: '*', port: 0 });
  assert.equal(byLocal(all, 6001, '::ffff:127.0.0.1').peer.address, '::ffff:127.0.0.1');
  assert.equal(byLocal(all, 41002).local.address, '::1');
  assert.equal(byLocal(all, 40003).peer.address, 'fd00:6b61::2');
  assert.equal(byLocal(all, 40007).local.address, 'fe80::a'); // /proc has no scope
  const server = parse('steady-server-tcp.txt', 4).connections;
  assert.equal(server.find((c) => c.state === 'FIN_WAIT2')?.timer.kind, 'timewait');
});

test('a capture of tcp and tcp6 together: each line read in its own family, as the two tables read alone', () => {
  const v4 = fixture('proc/steady-client-tcp.txt');
  const v6 = fixture('proc/steady-client-tcp6.txt');
  const mixed = parseProcNetTcp(`${v4}${v6}`, 'mixed', 100, { littleEndian: true });
  const alone = [...parse('steady-client-tcp.txt', 4).connections, ...parse('steady-client-tcp6.txt', 6).connections];
  assert.deepEqual(mixed.issues, []);
  assert.ok(alone.some((c) => c.family === 6) && alone.some((c) => c.family === 4));
  assert.deepEqual(mixed.connections, alone);
  const [, line = ''] = v4.split('\n');
  const wide = line.replace(/(\d+: )([0-9A-F]{8}):/, '$1$200:');
  assert.notEqual(wide, line);
  assert.match(parseProcNetTcp(wide, 'mixed', 100).issues[0]?.message ?? '', /is 10 hex digits, expected 8 \(IPv4\) or 32 \(IPv6\)/);
});

test('a table of one family: wrong width, bad lines and headers handled', () => {
  const { connections, issues } = parseProcNetTcp(`${fixture('proc/steady-client-tcp.txt')}garbage\n   9: 0100007F:0016\n`, 6, 100);
  assert.equal(connections.length, 0);
  assert.ok(issues.length >= 3 && issues.every((i) => i.line >= 2));
  assert.match(issues[0]?.message ?? '', /expected 32 for IPv6/);
});

test('live: a loopback pair shows up with its state, addresses and inode', async (t) => {
  const { client, port } = await openPair(t);
  client.setKeepAlive(true, 60_000);
  const all = await createProcSource().collect();
  assert.ok(all.some((c) => c.state === 'LISTEN' && c.local.port === port && c.local.address === '127.0.0.1'));
  const mine = byPorts(all, client.localPort ?? 0, port);
  const inode = inodeOfFd(fdOf(client));
  assert.deepEqual([mine.state, mine.local.address, mine.peer, mine.inode, mine.id], ['ESTABLISHED', '127.0.0.1', { address: '127.0.0.1', port }, inode, `ino:${inode}`]);
  assert.equal(mine.timer.kind, 'keepalive');
  assert.ok(mine.timer.remainingMs <= 60_000 && mine.timer.remainingMs > 50_000);
});

test('live: an IPv6 loopback pair', async (t) => {
  const { client, port } = await openPair(t, '::1');
  const mine = byPorts(await createProcSource({ userHz: 100 }).collect(), client.localPort ?? 0, port);
  assert.deepEqual([mine.family, mine.state, mine.local.address, mine.inode], [6, 'ESTABLISHED', '::1', inodeOfFd(fdOf(client))]);
});

test('without /proc/net/tcp, collect() says the source is unavailable', async (t) => {
  await assert.rejects(createProcSource({ netDir: emptyDir(t) }).collect(), SourceUnavailableError);
});
