import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkDraft, describeDeath, draftFrom, parseIntegerText, patchFor, undoPatch, withPreset } from '../../web/src/model/retune-form.js';
import { SETTINGS } from './views.js';

test('fields are checked against the kernel bounds as typed', () => {
  const draft = draftFrom(SETTINGS);
  assert.deepEqual(checkDraft(draft).errors, {});
  assert.match(checkDraft({ ...draft, idleSec: '0' }).errors.idleSec ?? '', /idle must be 1–32767 s, got 0/);
  assert.match(checkDraft({ ...draft, intervalSec: '32768' }).errors.intervalSec ?? '', /interval must be 1–32767 s, got 32768/);
  assert.match(checkDraft({ ...draft, count: '128' }).errors.count ?? '', /count must be 1–127, got 128/);
  assert.match(checkDraft({ ...draft, userTimeoutMs: '-1' }).errors.userTimeoutMs ?? '', /user timeout must be 0–2147483647 ms/);
  for (const text of ['', '1.5', '1e3', '12s', ' ']) {
    assert.match(checkDraft({ ...draft, idleSec: text }).errors.idleSec ?? '', /must be an integer/, JSON.stringify(text));
  }
  assert.equal(checkDraft({ ...draft, count: 'x' }).values, null);
  assert.equal(parseIntegerText(' 42 '), 42);
});

test('the death time is predicted before applying, TCP_USER_TIMEOUT included', () => {
  const draft = draftFrom(SETTINGS); // 60 + 6 × 10
  assert.equal(checkDraft(draft).deadAfterMs, 120_000);
  assert.equal(describeDeath(checkDraft(draft)), 'a dead peer will be detected 2 min 0 s after its last answer (after 6 unanswered probes)');
  // A user timeout shorter than idle: dead one interval after the first probe.
  const short = checkDraft({ ...draft, userTimeoutMs: '30000' });
  assert.equal(short.deadAfterMs, 70_000);
  assert.match(describeDeath(short), /1 min 10 s after its last answer \(after 1 unanswered probe, TCP_USER_TIMEOUT decides\)/);
  // Between idle and idle + count × interval: cut at the first firing past it.
  assert.equal(checkDraft({ ...draft, userTimeoutMs: '85000' }).deadAfterMs, 90_000);
  assert.equal(checkDraft({ ...draft, enabled: false }).deadAfterMs, null);
  assert.match(describeDeath(checkDraft({ ...draft, enabled: false })), /never detected/);
  assert.match(describeDeath(checkDraft({ ...draft, idleSec: '' })), /fix the fields/);
});

test('the PATCH carries only what changed (a re-sent idle would re-arm the timer)', () => {
  assert.equal(patchFor(SETTINGS, SETTINGS), null);
  assert.deepEqual(patchFor(SETTINGS, { ...SETTINGS, idleSec: 600 }), { idleSec: 600 });
  assert.deepEqual(patchFor(SETTINGS, { ...SETTINGS, enabled: false, count: 3 }), { enabled: false, count: 3 });
  assert.deepEqual(patchFor(null, SETTINGS), { ...SETTINGS }, 'unknown current settings: send them all');
});

test('undo puts back exactly what the last change changed', () => {
  const before = SETTINGS;
  const after = { ...SETTINGS, enabled: true, idleSec: 10, intervalSec: 5, count: 3 };
  assert.deepEqual(undoPatch({ before, after }), { idleSec: 60, intervalSec: 10, count: 6 });
  assert.equal(undoPatch({ before, after: before }), null);
});

test('a preset fills idle, interval and count and turns keepalive on', () => {
  const draft = withPreset(draftFrom({ ...SETTINGS, enabled: false }), { idleSec: 10, intervalSec: 5, count: 3 });
  assert.deepEqual(draft, { enabled: true, idleSec: '10', intervalSec: '5', count: '3', userTimeoutMs: '0' });
});
