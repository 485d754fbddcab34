import assert from 'node:assert/strict';
import { test } from 'node:test';

import { matchesFilter, matchesSearch } from '@keepalive-dashboard/shared';

import { view } from '../web/views.js';

const script = view({ holders: [{ pid: 4242, fd: 5, comm: 'python3', cmdline: 'python3 /srv/payments/settle.py --port 9000', uid: 1000, user: 'alice', unit: null }] });
const other = view({ holders: [{ pid: 4243, fd: 5, comm: 'python3', cmdline: 'python3 /srv/report.py', uid: 1000, user: 'alice', unit: null }] });

test("a script's name, only in the command line, is found by search and by the process filter", () => {
  assert.deepEqual([script, other].filter((v) => matchesSearch(v, 'settle.py')), [script]);
  assert.deepEqual([script, other].filter((v) => matchesFilter(v, { command: 'SETTLE' })), [script]);
  // The comm still matches both; a name in neither matches none.
  assert.equal([script, other].filter((v) => matchesFilter(v, { command: 'python3' })).length, 2);
  assert.equal([script, other].filter((v) => matchesSearch(v, 'nginx')).length, 0);
});
