import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fdOf } from '@keepalive-dashboard/native';
import { createSsSource, parseSs } from '@keepalive-dashboard/server/sources/ss';
import { SourceUnavailableError } from '@keepalive-dashboard/server/sources/types';

import { openPair } from '../../helpers/loopback.js';
import { assertSchema, byLocal, byPorts, emptyDir, fixture, inodeOfFd } from './fixtures.js';

const SS_FIXTURES = ['tanoie', 'tanoieO', 'tanoeH', 'tan'].flatMap((flags) =>
  ['steady-client', 'steady-server', 'probing-client'].map((capture) => `ss/${capture}-${flags}.txt`),
);

test('every captured ss output parses without issues into schema-valid connections', () => {
  for (const name of SS_FIXTURES) {
    const { connections, issues } = parseSs(fixture(name));
    assert.deepEqual(issues, [], name);
    assert.ok(connections.length >= 20, `${name}: ${connections.length} connections`);
    assertSchema(connections);
  }
});

test('keepalive timers at several idle values, with the id from the socket cookie', () => {
  const all = parseSs(fixture('ss/steady-client-tanoie.txt')).connections;
  const ka7200 = byLocal(all, 40001);
  assert.deepEqual(ka7200.timer, { kind: 'keepalive', remainingMs: 119 * 60_000, count: 0 });
  assert.equal(ka7200.cookie, '0000000000006e36');
  assert.equal(ka7200.id, ka7200.cookie);
  assert.equal(ka7200.inode, 96467);
  assert.equal(byLocal(all, 40002).timer.remainingMs, 9 * 60_000 + 57_000); // 9min57sec
  assert.equal(byLocal(all, 40004).timer.remainingMs, 18_000); // 18sec
  assert.equal(byLocal(all, 40005).timer.remainingMs, 3_492); // 3.492ms = seconds on iproute2 6.1
  assert.equal(byLocal(all, 40020).timer.remainingMs, 516); // 516ms
  assert.equal(byLocal(all, 40012).uid, 65534);
  assert.equal(byLocal(all, 40006).timer.kind, 'none');
});

test('the tcp_info line: ms become µs, fields ss left out are 0', () => {
  const all = parseSs(fixture('ss/steady-client-tanoie.txt')).connections;
  const info = byLocal(all, 40003).tcpInfo;
  assert.equal(info?.rtt, 1_006_490); // rtt:1006.49/503.247
  assert.equal(info?.rttvar, 503_247);
  assert.equal(info?.rto, 3_020_000);
  assert.equal(info?.lastDataRecv, 1512);
  assert.equal(info?.unacked, 0);
  const persist = byLocal(all, 40013);
  assert.deepEqual(persist.timer, { kind: 'persist', remainingMs: 28, count: 1 });
  assert.equal(persist.tcpInfo?.notsentBytes, 29376);
  assert.equal(persist.tcpInfo?.backoff, 2);
  assert.equal(persist.sendQ, 29376);
});

test('TIME-WAIT, CLOSE-WAIT, listeners, v4-mapped, ::1 and a link-local scope', () => {
  const all = parseSs(fixture('ss/steady-client-tanoie.txt')).connections;
  const tw = byLocal(all, 40010);
  assert.deepEqual([tw.state, tw.inode, tw.timer.kind, tw.tcpInfo], ['TIME_WAIT', 0, 'timewait', undefined]);
  assert.equal(tw.id, '0000000000006e3b');
  assert.deepEqual([byLocal(all, 40011).state, byLocal(all, 40011).recvQ], ['CLOSE_WAIT', 1]);
  const listener = all.find((c) => c.state === 'LISTEN');
  assert.deepEqual([listener?.family, listener?.local, listener?.peer], [6, { address: '*', port: 6001 }, { address: '*', port: 0 }]);
  assert.equal(byLocal(all, 6001, '::ffff:127.0.0.1').peer.address, '::ffff:127.0.0.1');
  assert.equal(byLocal(all, 41002).local.address, '::1');
  const linkLocal = byLocal(all, 40007);
  assert.deepEqual([linkLocal.family, linkLocal.local.address, linkLocal.peer.address], [6, 'fe80::a%veth-a', 'fe80::b']);
  const server = parseSs(fixture('ss/steady-server-tanoie.txt')).connections;
  assert.equal(byLocal(server, 5003, '*').family, 6); // [::]:5003, v6only
  assert.equal(byLocal(server, 5001, '0.0.0.0').family, 4);
});

