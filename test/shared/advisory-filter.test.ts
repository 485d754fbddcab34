/** The advisory filter (shared/src/filter-advisory.ts): a kind, any, none; the field and the expression agree; unknown kinds name the known ones. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ADVISORY_KINDS,
  filterProblem,
  keepaliveAdvisories,
  matchesFilter,
  parseFilterExpr,
  type Advisory,
  type ConnectionView,
} from '@keepalive-dashboard/shared';

function row(id: string, advisories: Advisory[]): ConnectionView {
  const endpoint = { address: '127.0.0.1', port: 1 };
  return { id, family: 4, state: 'ESTABLISHED', local: endpoint, peer: endpoint, inode: 1, cookie: null, uid: 0, recvQ: 0, sendQ: 0, timer: { kind: 'none', expiresAt: null, count: 0 }, sampledAt: 0, holders: [], ownership: 'foreign', labId: null, keepalive: null, keepaliveOrigin: 'unknown', keepaliveError: null, derived: null, advisories, netns: null };
}

const MIDDLEBOX = row('middlebox', [{ code: 'idle-exceeds-middlebox', message: '' }]);
const BOTH = row('both', [{ code: 'user-timeout-cuts-probes', message: '' }, { code: 'idle-exceeds-middlebox', message: '' }]);
const CLEAN = row('clean', []);
const ROWS = [MIDDLEBOX, BOTH, CLEAN];
const ids = (keep: (v: ConnectionView) => boolean): string[] => ROWS.filter(keep).map((v) => v.id);

test('advisory= a kind, any or none selects the rows flagged so (case-insensitive)', () => {
  assert.deepEqual(ids((v) => matchesFilter(v, { advisory: 'idle-exceeds-middlebox' })), ['middlebox', 'both']);
  assert.deepEqual(ids((v) => matchesFilter(v, { advisory: 'User-Timeout-Cuts-Probes' })), ['both']);
  assert.deepEqual(ids((v) => matchesFilter(v, { advisory: 'any' })), ['middlebox', 'both']);
  assert.deepEqual(ids((v) => matchesFilter(v, { advisory: 'none' })), ['clean']);
  assert.deepEqual(ids((v) => matchesFilter(v, { advisory: ' ' })), ['middlebox', 'both', 'clean'], 'blank is no filter');
});

test('an unknown kind is a parse error of the advisory field that lists every kind', () => {
  const problem = filterProblem({ advisory: 'idle-too-long' });
  assert.ok(problem);
  assert.equal(problem.field, 'advisory');
  for (const kind of [...ADVISORY_KINDS, 'any', 'none']) assert.ok(problem.message.includes(kind), `${problem.message} names ${kind}`);
  assert.equal(ROWS.some((v) => matchesFilter(v, { advisory: 'idle-too-long' })), false);
});

test("the expression's advisory condition matches as the field does, with not/and; a bad name points at it", () => {
  assert.deepEqual(ids(parseFilterExpr('advisory idle-exceeds-middlebox and not advisory = user-timeout-cuts-probes').test), ['middlebox']);
  assert.deepEqual(ids(parseFilterExpr('advisory none or advisory user-timeout-cuts-probes').test), ['both', 'clean']);
  assert.throws(() => parseFilterExpr('state established and advisory nope'), (e: { column: number; message: string }) => e.column === 32 && /advisory kind/.test(e.message));
});

test('every advisory keepaliveAdvisories gives is a kind the filter knows', () => {
  const on = { enabled: true, idleSec: 7200, intervalSec: 75, count: 9, userTimeoutMs: 0 };
  const given = [
    ...keepaliveAdvisories('ESTABLISHED', { ...on, enabled: false }, 3_600_000),
    ...keepaliveAdvisories('ESTABLISHED', { ...on, userTimeoutMs: 1000 }, 0),
    ...keepaliveAdvisories('ESTABLISHED', { ...on, idleSec: 10, userTimeoutMs: 20_000 }, 0),
    ...keepaliveAdvisories('ESTABLISHED', on, 0, { middleboxIdleSec: 350, idleWithoutKeepaliveMs: 1, namespace: { idleSec: 7200, intervalSec: 75, count: 9, label: 'x', host: { idleSec: 60, intervalSec: 5, count: 3 } } }),
  ].map((a) => a.code);
  assert.deepEqual([...new Set(given)].sort(), [...ADVISORY_KINDS].sort());
});
