import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseSsDuration } from '@keepalive-dashboard/server/sources/ss-duration';

test('every ss duration format in the wild', () => {
  const cases: [string, number][] = [
    ['119min', 119 * 60_000],
    ['1min59sec', 119_000],
    ['22sec', 22_000],
    ['5sec', 5_000],
    ['064ms', 64],
    ['9.501sec', 9_501],
    ['2.672ms', 2_672], // iproute2 ≤ 6.10: seconds with an ms suffix
    ['', 0], // overdue: timer:(keepalive,,0)
  ];
  for (const [text, ms] of cases) assert.equal(parseSsDuration(text)?.ms, ms, text);
});

test('garbage is null, not a number', () => {
  for (const text of ['abc', 'min', '5', '1min2ms', '-3sec', '1.2.3sec']) assert.equal(parseSsDuration(text), null, text);
});
