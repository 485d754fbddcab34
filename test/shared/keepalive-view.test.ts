/**
 * What a view shows (shared/keepalive-view) against views the server itself
 * builds (toView → derive → predictKeepalive with the kernel timer): one
 * computation, checked against a step-by-step model of the kernel's
 * tcp_keepalive_timer().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';
import { toView } from '@keepalive-dashboard/server/collector/view';
import {
  cycleMs,
  deadAt,
  DEFAULT_ADVISORY_OPTIONS,
  keepalivePhase,
  kernelTimerAt,
  lastRecvAt,
  nextProbeAt,
  probesAllowed,
  probesOut,
  urgency,
  type Connection,
  type ConnectionView,
  type KeepaliveSettings,
  type TcpState,
  type TimerKind,
} from '@keepalive-dashboard/shared';

const NOW = 1_000_000;
const SETTINGS: KeepaliveSettings = { enabled: true, idleSec: 60, intervalSec: 10, count: 6, userTimeoutMs: 0 };

interface Sample {
  /** ms since the last receive (data and ACK alike). */
  elapsedMs: number;
  probes?: number;
  /** ms until the kernel timer fires; null: no timer. */
  timerInMs?: number | null;
  timerKind?: TimerKind;
  unacked?: number;
  notsentBytes?: number;
  state?: TcpState;
}

function sample({ elapsedMs, probes = 0, timerInMs = null, timerKind = 'keepalive', unacked = 0, notsentBytes = 0, state = 'ESTABLISHED' }: Sample): Connection {
  return {
    id: 'c1', family: 4, state, inode: 42, cookie: null, uid: 0, recvQ: 0, sendQ: 0,
    local: { address: '127.0.0.1', port: 40000 }, peer: { address: '127.0.0.1', port: 5432 },
    timer: timerInMs === null ? { kind: 'none', remainingMs: 0, count: 0 } : { kind: timerKind, remainingMs: timerInMs, count: probes },
    tcpInfo: { lastDataRecv: elapsedMs + 1000, lastAckRecv: elapsedMs, unacked, notsentBytes, probes },
  };
}

/** The view exactly as the server streams it. */
function serverView(connection: Connection, settings: KeepaliveSettings | null, now = NOW): ConnectionView {
  return toView(connection, {
    now,
    holders: () => [],
    labId: () => null,
    settings: () => ({ settings, origin: settings ? 'foreign' : 'unknown', error: null }),
    advisoryOptions: DEFAULT_ADVISORY_OPTIONS,
  });
}

/**
 * tcp_keepalive_timer() fired by hand from `firingAt` with no answer: re-arm
 * for idle − elapsed while the silence is shorter than idle; abort at the
 * firing that finds count probes out (or, with TCP_USER_TIMEOUT, the silence
 * at or past it and a probe out); else send a probe and re-arm for interval.
 */
function runKernelTimer(s: KeepaliveSettings, lastRecvAt: number, firingAt: number, probes: number): { nextProbeAt: number; deadAt: number; probes: number } {
  let t = firingAt;
  let out = probes;
  let nextProbeAt: number | null = null;
  for (;;) {
    const elapsed = t - lastRecvAt;
    if (elapsed < s.idleSec * 1000) {
      t += s.idleSec * 1000 - elapsed;
      continue;
    }
    nextProbeAt ??= t;
    if (s.userTimeoutMs > 0 ? elapsed >= s.userTimeoutMs && out > 0 : out >= s.count) return { nextProbeAt, deadAt: t, probes: out };
    out++;
    t += s.intervalSec * 1000;
  }
}

const settingsArb = fc.record({
  enabled: fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, { arbitrary: fc.constant(false), weight: 1 }),
  idleSec: fc.integer({ min: 1, max: 120 }),
  intervalSec: fc.integer({ min: 1, max: 30 }),
  count: fc.integer({ min: 1, max: 12 }),
  userTimeoutMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400_000 })),
});

/** Kernel-consistent samples: a probing socket's keepalive timer is a probe firing (at or past last receive + idle). */
const caseArb = settingsArb.chain((s) =>
  fc.record({
    settings: fc.option(fc.constant(s), { freq: 5 }),
    elapsedMs: fc.integer({ min: 0, max: 600_000 }),
    probes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })),
    timerInMs: fc.option(fc.integer({ min: 0, max: 200_000 }), { freq: 4 }),
    suspended: fc.boolean(),
    listen: fc.boolean(),
  }).map((c) => {
    const minTimer = c.probes > 0 ? Math.max(0, s.idleSec * 1000 - c.elapsedMs) : 0;
    return { ...c, timerInMs: c.timerInMs === null ? null : minTimer + c.timerInMs };
  }),
);

