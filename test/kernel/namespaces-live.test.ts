/**
 * Changes inside namespaces through the real server (netlink source): a retune and a kill the
 * kernel inside and the socket's owner both see, a namespace sysctl changed alone, and
 * namespaces that come and go while the server runs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import type { ConnectionView } from '@keepalive-dashboard/shared';

import { netnsLab, type LabNamespace } from '../helpers/netns-lab.js';
import { NEIGHBOUR_PORT, startChainHolders, startHolder, type NsHolder, type NsSocket } from '../helpers/ns-holder.js';
import { ssInNetns } from '../helpers/ns-ss.js';
import { startNsServer, until, type NsServer } from './ns-server.js';

/** The server's id for a held socket, once it is listed with its settings read back. */
async function idOf(server: NsServer, ns: LabNamespace, held: NsSocket): Promise<string> {
  let last: ConnectionView | undefined;
  const view = await until(`${ns.name} ${held.role} read`, async () => {
    last = (await server.connections(ns.inode)).find((v) => v.inode === held.inode);
    return last?.keepaliveOrigin === 'foreign' && last;
  }).catch((error: Error) => {
    throw new Error(`${error.message}; last listed as ${JSON.stringify(last)}`);
  });
  return view.id;
}

const socketOf = (holder: NsHolder, role: string): NsSocket => {
  const held = holder.sockets.find((s) => s.role === role);
  if (!held) throw new Error(`holder has no ${role}`);
  return held;
};

/** `sysctl -n NAME` inside `ns`, or in this process's own namespace for null. */
function sysctlIn(ns: string | null, name: string): number {
  const argv = [...(ns ? ['ip', 'netns', 'exec', ns] : []), 'sysctl', '-n', name];
  return Number(execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' }));
}

test('inside namespace 2: a retune the owner reads back, a kill ss inside and both ends see', async (t) => {
  const lab = netnsLab(t, 2);
  const [first, second] = lab.namespaces as [LabNamespace, LabNamespace];
  const [left, right] = (await startChainHolders(lab, [[1500, 15, 5, 0], [2500, 25, 6, 0]])) as [NsHolder, NsHolder];
  const server = await startNsServer(t);
  const loop = socketOf(right, 'loopback-client');
  const patch = await server.call('PATCH', `/api/connections/${encodeURIComponent(await idOf(server, second, loop))}/keepalive`, { idleSec: 91, intervalSec: 9, count: 8, userTimeoutMs: 40_000 });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));
  assert.deepEqual(await right.get(loop.local.port), { enabled: true, idleSec: 91, intervalSec: 9, count: 8, userTimeoutMs: 40_000 });

  const veth = socketOf(right, 'veth-client');
  const kill = await server.call('DELETE', `/api/connections/${encodeURIComponent(await idOf(server, second, veth))}`);
  assert.equal(kill.status, 200, JSON.stringify(kill.body));
  assert.ok(!ssInNetns(second.name).some((r) => r.localPort === veth.local.port && r.peerPort === NEIGHBOUR_PORT), 'gone from ss inside');
  assert.equal((await right.recv(veth.local.port)).error, 'ECONNABORTED', 'the owner’s socket was aborted');
  // The reset crosses the veth into namespace 1, where the peer's owner sees it.
  await until(`${first.name}'s end reset`, async () => (await left.recv(NEIGHBOUR_PORT)).error === 'ECONNRESET', 30_000);
});

test('PUT /api/sysctl?netns= changes that namespace only, and its audit event names the namespace', async (t) => {
  const lab = netnsLab(t, 2);
  const [other, target] = lab.namespaces as [LabNamespace, LabNamespace];
  const hostTimeSec = sysctlIn(null, 'net.ipv4.tcp_keepalive_time');
  const server = await startNsServer(t);
  await until(`${target.name} listed`, async () => (await server.namespaces()).some((n) => n.inode === target.inode && n.sysctl));
  const newTimeSec = target.sysctl.keepaliveTimeSec + 7;
  const put = await server.call('PUT', `/api/sysctl?netns=${target.inode}`, { keepaliveTimeSec: newTimeSec });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual(put.body, { before: target.sysctl, after: { ...target.sysctl, keepaliveTimeSec: newTimeSec } });
  assert.equal(sysctlIn(target.name, 'net.ipv4.tcp_keepalive_time'), newTimeSec);
  assert.equal(sysctlIn(other.name, 'net.ipv4.tcp_keepalive_time'), other.sysctl.keepaliveTimeSec, 'the neighbour is untouched');
  assert.equal(sysctlIn(null, 'net.ipv4.tcp_keepalive_time'), hostTimeSec, 'the host is untouched');
  const event = (await server.events()).find((e) => e.type === 'sysctl' && e.phase === 'applied');
  assert.deepEqual(event?.netns, { inode: target.inode, label: target.name, own: false }, JSON.stringify(event));
});

/** Resolves once `ns` is listed (with its label) and so is every socket of `holder` in it. */
async function listedWithSockets(server: NsServer, ns: LabNamespace, holder: NsHolder): Promise<void> {
  await until(`${ns.name} listed`, async () => (await server.namespaces()).some((n) => n.inode === ns.inode && n.label === ns.name));
  await until(`${ns.name}'s sockets listed`, async () => {
    const views = await server.connections(ns.inode);
    return holder.sockets.every((s) => views.some((v) => v.inode === s.inode && v.netns?.label === ns.name));
  });
}

test('a namespace created and one deleted while the server runs: picked up, then gone, the server healthy', async (t) => {
  const doomedLab = netnsLab(t, 1);
  const [doomed] = doomedLab.namespaces as [LabNamespace];
  const doomedHolder = await startHolder(doomedLab, doomed, { keepalive: [4321, 21, 4] });
  const server = await startNsServer(t);
  await listedWithSockets(server, doomed, doomedHolder);

  const lab = netnsLab(t, 1);
  const [created] = lab.namespaces as [LabNamespace];
  await listedWithSockets(server, created, await startHolder(lab, created, { keepalive: [5432, 32, 5] }));

  await doomedLab.remove(doomed);
  const inodes = new Set(doomedHolder.sockets.map((s) => s.inode));
  await until(`${doomed.name} gone`, async () => !(await server.namespaces()).some((n) => n.label === doomed.name));
  await until(`${doomed.name}'s sockets gone`, async () => !(await server.connections(doomed.inode)).some((v) => inodes.has(v.inode)));
  const health = await server.health();
  assert.ok(!health.namespaces.notRead.some((n) => n.inode === doomed.inode || n.label === doomed.name), JSON.stringify(health.namespaces));
  assert.ok((await server.namespaces()).some((n) => n.inode === created.inode), 'the other namespace stays');
  process.kill(server.pid, 0); // still running: throws ESRCH otherwise
});
