import assert from 'node:assert/strict';
import { test } from 'node:test';

import { KeepaliveProbeTracker, type SegmentHeader } from '../../../server/src/probes/keepalive-probes.js';

const tuple = { local: '10.0.0.1', localPort: 40000, peer: '10.0.0.2', peerPort: 80 };
const ACK = { syn: false, fin: false, rst: false, ack: true };

/** A segment from the local end (out) or the peer (in). */
function seg(dir: 'out' | 'in', atMs: number, seq: number, ack: number, payloadBytes = 0, flags = ACK): SegmentHeader {
  const [src, srcPort, dst, dstPort] = dir === 'out' ? [tuple.local, tuple.localPort, tuple.peer, tuple.peerPort] : [tuple.peer, tuple.peerPort, tuple.local, tuple.localPort];
  return { atMs, src, srcPort, dst, dstPort, seq, ack, flags, payloadBytes };
}

function tracked(...segments: SegmentHeader[]): KeepaliveProbeTracker {
  const tracker = new KeepaliveProbeTracker();
  tracker.watch(tuple);
  tracker.feed(segments);
  return tracker;
}

// Local has sent up to 1000 (peer acked it); peer has sent up to 5000.
const established = [seg('out', 0, 990, 5000, 10), seg('in', 1, 5000, 1000)];

test('a probe at snd.nxt − 1 and the ACK of snd.nxt make one answered probe', () => {
  const tracker = tracked(...established, seg('out', 100, 999, 5000), seg('in', 101, 5000, 1000));
  assert.deepEqual(tracker.timeline(tuple), [{ by: 'local', sentAt: 100, answeredAt: 101 }]);
});

test('a 1-byte probe counts (Windows sends one); a 2-byte segment at the same seq does not', () => {
  assert.equal(tracked(...established, seg('out', 100, 999, 5000, 1)).timeline(tuple)?.length, 1);
  assert.equal(tracked(...established, seg('out', 100, 999, 5000, 2)).timeline(tuple)?.length, 0);
});

test('probes nobody answers stay unanswered; the peer’s own probes are its own', () => {
  const tracker = tracked(...established, seg('out', 100, 999, 5000), seg('out', 200, 999, 5000), seg('in', 300, 4999, 1000));
  assert.deepEqual(tracker.timeline(tuple), [
    { by: 'local', sentAt: 100, answeredAt: null },
    { by: 'local', sentAt: 200, answeredAt: null },
    { by: 'peer', sentAt: 300, answeredAt: null },
  ]);
});

test('ordinary data, pure ACKs, FIN and RST are never probes', () => {
  const fin = { ...ACK, fin: true };
  const tracker = tracked(...established, seg('out', 100, 1000, 5000, 5), seg('in', 101, 5000, 1005), seg('out', 102, 1004, 5000, 0, fin), seg('out', 103, 1005, 5000));
  assert.deepEqual(tracker.timeline(tuple), []);
});

test('sequence numbers wrap at 2^32: a probe just below zero is still one below the next', () => {
  const tracker = tracked(seg('out', 0, 0xfffffff0, 7, 16), seg('in', 1, 7, 0), seg('out', 100, 0xffffffff, 7), seg('in', 101, 7, 0));
  assert.deepEqual(tracker.timeline(tuple), [{ by: 'local', sentAt: 100, answeredAt: 101 }]);
});

test('a capture opened mid-connection: the first empty segment ACKed one past its seq was a probe', () => {
  const tracker = tracked(seg('out', 100, 999, 5000), seg('in', 101, 5000, 1000), seg('out', 200, 999, 5000), seg('in', 201, 5000, 1000));
  assert.deepEqual(tracker.timeline(tuple), [
    { by: 'local', sentAt: 100, answeredAt: 101 },
    { by: 'local', sentAt: 200, answeredAt: 201 },
  ]);
});

test('segments of connections not watched are ignored; IPv4-mapped addresses match the wire', () => {
  const tracker = new KeepaliveProbeTracker();
  const mapped = { ...tuple, local: '::ffff:10.0.0.1' };
  tracker.watch(mapped);
  tracker.feed([...established, seg('out', 100, 999, 5000), { ...seg('out', 100, 999, 5000), srcPort: 40001 }]);
  assert.equal(tracker.timeline(mapped)?.length, 1);
  assert.equal(tracker.timeline({ ...tuple, localPort: 40001 }), null);
});
