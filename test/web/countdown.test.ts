import assert from 'node:assert/strict';
import { test } from 'node:test';

import { nextProbeAt, remainingMs } from '@keepalive-dashboard/shared';

import { ServerClock } from '../../web/src/model/clock.js';
import { formatDuration } from '../../web/src/view/format.js';
import { kaView } from './views.js';

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

test('durations read as people read timers', () => {
  assert.equal(formatDuration(null), '—');
  assert.equal(formatDuration(42_379), '42.3 s');
  assert.equal(formatDuration(42_379, false), '42 s');
  assert.equal(formatDuration(599_000), '9 min 59 s');
  assert.equal(formatDuration(7_195_000), '1 h 59 min 55 s');
  assert.equal(formatDuration(7_195_000, false), '1 h 59 min', 'past an hour the coarse form drops the seconds');
});
