/**
 * The foreign read-back schedule, against a recording reader standing for
 * "the kernel answered X": what is under test is who gets read when.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Holder, KeepaliveSettings } from '@keepalive-dashboard/shared';

import { createForeignReader, perSocketReader } from '../../server/src/collector/foreign-reader.js';
import { ForeignSettings, type ForeignBatchReader, type ForeignBatchResult, type ForeignSettingsOptions } from '../../server/src/collector/foreign-settings.js';

const KA: KeepaliveSettings = { enabled: true, idleSec: 600, intervalSec: 30, count: 4, userTimeoutMs: 0 };
const holder = (pid: number, fd: number): Holder[] => [{ pid, fd, comm: 'holder', cmdline: '', uid: null, user: null, unit: null }];
const systemError = (code: string): Error => Object.assign(new Error(code), { code });

interface Recording extends ForeignBatchReader {
  calls: { pid: number; inodes: number[] }[];
  /** inode → every `now` it was read at. */
  readsAt: Map<number, number[]>;
  clockMs: number;
  nowMs: number;
}

/** answer(pid, inode) is the kernel's reply (throw = the process can't be opened); each item costs costMs on the fake clock. */
function recordingReader(answer: (pid: number, inode: number) => ForeignBatchResult = () => ({ settings: KA }), costMs = 0.005): Recording {
  const reader: Recording = {
    calls: [],
    readsAt: new Map(),
    clockMs: 0,
    nowMs: 0,
    readBatch(pid, items) {
      reader.calls.push({ pid, inodes: items.map((i) => i.inode) });
      reader.clockMs += costMs * items.length;
      return items.map(({ inode }) => {
        const times = reader.readsAt.get(inode) ?? [];
        times.push(reader.nowMs);
        reader.readsAt.set(inode, times);
        return answer(pid, inode);
      });
    },
  };
  return reader;
}

function scheduler(reader: Recording, options: Partial<ForeignSettingsOptions> = {}): ForeignSettings {
  return new ForeignSettings(reader, { clock: () => reader.clockMs, ...options });
}

/** Calls readDue once a second from `fromMs` for `seconds`; returns every inode reported changed, in order. */
function tick(settings: ForeignSettings, reader: Recording, fromMs: number, seconds: number): number[] {
  const changed: number[] = [];
  for (let s = 0; s < seconds; s++) {
    reader.nowMs = fromMs + s * 1000;
    changed.push(...settings.readDue(reader.nowMs));
  }
  return changed;
}

/** `count` sockets spread over `pids` processes, IPv4 ones (first half of the dump) then IPv6 ones. */
function trackMany(settings: ForeignSettings, count: number, pids = 10, now = 0): number[] {
  const inodes = Array.from({ length: count }, (_, i) => 100_000 + i);
  for (const inode of inodes) settings.track(inode, holder(1000 + (inode % pids), inode % 60_000), now);
  return inodes;
}

const maxGapMs = (times: number[]): number => Math.max(...times.slice(1).map((t, i) => t - (times[i] as number)));

test('1,500 sockets, IPv4 then IPv6: every one read within 10 s of appearing, and reported changed once', () => {
  const reader = recordingReader();
  const settings = scheduler(reader);
  const inodes = trackMany(settings, 1500);
  const changed = tick(settings, reader, 0, 10);
  for (const inode of inodes) assert.ok((reader.readsAt.get(inode)?.[0] ?? Infinity) < 10_000, `inode ${inode} not read within 10 s`);
  assert.deepEqual([...changed].sort(), inodes);
  assert.deepEqual(settings.get(inodes[1499] as number)?.settings, KA);
  assert.equal(settings.status(10_000).unread, 0);
});

test('re-reads are fair: no socket, first or last in the dump, waits more than the period plus one tick', () => {
  const reader = recordingReader();
  const settings = scheduler(reader, { refreshMs: 30_000 });
  const inodes = trackMany(settings, 1500);
  tick(settings, reader, 0, 130);
  for (const inode of inodes) {
    const times = reader.readsAt.get(inode) ?? [];
    assert.ok(times.length >= 4, `inode ${inode} read ${times.length} times in 130 s`);
    assert.ok(maxGapMs(times) <= 31_000, `inode ${inode} waited ${maxGapMs(times)} ms`);
  }
});

