import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { openPacketCapture, readNetstat, type NetnsTarget } from '@keepalive-dashboard/native';

import { keepaliveCounters } from '../../server/src/probes/netstat.js';
import type { KeepaliveProbe } from '../../server/src/probes/keepalive-probes.js';
import { ProbeWire } from '../../server/src/probes/wire-watch.js';
import { netnsLab, type LabNamespace } from '../helpers/netns-lab.js';
import type { Child } from '../helpers/processes.js';

const PEER = new URL('probes-wire-peer.py', import.meta.url).pathname;
const PROBES_WANTED = 3;

const netnsOf = (ns: LabNamespace): NetnsTarget => ({ path: `/run/netns/${ns.name}`, inode: ns.inode });
const probesCounted = (ns: LabNamespace): number => keepaliveCounters(readNetstat(netnsOf(ns))).keepaliveProbes;

/**
 * client (ns1, keepalive on) ⇄ veth ⇄ server (ns2); probes watched on the client's veth.
 * `blackhole` drops everything reaching the server first, so no probe is ever answered.
 */
async function probesOnTheWire(t: TestContext, blackhole: boolean) {
  const lab = netnsLab(t, 2);
  const [clientNs, serverNs] = lab.namespaces as [LabNamespace, LabNamespace];
  const server = lab.spawnIn(serverNs, 'python3', [PEER, 'server', serverNs.left!]);
  const { port } = JSON.parse(await server.nextLine()) as { port: number };
  const client = lab.spawnIn(clientNs, 'python3', [PEER, 'client', serverNs.left!, String(port)]);
  const { localPort } = JSON.parse(await client.nextLine()) as { localPort: number };
  const say = (command: string): void => void client.child.stdin?.write(`${command}\n`);

  const [link] = JSON.parse(execFileSync('ip', ['-n', clientNs.name, '-j', 'link', 'show', 'right'], { encoding: 'utf8' })) as { ifindex: number }[];
  const wire = new ProbeWire({ native: { openPacketCapture }, ifindex: link!.ifindex, netns: netnsOf(clientNs), pollMs: 100 });
  t.after(() => wire.close());
  const tuple = { local: clientNs.right!, localPort, peer: serverNs.left!, peerPort: port };
  wire.watch(tuple);
  assert.equal(wire.status().capturing, true);

  say('send'); // seen and ACKed on the wire: the tracker knows snd.nxt before the first probe
  await sleep(300);
  if (blackhole) execFileSync('ip', ['netns', 'exec', serverNs.name, 'nft', '-f', '-'], { input: `table inet ka_probes_bh {\n chain input {\n  type filter hook input priority 0;\n  tcp dport ${port} drop\n }\n}\n` });
  const before = probesCounted(clientNs);
  say('keepalive 1 1 100');
  const timeline = (): readonly KeepaliveProbe[] => wire.timeline(tuple) ?? [];
  for (let waited = 0; waited < 60_000 && timeline().length < PROBES_WANTED; waited += 100) await sleep(100);
  say('off');
  const unanswered = await info(client, say); // answered after 'off' took effect: no probe from here on
  await sleep(1500); // the last probe's answer, if any, has long arrived on a veth
  wire.poll();
  return { probes: [...timeline()], counted: probesCounted(clientNs) - before, unanswered };
}

async function info(client: Child, say: (command: string) => void): Promise<number> {
  say('info');
  return (JSON.parse(await client.nextLine()) as { probes: number }).probes;
}

test('keepalive idle 1 s, interval 1 s: every probe on the wire is answered, and the namespace counted as many', { timeout: 120_000 }, async (t) => {
  const { probes, counted, unanswered } = await probesOnTheWire(t, false);
  assert.ok(probes.length >= PROBES_WANTED, `${probes.length} probes seen`);
  assert.equal(probes.length, counted, 'probes on the wire = TcpExt TCPKeepAlive delta');
  assert.ok(probes.every((p) => p.by === 'local' && p.answeredAt !== null && p.answeredAt >= p.sentAt), JSON.stringify(probes));
  assert.equal(unanswered, 0);
});

test('a black-holed peer: no probe answered, and the socket counts exactly the probes seen', { timeout: 120_000 }, async (t) => {
  const { probes, counted, unanswered } = await probesOnTheWire(t, true);
  assert.ok(probes.length >= PROBES_WANTED, `${probes.length} probes seen`);
  assert.equal(probes.length, counted, 'probes on the wire = TcpExt TCPKeepAlive delta');
  assert.equal(probes.length, unanswered, 'probes on the wire = tcp_info probes');
  assert.ok(probes.every((p) => p.answeredAt === null), JSON.stringify(probes));
});
