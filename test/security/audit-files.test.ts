/**
 * Files a root process writes: the audit log and its lock are held to
 * owned-files' policy (our euid, our directory, no symlink, ancestors no one
 * else can swap), and one server at a time writes a log.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { AuditLog } from '@keepalive-dashboard/server/audit/audit-log';
import { checkPrivateFile, describeOwner, ensurePrivateDirectory } from '@keepalive-dashboard/server/security/owned-files';

import { AUTH, buildApp, tempDir } from '../helpers/app.js';
import { startServer } from '../server/faults/server-process.js';

const RECORD = `${JSON.stringify({ type: 'lab', connectionId: null, summary: 'lab listener lab-1 opened', actor: '127.0.0.1', at: 1, seq: 1 })}\n`;

/** Opens an AuditLog, closed when the test ends; returns its status. */
function open(t: { after(fn: () => void): void }, path: string): ReturnType<AuditLog['status']> & { log: AuditLog } {
  const log = new AuditLog(path);
  t.after(() => log.close());
  return { ...log.status(), log };
}

test('a pre-created audit file owned by uid 65534 is refused, naming the path and its owner; changes are 503', async (t) => {
  const path = join(tempDir(t), 'audit.jsonl');
  writeFileSync(path, RECORD); // a forged entry, as another user would plant it
  chownSync(path, 65534, 65534);
  const fastify = await buildApp(t, { auditLogPath: path });
  const health = (await fastify.inject({ url: '/api/health', headers: AUTH })).json() as { auditLog: { writable: boolean; error: string } };
  assert.equal(health.auditLog.writable, false);
  assert.match(health.auditLog.error, new RegExp(`^EPERM: ${path} is owned by uid 65534 \\(nobody\\)`));
  const change = await fastify.inject({ method: 'POST', url: '/api/lab/listeners', headers: AUTH, payload: { port: 0 } });
  assert.equal(change.statusCode, 503);
  assert.match((change.json() as { message: string }).message, /owned by uid 65534 \(nobody\)/);
  assert.equal(readFileSync(path, 'utf8'), RECORD, 'nothing appended');
});

test('a directory that is group- or other-writable, or owned by another uid, is refused; nothing is created in it', (t) => {
  const base = tempDir(t);
  for (const [name, mode, uid, why] of [
    ['group-writable', 0o770, 0, /mode 0770\) is writable by group or others/],
    ['other-writable', 0o707, 0, /mode 0707\) is writable by group or others/],
    ['theirs', 0o700, 65534, /is owned by uid 65534 \(nobody\), not by uid 0 \(root\)/],
  ] as const) {
    const dir = join(base, name);
    mkdirSync(dir);
    chmodSync(dir, mode);
    chownSync(dir, uid, uid);
    const status = open(t, join(dir, 'audit.jsonl'));
    assert.equal(status.writable, false, name);
    assert.match(status.error ?? '', new RegExp(`^EPERM: ${dir} \\(?`), name);
    assert.match(status.error ?? '', why, name);
    assert.equal(existsSync(join(dir, 'audit.jsonl')), false, `${name}: no file created`);
  }
});

test('an ancestor writable by others is refused unless it has the sticky bit (like /tmp)', (t) => {
  const base = tempDir(t);
  mkdirSync(join(base, 'open'));
  chmodSync(join(base, 'open'), 0o777);
  const refused = open(t, join(base, 'open', 'state', 'audit.jsonl'));
  assert.equal(refused.writable, false);
  assert.match(refused.error ?? '', new RegExp(`${join(base, 'open')} \\(owned by uid 0 \\(root\\), mode 0777\\) is writable by group or others without the sticky bit`));
  assert.equal(existsSync(join(base, 'open', 'state')), false, 'nothing created below it');
  mkdirSync(join(base, 'sticky'));
  chmodSync(join(base, 'sticky'), 0o1777);
  const accepted = open(t, join(base, 'sticky', 'state', 'audit.jsonl'));
  assert.equal(accepted.writable, true, accepted.error ?? '');
});

