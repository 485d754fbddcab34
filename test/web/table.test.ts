import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ConnectionView } from '@keepalive-dashboard/shared';

import { COLUMNS, nextSort, sortViews } from '../../web/src/model/columns.js';
import { ConnectionSet } from '../../web/src/model/connection-set.js';
import { applyFilter, EMPTY_FILTER, matchesSearch, parseFilter } from '../../web/src/model/filter.js';
import { delta, kaView, snapshot, view } from './views.js';

const ids = (views: ConnectionView[]): string[] => views.map((v) => v.id);

test('a snapshot replaces, a delta adds, changes and removes', () => {
  const set = new ConnectionSet();
  const a = view({ id: 'a' });
  const b = view({ id: 'b' });
  set.applySnapshot(snapshot([a, b]));
  assert.deepEqual(ids(set.all()), ['a', 'b']);
  const v1 = set.version;
  const b2 = { ...b, state: 'CLOSE_WAIT' as const };
  const touched = set.applyDelta(delta({ added: [view({ id: 'c' })], changed: [b2], removed: ['a', 'never-seen'] }));
  assert.deepEqual([...touched].sort(), ['a', 'b', 'c']);
  assert.deepEqual(ids(set.all()).sort(), ['b', 'c']);
  assert.equal(set.get('b')?.state, 'CLOSE_WAIT');
  assert.ok(set.version > v1);
  assert.equal(set.seq, 2);
  // An empty delta changes nothing: the same array comes back.
  const before = set.all();
  set.applyDelta(delta({}, 0, 3));
  assert.equal(set.all(), before);
});

test('every column sorts, both ways, with unknown values last', () => {
  const now = 1_000_000;
  const rows = [kaView(now, 5_000), view({ state: 'LISTEN' }), kaView(now, 70_000, 1), view({ state: 'TIME_WAIT', holders: [] })];
  for (const column of COLUMNS) {
    for (const direction of ['asc', 'desc'] as const) {
      const sorted = sortViews(rows, { column: column.id, direction });
      assert.equal(sorted.length, rows.length, column.id);
      const keys = sorted.map((v) => column.sortKey(v));
      const firstNull = keys.indexOf(null);
      if (firstNull >= 0) assert.ok(keys.slice(firstNull).every((k) => k === null), `${column.id} ${direction}: nulls last`);
      const known = keys.filter((k) => k !== null);
      const again = [...known].sort((x, y) => (typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0));
      if (direction === 'desc') again.reverse();
      assert.deepEqual(known, again, `${column.id} ${direction}`);
    }
  }
});

test('addresses sort numerically and the next probe sorts by time left', () => {
  const a = view({ local: { address: '10.0.0.2', port: 80 } });
  const b = view({ local: { address: '9.0.0.1', port: 80 } });
  const c = view({ local: { address: '10.0.0.2', port: 443 } });
  assert.deepEqual(ids(sortViews([a, b, c], { column: 'local', direction: 'asc' })), [b.id, a.id, c.id]);
  const soon = kaView(1_000_000, 59_000);
  const later = kaView(1_000_000, 1_000);
  assert.deepEqual(ids(sortViews([later, view(), soon], { column: 'nextProbe', direction: 'asc' })).slice(0, 2), [soon.id, later.id]);
  assert.deepEqual(nextSort({ column: 'state', direction: 'asc' }, 'state'), { column: 'state', direction: 'desc' });
  assert.deepEqual(nextSort({ column: 'state', direction: 'desc' }, 'rtt'), { column: 'rtt', direction: 'asc' });
});

test('50 000 rows filter and sort (no speed asserted: this is a smoke test)', () => {
  const rows = Array.from({ length: 50_000 }, (_, i) => (i % 3 === 0 ? kaView(1_000_000, i) : view({ state: i % 2 ? 'TIME_WAIT' : 'ESTABLISHED' })));
  const sorted = sortViews(applyFilter(rows, parseFilter({ ...EMPTY_FILTER, keepalive: 'on' }), ''), { column: 'nextProbe', direction: 'asc' });
  assert.equal(sorted.length, 16_667);
});

