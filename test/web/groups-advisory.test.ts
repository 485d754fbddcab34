/** The advisory filter field and column: the select's value reaches the server filter; the cell is short, its title full. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ADVISORY_KINDS, matchesFilter } from '@keepalive-dashboard/shared';

import { COLUMNS, sortViews } from '../../web/src/model/columns.js';
import { ADVISORY_CHOICES, EMPTY_FILTER, parseFilter } from '../../web/src/model/filter.js';
import { parseUrlState, urlStateQuery } from '../../web/src/model/url-state.js';
import { view } from './views.js';

const middlebox = { code: 'idle-exceeds-middlebox', message: 'idle 7200 s is longer than a 350 s middlebox idle timeout' };
const off = { code: 'keepalive-off-idle', message: 'keepalive is off and the connection has been idle 900 s' };

test('the advisory select offers any, none and every shared kind, and each becomes the server filter\'s advisory', () => {
  assert.deepEqual([...ADVISORY_CHOICES], ['any', 'none', ...ADVISORY_KINDS]);
  const flagged = view({ advisories: [middlebox] });
  const clean = view();
  for (const [choice, matching] of [['any', [flagged]], ['none', [clean]], ['idle-exceeds-middlebox', [flagged]], ['keepalive-off-idle', []]] as const) {
    const { filter, errors } = parseFilter({ ...EMPTY_FILTER, advisory: choice });
    assert.deepEqual(errors, {});
    assert.equal(filter.advisory, choice);
    assert.deepEqual([flagged, clean].filter((v) => matchesFilter(v, filter)), matching, choice);
  }
  assert.equal(parseFilter(EMPTY_FILTER).filter.advisory, undefined, 'none picked: no advisory filter');
});

test('the advisory filter survives the URL; an unknown kind there is dropped', () => {
  const query = urlStateQuery({ filter: { ...EMPTY_FILTER, advisory: 'any' }, sort: { column: 'state', direction: 'asc' }, selected: null });
  assert.equal(parseUrlState(query).filter.advisory, 'any');
  assert.equal(parseUrlState('?advisory=made-up').filter.advisory, '');
});

test('the Risk column: short labels, the full messages in the title, exported as codes; sorts by how many', () => {
  const column = COLUMNS.find((c) => c.id === 'advisories');
  assert.ok(column);
  const both = view({ advisories: [off, middlebox] });
  assert.equal(column.text(both, 0), 'off+idle idle>NAT');
  assert.equal(column.cellTitle(both), `${off.message}\n${middlebox.message}`);
  assert.deepEqual(column.exports.map((f) => f.value(both, 0)), ['keepalive-off-idle idle-exceeds-middlebox', 2]);
  const one = view({ advisories: [middlebox] });
  assert.deepEqual(sortViews([one, view(), both], { column: 'advisories', direction: 'desc' }).map((v) => v.advisories.length), [2, 1, 0]);
});