test('the probe phase: keepalive probes unanswered, retransmit, SYN-SENT, orphaned FIN-WAIT-1', () => {
  const all = parseSs(fixture('ss/probing-client-tanoie.txt')).connections;
  assert.deepEqual(byLocal(all, 40020).timer, { kind: 'keepalive', remainingMs: 804, count: 3 });
  assert.deepEqual(byLocal(all, 40024, 'fd00:6b61::1').timer, { kind: 'keepalive', remainingMs: 796, count: 3 });
  const retrans = byLocal(all, 40021);
  assert.deepEqual(retrans.timer, { kind: 'retransmit', remainingMs: 476, count: 3 });
  assert.deepEqual([retrans.sendQ, retrans.tcpInfo?.unacked, retrans.tcpInfo?.backoff], [1000, 1, 3]);
  assert.equal(byLocal(all, 40022).state, 'SYN_SENT');
  const finWait = byLocal(all, 40023);
  assert.deepEqual([finWait.state, finWait.inode, finWait.id], ['FIN_WAIT1', 0, '0000000000006e40']);
  assert.equal(byLocal(all, 40013).timer.remainingMs, 2_300); // persist,2.300ms
});

test('-O (one line per socket) and -H (no header) read the same sockets as the default layout', () => {
  const ids = (name: string): string[] => parseSs(fixture(name)).connections.map((c) => `${c.id} ${c.state} ${c.inode} ${c.tcpInfo !== undefined}`);
  assert.deepEqual(ids('ss/probing-client-tanoieO.txt'), ids('ss/probing-client-tanoie.txt'));
  const noInfo = parseSs(fixture('ss/probing-client-tanoeH.txt')).connections;
  assert.deepEqual(noInfo.map((c) => c.id), parseSs(fixture('ss/probing-client-tanoie.txt')).connections.map((c) => c.id));
  assert.ok(noInfo.every((c) => c.tcpInfo === undefined));
});

test('without -e and -o: no cookie, no inode, no timer, so the id falls back to the 4-tuple', () => {
  const c = byLocal(parseSs(fixture('ss/steady-client-tan.txt')).connections, 40001);
  assert.deepEqual([c.cookie, c.inode, c.timer.kind], [null, 0, 'none']);
  assert.equal(c.id, 'tw:10.213.0.1:40001-10.213.0.2:5001');
});

test('live: a loopback pair shows up with its state, addresses, inode and cookie', async (t) => {
  const { client, port } = await openPair(t);
  client.setKeepAlive(true, 60_000);
  const all = await createSsSource().collect();
  const listener = all.find((c) => c.state === 'LISTEN' && c.local.port === port);
  assert.deepEqual(listener?.local, { address: '127.0.0.1', port });
  const mine = byPorts(all, client.localPort ?? 0, port);
  assert.deepEqual([mine.state, mine.local.address, mine.peer, mine.inode], ['ESTABLISHED', '127.0.0.1', { address: '127.0.0.1', port }, inodeOfFd(fdOf(client))]);
  assert.equal(mine.id, mine.cookie);
  assert.equal(mine.timer.kind, 'keepalive');
  assert.ok(mine.timer.remainingMs <= 60_000 && mine.timer.remainingMs > 50_000, `${mine.timer.remainingMs}`);
  assert.ok(mine.tcpInfo && mine.tcpInfo.sndCwnd !== undefined && mine.tcpInfo.sndCwnd > 0);
});

test('without ss in PATH, collect() says to install iproute2', async (t) => {
  await assert.rejects(createSsSource({ path: emptyDir(t) }).collect(), (error: unknown) => {
    assert.ok(error instanceof SourceUnavailableError);
    assert.equal(error.source, 'ss');
    assert.match(error.message, /iproute2/);
    return true;
  });
});
