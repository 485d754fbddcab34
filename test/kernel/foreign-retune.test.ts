/**
 * Foreign sockets retuned through the API: a separate process of ours, and a
 * third-party program from Debian (socat). `ss`, and the owner's own
 * getsockopt where it can tell us, see the new values.
 */
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';

import { AUTH, buildApp } from '../helpers/app.js';
import { spawnChild, spawnSocketHolder } from '../helpers/processes.js';
import { ssTimer } from '../helpers/ss.js';

test('a separate process’s socket: the owner’s own getsockopt sees the retune', async (t) => {
  const fastify = await buildApp(t);
  const holder = await spawnSocketHolder(t);
  await fastify.ka.store.collectFresh();
  const view = fastify.ka.store.snapshot().connections.find((v) => v.inode === holder.held.inode);
  assert.ok(view);
  const res = await fastify.inject({ method: 'PATCH', url: `/api/connections/${view.id}/keepalive`, headers: AUTH, payload: { idleSec: 40, intervalSec: 6, count: 7, userTimeoutMs: 30000 } });
  assert.equal(res.statusCode, 200, res.body);
  holder.child.stdin?.write('get\n');
  const own = JSON.parse(await holder.nextLine()) as { keepalive: object };
  assert.deepEqual(own.keepalive, { enabled: true, idleSec: 40, intervalSec: 6, count: 7, userTimeoutMs: 30000 });
  const timer = ssTimer({ address: '127.0.0.1', port: holder.held.localPort }, { address: '127.0.0.1', port: holder.held.peerPort });
  assert.equal(timer.kind, 'keepalive');
  assert.ok(timer.ms > 35_000 && timer.ms <= 40_000, `ss ${timer.ms} ms`);
});

test('a third-party daemon (socat): its accepted socket retuned through pidfd_getfd', async (t) => {
  const fastify = await buildApp(t);
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  probe.close();
  const socat = spawnChild(t, 'socat', ['-u', `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`, 'OPEN:/dev/null']);
  let client: net.Socket | null = null;
  for (let i = 0; i < 100 && !client; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const attempt = net.connect(port, '127.0.0.1');
    client = await new Promise<net.Socket | null>((resolve) => {
      attempt.once('connect', () => resolve(attempt));
      attempt.once('error', () => resolve(null));
    });
  }
  assert.ok(client, 'socat accepted a connection');
  t.after(() => client?.destroy());
  await fastify.ka.store.collectFresh();
  const view = fastify.ka.store.snapshot().connections.find((v) => v.state === 'ESTABLISHED' && v.local.port === port);
  assert.ok(view, 'socat’s accepted socket is listed');
  // The handshake completes in the kernel before socat accept()s: on a busy machine its fd may come a moment later.
  type Detail = { connection: { holders: { pid: number; comm: string }[]; keepalive: { enabled: boolean } } };
  // Wait for the invariant (socat holds the fd), not for a speed: then the server's next process scan must find it.
  const holdsIt = (): boolean => {
    try {
      return readdirSync(`/proc/${socat.pid}/fd`).some((fd) => readlinkSync(`/proc/${socat.pid}/fd/${fd}`) === `socket:[${view.inode}]`);
    } catch {
      return false;
    }
  };
  let detail: Detail | null = null;
  const deadline = Date.now() + 60_000;
  for (let first = true; !detail?.connection.holders.length && Date.now() < deadline; first = false) {
    if (!first) await new Promise((resolve) => setTimeout(resolve, 200));
    if (!holdsIt()) continue;
    detail = (await fastify.inject({ url: `/api/connections/${view.id}`, headers: AUTH })).json() as Detail;
  }
  assert.ok(detail);
  assert.deepEqual(detail.connection.holders.map((h) => [h.pid, h.comm]), [[socat.pid, 'socat']]);
  assert.equal(detail.connection.keepalive.enabled, false, 'socat leaves keepalive off');
  const res = await fastify.inject({ method: 'PATCH', url: `/api/connections/${view.id}/keepalive`, headers: AUTH, payload: { enabled: true, idleSec: 25 } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((res.json() as { after: { enabled: boolean } }).after.enabled, true);
  const timer = ssTimer({ address: '127.0.0.1', port }, { address: '127.0.0.1', port: client.localPort ?? 0 });
  assert.equal(timer.kind, 'keepalive');
  assert.ok(timer.ms > 20_000 && timer.ms <= 25_000, `ss ${timer.ms} ms`);
});
