import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { CounterHistory, keepaliveCounters, parseNetstat } from '../../../server/src/probes/netstat.js';

const text = 'TcpExt: SyncookiesSent TCPKeepAlive TCPAbortOnTimeout\nTcpExt: 1 42 3\nIpExt: InNoRoutes\nIpExt: 7\n';

test('netstat sections pair a line of names with a line of values', () => {
  assert.equal(parseNetstat(text).get('IpExt')?.get('InNoRoutes'), 7);
  assert.deepEqual(keepaliveCounters(text), { keepaliveProbes: 42, abortsOnTimeout: 3 });
});

test('this kernel’s /proc/net/netstat has both counters', () => {
  const counters = keepaliveCounters(readFileSync('/proc/net/netstat', 'utf8'));
  assert.ok(Number.isInteger(counters.keepaliveProbes) && Number.isInteger(counters.abortsOnTimeout));
});

test('a netstat without the counters is KA_ERR_UNAVAILABLE', () => {
  assert.throws(() => keepaliveCounters('IpExt: InNoRoutes\nIpExt: 7\n'), { code: 'KA_ERR_UNAVAILABLE' });
});

test('rates are deltas over the window, per second; a counter that went down gives no rate', () => {
  const history = new CounterHistory(60_000);
  history.add({ atMs: 0, keepaliveProbes: 0, abortsOnTimeout: 0 });
  history.add({ atMs: 10_000, keepaliveProbes: 5, abortsOnTimeout: 1 });
  history.add({ atMs: 20_000, keepaliveProbes: 25, abortsOnTimeout: 1 });
  assert.deepEqual(history.rates(10_000), { probesPerSec: 2, abortsPerSec: 0, spanMs: 10_000 });
  assert.deepEqual(history.rates(60_000), { probesPerSec: 1.25, abortsPerSec: 0.05, spanMs: 20_000 });
  history.add({ atMs: 30_000, keepaliveProbes: 1, abortsOnTimeout: 0 });
  assert.equal(history.rates(10_000).probesPerSec, 0);
});

test('one sample is no rate', () => {
  const history = new CounterHistory(60_000);
  history.add({ atMs: 0, keepaliveProbes: 9, abortsOnTimeout: 9 });
  assert.deepEqual(history.rates(10_000), { probesPerSec: 0, abortsPerSec: 0, spanMs: 0 });
});
