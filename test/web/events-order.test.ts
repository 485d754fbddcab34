import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { DashboardEvent } from '@keepalive-dashboard/shared';

import { mergeEvents } from '../../web/src/model/events.js';

const event = (seq: number, at: number, type: DashboardEvent['type'] = 'appeared'): DashboardEvent => ({ seq, at, type, connectionId: null, summary: `${type} ${seq}`, actor: null });

test('live events stay live: past the cap the oldest go, whether audited (seq > 0) or only streamed (seq < 0)', () => {
  // 2,000 streamed "appeared" events (negative seqs), then an audited death and one more streamed event.
  let log: DashboardEvent[] = [];
  for (let i = 1; i <= 2000; i++) log = mergeEvents(log, [event(-i, 1000 + i)]);
  log = mergeEvents(log, [event(41, 5000, 'died')]);
  log = mergeEvents(log, [event(-2001, 5001)]);
  assert.equal(log.length, 2000);
  assert.deepEqual(log.slice(0, 2).map((e) => e.seq), [-2001, 41], 'newest first');
  assert.ok(!log.some((e) => e.seq === -1 || e.seq === -2), 'the oldest went past the cap');
});

test('a page from the server and live frames interleave by time, without duplicates', () => {
  const page = [event(12, 300, 'retuned'), event(11, 100, 'killed')];
  const live = [event(-3, 200), event(12, 300, 'retuned'), event(13, 400, 'died')];
  assert.deepEqual(mergeEvents(page, live).map((e) => e.seq), [13, 12, -3, 11]);
});
