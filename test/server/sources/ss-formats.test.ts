// Hand-written lines for what this host's iproute2 6.1 does not print: newer and older spellings.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseSs } from '@keepalive-dashboard/server/sources/ss';

import { assertSchema } from './fixtures.js';

const line = (fields: string): string => `ESTAB 0 0 10.0.0.1:22 10.0.0.2:50000 ${fields} ino:7 sk:1`;
const timerOf = (fields: string) => parseSs(line(fields)).connections[0]?.timer;

test('timer durations of every iproute2 version, and an overdue timer', () => {
  assert.deepEqual(timerOf('timer:(keepalive,9.501sec,2)'), { kind: 'keepalive', remainingMs: 9_501, count: 2 });
  assert.deepEqual(timerOf('timer:(keepalive,064ms,0)'), { kind: 'keepalive', remainingMs: 64, count: 0 });
  assert.deepEqual(timerOf('timer:(keepalive,119min,0)'), { kind: 'keepalive', remainingMs: 7_140_000, count: 0 });
  assert.deepEqual(timerOf('timer:(keepalive,,4)'), { kind: 'keepalive', remainingMs: 0, count: 4 });
  assert.deepEqual(timerOf('timer:(persist,1min2sec,5)'), { kind: 'persist', remainingMs: 62_000, count: 5 });
});

test('timer names: on is retransmit; delack, unknown and anything new are unknown; off is none', () => {
  assert.deepEqual(timerOf('timer:(on,200ms,7)'), { kind: 'retransmit', remainingMs: 200, count: 7 });
  assert.deepEqual(timerOf('timer:(delack,040ms,1)'), { kind: 'unknown', remainingMs: 40, count: 0 });
  assert.deepEqual(timerOf('timer:(unknown,1sec,0)'), { kind: 'unknown', remainingMs: 1_000, count: 0 });
  assert.deepEqual(timerOf('timer:(off,,0)'), { kind: 'none', remainingMs: 0, count: 0 });
});

test('every ss state name maps to the kernel name', () => {
  const names = {
    ESTAB: 'ESTABLISHED', 'SYN-SENT': 'SYN_SENT', 'SYN-RECV': 'SYN_RECV', 'FIN-WAIT-1': 'FIN_WAIT1',
    'FIN-WAIT-2': 'FIN_WAIT2', 'TIME-WAIT': 'TIME_WAIT', UNCONN: 'CLOSE', CLOSE: 'CLOSE', 'CLOSE-WAIT': 'CLOSE_WAIT',
    'LAST-ACK': 'LAST_ACK', LISTEN: 'LISTEN', CLOSING: 'CLOSING', 'NEW-SYN-RECV': 'NEW_SYN_RECV', UNKNOWN: 'UNKNOWN',
  };
  const text = Object.keys(names).map((name) => `${name} 0 0 10.0.0.1:22 10.0.0.2:5 ino:1`).join('\n');
  assert.deepEqual(parseSs(text).connections.map((c) => c.state), Object.values(names));
});

test('iproute2 < 4.17: IPv6 without brackets, and `*` is the IPv4 any address', () => {
  const text = [
    'State      Recv-Q Send-Q        Local Address:Port          Peer Address:Port',
    'LISTEN     0      128                       *:22                       *:*',
    'LISTEN     0      128                      :::22                      :::*',
    'ESTAB      0      0          ::ffff:127.0.0.1:8080   ::ffff:127.0.0.1:51000',
    'ESTAB      0      0             fe80::1%eth0:22           fe80::2:50000',
  ].join('\n');
  const [v4any, v6any, mapped, scoped] = parseSs(text).connections;
  assert.deepEqual([v4any?.family, v4any?.local.address, v4any?.peer.address], [4, '0.0.0.0', '0.0.0.0']);
  assert.deepEqual([v6any?.family, v6any?.local.address], [6, '*']);
  assert.deepEqual(mapped?.local, { address: '::ffff:127.0.0.1', port: 8080 });
  assert.deepEqual([scoped?.local.address, scoped?.peer.address], ['fe80::1%eth0', 'fe80::2']);
});