test('the filter bar becomes a shared/ filter; bad input is named, not applied', () => {
  const parsed = parseFilter({ ...EMPTY_FILTER, state: 'ESTABLISHED', port: '5432', process: 'postgres', keepalive: 'on', probing: 'yes' });
  assert.deepEqual(parsed.filter, { state: 'ESTABLISHED', port: 5432, command: 'postgres', keepalive: 'on', probing: true });
  assert.deepEqual(parseFilter({ ...EMPTY_FILTER, process: '1234' }).filter, { pid: 1234 });
  const bad = parseFilter({ ...EMPTY_FILTER, port: '99999' });
  assert.deepEqual(bad.filter, {});
  assert.match(bad.errors.port ?? '', /0–65535/);
});

test('filters and search select the right rows', () => {
  const now = 1_000_000;
  const probing = kaView(now, 70_000, 1, undefined, { holders: [{ pid: 7, fd: 9, comm: 'redis-server', cmdline: '', uid: null, user: null, unit: null }] });
  const idle = kaView(now, 1_000);
  // Read back as off (unknown settings are not "off": the filter keeps them apart).
  const off = view({ peer: { address: '192.168.1.20', port: 443 }, keepalive: { enabled: false, idleSec: 7200, intervalSec: 75, count: 9, userTimeoutMs: 0 }, keepaliveOrigin: 'foreign' });
  const rows = [probing, idle, off];
  const only = (draft: Partial<typeof EMPTY_FILTER>, search = ''): string[] => ids(applyFilter(rows, parseFilter({ ...EMPTY_FILTER, ...draft }), search));
  assert.deepEqual(only({ probing: 'yes' }), [probing.id]);
  assert.deepEqual(only({ probing: 'no', keepalive: 'on' }), [idle.id]);
  assert.deepEqual(only({ keepalive: 'off' }), [off.id]);
  assert.deepEqual(only({ address: '192.168' }), [off.id]);
  assert.deepEqual(only({ port: '443' }), [off.id]);
  assert.deepEqual(only({ process: 'redis' }), [probing.id]);
  assert.deepEqual(only({}, 'REDIS'), [probing.id]);
  assert.deepEqual(only({}, '192.168.1.20:443'), [off.id]);
  assert.ok(matchesSearch(probing, '7'), 'a pid matches exactly');
  assert.deepEqual(only({}), ids(rows));
});

test('the filter bar takes what people already type: port ranges and lists, CIDR, ss expressions; what it cannot read is named inline', () => {
  const rows = [view({ local: { address: '127.0.0.1', port: 48050 }, peer: { address: '10.1.2.3', port: 443 } }), view({ local: { address: '192.168.0.9', port: 22 }, peer: { address: '192.168.0.10', port: 5432 } })];
  const only = (draft: Partial<typeof EMPTY_FILTER>): string[] => ids(applyFilter(rows, parseFilter({ ...EMPTY_FILTER, ...draft }), ''));
  const first = rows[0]?.id as string;
  assert.deepEqual(parseFilter({ ...EMPTY_FILTER, port: '48000-48099' }).filter, { port: '48000-48099' });
  assert.deepEqual(only({ port: '48000-48099' }), [first]);
  assert.deepEqual(only({ port: '443,8443' }), [first]);
  assert.deepEqual(only({ address: '127.0.0.0/8' }), [first]);
  assert.deepEqual(only({ expr: 'dst 10.0.0.0/8 and dport = :443' }), [first]);
  const bad = parseFilter({ ...EMPTY_FILTER, expr: 'sport = :x', port: '9-' });
  assert.deepEqual(bad.filter, {});
  assert.match(bad.errors.expr ?? '', /at \d+: expected/);
  assert.ok(bad.errors.port, 'a half range is named');
});
