import assert from 'node:assert/strict';
import { test } from 'node:test';

import { systemError, type PacketCapture, type PacketCaptureOptions, type TcpSegment } from '@keepalive-dashboard/native';

import { ProbeWire } from '../../../server/src/probes/wire-watch.js';

const tuple = { local: '127.0.0.1', localPort: 40000, peer: '127.0.0.1', peerPort: 8080 };
const ACK = { fin: false, syn: false, rst: false, psh: false, ack: true, urg: false };

function segment(direction: TcpSegment['direction'], atMs: number, fromLocal: boolean, seq: number, ack: number, payloadBytes = 0): TcpSegment {
  const [srcPort, dstPort] = fromLocal ? [40000, 8080] : [8080, 40000];
  return { timeNs: 0n, atMs, direction, family: 4, src: '127.0.0.1', srcPort, dst: '127.0.0.1', dstPort, seq, ack, flags: ACK, payloadBytes, window: 512 };
}

/** A capture that hands out `queued` once, and records what it was opened with. */
function fakeNative(queued: TcpSegment[]) {
  const opened: PacketCaptureOptions[] = [];
  const capture = { read: () => ({ segments: queued.splice(0), drops: 0 }), close: () => {} } as unknown as PacketCapture;
  return { opened, native: { openPacketCapture: (options: PacketCaptureOptions) => (opened.push(options), capture) } };
}

test('without CAP_NET_RAW the watcher says KA_ERR_PERMISSION instead of throwing', () => {
  const denied = systemError('EPERM', 'capturing packets needs CAP_NET_RAW: probes on the wire are unavailable', 'socket(AF_PACKET)');
  const wire = new ProbeWire({ native: { openPacketCapture: () => { throw denied; } }, ifindex: 2, pollMs: 0 });
  wire.watch(tuple);
  assert.deepEqual(wire.status(), { capturing: false, error: { code: 'KA_ERR_PERMISSION', message: denied.message } });
  assert.deepEqual(wire.timeline(tuple), []);
});

test('the capture is filtered to one port per watched connection, the ephemeral one', () => {
  const { native, opened } = fakeNative([]);
  const wire = new ProbeWire({ native, ifindex: 2, pollMs: 0 });
  wire.watch(tuple);
  wire.watch({ ...tuple, localPort: 8080, peerPort: 50000 });
  assert.deepEqual(opened.at(-1)?.ports, [40000, 50000]);
});

test('on loopback each segment is captured leaving and arriving: one probe, not two', () => {
  const both = (atMs: number, fromLocal: boolean, seq: number, ack: number, bytes = 0): TcpSegment[] =>
    ['outgoing', 'incoming'].map((d) => segment(d as TcpSegment['direction'], atMs, fromLocal, seq, ack, bytes));
  const { native } = fakeNative([...both(0, true, 990, 5000, 10), ...both(1, false, 5000, 1000), ...both(100, true, 999, 5000), ...both(101, false, 5000, 1000)]);
  const wire = new ProbeWire({ native, ifindex: 1, pollMs: 0 });
  wire.watch(tuple);
  wire.poll();
  assert.deepEqual(wire.timeline(tuple), [{ by: 'local', sentAt: 100, answeredAt: 101 }]);
});