test('iproute2 ≥ 4.17: brackets, scope after the bracket, devices on any addresses', () => {
  const text = [
    'ESTAB 0 0 [fe80::1]%eth0:22 [fe80::2]:50000',
    'LISTEN 0 128 0.0.0.0%lo:2222 0.0.0.0:*',
    'LISTEN 0 128 *%eth0:80 *:*',
    'LISTEN 0 128 [::]:443 [::]:*',
    'ESTAB 0 0 [2001:DB8:0:0:0:0:0:1]:22 [2001:db8::2]:1',
  ].join('\n');
  const all = parseSs(text).connections;
  assert.deepEqual(all.map((c) => c.local.address), ['fe80::1%eth0', '0.0.0.0%lo', '*%eth0', '*', '2001:db8::1']);
  assert.deepEqual(all.map((c) => c.family), [6, 4, 6, 6, 6]);
});

test('Netid column: tcp lines read, other protocols and their detail lines skipped', () => {
  const text = [
    'Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process',
    'udp   UNCONN 0      0            0.0.0.0:68        0.0.0.0:*    ino:5 sk:2',
    '\t skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d0)',
    'tcp   ESTAB  0      0           10.0.0.1:22       10.0.0.2:50000 ino:9 sk:3',
  ].join('\n');
  const { connections, issues } = parseSs(text);
  assert.deepEqual(issues, []);
  assert.deepEqual(connections.map((c) => c.inode), [9]);
});

test('malformed lines become issues with their line numbers; the rest still parse', () => {
  const text = [
    'ESTAB 0 0 10.0.0.1:22 10.0.0.2:1 ino:1',
    'ESTAB 0 0 10.0.0.1:22',
    'BOGUS 0 0 10.0.0.1:22 10.0.0.2:1',
    'ESTAB x 0 10.0.0.1:22 10.0.0.2:1',
    'ESTAB 0 0 10.0.0.1:ssh 10.0.0.2:1',
    'ESTAB 0 0 10.0.0.1:22 10.0.0.2:1 timer:(keepalive,soon,0)',
    'ESTAB 0 0 10.0.0.1:22 10.0.0.2:1 ino:abc',
    'ESTAB 0 0 300.0.0.1:22 10.0.0.2:1',
    'ESTAB 0 0 10.0.0.1:22 [fe80::1]:1',
    'ESTAB 0 0 10.0.0.1:22 10.0.0.2:1 ino:10',
  ].join('\n');
  const { connections, issues } = parseSs(text);
  assert.deepEqual(issues.map((i) => i.line), [2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(connections.map((c) => c.inode), [1, 10]);
  assert.equal(issues[0]?.text, 'ESTAB 0 0 10.0.0.1:22');
});

test('unknown fields are ignored, wherever they are; CRLF and trailing blanks too', () => {
  const text =
    'ESTAB 0 0 10.0.0.1:22 10.0.0.2:1 users:(("my server",pid=12,fd=3)) timer:(keepalive,5sec,0) fwmark:0x1 ino:42 sk:ab future:1 <->   \r\n' +
    '\t skmem:(r0,rb131072) ts sack cubic wscale:7,7 rto:201 rtt:0.5/0.25 mss:1448 new_thing:(a,b) lastrcv:77 \r\n';
  const [c] = parseSs(text).connections;
  assert.deepEqual([c?.inode, c?.cookie, c?.timer.remainingMs], [42, '00000000000000ab', 5_000]);
  assert.deepEqual([c?.tcpInfo?.rto, c?.tcpInfo?.rtt, c?.tcpInfo?.lastDataRecv, c?.tcpInfo?.unacked], [201_000, 500, 77, 0]);
  assertSchema(parseSs(text).connections);
});
