/**
 * Every network namespace, read by the real server (netlink source) from namespaces these tests
 * create: each socket carries its own namespace, its settings read back exactly, and each
 * namespace's list agrees with `ss` run inside it. Only what the tests made is looked at: other
 * tests' sockets and namespaces share the host.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ConnectionView } from '@keepalive-dashboard/shared';

import { netnsLab, type LabNamespace } from '../helpers/netns-lab.js';
import { startChainHolders, startHolder, startMover, type NsHolder } from '../helpers/ns-holder.js';
import { ssInNetns, type SsRow } from '../helpers/ns-ss.js';
import { spawnSocketHolder } from '../helpers/processes.js';
import { startNsServer, until, type NsServer } from './ns-server.js';

/** Client settings per namespace: distinct from each other, from the sysctls and from the kernel's defaults. */
const SETTINGS: [number, number, number, number][] = [[1001, 11, 3, 0], [2002, 22, 4, 45_000], [3003, 33, 5, 0]];

/** The namespace's views once every socket of `holder` is listed with its settings read back. */
function heldViews(server: NsServer, ns: LabNamespace, holder: NsHolder): Promise<ConnectionView[]> {
  return until(`${ns.name}: every held socket listed and read`, async () => {
    const views = await server.connections(ns.inode);
    return holder.sockets.every((s) => views.some((v) => v.inode === s.inode && v.keepaliveOrigin === 'foreign')) && views;
  });
}

const rowKeys = (rows: SsRow[], ports: Set<number>): string[] =>
  rows.filter((r) => ports.has(r.localPort)).map((r) => `${r.state} ${r.localPort}→${r.peerPort} timer ${r.timer}`).sort();

test('three namespaces: every socket listed with its namespace and settings, the same sockets as ss inside', async (t) => {
  const lab = netnsLab(t, 3);
  const holders = await startChainHolders(lab, SETTINGS);
  const server = await startNsServer(t);
  for (const [i, ns] of lab.namespaces.entries()) {
    const holder = holders[i] as NsHolder;
    const views = await heldViews(server, ns, holder);
    for (const held of holder.sockets) {
      const view = views.find((v) => v.inode === held.inode);
      assert.deepEqual(view?.netns, { inode: ns.inode, label: ns.name, own: false }, `${ns.name} ${held.role}`);
      assert.deepEqual(view?.keepalive, held.keepalive, `${ns.name} ${held.role}: read back exactly`);
      assert.deepEqual(view?.holders.map((h) => h.pid), [holder.pid]);
    }
    const ports = new Set([...holder.sockets, ...holder.listeners].map((s) => s.local.port));
    const listed = views.map((v): SsRow => ({ state: v.state, localPort: v.local.port, peerPort: v.peer.port, timer: v.timer.kind }));
    assert.deepEqual(rowKeys(listed, ports), rowKeys(ssInNetns(ns.name), ports), `${ns.name}: the server and ss inside agree`);
  }
  const listed = await server.namespaces();
  for (const ns of lab.namespaces) {
    const entry = listed.find((n) => n.inode === ns.inode);
    assert.deepEqual(entry && { name: entry.name, label: entry.label, reader: entry.reader, error: entry.error, sysctl: entry.sysctl }, { name: ns.name, label: ns.name, reader: 'netlink', error: null, sysctl: ns.sysctl });
  }
});

test('a process that moved itself (setns) holds sockets in two namespaces: each listed in its own, both retunable', async (t) => {
  const lab = netnsLab(t, 2);
  const [a, b] = lab.namespaces as [LabNamespace, LabNamespace];
  const mover = await startMover(lab, a, b, [1234, 12, 6, 0]);
  const server = await startNsServer(t);
  for (const [ns, prefix] of [[a, 'a-'], [b, 'b-']] as const) {
    const mine = { ...mover, sockets: mover.sockets.filter((s) => s.role.startsWith(prefix)) };
    const views = await heldViews(server, ns, mine);
    for (const held of mine.sockets) {
      const view = views.find((v) => v.inode === held.inode);
      assert.equal(view?.netns?.label, ns.name, `${held.role} is in ${ns.name}`);
      assert.deepEqual(view?.holders.map((h) => h.pid), [mover.pid], `${held.role}: held by the mover`);
      assert.deepEqual(view?.keepalive, held.keepalive);
    }
  }
  const pids = (ns: LabNamespace) => server.namespaces().then((all) => all.find((n) => n.inode === ns.inode)?.processes.map((p) => p.pid));
  assert.deepEqual(await pids(b), [mover.pid], 'the mover is inside B now');
  assert.deepEqual(await pids(a), [], 'A holds only its sockets, no process');
  const client = mover.sockets.find((s) => s.role === 'a-client');
  const view = (await server.connections(a.inode)).find((v) => v.inode === client?.inode);
  const res = await server.call('PATCH', `/api/connections/${encodeURIComponent(view?.id ?? '')}/keepalive`, { idleSec: 777, intervalSec: 7, count: 9 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(await mover.get(client?.local.port ?? 0), { enabled: true, idleSec: 777, intervalSec: 7, count: 9, userTimeoutMs: 0 });
});

test('without CAP_SYS_ADMIN: health says so, lists the namespaces it cannot enter and why, and still reads its own', async (t) => {
  const lab = netnsLab(t, 2);
  const own = await spawnSocketHolder(t);
  const server = await startNsServer(t, ['setpriv', '--inh-caps=-sys_admin', '--bounding-set=-sys_admin']);
  const health = await until('both namespaces in notRead', async () => {
    const h = await server.health();
    return lab.namespaces.every((ns) => h.namespaces.notRead.some((n) => n.inode === ns.inode)) && h;
  });
  assert.equal(health.capabilities.sysAdmin, false);
  for (const ns of lab.namespaces) {
    const entry = health.namespaces.notRead.find((n) => n.inode === ns.inode);
    assert.equal(entry?.label, ns.name);
    assert.match(entry?.error.message ?? '', /CAP_SYS_ADMIN/);
  }
  const mine = (await server.namespaces()).find((n) => n.own);
  assert.equal(mine?.error, null);
  assert.ok(mine?.reader, 'its own namespace is read');
  const view = await until('our own socket listed', async () => (await server.connections(mine.inode)).find((v) => v.inode === own.held.inode));
  assert.equal(view.netns?.own, true);
});

test('without CAP_SYS_ADMIN, a namespace with a process inside is read from its /proc/PID/net instead, and says so', async (t) => {
  const lab = netnsLab(t, 1);
  const ns = lab.namespaces[0] as LabNamespace;
  const holder = await startHolder(lab, ns, { keepalive: [1001, 11, 3] });
  const server = await startNsServer(t, ['setpriv', '--inh-caps=-sys_admin', '--bounding-set=-sys_admin']);
  const views = await until('the holder sockets listed through /proc', async () => {
    const listed = await server.connections(ns.inode);
    return holder.sockets.every((s) => listed.some((v) => v.inode === s.inode)) && listed;
  });
  // /proc/net/tcp has no cookies: ids are inodes.
  for (const s of holder.sockets) assert.equal(views.find((v) => v.inode === s.inode)?.id, `ino:${s.inode}`);
  const entry = (await server.namespaces()).find((n) => n.inode === ns.inode);
  assert.equal(entry?.reader, 'proc');
  assert.match(entry?.error?.message ?? '', /CAP_SYS_ADMIN.*\/proc\/\d+\/net\/tcp/);
  const health = await server.health();
  assert.ok(!health.namespaces.notRead.some((n) => n.inode === ns.inode), 'read, if without tcp_info');
});
