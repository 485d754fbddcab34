/** Each column defined once: label, sort key, cell text and export fields in one place. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { COLUMN_IDS } from '@keepalive-dashboard/shared';

import { COLUMNS } from '../../web/src/model/columns.js';
import { kaView, SETTINGS, view } from './views.js';

test('every ColumnId in shared has exactly one definition, with at least one export field', () => {
  assert.deepEqual(COLUMNS.map((c) => c.id).sort(), [...COLUMN_IDS].sort());
  for (const column of COLUMNS) assert.ok(column.exports.length > 0, `${column.id} exports nothing`);
  const names = COLUMNS.flatMap((c) => c.exports.map((f) => f.name));
  assert.equal(new Set(names).size, names.length, 'export field names are unique');
  for (const name of names) assert.match(name, /^[a-z][a-z0-9_]*$/, 'snake_case');
});

test('exports are plain numbers in the unit their name says, ISO where absolute; cells keep their text', () => {
  const now = 1_000_000;
  const v = kaView(now, 10_000, 0, SETTINGS, { tcpInfo: { rtt: 1500 } as never });
  const byName = (name: string) => COLUMNS.flatMap((c) => c.exports).find((f) => f.name === name)!.value(v, now);
  assert.equal(byName('idle_s'), 60);
  assert.equal(byName('next_probe_in_s'), 50);
  assert.equal(byName('rtt_ms'), 1.5);
  assert.equal(byName('dead_in_s'), 50 + 6 * 10);
  assert.equal(byName('dead_at'), new Date(now + 110_000).toISOString());
  assert.equal(COLUMNS.find((c) => c.id === 'deadIn')!.text(v, now), '1 min 50 s');
});

test('keepalive off: settings are muted in the cell and probes are null in the export, not "0 / 9"', () => {
  const v = view({ keepalive: { ...SETTINGS, enabled: false } });
  const probes = COLUMNS.find((c) => c.id === 'probes')!;
  const idle = COLUMNS.find((c) => c.id === 'idle')!;
  assert.equal(probes.text(v, 0), '—');
  assert.equal(probes.exports[0]!.value(v, 0), null);
  assert.match(idle.cellClass(v), /ka-unused/);
});

test('a process name from another user is exported escaped, with its pid apart', () => {
  const v = view({ holders: [{ pid: 7454, fd: 3, comm: 'pay\u202egnp.exe', cmdline: 'pay\u202egnp.exe --x', uid: 1000, user: 'eve', unit: null }] });
  const process = COLUMNS.find((c) => c.id === 'process')!;
  const values = Object.fromEntries(process.exports.map((f) => [f.name, f.value(v, 0)]));
  assert.ok(!String(values.process).includes('\u202e'));
  assert.equal(values.pid, 7454);
});
