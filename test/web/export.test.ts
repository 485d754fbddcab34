/** Export of the current view: RFC 4180 CSV without formula injection, a JSON of the same rows, the whole list when windowed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ConnectionFilter } from '@keepalive-dashboard/shared';

import { csvCell, exportFile, exportFileName, exportTable, fetchViewRows, toCsv } from '../../web/src/model/export.js';
import { view } from './views.js';

test('CSV cells: quotes, commas and line breaks are quoted (RFC 4180); null is an empty cell', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(1.5), '1.5');
  assert.equal(toCsv({ fields: ['a', 'b'], rows: [[1, 'x']] }), 'a,b\r\n1,x\r\n');
});

test('CSV injection: text starting with = + - @ tab or CR is prefixed with a quote; numbers stay numbers', () => {
  for (const bad of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd']) assert.ok(csvCell(bad).replace(/^"/, '').startsWith("'"), JSON.stringify(bad));
  assert.equal(csvCell('=1,2'), `"'=1,2"`);
  assert.equal(csvCell(-3), '-3');
  const v = view({ holders: [{ pid: 9, fd: 3, comm: '=cmd|calc', cmdline: '-e x', uid: 0, user: null, unit: null }] });
  const csv = exportFile('csv', [v], { now: 0, filter: {}, search: '', sort: { column: 'state', direction: 'asc' } }).text;
  assert.ok(csv.includes(",'=cmd|calc,9,'-e x,"), csv);
});

test('JSON: one object per row keyed by the export field names, with what the view was', () => {
  const rows = [view({ id: 'a' }), view({ id: 'b' })];
  const context = { now: Date.UTC(2026, 11, 1, 18, 40), filter: { port: 443 } as ConnectionFilter, search: ' py ', sort: { column: 'deadIn' as const, direction: 'desc' as const } };
  const file = exportFile('json', rows, context);
  const body = JSON.parse(file.text);
  assert.equal(file.name, 'keepalive-2026-12-01T18-40-00Z.json');
  assert.deepEqual({ ...body, connections: undefined }, { exportedAt: '2026-12-01T18:40:00.000Z', filter: { port: 443 }, search: 'py', sort: context.sort, count: 2, connections: undefined });
  assert.deepEqual(Object.keys(body.connections[0]), exportTable(rows, 0).fields);
  assert.equal(body.connections[1].id, 'b');
  assert.equal(typeof body.connections[0].local, 'string');
});

test('the file name carries the host time without colons', () => {
  assert.equal(exportFileName(Date.UTC(2026, 11, 1, 18, 40, 5, 123), 'csv'), 'keepalive-2026-12-01T18-40-05Z.csv');
});

test('windowed: every page of the filtered list is fetched, then searched and sorted here as the table is', async () => {
  const all = [30, 10, 20, 40].map((port) => view({ id: `p${port}`, local: { address: '127.0.0.1', port }, state: port === 40 ? 'LISTEN' : 'ESTABLISHED' }));
  const asked: [ConnectionFilter, number][] = [];
  const api = {
    connections: async (filter: ConnectionFilter, _limit: number, offset = 0) => {
      asked.push([filter, offset]);
      return { serverTime: 0, total: all.length, offset, connections: all.slice(offset, offset + 3) };
    },
  };
  const rows = await fetchViewRows(api, { filter: { state: 'connected' }, search: 'establ', sort: { column: 'local', direction: 'desc' } });
  assert.deepEqual(rows.map((r) => r.id), ['p30', 'p20', 'p10']);
  assert.deepEqual(asked, [[{ state: 'connected' }, 0], [{ state: 'connected' }, 3]]);
});
