/** What the real CLI prints: the banner's honesty about changes, one-line usage errors, errno said once. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { tempDir } from '../helpers/app.js';
import { MAIN, startServer, UNPRIVILEGED } from './faults/server-process.js';

test('with --read-only the banner says so and does not offer to kill or retune', { timeout: 90_000 }, async (t) => {
  const server = await startServer(t, ['--read-only', '--audit-log', join(tempDir(t), 'audit.jsonl')]);
  assert.match(server.banner, /^ {2}read-only: every change is refused/m);
  assert.doesNotMatch(server.banner, /can:|kill connections|retune other/);
});

test('a bad flag prints one line naming it and exits 2, without the whole help', () => {
  const run = spawnSync(process.execPath, [MAIN, '--foo'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 2);
  assert.equal(run.stderr, 'keepalive-dashboard: unknown option --foo; see --help\n');
  assert.equal(run.stdout, '');
});

test('an audit log the server may not write: the banner says changes are refused, the errno once', { timeout: 90_000 }, async (t) => {
  const root = tempDir(t);
  chmodSync(root, 0o755);
  // A directory the unprivileged server owns but may not write into: open() fails with EACCES.
  const locked = join(root, 'locked');
  mkdirSync(locked);
  chownSync(locked, 65534, 65534);
  chmodSync(locked, 0o500);
  const server = await startServer(t, ['--audit-log', join(locked, 'audit.jsonl')], { prefix: UNPRIVILEGED });
  assert.match(server.banner, /^ {2}changes refused: the audit log .*locked\/audit\.jsonl cannot be written$/m);
  assert.match(server.banner, /NOT WRITABLE \(EACCES: permission denied/);
  assert.doesNotMatch(server.banner, /can:/);
  assert.doesNotMatch(server.banner + server.stderr(), /EACCES: EACCES/);
});
