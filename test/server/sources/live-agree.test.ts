/**
 * The same live sockets through all four sources: same connections, states,
 * timer kinds and probe counts; remaining times within each source's resolution.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';

import { setKeepalive } from '@keepalive-dashboard/native';
import type { Connection, SourceName } from '@keepalive-dashboard/shared';
import { createSource } from '@keepalive-dashboard/server/sources/index';

import { sleep } from '../../helpers/loopback.js';

const SOURCES: SourceName[] = ['netlink', 'ss', 'netstat', 'proc'];

/** How far a source's remaining time may sit below the true value (print resolution). */
function resolutionMs(source: SourceName, remainingMs: number): number {
  if (source === 'ss') return remainingMs >= 600_000 ? 60_000 : remainingMs >= 10_000 ? 1_000 : 10;
  return 20; // netlink: ms; netstat: 10 ms; /proc: one USER_HZ tick
}

async function server(host: string): Promise<{ server: net.Server; port: number; accepted: net.Socket[] }> {
  const accepted: net.Socket[] = [];
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    accepted.push(s);
  });
  srv.listen(0, host);
  await once(srv, 'listening');
  return { server: srv, port: (srv.address() as net.AddressInfo).port, accepted };
}

async function client(host: string, port: number): Promise<net.Socket> {
  const c = net.connect(port, host);
  c.on('error', () => {});
  await once(c, 'connect');
  return c;
}

const key = (c: Connection): string => `${c.local.address}:${c.local.port}>${c.peer.address}:${c.peer.port}`;

test('netlink, ss, netstat and /proc agree on the same live sockets', async (t) => {
  const v4 = await server('127.0.0.1');
  const v6 = await server('::1');
  const dual = await server('::'); // accepts IPv4 clients as v4-mapped
  const sockets: net.Socket[] = [];
  t.after(() => {
    for (const s of [...sockets, ...v4.accepted, ...v6.accepted, ...dual.accepted]) s.destroy();
    for (const s of [v4, v6, dual]) s.server.close();
  });
  for (const [i, idleSec] of [100, 300, 1000].entries()) {
    const c = await client(i === 1 ? '::1' : '127.0.0.1', i === 1 ? v6.port : v4.port);
    setKeepalive(c, { enabled: true, idleSec, intervalSec: 10, count: 5 });
    sockets.push(c);
  }
  sockets.push(await client('127.0.0.1', dual.port));
  // TIME_WAIT: the side that closes first keeps the 4-tuple.
  const closer = await client('127.0.0.1', v4.port);
  closer.end();
  await once(closer, 'close');
  // Persist: a reader that stops reading fills its window; the writer probes the zero window.
  const writer = await client('127.0.0.1', v4.port);
  sockets.push(writer);
  await sleep(50);
  const reader = v4.accepted.at(-1) as net.Socket;
  reader.pause();
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < 64 && writer.write(chunk); i++);
  await sleep(1500);

  const ports = new Set([v4.port, v6.port, dual.port]);
  const ours = (c: Connection): boolean => ports.has(c.local.port) || ports.has(c.peer.port);
  const seen = new Map<SourceName, { at: number; byKey: Map<string, Connection> }>();
  for (const name of SOURCES) {
    const at = Date.now();
    const all = await createSource(name).collect();
    seen.set(name, { at, byKey: new Map(all.filter(ours).map((c) => [key(c), c])) });
  }
  const base = seen.get('netlink')!;
  assert.ok(base.byKey.size >= 12, `netlink sees our sockets (${base.byKey.size})`);
  const states = new Set([...base.byKey.values()].map((c) => c.state));
  for (const s of ['LISTEN', 'ESTABLISHED', 'TIME_WAIT']) assert.ok(states.has(s as Connection['state']), `has ${s}`);
  assert.ok([...base.byKey.keys()].some((k) => k.includes('::ffff:127.0.0.1')), 'has a v4-mapped socket');
  const writerKey = `127.0.0.1:${writer.localPort}>127.0.0.1:${v4.port}`;
  assert.equal(base.byKey.get(writerKey)?.timer.kind, 'persist', 'the stalled writer probes a zero window');

  for (const name of SOURCES.slice(1)) {
    const other = seen.get(name)!;
    assert.deepEqual([...other.byKey.keys()].sort(), [...base.byKey.keys()].sort(), `${name}: same connections`);
    for (const [k, a] of base.byKey) {
      const b = other.byKey.get(k)!;
      assert.equal(b.state, a.state, `${name} ${k} state`);
      assert.equal(b.family, a.family, `${name} ${k} family`);
      assert.equal(b.timer.kind, a.timer.kind, `${name} ${k} timer kind`);
      if (a.state !== 'TIME_WAIT') assert.equal(b.inode, a.inode, `${name} ${k} inode`);
      if (a.timer.kind === 'keepalive') {
        assert.equal(b.timer.count, a.timer.count, `${name} ${k} probe count`);
        // Collected later: the true remaining time has shrunk by the gap.
        const expected = a.timer.remainingMs - (other.at - base.at);
        const slack = resolutionMs(name, b.timer.remainingMs) + 1500;
        assert.ok(Math.abs(b.timer.remainingMs - expected) <= slack, `${name} ${k} remaining ${b.timer.remainingMs} vs ${expected} ±${slack}`);
      }
    }
  }
});
