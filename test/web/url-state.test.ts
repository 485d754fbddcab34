/** Filter, sort and selection in the query string: a shared URL opens the same view. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DashboardModel } from '../../web/src/model/dashboard.js';
import { EMPTY_FILTER } from '../../web/src/model/filter.js';
import { parseUrlState, syncUrlState, urlStateQuery, type UrlState } from '../../web/src/model/url-state.js';
import { ApiClient } from '../../web/src/transport/api.js';

test('round trip: state → query → state, defaults left out of the URL', () => {
  const state: UrlState = { filter: { ...EMPTY_FILTER, port: '48000-48099', expr: 'dst 10.0.0.0/8 & sport = :443', keepalive: 'off', search: 'py thon' }, sort: { column: 'deadIn', direction: 'desc' }, selected: 'c:42' };
  const query = urlStateQuery(state);
  assert.deepEqual(parseUrlState(query), state);
  assert.equal(urlStateQuery({ filter: EMPTY_FILTER, sort: { column: 'state', direction: 'asc' }, selected: null }), '');
});

test('bad values are ignored and their defaults kept; parameters that are not ours survive', () => {
  const parsed = parseUrlState('?sort=nope&dir=asc&keepalive=maybe&netns=12x&sel=%3Cscript%3E&port=443&q=' + 'x'.repeat(201));
  assert.deepEqual(parsed.sort, { column: 'state', direction: 'asc' });
  assert.equal(parsed.filter.keepalive, '');
  assert.equal(parsed.filter.netns, '');
  assert.equal(parsed.filter.search, '');
  assert.equal(parsed.selected, null);
  assert.equal(parsed.filter.port, '443');
  assert.deepEqual(parseUrlState('?sort=rtt&dir=sideways').sort, { column: 'state', direction: 'asc' });
  assert.equal(urlStateQuery({ ...parsed, selected: null }, '?other=1&port=1'), '?other=1&port=443');
});

test('sync: the URL is applied at start, and later changes are written with one replace per pause (no history spam)', () => {
  const sent: unknown[] = [];
  const fetchFn = async () => ({ ok: false, status: 404, text: async () => '{"code":"KA_ERR_NOT_FOUND","message":"no"}' });
  const model = new DashboardModel({ api: new ApiClient(fetchFn), stream: { start: () => {}, stop: () => {}, send: (f) => sent.push(f) }, setTimer: () => null, clearTimer: () => {} });
  let search = '?port=443&sort=rtt&dir=desc';
  const replaced: string[] = [];
  const timers: (() => void)[] = [];
  syncUrlState(model, { search: () => search, replace: (q) => replaced.push((search = q)), setTimer: (fn) => timers.push(fn), clearTimer: () => {} });
  assert.equal(model.getState().table.filter.port, '443');
  assert.deepEqual(model.getState().table.sort, { column: 'rtt', direction: 'desc' });
  for (const port of ['4', '44', '443', '4430']) model.setFilter({ port });
  assert.equal(timers.length, 1, 'one write scheduled for a burst of typing');
  timers.splice(0).forEach((fn) => fn());
  model.select('c7');
  timers.splice(0).forEach((fn) => fn());
  assert.deepEqual(replaced, ['?port=4430&sort=rtt&dir=desc', '?port=4430&sort=rtt&dir=desc&sel=c7']);
});
