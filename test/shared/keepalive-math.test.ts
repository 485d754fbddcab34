import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  deadAfterLastRecvMs,
  idleElapsedFromTcpInfo,
  idleElapsedMs,
  keepaliveSuspended,
  predictKeepalive,
  probesBeforeDeath,
  timeToNextProbeMs,
  type KeepaliveSettings,
  type KeepaliveTcpState,
} from '@keepalive-dashboard/shared';

const ka = (idleSec: number, intervalSec: number, count: number, userTimeoutMs = 0): KeepaliveSettings => ({
  enabled: true, idleSec, intervalSec, count, userTimeoutMs,
});
const quiet = (elapsedMs: number, probes = 0): KeepaliveTcpState => ({
  lastDataRecvMs: elapsedMs + 5000, lastAckRecvMs: elapsedMs, unacked: 0, notsentBytes: 0, probes,
});

test('idle elapsed is the later of the last data and the last ACK received', () => {
  assert.equal(idleElapsedMs({ lastDataRecvMs: 9000, lastAckRecvMs: 4000 }), 4000);
  assert.equal(idleElapsedMs({ lastDataRecvMs: 300, lastAckRecvMs: 4000 }), 300);
});

test('idle elapsed from a source\'s tcp_info needs both clocks', () => {
  assert.equal(idleElapsedFromTcpInfo({ lastDataRecv: 9000, lastAckRecv: 4000 }), 4000);
  assert.equal(idleElapsedFromTcpInfo({ lastDataRecv: 0, lastAckRecv: 4000 }), 0, 'ss omits zeros; a zero is still a clock');
  assert.equal(idleElapsedFromTcpInfo({ lastDataRecv: 9000 }), null);
  assert.equal(idleElapsedFromTcpInfo(undefined), null, 'netstat and /proc have no tcp_info');
});

test('keepalive is suspended while data is unacked or unsent', () => {
  assert.equal(keepaliveSuspended({ unacked: 0, notsentBytes: 0 }), false);
  assert.equal(keepaliveSuspended({ unacked: 2, notsentBytes: 0 }), true);
  assert.equal(keepaliveSuspended({ unacked: 0, notsentBytes: 10 }), true);
  assert.equal(timeToNextProbeMs(ka(10, 4, 4), { ...quiet(1000), unacked: 1 }), null);
});

test('idle 10 / interval 4 / count 4: dead 26 s after the last receive', () => {
  assert.equal(deadAfterLastRecvMs(ka(10, 4, 4)), 26_000);
  assert.equal(probesBeforeDeath(ka(10, 4, 4)), 4);
  assert.equal(predictKeepalive(ka(10, 4, 4), quiet(20_000, 3), 0).deadAt, 6_000, '3 probes out at 20 s: the 4th at 22 s, the abort at 26 s');
});

test('user timeout 22 s with idle 10 / interval 5: abort at the first firing at or past 22 s, i.e. 25 s', () => {
  assert.equal(deadAfterLastRecvMs(ka(10, 5, 9, 22_000)), 25_000);
  assert.equal(probesBeforeDeath(ka(10, 5, 9, 22_000)), 3);
});

test('user timeout replaces count: with a long timeout more probes than count go out', () => {
  assert.equal(deadAfterLastRecvMs(ka(10, 5, 2, 60_000)), 60_000);
  assert.equal(probesBeforeDeath(ka(10, 5, 2, 60_000)), 10);
});

test('user timeout exactly on a firing aborts at that firing', () => {
  assert.equal(deadAfterLastRecvMs(ka(10, 5, 9, 20_000)), 20_000);
});

test('user timeout below idle: one probe at idle, abort one interval later', () => {
  assert.equal(deadAfterLastRecvMs(ka(10, 4, 9, 3_000)), 14_000);
  assert.equal(probesBeforeDeath(ka(10, 4, 9, 3_000)), 1);
});

test('next probe: idle − elapsed before probing, then one interval per probe sent', () => {
  assert.equal(timeToNextProbeMs(ka(10, 4, 4), quiet(3_000)), 7_000);
  assert.equal(timeToNextProbeMs(ka(10, 4, 4), quiet(12_000, 1)), 2_000);
  assert.equal(timeToNextProbeMs(ka(10, 4, 4), quiet(15_000, 0)), 0, 'overdue counts as 0');
  assert.equal(timeToNextProbeMs({ ...ka(10, 4, 4), enabled: false }, quiet(0)), null);
});

test('prediction gives absolute times and a phase', () => {
  const now = 1_000_000;
  assert.deepEqual(predictKeepalive(ka(10, 4, 4), quiet(12_000, 1), now), {
    phase: 'probing', nextProbeAt: now + 2_000, deadAt: now + 14_000, lastRecvAt: now - 12_000, probesOut: 1, probesBeforeDeath: 4,
  });
  assert.equal(predictKeepalive({ ...ka(10, 4, 4), enabled: false }, quiet(0), now).phase, 'off');
  assert.equal(predictKeepalive(ka(10, 4, 4), { ...quiet(0), notsentBytes: 1 }, now).phase, 'suspended');
  assert.equal(predictKeepalive(ka(10, 4, 4), quiet(1), now).phase, 'idle');
});

test('the kernel timer: a probe goes out only when it fires', () => {
  const now = 1_000_000;
  // Keepalive just switched on after 50 s of silence: a full idle from now, not overdue.
  const justOn = predictKeepalive(ka(10, 4, 4), quiet(50_000), now, now + 10_000);
  assert.equal(justOn.nextProbeAt, now + 10_000);
  assert.equal(justOn.deadAt, now + 10_000 + 4 * 4_000);
  // A lazy timer earlier than the arithmetic re-arms for the remainder: the arithmetic wins.
  assert.equal(predictKeepalive(ka(10, 4, 4), quiet(3_000), now, now + 1_000).nextProbeAt, now + 7_000);
  // Probing: the timer is the next probe exactly; death counts the probes still to go.
  const probing = predictKeepalive(ka(10, 4, 4), quiet(14_500, 2), now, now + 1_700);
  assert.equal(probing.nextProbeAt, now + 1_700);
  assert.equal(probing.deadAt, now + 1_700 + 2 * 4_000);
});

test('the kernel timer with TCP_USER_TIMEOUT: first firing at or past it, at least one probe out', () => {
  const now = 1_000_000;
  // idle 10 / interval 5 / user timeout 22 s, silent 10.2 s, one probe out: next firing at 15 s.
  const p = predictKeepalive(ka(10, 5, 9, 22_000), quiet(10_200, 1), now, now + 4_800);
  assert.equal(p.deadAt, now + 4_800 + 2 * 5_000, 'firings at 15, 20, 25 s: abort at 25 s');
  assert.equal(p.probesBeforeDeath, 3);
});

test('TCP_KEEPCNT lowered below the probes already out: the abort comes at the next firing, with those probes', () => {
  const now = 1_000_000;
  // idle 10 / interval 4, 3 probes out, count now 2 (it only stores): the next firing finds 3 ≥ 2.
  const p = predictKeepalive(ka(10, 4, 2), quiet(18_500, 3), now, now + 3_500);
  assert.equal(p.deadAt, now + 3_500);
  assert.equal(p.probesBeforeDeath, 3, 'not "3 of 2"');
});
