import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test, type TestContext } from 'node:test';

import { lookupTcpSocketsAsync, type DiagKey, type DiagSocket } from '@keepalive-dashboard/native';

import { socketsOnPort } from '../helpers/diag.js';
import { openPair } from '../helpers/loopback.js';
import { openManyPairs } from '../helpers/many-pairs.js';

const keyOf = (s: DiagSocket): DiagKey => ({ family: s.family, local: s.local, peer: s.peer, ifindex: s.ifindex, cookie: s.cookie });

/** Our connected sockets on `port` from a fresh dump (the listener left out). */
const connectedOn = (port: number): DiagSocket[] => socketsOnPort(port).filter((s) => s.state !== 'LISTEN');

async function dualStackPair(t: TestContext): Promise<{ port: number; client: net.Socket }> {
  const server = net.createServer((s) => s.on('error', () => {})).listen({ port: 0, host: '::' });
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1').on('error', () => {});
  t.after(() => (client.destroy(), server.close()));
  await once(client, 'connect');
  return { port, client };
}

test('ESTABLISHED IPv4, IPv6 and v4-mapped sockets are found with their cookie and fresh tcp_info', async (t) => {
  const v4 = await openPair(t);
  const v6 = await openPair(t, '::1');
  const mapped = await dualStackPair(t);
  const before = [...connectedOn(v4.port), ...connectedOn(v6.port), ...connectedOn(mapped.port)];
  assert.deepEqual(before.map((s) => s.family).sort(), [4, 4, 4, 6, 6, 6]);
  assert.ok(before.some((s) => s.local.address === '::ffff:127.0.0.1'));
  v4.client.write('fresh');
  await once(v4.accepted, 'data');
  const { found, missing } = await lookupTcpSocketsAsync(before.map(keyOf));
  assert.deepEqual(missing, []);
  assert.deepEqual([...found].map((s) => s.cookie).sort(), before.map((s) => s.cookie).sort());
  // The receiver's count: the sender's bytesAcked waits for an ACK that may be delayed.
  const receiver = [...found].find((s) => s.local.port === v4.port && s.peer.port === v4.client.localPort);
  assert.equal(receiver?.tcpInfo?.bytesReceived, (before.find((s) => s.cookie === receiver?.cookie)?.tcpInfo?.bytesReceived ?? -1) + 5);
});

test('a TIME-WAIT socket is found; a closed one and a live 4-tuple under a wrong cookie are missing', async (t) => {
  const closing = await openPair(t);
  const reset = await openPair(t);
  const live = await openPair(t);
  const localPort = closing.client.localPort;
  closing.client.end();
  await once(closing.client, 'close');
  const [tw] = connectedOn(closing.port).filter((s) => s.local.port === localPort);
  const [gone] = connectedOn(reset.port).filter((s) => s.local.port === reset.client.localPort);
  const other = connectedOn(live.port).find((s) => s.state === 'ESTABLISHED');
  assert.equal(tw?.state, 'TIME_WAIT');
  const resetDone = new Promise((resolve) => reset.accepted.once('close', resolve));
  reset.client.resetAndDestroy();
  await resetDone;
  const wrongCookie = { ...keyOf(other as DiagSocket), cookie: 'ffffffff00000001' };
  const { found, missing } = await lookupTcpSocketsAsync([keyOf(tw as DiagSocket), keyOf(gone as DiagSocket), wrongCookie]);
  assert.deepEqual([...found].map((s) => [s.cookie, s.state]), [[tw?.cookie, 'TIME_WAIT']]);
  assert.deepEqual(missing.sort(), [1, 2]);
});

test('500 keys in one call, several sendmsg batches, every one answered', async (t) => {
  const pairs = await openManyPairs(250);
  t.after(() => pairs.close());
  const sockets = connectedOn(pairs.port);
  assert.equal(sockets.length, 500);
  const keys = sockets.map(keyOf);
  const { found, missing } = await lookupTcpSocketsAsync([...keys, { ...keys[0] as DiagKey, cookie: '0000000000000000' }]);
  assert.deepEqual(missing, [500]);
  const cookies = Array.from({ length: found.length }, (_, i) => found.cookie(i));
  assert.deepEqual(cookies.sort(), sockets.map((s) => s.cookie).sort());
});

test('keys are checked before any request: family, ports, cookie, address text', async () => {
  const key: DiagKey = { family: 4, local: { address: '127.0.0.1', port: 1 }, peer: { address: '127.0.0.1', port: 2 }, cookie: '0000000000000001' };
  assert.deepEqual((await lookupTcpSocketsAsync([])).missing, []);
  await assert.rejects(lookupTcpSocketsAsync([{ ...key, family: 5 as 4 }]), TypeError);
  await assert.rejects(lookupTcpSocketsAsync([{ ...key, peer: { address: '127.0.0.1', port: 65536 } }]), RangeError);
  await assert.rejects(lookupTcpSocketsAsync([{ ...key, cookie: 'xyz' }]), TypeError);
  await assert.rejects(lookupTcpSocketsAsync([{ ...key, local: { address: '::1', port: 1 } }]), { code: 'EINVAL', message: /key 0/ });
  await assert.rejects(lookupTcpSocketsAsync([{ ...key, cookie: 'ffffffffffffffff' }]), { name: 'TypeError', message: /NOCOOKIE/ });
});
