import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { test, type TestContext } from 'node:test';

import { NamespaceRegistry } from '@keepalive-dashboard/server/namespaces/registry';
import { createNamespacedSource } from '@keepalive-dashboard/server/sources/namespaced';
import { createNetlinkSource } from '@keepalive-dashboard/server/sources/netlink';
import { createNetstatSource } from '@keepalive-dashboard/server/sources/netstat';
import { createProcSource } from '@keepalive-dashboard/server/sources/proc';
import { createSsSource } from '@keepalive-dashboard/server/sources/ss';

import { buildApp } from '../../helpers/app.js';
import { spawnChild } from '../../helpers/processes.js';

let made = 0;

/** A named namespace holding a pair on 127.0.0.1:port (and, with `timeWait`, a TIME_WAIT from a closed one); deleted at the end. */
async function namespaceWithPair(t: TestContext, port: number, timeWait = false): Promise<{ name: string; inode: number; pid: number; exited: Promise<unknown> }> {
  const name = `ka-nss-${process.pid}-${++made}`;
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const script = [
    'import socket, sys',
    `l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(("127.0.0.1", ${port})); l.listen()`,
    `c = socket.create_connection(("127.0.0.1", ${port})); a, _ = l.accept()`,
    timeWait ? `w = socket.create_connection(("127.0.0.1", ${port})); b, _ = l.accept(); w.close(); b.recv(1); b.close()` : '',
    'print("ready", flush=True); sys.stdin.read()',
  ].join('\n');
  const child = spawnChild(t, 'ip', ['netns', 'exec', name, 'python3', '-c', script]);
  t.after(() => {
    try {
      execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
    } catch {
      // the test deleted it
    }
  });
  assert.equal(await child.nextLine(), 'ready');
  return { name, inode: statSync(`/run/netns/${name}`).ino, pid: child.pid, exited: new Promise((resolve) => child.child.once('exit', resolve)) };
}

const ofPort = (port: number) => (c: { local: { port: number }; peer: { port: number } }) => c.local.port === port || c.peer.port === port;
/** Its sockets: ports repeat across namespaces (other tests' too). */
const inNs = (ns: { inode: number }, port: number) => (c: { local: { port: number }; peer: { port: number }; netns?: number }) => c.netns === ns.inode && ofPort(port)(c);

test('every row of another namespace carries it; the own source reads only its own', async (t) => {
  const ns = await namespaceWithPair(t, 47201);
  const registry = new NamespaceRegistry();
  const source = createNamespacedSource('netlink', registry, createNetlinkSource());
  const rows = (await source.sweep!(0)).changed.filter(inNs(ns, 47201));
  assert.equal(rows.length, 3, 'listener and both ends');
  assert.equal((await createNetlinkSource().collect()).filter((c) => c.cookie !== null && rows.some((r) => r.cookie === c.cookie)).length, 0);
  const found = await source.lookup!(rows);
  assert.deepEqual(found.found.map((c) => c.id).sort(), rows.map((c) => c.id).sort());
});

test('a namespace that vanishes between discovery and its sweep is no error: its rows are removed', async (t) => {
  const ns = await namespaceWithPair(t, 47202);
  const fastify = await buildApp(t, { namespaces: 'all' });
  const store = fastify.ka.store;
  await store.collect();
  const ids = store.snapshot().connections.filter((v) => v.netns?.inode === ns.inode).map((v) => v.id);
  assert.equal(ids.length, 3);
  process.kill(ns.pid, 'SIGKILL');
  await ns.exited;
  execFileSync('ip', ['netns', 'delete', ns.name]);
  // The registry still lists it (collect() does not re-discover): this sweep finds it gone mid-collection.
  assert.ok(fastify.ka.namespaces.get(ns.inode));
  const after = await store.collect();
  assert.deepEqual(ids.filter((id) => store.get(id)), [], 'every row of it left the table');
  assert.deepEqual(ids.filter((id) => !after.removed.includes(id)), [], 'and the stream was told');
  assert.equal(store.sampling().sweepResets, 0, 'no lookup was contradicted');
  assert.ok(fastify.ka.namespaces.refresh().vanished.includes(ns.inode));
});

test("a TIME-WAIT of another namespace read from /proc is named with its namespace (4-tuples repeat across namespaces)", async (t) => {
  const ns = await namespaceWithPair(t, 47203, true);
  const registry = new NamespaceRegistry();
  // /proc/PID/net/tcp of the holder: no cookies, so TIME-WAIT has only its 4-tuple.
  const source = createNamespacedSource('proc', registry, createProcSource());
  const rows = (await source.collect()).filter(inNs(ns, 47203));
  const tw = rows.filter((c) => c.state === 'TIME_WAIT');
  assert.equal(tw.length, 1, JSON.stringify(rows.map((c) => c.state)));
  assert.ok(tw[0]?.id.startsWith(`tw@${ns.inode}:`), tw[0]?.id);
  assert.ok(rows.filter((c) => c.state === 'ESTABLISHED').every((c) => c.id.startsWith('ino:')), 'inodes are unique host-wide');
});

test('ss and netstat read another namespace under nsenter: the same sockets as netlink, tagged with it', async (t) => {
  const ns = await namespaceWithPair(t, 47204);
  const registry = new NamespaceRegistry();
  const key = (c: { state: string; local: { port: number }; peer: { port: number } }): string => `${c.state} ${c.local.port}-${c.peer.port}`;
  const netlink = (await createNamespacedSource('netlink', registry, createNetlinkSource()).collect()).filter(inNs(ns, 47204)).map(key).sort();
  assert.equal(netlink.length, 3);
  for (const [name, own] of [['ss', createSsSource()], ['netstat', createNetstatSource()]] as const) {
    const rows = (await createNamespacedSource(name, registry, own).collect()).filter(inNs(ns, 47204));
    assert.deepEqual(rows.map(key).sort(), netlink, name);
  }
});
