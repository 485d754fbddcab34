import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { test } from 'node:test';

import type { ConnectionView, NamespaceList } from '@keepalive-dashboard/shared';

import { AUTH, buildApp } from '../../helpers/app.js';
import { spawnChild } from '../../helpers/processes.js';

test("a socket in a namespace with its own sysctls: labelled, its settings read back, and flagged as inheriting that namespace's defaults", async (t) => {
  const name = `ka-nsapp-${process.pid}`;
  execFileSync('ip', ['netns', 'add', name]);
  t.after(() => execFileSync('ip', ['netns', 'delete', name]));
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-qw', 'net.ipv4.tcp_keepalive_time=1234', 'net.ipv4.tcp_keepalive_intvl=11', 'net.ipv4.tcp_keepalive_probes=3']);
  // SO_KEEPALIVE alone: idle, interval and count come from the namespace.
  const script = 'import socket, sys\nl = socket.socket(); l.bind(("127.0.0.1", 47301)); l.listen()\nc = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1); c.connect(("127.0.0.1", 47301)); a, _ = l.accept()\nprint("ready", flush=True); sys.stdin.read()';
  const child = spawnChild(t, 'ip', ['netns', 'exec', name, 'python3', '-c', script]);
  assert.equal(await child.nextLine(), 'ready');
  const inode = statSync(`/run/netns/${name}`).ino;
  const fastify = await buildApp(t, { namespaces: 'all' });
  // Settings are read back a tick or more after the sweep that found the socket (a capped share per tick; slower on a busy machine).
  let client: ConnectionView | undefined;
  for (let attempt = 0; attempt < 100 && !client?.keepalive; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    await fastify.ka.store.collect();
    const listed = (await fastify.inject({ url: `/api/connections?netns=${inode}&port=47301`, headers: AUTH })).json() as { connections: ConnectionView[] };
    client = listed.connections.find((c) => c.peer.port === 47301);
  }
  assert.deepEqual(client?.netns, { inode, label: name, own: false });
  assert.deepEqual(client?.keepalive, { enabled: true, idleSec: 1234, intervalSec: 11, count: 3, userTimeoutMs: 0 });
  const host = fastify.ka.namespaceSysctls.get(fastify.ka.namespaces.ownInode).values;
  if (host?.keepaliveTimeSec !== 1234) assert.ok(client?.advisories.some((a) => a.code === 'namespace-defaults'), JSON.stringify(client?.advisories));
  const namespaces = (await fastify.inject({ url: '/api/namespaces', headers: AUTH })).json() as NamespaceList;
  const entry = namespaces.namespaces.find((n) => n.inode === inode);
  assert.deepEqual(entry?.sysctl, { keepaliveTimeSec: 1234, keepaliveIntvlSec: 11, keepaliveProbes: 3 });
  assert.equal(entry?.sockets, 3);
  assert.equal(entry?.reader, 'netlink');
});
