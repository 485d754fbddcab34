import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ServerClock } from '../../web/src/model/clock.js';
import { cycleMs, deadAt, formatDuration, kernelTimerAt, nextProbeAt, remainingMs, urgency } from '../../web/src/model/countdown.js';
import { kaView, SETTINGS, view } from './views.js';

test('the server clock offset is the largest recent serverTime − receive time', () => {
  let local = 5_000;
  const clock = new ServerClock(() => local, 3);
  // True offset 5 000 ms; each frame arrives after its latency.
  clock.observe(10_000, 5_000 + 40);
  clock.observe(10_100, 5_100 + 5);
  clock.observe(10_200, 5_200 + 120);
  assert.equal(clock.offsetMs, 4_995, 'the fastest frame is the best estimate');
  local = 6_000;
  assert.equal(clock.now(), 10_995);
  // Old samples fall out of the window.
  clock.observe(20_000, 15_000 + 100);
  clock.observe(20_000, 15_000 + 100);
  clock.observe(20_000, 15_000 + 100);
  assert.equal(clock.offsetMs, 4_900);
});

test('a countdown is interpolated from nextProbeAt with the corrected server clock', () => {
  const v = kaView(1_000_000, 20_000); // idle 60 s, heard 20 s ago → next probe in 40 s
  let local = 400_000;
  const clock = new ServerClock(() => local);
  clock.observe(1_000_000, 400_000); // server is 600 000 ms ahead
  assert.equal(remainingMs(nextProbeAt(v), clock.now()), 40_000);
  local += 1_500;
  assert.equal(remainingMs(nextProbeAt(v), clock.now()), 38_500);
  local += 60_000;
  assert.equal(remainingMs(nextProbeAt(v), clock.now()), 0, 'overdue reads 0, never negative');
});

test('without derived settings the kernel keepalive timer is the countdown', () => {
  const v = view({ timer: { kind: 'keepalive', expiresAt: 5_000, count: 1 } });
  assert.equal(nextProbeAt(v), 5_000);
  assert.equal(kernelTimerAt(v), 5_000);
  assert.equal(nextProbeAt(view()), null);
  assert.equal(kernelTimerAt(view({ timer: { kind: 'timewait', expiresAt: 9_000, count: 0 } })), 9_000);
});

test('a probe goes out only when the kernel timer fires: the later of timer and arithmetic', () => {
  const now = 1_000_000;
  const v = kaView(now, 5_000); // arithmetic: next probe in 55 s
  const armedLater = { ...v, timer: { kind: 'keepalive' as const, expiresAt: now + 60_000, count: 0 } };
  assert.equal(remainingMs(nextProbeAt(armedLater), now), 60_000, 'keepalive just switched on: a full idle from now');
  const armedEarlier = { ...v, timer: { kind: 'keepalive' as const, expiresAt: now + 10_000, count: 0 } };
  assert.equal(remainingMs(nextProbeAt(armedEarlier), now), 55_000, 'an early firing only re-arms');
  const off = { ...v, derived: v.derived && { ...v.derived, phase: 'off' as const, nextProbeAt: null } };
  assert.equal(nextProbeAt(off), null, 'keepalive off: no probe, whatever the timer says');
});

test('death is never before the probes still to go have been sent', () => {
  const now = 1_000_000;
  const v = kaView(now, 30_000, 1); // arithmetic: dead at 60 + 6·10 = 120 s after the last receive
  assert.equal(remainingMs(deadAt(v), now), 90_000);
  // tcp_info says heard 200 s ago (answered probes are no receive there), yet only 1 probe is out:
  const stale = kaView(now, 200_000, 1);
  const armed = { ...stale, timer: { kind: 'keepalive' as const, expiresAt: now + 4_000, count: 1 } };
  assert.equal(remainingMs(deadAt(armed), now), 4_000 + 5 * 10_000, 'next firing, then 5 more intervals');
  const uto = { ...armed, keepalive: { ...SETTINGS, userTimeoutMs: 30_000 } };
  assert.equal(deadAt(uto), uto.derived?.deadAt ?? null, 'TCP_USER_TIMEOUT: the arithmetic as given');
});

test('the ring cycle is idle before the first probe and the interval after', () => {
  assert.equal(cycleMs(kaView(0, 0, 0)), SETTINGS.idleSec * 1000);
  assert.equal(cycleMs(kaView(0, 70_000, 1)), SETTINGS.intervalSec * 1000);
  assert.equal(cycleMs(view()), null);
});

test('probing rows stand out and the last probe is critical', () => {
  const now = 1_000_000;
  assert.equal(urgency(kaView(now, 10_000, 0), now), 'normal');
  assert.equal(urgency(kaView(now, 65_000, 1), now), 'probing');
  assert.equal(urgency(kaView(now, 115_000, 5), now), 'critical', 'probe 5 of 6 out');
  // Dead within one interval also counts.
  assert.equal(urgency(kaView(now, 65_000, 1), now + 45_000), 'critical');
});

test('durations read as people read timers', () => {
  assert.equal(formatDuration(null), '—');
  assert.equal(formatDuration(42_379), '42.3 s');
  assert.equal(formatDuration(42_379, false), '42 s');
  assert.equal(formatDuration(599_000), '9:59');
  assert.equal(formatDuration(7_195_000), '1:59:55');
});
