/**
 * A live socket that no process holds: its only fd is in flight over a Unix
 * socket (SCM_RIGHTS). The kernel still lists it and it is used afterwards,
 * so a retune must say "no process holds it right now" (409), never "gone".
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { AUTH, buildApp } from '../helpers/app.js';
import { HELPERS, spawnChild } from '../helpers/processes.js';

test('PATCH on a socket whose fd is in flight: 409 KA_ERR_NO_HOLDER while ss lists it; retuned once received', { timeout: 60_000 }, async (t) => {
  const fastify = await buildApp(t);
  const child = spawnChild(t, 'python3', [`${HELPERS}fd-in-flight.py`]);
  const held = JSON.parse(await child.nextLine()) as { localPort: number; peerPort: number; inode: number };
  await fastify.ka.store.collectFresh();
  const view = fastify.ka.store.findByInode(held.inode);
  assert.ok(view, 'the client socket is listed');
  child.child.stdin?.write('send\n');
  assert.equal(await child.nextLine(), 'sent');

  const refused = await fastify.inject({ method: 'PATCH', url: `/api/connections/${view.id}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 30 } });
  assert.equal(refused.statusCode, 409, refused.body);
  assert.equal((refused.json() as { code: string }).code, 'KA_ERR_NO_HOLDER');
  const ss = execFileSync('ss', ['-tanH', 'state', 'established', `sport = :${held.localPort}`], { encoding: 'utf8' });
  assert.match(ss, new RegExp(`:${held.localPort}\\s`), 'ss still lists the socket');
  assert.ok(fastify.ka.store.get(view.id), 'and so does the table');

  child.child.stdin?.write('recv\n');
  assert.match(await child.nextLine(), /^received \d+$/);
  const res = await fastify.inject({ method: 'PATCH', url: `/api/connections/${view.id}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 30 } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((res.json() as { after: { idleSec: number; enabled: boolean } }).after.idleSec, 30);
});