test('100k sockets: all read within 10 s, re-read within 1.5 periods, and no tick reads longer than its cap', () => {
  const reader = recordingReader(undefined, 0.005);
  const settings = scheduler(reader, { refreshMs: 30_000, maxTickMs: 100 });
  const inodes = trackMany(settings, 100_000, 20);
  let longestTickMs = 0;
  for (let s = 0; s < 100; s++) {
    const before = reader.clockMs;
    reader.nowMs = s * 1000;
    settings.readDue(reader.nowMs);
    longestTickMs = Math.max(longestTickMs, reader.clockMs - before);
  }
  assert.ok(longestTickMs <= 100 + 1e-6, `a tick read for ${longestTickMs} ms`);
  let worstFirst = 0;
  let worstGap = 0;
  for (const inode of inodes) {
    const times = reader.readsAt.get(inode) ?? [Infinity];
    worstFirst = Math.max(worstFirst, times[0] as number);
    worstGap = Math.max(worstGap, maxGapMs([...times, 100_000]));
  }
  assert.ok(worstFirst < 10_000, `a first read came at ${worstFirst} ms`);
  assert.ok(worstGap <= 46_000, `a socket waited ${worstGap} ms for its re-read`);
});

test('reads are grouped: one readBatch per pid per tick, items in appearance order', () => {
  const reader = recordingReader();
  const settings = scheduler(reader);
  trackMany(settings, 500, 10);
  settings.readDue(0);
  assert.equal(reader.calls.length, 10);
  assert.deepEqual(new Set(reader.calls.map((c) => c.pid)).size, 10);
  for (const call of reader.calls) {
    assert.equal(call.inodes.length, 50);
    assert.deepEqual(call.inodes, [...call.inodes].sort((a, b) => a - b));
  }
});

test('a tick with nothing due does no reads, even with 100k sockets tracked', () => {
  const reader = recordingReader(undefined, 0.001);
  const settings = scheduler(reader);
  trackMany(settings, 100_000, 20);
  tick(settings, reader, 0, 10);
  assert.equal(settings.status(10_000).unread, 0);
  const calls = reader.calls.length;
  assert.deepEqual(settings.readDue(10_001), []);
  assert.equal(reader.calls.length, calls);
});

test('a socket with no holder yet is read as soon as track() gives it one', () => {
  const reader = recordingReader();
  const settings = scheduler(reader);
  settings.track(7, [], 0);
  assert.deepEqual(settings.readDue(0), []);
  assert.equal(reader.calls.length, 0);
  assert.deepEqual([settings.status(0).unread, settings.status(0).unheld], [0, 1], 'waiting for a holder, not for a read');
  settings.track(7, holder(42, 5), 1000);
  assert.deepEqual([settings.status(1000).unread, settings.status(1000).unheld], [1, 0]);
  assert.deepEqual(settings.readDue(1000), [7]);
  assert.deepEqual(reader.calls, [{ pid: 42, inodes: [7] }]);
  assert.deepEqual(settings.get(7), { settings: KA, error: null, readAt: 1000 });
});

test('a failed read is not sticky: new holders from track() are tried at the next tick', () => {
  const reader = recordingReader((pid) => {
    if (pid === 10) throw systemError('ESRCH');
    return { settings: KA };
  });
  const settings = scheduler(reader);
  settings.track(7, holder(10, 5), 0);
  settings.readDue(0);
  assert.equal(settings.get(7)?.error?.code, 'ESRCH');
  assert.equal(settings.status(0).failed, 1);
  settings.track(7, holder(11, 5), 1000);
  assert.deepEqual(settings.readDue(1000), [7]);
  assert.deepEqual(settings.get(7)?.settings, KA);
  assert.equal(settings.status(1000).failed, 0);
});

test('retries: ESRCH/EBADF/ESTALE within a few seconds, EPERM only after the slow retry', () => {
  const reader = recordingReader((pid) => {
    if (pid === 20) throw systemError('EPERM');
    return { error: { code: 'EBADF', message: 'process 21 has no fd 5' } };
  });
  const settings = scheduler(reader, { retrySoonMs: 5_000, retrySlowMs: 60_000 });
  settings.track(1, holder(20, 5), 0);
  settings.track(2, holder(21, 5), 0);
  tick(settings, reader, 0, 125);
  assert.deepEqual(reader.readsAt.get(1), [0, 60_000, 120_000]);
  const soon = reader.readsAt.get(2) ?? [];
  assert.ok(soon.length >= 20 && maxGapMs(soon) <= 5_000, `EBADF retried at ${soon.join(', ')}`);
});

