import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TCP_STATES, type TimerKind } from '@keepalive-dashboard/shared';
import { parseProcNetTcp } from '@keepalive-dashboard/server/sources/proc';
import fc from 'fast-check';

import { assertSchema, fixture } from './fixtures.js';
import { expectedAddress, expectedCount, sampleArb, type Sample } from './samples.js';

const TR: Record<TimerKind, number> = { none: 0, retransmit: 1, keepalive: 2, timewait: 3, persist: 4, unknown: 7 };
const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** The kernel's %08X of each 32-bit word as it sits in memory. */
function words(bytes: number[], littleEndian: boolean): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    out += (littleEndian ? word.reverse() : word).map((b) => hex(b, 2)).join('');
  }
  return out;
}

/** get_tcp4_sock's format; `full` adds what only full sockets print (refcnt ptr rto ato qp cwnd ssthresh). */
function renderProc(s: Sample, littleEndian: boolean, full: { rtoTicks: number; cwnd: number } | null): string {
  const head =
    `   0: ${words(s.local, littleEndian)}:${hex(s.localPort, 4)} ${words(s.peer, littleEndian)}:${hex(s.peerPort, 4)} ` +
    `${hex(TCP_STATES.indexOf(s.state), 2)} ${hex(s.sendQ, 8)}:${hex(s.recvQ, 8)} ${hex(TR[s.timerKind], 2)}:${hex(s.timerValue, 8)} ` +
    `${hex(s.retransmits, 8)} ${String(s.uid).padStart(5)} ${String(s.probes).padStart(8)} ${s.inode} 2 00000000deadbeef`;
  return full ? `${head} ${full.rtoTicks} 4 0 ${full.cwnd} -1` : head;
}

const fullArb = fc.option(fc.record({ rtoTicks: fc.integer({ min: 0, max: 12_000 }), cwnd: fc.nat(10_000) }), { nil: null });

test('proc: what the kernel prints parses back to the record it came from', () => {
  fc.assert(
    fc.property(sampleArb, fc.boolean(), fullArb, fc.constantFrom(100, 1000), (s, littleEndian, full, userHz) => {
      const text = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n${renderProc(s, littleEndian, full)}\n`;
      const { connections, issues } = parseProcNetTcp(text, s.family, userHz, { littleEndian });
      assert.deepEqual(issues, []);
      assertSchema(connections);
      const c = connections[0];
      assert.ok(c);
      assert.deepEqual(
        [c.family, c.state, c.local, c.peer, c.inode, c.uid, c.recvQ, c.sendQ, c.cookie],
        [s.family, s.state, { address: expectedAddress(s.family, s.local), port: s.localPort }, { address: expectedAddress(s.family, s.peer), port: s.peerPort }, s.inode, s.uid, s.recvQ, s.sendQ, null],
      );
      const remainingMs = s.timerKind === 'none' ? 0 : (s.timerValue * 1000) / userHz;
      assert.deepEqual(c.timer, { kind: s.timerKind, remainingMs, count: expectedCount(s) });
      const tcpInfo = full ? { retransmits: s.retransmits, probes: s.probes, rto: (full.rtoTicks * 1_000_000) / userHz, sndCwnd: full.cwnd } : undefined;
      assert.deepEqual(c.tcpInfo, tcpInfo);
    }),
  );
});

test('proc: never throws on arbitrary, truncated or mutated input', () => {
  const lines = fixture('proc/probing-client-tcp6.txt').split('\n');
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(...lines), fc.nat(), fc.constantFrom<4 | 6>(4, 6), (junk, line, cut, family) => {
      const at = cut % (line.length + 1);
      for (const text of [junk, line.slice(0, at), line.slice(0, at) + junk + line.slice(at)]) {
        assertSchema(parseProcNetTcp(text, family, 100).connections);
      }
    }),
  );
});