test('a symlink as the audit file is refused and its target untouched, even when it points at a log of ours', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'real.jsonl'), RECORD);
  symlinkSync(join(dir, 'real.jsonl'), join(dir, 'audit.jsonl'));
  const status = open(t, join(dir, 'audit.jsonl'));
  assert.equal(status.writable, false);
  assert.match(status.error ?? '', new RegExp(`^ELOOP: ${join(dir, 'audit.jsonl')} is a symbolic link`));
  assert.equal(readFileSync(join(dir, 'real.jsonl'), 'utf8'), RECORD);
});

test('created: missing directories 0700, the log and its lock 0600; an existing log of ours readable by others is tightened to 0600', (t) => {
  const base = tempDir(t);
  const path = join(base, 'a', 'b', 'audit.jsonl');
  const status = open(t, path);
  assert.equal(status.writable, true, status.error ?? '');
  for (const dir of [join(base, 'a'), join(base, 'a', 'b')]) assert.equal(statSync(dir).mode & 0o7777, 0o700, dir);
  assert.equal(statSync(path).mode & 0o7777, 0o600);
  assert.equal(statSync(`${path}.lock`).mode & 0o7777, 0o600);
  const loose = join(base, 'loose.jsonl');
  writeFileSync(loose, RECORD, { mode: 0o644 });
  assert.equal(open(t, loose).writable, true);
  assert.equal(statSync(loose).mode & 0o7777, 0o600);
});

test('owned-files policy as another euid: root-owned files and directories are not ours; owners are named by uid and user name', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'f'), 'x');
  const other = { euid: 4242 };
  assert.throws(() => checkPrivateFile(join(dir, 'f'), other), { code: 'EPERM', message: new RegExp(`^${join(dir, 'f')} is owned by uid 0 \\(root\\), not by uid 4242 `) });
  assert.throws(() => ensurePrivateDirectory(dir, other), { code: 'EPERM', path: dir });
  assert.equal(checkPrivateFile(join(dir, 'missing'), other), null);
  assert.equal(describeOwner(65534), 'uid 65534 (nobody)');
  assert.equal(describeOwner(4242424), 'uid 4242424');
});

test('one writer per audit log: a second open, even in the same process, is refused naming the pid that holds it', (t) => {
  const path = join(tempDir(t), 'audit.jsonl');
  const first = open(t, path);
  assert.equal(first.writable, true);
  const second = open(t, path);
  assert.equal(second.writable, false);
  assert.match(second.error ?? '', new RegExp(`^EWOULDBLOCK: the audit log ${path} is in use by pid ${process.pid} \\(`));
  assert.throws(() => second.log.append({ type: 'lab', at: 1, connectionId: null, actor: null, summary: 'x' }));
  first.log.close();
  assert.equal(open(t, path).writable, true, 'free again once the holder closes it');
});

test('a second server on the same audit log starts with changes refused, naming the first one’s pid; kill -9 frees the log', async (t) => {
  const path = join(tempDir(t), 'audit.jsonl');
  const first = await startServer(t, ['--audit-log', path]);
  const second = await startServer(t, ['--audit-log', path]);
  assert.match(second.banner, new RegExp(`NOT WRITABLE \\(EWOULDBLOCK: .*in use by pid ${first.pid} `));
  const change = await second.call('POST', '/api/lab/listeners', { port: 0 });
  assert.equal(change.status, 503);
  assert.match(String(change.body.message), new RegExp(`pid ${first.pid}`));
  assert.equal((await first.call('POST', '/api/lab/listeners', { port: 0 })).status, 201, 'the holder writes on');
  process.kill(first.pid, 'SIGKILL');
  // The kernel drops a dead process's flock: no stale lock to clean up.
  let reopened = false;
  for (const deadline = Date.now() + 20_000; !reopened && Date.now() < deadline; ) {
    const log = new AuditLog(path);
    reopened = log.writable;
    log.close();
    if (!reopened) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(reopened, 'writable again once the holder is dead');
  const seqs = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no sequence number written twice');
});

test('a log path under a directory that refuses children (procfs) is refused at once with ENOENT, not retried forever', (t) => {
  // Node's recursive mkdir loops on ENOENT under an existing parent; the server made that a hang at start.
  const status = open(t, '/proc/self/no-such-dir/audit.jsonl');
  assert.equal(status.writable, false);
  assert.match(status.error ?? '', /^ENOENT/);
});
