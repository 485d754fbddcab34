/**
 * Probes on the wire in the server: a loopback pair inside a namespace the test creates (so no
 * other test's probes count), its client end selected by a stream client with keepalive 1 s / 1 s.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { readNetstat, type NetnsTarget } from '@keepalive-dashboard/native';
import type { ConnectionView, DetailFrame, ProbeTimeline } from '@keepalive-dashboard/shared';

import { keepaliveCounters } from '../../server/src/probes/netstat.js';
import { ProbeWatch } from '../../server/src/probes/watch.js';
import { AUTH, buildApp } from '../helpers/app.js';
import { createNetns } from '../helpers/netns.js';
import { spawnChild, type Child } from '../helpers/processes.js';
import { isType } from '../helpers/ws.js';
import { openStream } from '../helpers/ws.js';
import { startServer } from './faults/server-process.js';

const PEER = new URL('../kernel/probes-wire-peer.py', import.meta.url).pathname;
const PROBES_WANTED = 3;

/** The namespace's packet sockets, as its own /proc/net/packet lists them (the header line aside). */
const packetSockets = (ns: string): number => execFileSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/packet'], { encoding: 'utf8' }).trim().split('\n').length - 1;

async function selectedPair(t: TestContext) {
  const ns = createNetns(t);
  const netns: NetnsTarget = { path: `/run/netns/${ns}`, inode: statSync(`/run/netns/${ns}`).ino };
  const server = spawnChild(t, 'ip', ['netns', 'exec', ns, 'python3', PEER, 'server', '127.0.0.1']);
  const { port } = JSON.parse(await server.nextLine()) as { port: number };
  const client = spawnChild(t, 'ip', ['netns', 'exec', ns, 'python3', PEER, 'client', '127.0.0.1', String(port)]);
  const { localPort } = JSON.parse(await client.nextLine()) as { localPort: number };
  const fastify = await buildApp(t, { namespaces: 'all' });
  await fastify.ka.store.collect();
  const view = [...fastify.ka.store.currentViews()].find((v: ConnectionView) => v.netns?.inode === netns.inode && v.local.port === localPort);
  assert.ok(view, 'the client end is listed in its namespace');
  const reader = await openStream(fastify, AUTH);
  reader.send({ type: 'select', id: view.id, intervalMs: 200 });
  const detail = (): Promise<DetailFrame & { probes: ProbeTimeline }> => reader.next((f): f is DetailFrame & { probes: ProbeTimeline } => isType('detail')(f) && f.id === view.id && f.probes !== undefined, 20_000);
  return { ns, netns, fastify, id: view.id, reader, detail, client, say: (command: string) => void client.child.stdin?.write(`${command}\n`) };
}

const info = async (client: Child, say: (command: string) => void): Promise<number> => {
  say('info');
  return (JSON.parse(await client.nextLine()) as { probes: number }).probes;
};

test('selected: the detail timeline grows with answered probes, as many as the namespace counted; deselected: the capture closes', { timeout: 120_000 }, async (t) => {
  const { ns, netns, fastify, id, reader, detail, client, say } = await selectedPair(t);
  const first = await detail();
  assert.deepEqual([first.probes.watched, first.probes.capturing, first.probes.interface], [true, true, 'lo'], JSON.stringify(first.probes));
  assert.equal(packetSockets(ns), 1, 'one capture, on the namespace loopback');
  say('send'); // seen and ACKed: the tracker knows snd.nxt before the first probe
  await sleep(300);
  const before = keepaliveCounters(readNetstat(netns)).keepaliveProbes;
  say('keepalive 1 1 100');
  const lengths: number[] = [];
  while ((lengths.at(-1) ?? 0) < PROBES_WANTED) lengths.push((await detail()).probes.probes.length);
  say('off');
  const unanswered = await info(client, say); // read once 'off' took effect: no probe follows
  await sleep(1500);
  const counted = keepaliveCounters(readNetstat(netns)).keepaliveProbes - before;
  const timeline = (await fastify.inject({ url: `/api/connections/${id}/probes`, headers: AUTH })).json() as ProbeTimeline;
  assert.deepEqual(lengths, [...lengths].sort((a, b) => a - b), 'the timeline only grows');
  assert.equal(timeline.probes.length, counted, 'probes on the wire = TcpExt TCPKeepAlive delta');
  assert.ok(timeline.probes.every((p) => p.by === 'local' && p.answeredAt !== null && p.answeredAt >= p.sentAt), JSON.stringify(timeline.probes));
  assert.equal(unanswered, 0, 'tcp_info probes: none outstanding');
  reader.send({ type: 'select', id: null });
  for (let waited = 0; waited < 10_000 && fastify.ka.probes.status().captures > 0; waited += 50) await sleep(50);
  assert.deepEqual(fastify.ka.probes.status(), { watched: 0, captures: 0 });
  assert.equal(packetSockets(ns), 0, 'no packet socket left in the namespace');
});

test('/api/namespaces and /metrics carry the namespace kernel keepalive counters', { timeout: 60_000 }, async (t) => {
  const { netns, fastify } = await selectedPair(t);
  fastify.ka.kernelCounters.sample();
  const total = keepaliveCounters(readNetstat(netns)).keepaliveProbes;
  const list = (await fastify.inject({ url: '/api/namespaces', headers: AUTH })).json() as { namespaces: { inode: number; label: string; keepaliveCounters?: { probesTotal: number } | null }[] };
  const ours = list.namespaces.find((n) => n.inode === netns.inode);
  assert.equal(ours?.keepaliveCounters?.probesTotal, total);
  const metrics = (await fastify.inject({ url: '/metrics', headers: AUTH })).body;
  assert.match(metrics, new RegExp(`^keepalive_kernel_probes_total\\{netns="${ours.label}"\\} ${total}$`, 'm'));
  assert.match(metrics, new RegExp(`^keepalive_kernel_aborts_on_timeout_total\\{netns="${ours.label}"\\} \\d+$`, 'm'));
});

test('without CAP_NET_RAW: health says so once, and a watched connection falls back without a capture', async (t) => {
  const server = await startServer(t, [], { prefix: ['setpriv', '--inh-caps=-net_raw', '--bounding-set=-net_raw'] });
  const health = (await server.call('GET', '/api/health')).body as { capabilities: { netRaw: boolean; missing: string[] } };
  assert.equal(health.capabilities.netRaw, false);
  assert.equal(health.capabilities.missing.filter((m) => m.includes("probes on the wire need CAP_NET_RAW; the kernel's counters are shown instead")).length, 1);
  let opened = 0;
  const view = { id: 'a', state: 'ESTABLISHED', local: { address: '127.0.0.1', port: 40000 }, peer: { address: '127.0.0.1', port: 80 }, labId: null, netns: null } as unknown as ConnectionView;
  const watch = new ProbeWatch({ native: { openPacketCapture: () => (opened++, null as never) }, netRaw: false, namespaces: { ownInode: 1, targets: () => null }, views: () => [], view: () => view });
  watch.select({}, 'a');
  assert.deepEqual([watch.timeline('a').watched, watch.timeline('a').error?.code, opened], [true, 'KA_ERR_PERMISSION', 0]);
});
