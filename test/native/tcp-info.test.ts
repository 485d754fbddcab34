import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';

import { getTcpInfo } from '@keepalive-dashboard/native';

import { openPair, sleep } from '../helpers/loopback.js';

test('tcp_info of a fresh ESTABLISHED pair', async (t) => {
  const { client, accepted } = await openPair(t);
  const info = getTcpInfo(client);
  assert.equal(info.state, 'ESTABLISHED');
  assert.equal(info.stateCode, 1);
  assert.equal(info.caState, 'Open');
  assert.ok(info.length >= 104, `length ${info.length}`);
  assert.ok((info.rtt ?? 0) > 0, 'rtt > 0 µs');
  assert.ok((info.rto ?? 0) >= 200_000, 'rto is at least TCP_RTO_MIN (200 ms) in µs');
  assert.equal(info.probes, 0);
  assert.equal(info.unacked, 0);
  assert.equal(getTcpInfo(accepted).state, 'ESTABLISHED');
});

test('lastDataRecv grows while idle and drops after data arrives', async (t) => {
  const { client, accepted } = await openPair(t);
  accepted.write('hello');
  await once(client, 'data');
  const first = getTcpInfo(client).lastDataRecv ?? -1;
  await sleep(600);
  const idle = getTcpInfo(client).lastDataRecv ?? -1;
  assert.ok(idle >= first + 500, `grew from ${first} to ${idle} ms`);
  accepted.write('again');
  await once(client, 'data');
  const after = getTcpInfo(client).lastDataRecv ?? -1;
  assert.ok(after < 100, `dropped to ${after} ms`);
  assert.ok((getTcpInfo(client).bytesReceived ?? 0) >= 10);
});

test('a field beyond the returned length is absent, not 0', async (t) => {
  const { client } = await openPair(t);
  const info = getTcpInfo(client) as unknown as Record<string, unknown>;
  // The addon decodes fields up to offset 248; anything it reports exists in the returned struct.
  if (info.length as number < 248) assert.equal('totalRtoTime' in info, false);
  else assert.equal(typeof info.totalRtoTime, 'number');
  assert.equal(Object.values(info).includes(undefined), false);
});
