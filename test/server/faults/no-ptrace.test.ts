import assert from 'node:assert/strict';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { tempDir } from '../../helpers/app.js';
import { spawnSocketHolder } from '../../helpers/processes.js';
import { UNPRIVILEGED, startServer } from './server-process.js';

interface View {
  id: string;
  inode: number;
  keepaliveError: { code: string; message: string } | null;
}

test('without CAP_SYS_PTRACE: health says so, foreign sockets are 403 naming it, everything else works', async (t) => {
  const holder = await spawnSocketHolder(t); // root's socket, before the server's first collection
  const dir = tempDir(t, 'ka-noptrace-');
  chownSync(dir, 65534, 65534);
  const server = await startServer(t, ['--audit-log', join(dir, 'audit.jsonl')], { prefix: UNPRIVILEGED });

  const health = await server.call('GET', '/api/health');
  const caps = health.body.capabilities as { sysPtrace: boolean; missing: string[] };
  assert.equal(caps.sysPtrace, false);
  assert.ok(caps.missing.some((m) => /^CAP_SYS_PTRACE: /.test(m)), caps.missing.join('\n'));

  const list = await server.call('GET', `/api/connections?port=${holder.held.localPort}&state=ESTABLISHED`);
  assert.equal(list.status, 200);
  const view = (list.body.connections as View[]).find((v) => v.inode === holder.held.inode);
  assert.ok(view, 'root’s socket is listed');
  assert.equal(view.keepaliveError?.code, 'EPERM', 'the list says why settings are missing, too');

  const read = await server.call('GET', `/api/connections/${view.id}`);
  assert.equal(read.status, 200);
  const error = (read.body.connection as View).keepaliveError;
  assert.equal(error?.code, 'EPERM');
  assert.match(error?.message ?? '', /CAP_SYS_PTRACE/);

  const patch = await server.call('PATCH', `/api/connections/${view.id}/keepalive`, { idleSec: 50 });
  assert.equal(patch.status, 403, JSON.stringify(patch.body));
  assert.equal(patch.body.code, 'KA_ERR_PERMISSION');
  assert.match(String(patch.body.message), /CAP_SYS_PTRACE/);
  holder.child.stdin?.write('get\n');
  assert.equal((JSON.parse(await holder.nextLine()) as { keepalive: { idleSec: number } }).keepalive.idleSec, 600, 'the owner’s socket is untouched');

  // What needs no privilege still works: the lab and retunes of our own sockets.
  const listener = await server.call('POST', '/api/lab/listeners', { port: 0 });
  assert.equal(listener.status, 201, JSON.stringify(listener.body));
  const conn = await server.call('POST', '/api/lab/connections', { host: '127.0.0.1', port: (listener.body.local as { port: number }).port });
  assert.equal(conn.status, 201, JSON.stringify(conn.body));
  const owned = await server.call('PATCH', `/api/connections/${String(conn.body.connectionId)}/keepalive`, { enabled: true, idleSec: 33 });
  assert.equal(owned.status, 200, JSON.stringify(owned.body));
  assert.equal((owned.body.after as { idleSec: number }).idleSec, 33);
  const detail = await server.call('GET', `/api/connections/${String(conn.body.connectionId)}`);
  assert.equal((detail.body.tcpInfo as { state: string }).state, 'ESTABLISHED');

  // And what does need privilege is a 403 naming it, never a 500.
  const kill = await server.call('DELETE', `/api/connections/${String(conn.body.connectionId)}`);
  assert.equal(kill.status, 403, JSON.stringify(kill.body));
  const sysctl = await server.call('GET', '/api/sysctl');
  const put = await server.call('PUT', '/api/sysctl', { keepaliveProbes: sysctl.body.keepaliveProbes });
  assert.equal(put.status, 403, JSON.stringify(put.body));
  assert.match(String(put.body.message), /root/);
});
