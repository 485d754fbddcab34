import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { AuditLog } from '@keepalive-dashboard/server/audit/audit-log';

import { tempDir } from '../../helpers/app.js';
import { startServer } from '../faults/server-process.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';
const EVENT = { type: 'lab', connectionId: null, summary: 'lab listener lab-1 opened', actor: '127.0.0.1', at: 1, seq: 1 };

test('--audit-log at a system file, reached through ../: refused; the server says so, refuses changes, appends nothing', async (t) => {
  const dir = tempDir(t, 'ka-audit-');
  const passwd = join(dir, 'passwd'); // a copy: /etc/passwd itself is never touched
  writeFileSync(passwd, PASSWD);
  chmodSync(passwd, 0o644);
  const before = statSync(passwd);
  const server = await startServer(t, ['--audit-log', join(dir, 'sub', '..', 'passwd')]);
  assert.match(server.banner, new RegExp(`audit log: ${passwd} — NOT WRITABLE \\(EEXIST: .*is not a keepalive-dashboard audit log`));
  const change = await server.call('POST', '/api/lab/listeners', { port: 0 });
  assert.equal(change.status, 503, JSON.stringify(change.body));
  assert.equal(change.body.code, 'KA_ERR_AUDIT_UNAVAILABLE');
  const health = await server.call('GET', '/api/health');
  assert.match(String((health.body.auditLog as { error: string }).error), /not a keepalive-dashboard audit log/);
  assert.equal(readFileSync(passwd, 'utf8'), PASSWD, 'not one byte appended');
  assert.equal(statSync(passwd).mode, before.mode, 'mode untouched');
});

test('the audit-log path policy: symlinks, devices, directories and foreign files refused; new, empty and our own logs accepted', (t) => {
  const dir = tempDir(t, 'ka-audit-');
  const ours = join(dir, 'audit.jsonl');
  writeFileSync(ours, `${JSON.stringify(EVENT)}\n`);
  symlinkSync(ours, join(dir, 'link.jsonl')); // even to a real audit log: never written through a link
  writeFileSync(join(dir, 'notes.txt'), 'my notes\n');
  writeFileSync(join(dir, 'config.json'), '{"type":"module"}\n');
  writeFileSync(join(dir, 'big.log'), 'x'.repeat(2 * 1024 * 1024));
  writeFileSync(join(dir, 'empty.jsonl'), '');
  writeFileSync(join(dir, 'torn.jsonl'), JSON.stringify(EVENT).slice(0, 30)); // a first write cut by a crash
  mkdirSync(join(dir, 'folder'));
  const cases: [string, RegExp | null][] = [
    [join(dir, 'link.jsonl'), /^ELOOP: .*symbolic link/],
    ['/dev/null', /^EINVAL: .*not a regular file/],
    [join(dir, 'folder'), /^EISDIR: /],
    [join(dir, 'notes.txt'), /^EEXIST: .*not a keepalive-dashboard audit log/],
    [join(dir, 'config.json'), /^EEXIST: /],
    [join(dir, 'big.log'), /^EEXIST: /],
    [join(dir, 'folder', '..', 'notes.txt'), /^EEXIST: /],
    [join(dir, 'new', 'audit.jsonl'), null],
    [join(dir, 'empty.jsonl'), null],
    [join(dir, 'torn.jsonl'), null],
    [ours, null],
  ];
  for (const [path, refusal] of cases) {
    const log = new AuditLog(path);
    const status = log.status();
    log.close(); // one writer per log: `ours` is opened again below
    if (refusal) {
      assert.equal(status.writable, false, path);
      assert.match(status.error ?? '', refusal, path);
    } else assert.equal(status.writable, true, `${path}: ${status.error}`);
  }
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'my notes\n');
  const again = new AuditLog(ours);
  t.after(() => again.close());
  assert.equal(again.seq, 1, 'our own log is read back: sequence numbers continue');
});