test('several holders: the next is tried when one fails, and the one that answered goes first next time', () => {
  const reader = recordingReader((pid) => {
    if (pid === 30) throw systemError('EPERM');
    return { settings: KA };
  });
  const settings = scheduler(reader, { refreshMs: 30_000 });
  settings.track(9, [...holder(30, 3), ...holder(31, 4)], 0);
  settings.readDue(0);
  assert.deepEqual(reader.calls.map((c) => c.pid), [30, 31]);
  assert.deepEqual(settings.get(9)?.settings, KA);
  settings.readDue(30_000);
  assert.deepEqual(reader.calls.map((c) => c.pid), [30, 31, 31]);
});

test('readDue reports a re-read only when the settings changed', () => {
  let idleSec = 600;
  const reader = recordingReader(() => ({ settings: { ...KA, idleSec } }));
  const settings = scheduler(reader, { refreshMs: 30_000 });
  settings.track(5, holder(50, 3), 0);
  assert.deepEqual(settings.readDue(0), [5]);
  assert.deepEqual(settings.readDue(30_000), []);
  idleSec = 45;
  assert.deepEqual(settings.readDue(60_000), [5]);
  assert.equal(settings.get(5)?.settings?.idleSec, 45);
});

test('read() and set() reset the clock: the next scheduled re-read is a full period later', () => {
  const reader = recordingReader();
  const settings = scheduler(reader, { refreshMs: 30_000 });
  settings.track(5, holder(50, 3), 0);
  settings.track(6, holder(50, 4), 0);
  settings.readDue(0);
  reader.nowMs = 20_000;
  assert.deepEqual(settings.read(5, holder(50, 3), 20_000).settings, KA);
  settings.set(6, { ...KA, idleSec: 10 }, 20_000);
  assert.deepEqual(tick(settings, reader, 30_000, 1), []);
  assert.deepEqual(tick(settings, reader, 50_000, 1), [6]);
  assert.deepEqual(reader.readsAt.get(5), [0, 20_000, 50_000]);
  assert.equal(settings.status(50_000).oldestReadAgeMs, 0);
});

test('a slow reader: each tick stops at the wall-time cap, and the leftovers are read on later ticks', () => {
  const reader = recordingReader(undefined, 1);
  const settings = scheduler(reader, { maxTickMs: 100 });
  const inodes = trackMany(settings, 1000);
  const costs: number[] = [];
  for (let s = 0; s < 30; s++) {
    const before = reader.clockMs;
    reader.nowMs = s * 1000;
    settings.readDue(reader.nowMs);
    costs.push(reader.clockMs - before);
  }
  assert.ok(costs.slice(1).every((ms) => ms <= 100), `ticks read for ${costs.join(', ')} ms`);
  assert.ok(inodes.every((inode) => reader.readsAt.has(inode)), 'every socket read at last');
});

test('untrack: a gone socket is never read again and leaves the counts', () => {
  const reader = recordingReader();
  const settings = scheduler(reader);
  settings.track(5, holder(50, 3), 0);
  settings.track(6, [], 0);
  settings.untrack(5);
  settings.untrack(6);
  settings.readDue(0);
  assert.equal(reader.calls.length, 0);
  assert.deepEqual(settings.status(0), { tracked: 0, unread: 0, unheld: 0, failed: 0, oldestReadAgeMs: null, readsPerSec: 0 });
});

test('createForeignReader: an addon built before the batch falls back to one read per socket, and stops asking', () => {
  let batchCalls = 0;
  const stale = (): never => {
    batchCalls++;
    throw systemError('ERR_ADDON_STALE');
  };
  const reads: number[] = [];
  const reader = createForeignReader({ withSocket: <T>(_pid: number, fd: number) => (reads.push(fd), KA as T) }, stale);
  assert.deepEqual(reader.readBatch(9, [{ fd: 3, inode: 30 }, { fd: 4, inode: 40 }]), [{ settings: KA }, { settings: KA }]);
  reader.readBatch(9, [{ fd: 5, inode: 50 }]);
  assert.deepEqual([batchCalls, reads], [1, [3, 4, 5]]);
});

test('perSocketReader: a process that cannot be opened throws once; a bad fd is that item\'s error', () => {
  const failing = (code: string) => perSocketReader({ withSocket: () => { throw systemError(code); } }, () => KA);
  assert.throws(() => failing('ESRCH').readBatch(9, [{ fd: 3, inode: 30 }, { fd: 4, inode: 40 }]), { code: 'ESRCH' });
  assert.deepEqual(failing('EBADF').readBatch(9, [{ fd: 3, inode: 30 }]), [{ error: { code: 'EBADF', message: 'EBADF' } }]);
});