test('property: the browser shows the server-derived answer, and it is when the kernel timer aborts the peer', () => {
  fc.assert(
    fc.property(caseArb, ({ settings, elapsedMs, probes, timerInMs, suspended, listen }) => {
      const v = serverView(sample({ elapsedMs, probes, timerInMs, unacked: suspended ? 1 : 0, state: listen ? 'LISTEN' : 'ESTABLISHED' }), settings);
      if (v.derived) {
        assert.deepEqual(
          [nextProbeAt(v), deadAt(v), lastRecvAt(v), probesOut(v), probesAllowed(v), keepalivePhase(v)],
          [v.derived.nextProbeAt, v.derived.deadAt, v.derived.lastRecvAt, v.derived.probesOut, v.derived.probesBeforeDeath, v.derived.phase],
        );
      } else {
        assert.equal(nextProbeAt(v), v.timer.kind === 'keepalive' ? v.timer.expiresAt : null, 'settings unknown: the kernel timer alone');
        assert.equal(deadAt(v), null);
      }
      assert.equal(lastRecvAt(v), NOW - elapsedMs);
      assert.equal(cycleMs(v) === null, nextProbeAt(v) === null || !settings, 'a cycle only where a countdown runs');
      const next = nextProbeAt(v);
      if (!settings || !v.derived || next === null) return;
      // From the kernel's own timer where it has one (it may fire early and only re-arm), else from the formula.
      const kernel = runKernelTimer(settings, NOW - elapsedMs, v.timer.kind === 'keepalive' && v.timer.expiresAt !== null ? v.timer.expiresAt : next, probes);
      assert.deepEqual([next, deadAt(v), probesAllowed(v)], [kernel.nextProbeAt, kernel.deadAt, kernel.probes], 'the kernel timer run by hand');
    }),
    { numRuns: 2000 },
  );
});

test('keepalive switched on after the last receive: the kernel timer (a full idle from then) is later than the formula', () => {
  // Silent 100 s, keepalive on 5 s ago: armed for idle 60 s from then.
  const v = serverView(sample({ elapsedMs: 100_000, timerInMs: 55_000 }), SETTINGS);
  assert.equal(nextProbeAt(v), NOW + 55_000);
  assert.equal(deadAt(v), NOW + 55_000 + 6 * 10_000);
  assert.equal(keepalivePhase(v), 'idle');
  assert.equal(cycleMs(v), 60_000);
});

test('an ACKed probe: the lazy timer fires one interval after it, the probe goes one idle after the answer', () => {
  // Probe 1 answered 0.2 s after it went out 3 s ago: probes back to 0, timer armed for the interval.
  const v = serverView(sample({ elapsedMs: 2_800, probes: 0, timerInMs: 7_000 }), SETTINGS);
  assert.equal(nextProbeAt(v), NOW - 2_800 + 60_000, 'the early firing only re-arms for idle − elapsed');
  assert.equal(kernelTimerAt(v), NOW + 7_000, 'the kernel timer is shown beside it as it is');
  assert.equal(probesOut(v), 0);
  assert.equal(urgency(v, NOW), 'normal');
});

test('TCP_USER_TIMEOUT shorter than idle + count·interval cuts the probes; longer sends more than count', () => {
  const short = serverView(sample({ elapsedMs: 0, timerInMs: 60_000 }), { ...SETTINGS, userTimeoutMs: 75_000 });
  assert.equal(probesAllowed(short), 2, 'firings at 70 s, 80 s: abort at 80 s');
  assert.equal(deadAt(short), NOW + 80_000);
  const long = serverView(sample({ elapsedMs: 0, timerInMs: 60_000 }), { ...SETTINGS, userTimeoutMs: 200_000 });
  assert.equal(probesAllowed(long), 14);
  assert.equal(deadAt(long), NOW + 200_000);
});

test('probing: the last allowed probe out is critical, and death is one interval after it', () => {
  const v = serverView(sample({ elapsedMs: 111_000, probes: 5, timerInMs: 9_000 }), SETTINGS);
  assert.equal(nextProbeAt(v), NOW + 9_000);
  assert.equal(deadAt(v), NOW + 9_000 + 10_000);
  assert.equal(urgency(v, NOW), 'critical');
  assert.equal(cycleMs(v), 10_000);
  assert.equal(urgency(serverView(sample({ elapsedMs: 65_000, probes: 1, timerInMs: 5_000 }), SETTINGS), NOW), 'probing');
});

test('suspended while data is unacked or unsent: no probe, no death, nothing counting down', () => {
  for (const extra of [{ unacked: 2, timerKind: 'retransmit' as const }, { notsentBytes: 100 }]) {
    const v = serverView(sample({ elapsedMs: 90_000, timerInMs: 200, ...extra }), SETTINGS);
    assert.equal(keepalivePhase(v), 'suspended');
    assert.deepEqual([nextProbeAt(v), deadAt(v), cycleMs(v)], [null, null, null]);
    assert.equal(urgency(v, NOW), 'normal');
  }
});

test('a listener never probes; what it passes on to accepted sockets counts TCP_USER_TIMEOUT', () => {
  const v = serverView(sample({ elapsedMs: 0, state: 'LISTEN' }), { ...SETTINGS, userTimeoutMs: 30_000 });
  assert.equal(v.derived, null);
  assert.deepEqual([nextProbeAt(v), deadAt(v), cycleMs(v)], [null, null, null]);
  assert.equal(probesAllowed(v), 1, 'user timeout below idle: one probe, then the abort');
});

test('settings unknown, a kernel keepalive timer: it is the countdown, probes ride on it, death is unknown', () => {
  const v = serverView(sample({ elapsedMs: 75_000, probes: 2, timerInMs: 4_000 }), null);
  assert.equal(nextProbeAt(v), NOW + 4_000);
  assert.equal(probesOut(v), 2);
  assert.equal(keepalivePhase(v), 'probing');
  assert.deepEqual([deadAt(v), probesAllowed(v), cycleMs(v)], [null, null, null]);
  assert.equal(urgency(v, NOW), 'probing');
  assert.equal(keepalivePhase(serverView(sample({ elapsedMs: 0 }), null)), 'unknown');
});
