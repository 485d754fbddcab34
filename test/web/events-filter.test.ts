/** The event log: paged from the server with its filters, live at the top, never stuck behind a cap. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { DashboardEvent, EventPage } from '@keepalive-dashboard/shared';

import { EVENT_PAGE_SIZE, EventsModel } from '../../web/src/model/events-model.js';
import { describeEventFilter, EVENT_LOG_CAPACITY, pidsNamedIn } from '../../web/src/model/events.js';
import type { ApiClient } from '../../web/src/transport/api.js';
import { view } from './views.js';

const event = (seq: number, at: number, type: DashboardEvent['type'] = 'died', extra: Partial<DashboardEvent> = {}): DashboardEvent => ({ seq, at, type, connectionId: 'c1', summary: `${type} ${seq}`, actor: null, ...extra });

/** An events model over a fake server that records each query and answers it with `answer`. */
function setup(answer: (query: Record<string, unknown>) => EventPage | Promise<EventPage> = () => ({ events: [], next: null }), pidsNamed?: (name: string) => number[]) {
  const queries: Record<string, unknown>[] = [];
  const api = { events: async (query: Record<string, unknown>) => (queries.push(query), answer(query)) } as unknown as Pick<ApiClient, 'events'>;
  const model = new EventsModel({ api, auth: { failed: () => {}, ok: () => {} }, ...(pidsNamed ? { pidsNamed } : {}) });
  return { model, queries, list: () => model.getState().events.all.map((e) => e.seq) };
}

test('type, connection and pid filters are asked of the server, with the observed events', async () => {
  const { model, queries } = setup();
  model.setFilter({ type: 'killed', connection: ' c7 ', process: '4242' });
  await model.refresh();
  assert.deepEqual(queries.at(-1), { limit: EVENT_PAGE_SIZE, include: 'observed', before: undefined, type: 'killed', connection: 'c7', pid: 4242 });
});

test('live events join at the top only when they match the filter (the server matcher: type, connection, holder pid)', async () => {
  const { model, list } = setup(() => ({ events: [event(5, 50, 'died', { detail: { pids: [7] } })], next: null }));
  model.setFilter({ type: 'died', process: '7' });
  await model.refresh();
  model.add(event(6, 60, 'died', { detail: { pids: [7, 8] } }));
  model.add(event(7, 70, 'died', { detail: { pids: [8] } }));
  model.add(event(8, 80, 'retuned', { detail: { pids: [7] } }));
  assert.deepEqual(list(), [6, 5]);
});

test('a process name is the pid of the one process of that name; none or several say why and ask nothing', async () => {
  const rows = [view({ holders: [{ pid: 11, fd: 3, comm: 'nginx', cmdline: '', uid: null, user: null, unit: null }] }), view({ holders: [{ pid: 12, fd: 3, comm: 'pg', cmdline: '', uid: null, user: null, unit: null }, { pid: 13, fd: 3, comm: 'pg', cmdline: '', uid: null, user: null, unit: null }] })];
  const { model, queries } = setup(undefined, (name) => pidsNamedIn(rows, name));
  model.setFilter({ process: 'nginx' });
  await model.refresh();
  assert.equal(queries.at(-1)?.pid, 11);
  const asked = queries.length;
  model.setFilter({ process: 'pg' });
  await model.refresh();
  assert.match(model.getState().events.filterProblem ?? '', /2 processes are named pg \(pids 12, 13\)/);
  assert.equal(queries.length, asked);
});

test('"Load older" follows the server cursor and appends; with no cursor it asks nothing', async () => {
  const { model, queries, list } = setup((q) => (q.before === undefined ? { events: [event(9, 90), event(8, 80)], next: 8 } : { events: [event(7, 70)], next: null }));
  await model.refresh();
  await model.loadOlder();
  assert.equal(queries.at(-1)?.before, 8);
  assert.deepEqual(list(), [9, 8, 7]);
  assert.equal(model.getState().events.next, null);
  await model.loadOlder();
  assert.equal(queries.length, 2);
});

test('past the cap a live event drops the OLDEST, and "Load older" goes on from the oldest kept', async () => {
  const full = Array.from({ length: EVENT_LOG_CAPACITY }, (_, i) => event(i + 1, 1000 + i, 'appeared', { connectionId: null }));
  const { model, list } = setup(() => ({ events: [...full].reverse(), next: null }));
  await model.refresh();
  model.add(event(-1, 9999, 'appeared'));
  assert.equal(list().length, EVENT_LOG_CAPACITY);
  assert.equal(list()[0], -1, 'the new one at the top');
  assert.ok(!list().includes(1), 'the oldest went');
  assert.equal(model.getState().events.next, 2);
});

test('a page asked for under an old filter is dropped when it comes back late', async () => {
  let release = (): void => {};
  const { model, list } = setup((q) =>
    q.type === 'killed' ? { events: [event(3, 30, 'killed')], next: null } : new Promise((resolve) => (release = () => resolve({ events: [event(4, 40)], next: null }))),
  );
  const first = model.refresh();
  model.setFilter({ type: 'killed' });
  await model.refresh();
  release();
  await first;
  assert.deepEqual(list(), [3]);
});

test('an empty list under a filter says which filter', () => {
  assert.equal(describeEventFilter({ type: 'killed', connection: '', process: '' }), 'type=killed');
  assert.equal(describeEventFilter({ type: '', connection: 'c1', process: 'nginx' }), 'connection=c1, process=nginx');
});
