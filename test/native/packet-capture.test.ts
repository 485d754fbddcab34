import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { openPacketCapture, readNetstat, type NetnsTarget, type PacketCapture, type TcpSegment } from '@keepalive-dashboard/native';

import { spawnChild } from '../helpers/processes.js';

const LOOPBACK = 1;

/** A listener on `host` echoing nothing, closed when the test ends; resolves its port. */
async function listener(t: TestContext, host = '127.0.0.1'): Promise<number> {
  const server = net.createServer((socket) => socket.resume());
  server.listen(0, host);
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** Connects, sends `bytes`, and closes (FIN) once written. */
async function exchange(port: number, bytes: number, host = '127.0.0.1'): Promise<number> {
  const client = net.connect(port, host);
  await once(client, 'connect');
  const localPort = client.localPort ?? 0;
  client.end(Buffer.alloc(bytes, 0x61));
  await once(client, 'close');
  return localPort;
}

function opened(t: TestContext, ports: number[], netns?: NetnsTarget): PacketCapture {
  const capture = openPacketCapture({ ifindex: LOOPBACK, ports, netns });
  t.after(() => capture.close());
  return capture;
}

/** Reads until `done` holds of everything read so far (or 20 s: then the assertion after says what was seen). */
async function readUntil(capture: PacketCapture, done: (all: TcpSegment[]) => boolean): Promise<TcpSegment[]> {
  const all: TcpSegment[] = [];
  for (let waited = 0; waited < 20_000 && !done(all); waited += 50) {
    all.push(...capture.read().segments);
    await sleep(50);
  }
  all.push(...capture.read().segments);
  return all;
}

test('a connection on the asked port: handshake, data and FIN, with the payload length the IP header says', async (t) => {
  const port = await listener(t);
  const capture = opened(t, [port]);
  const before = Date.now();
  const clientPort = await exchange(port, 1000);
  const seen = await readUntil(capture, (all) => all.filter((s) => s.flags.fin).length >= 4);
  const fromClient = seen.filter((s) => s.srcPort === clientPort && s.direction === 'incoming');
  assert.ok(fromClient.some((s) => s.flags.syn && !s.flags.ack), 'the SYN');
  assert.equal(fromClient.reduce((sum, s) => sum + s.payloadBytes, 0), 1000);
  assert.ok(seen.every((s) => s.family === 4 && s.src === '127.0.0.1' && s.dst === '127.0.0.1'));
  assert.ok(seen.every((s) => s.atMs >= before - 1000 && s.atMs <= Date.now() && s.window > 0));
  // Loopback hands each segment over twice, leaving and arriving.
  assert.equal(seen.filter((s) => s.direction === 'outgoing').length, seen.filter((s) => s.direction === 'incoming').length);
});

test('the kernel filter passes only the asked ports', async (t) => {
  const [asked, other] = [await listener(t), await listener(t)];
  const capture = opened(t, [asked]);
  await exchange(other, 10);
  await exchange(asked, 10);
  const seen = await readUntil(capture, (all) => all.some((s) => s.flags.fin));
  assert.ok(seen.length > 0);
  assert.deepEqual(seen.filter((s) => s.srcPort !== asked && s.dstPort !== asked), []);
});

test('IPv6 segments carry their addresses in canonical form', async (t) => {
  const port = await listener(t, '::1');
  const capture = opened(t, [port]);
  await exchange(port, 3, '::1');
  const seen = await readUntil(capture, (all) => all.some((s) => s.flags.fin));
  assert.ok(seen.length > 0 && seen.every((s) => s.family === 6 && s.src === '::1' && s.dst === '::1'));
});

test('close releases the socket: no fd left, reading again is ERR_CAPTURE_CLOSED, closing twice is fine', async (t) => {
  const sockets = (): string[] => readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });
  const port = await listener(t);
  const before = sockets().length;
  const capture = openPacketCapture({ ifindex: LOOPBACK, ports: [port] });
  assert.equal(sockets().length, before + 1);
  capture.close();
  capture.close();
  assert.equal(sockets().length, before);
  assert.throws(() => capture.read(), { code: 'ERR_CAPTURE_CLOSED' });
});

test('bad arguments are refused before the kernel sees them; an unknown interface is ENODEV', () => {
  assert.throws(() => openPacketCapture({ ifindex: LOOPBACK, ports: [] }), RangeError);
  assert.throws(() => openPacketCapture({ ifindex: LOOPBACK, ports: [70000] }), RangeError);
  assert.throws(() => openPacketCapture({ ifindex: LOOPBACK, ports: [80], snaplen: 300 }), RangeError);
  assert.throws(() => openPacketCapture({ ifindex: 0, ports: [80] }), TypeError);
  assert.throws(() => openPacketCapture({ ifindex: 0x7ffffff0, ports: [80] }), { code: 'ENODEV' });
});

test('opened in a namespace it sees that namespace’s loopback, not ours; its netstat is its own', async (t) => {
  const name = `ka-pc-${process.pid}`;
  execFileSync('ip', ['netns', 'add', name]);
  t.after(() => execFileSync('ip', ['netns', 'delete', name]));
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const netns = { path: `/run/netns/${name}`, inode: statSync(`/run/netns/${name}`).ino };
  const port = await listener(t);
  const capture = opened(t, [port], netns);
  await exchange(port, 10); // ours: must not show
  const inside = `import socket; s = socket.create_server(("127.0.0.1", ${port})); c = socket.create_connection(("127.0.0.1", ${port})); c.sendall(b"x" * 7); c.close(); print("done")`;
  const run = spawnChild(t, 'ip', ['netns', 'exec', name, 'python3', '-c', inside]);
  assert.equal(await run.nextLine(), 'done');
  const seen = await readUntil(capture, (all) => all.some((s) => s.flags.fin));
  assert.equal(seen.filter((s) => s.direction === 'incoming').reduce((sum, s) => sum + s.payloadBytes, 0), 7);
  // A fresh namespace's IP counters hold only what the exchange inside carried.
  const inOctets = (text: string): number => {
    const [names = '', values = ''] = text.split('\n').filter((line) => line.startsWith('IpExt:'));
    return Number(values.split(' ')[names.split(' ').indexOf('InOctets')]);
  };
  const [theirs, ours] = [inOctets(readNetstat(netns)), inOctets(readNetstat())];
  assert.ok(theirs > 0 && theirs < 10_000 && ours > theirs, `InOctets ${theirs} there, ${ours} here`);
});

test('without CAP_NET_RAW: EPERM saying capturing needs it', async (t) => {
  const call = `import { openPacketCapture } from '@keepalive-dashboard/native';
    try { openPacketCapture({ ifindex: 1, ports: [80] }); console.log('{}'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  // Still root, with every capability but CAP_NET_RAW.
  const run = spawnChild(t, 'setpriv', ['--inh-caps=-net_raw', '--bounding-set=-net_raw', process.execPath, '--input-type=module', '-e', call]);
  const answer = JSON.parse(await run.nextLine()) as { code?: string; message?: string };
  assert.equal(answer.code, 'EPERM');
  assert.match(answer.message ?? '', /CAP_NET_RAW/);
});
