import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { TimerKind } from '@keepalive-dashboard/shared';
import { parseNetstat } from '@keepalive-dashboard/server/sources/netstat';
import fc from 'fast-check';

import { assertSchema, fixture } from './fixtures.js';
import { expectedAddress, expectedCount, sampleArb, type Sample } from './samples.js';

const NETSTAT_TIMER: Record<TimerKind, string> = { none: 'off', retransmit: 'on', keepalive: 'keepalive', timewait: 'timewait', persist: 'probe', unknown: 'unkn-9' };

/** How net-tools writes an address: `::` for v6 any, `*` for port 0, v4-mapped either way it has over the years. */
function endpoint(s: Sample, bytes: number[], port: number, bareMapped: boolean): string {
  let address = expectedAddress(s.family, bytes);
  if (address === '*') address = '::';
  if (bareMapped) address = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return `${address}:${port === 0 ? '*' : port}`;
}

function renderNetstat(s: Sample, bareMapped: boolean): string {
  const seconds = s.timerKind === 'none' ? '0.00' : (s.timerValue / 1000).toFixed(2);
  return [
    s.family === 6 ? 'tcp6' : 'tcp', s.recvQ, s.sendQ, endpoint(s, s.local, s.localPort, bareMapped), endpoint(s, s.peer, s.peerPort, bareMapped),
    s.state, s.uid, s.inode, `${NETSTAT_TIMER[s.timerKind]} (${seconds}/${s.retransmits}/${s.probes})`,
  ].join('  ');
}

test('netstat: what netstat prints parses back to the record it came from', () => {
  fc.assert(
    fc.property(sampleArb, fc.boolean(), (s, bareMapped) => {
      const { connections, issues } = parseNetstat(`Proto Recv-Q Send-Q Local Address Foreign Address State User Inode Timer\n${renderNetstat(s, bareMapped)}`);
      assert.deepEqual(issues, []);
      assertSchema(connections);
      const c = connections[0];
      assert.ok(c);
      assert.deepEqual(
        [c.family, c.state, c.local, c.peer, c.inode, c.uid, c.recvQ, c.sendQ, c.cookie],
        [s.family, s.state, { address: expectedAddress(s.family, s.local), port: s.localPort }, { address: expectedAddress(s.family, s.peer), port: s.peerPort }, s.inode, s.uid, s.recvQ, s.sendQ, null],
      );
      assert.deepEqual(c.timer, { kind: s.timerKind, remainingMs: s.timerKind === 'none' ? 0 : s.timerValue, count: expectedCount(s) });
      const hasInfo = s.timerKind !== 'timewait' && s.state !== 'TIME_WAIT' && s.state !== 'SYN_RECV';
      assert.deepEqual(c.tcpInfo, hasInfo ? { retransmits: s.retransmits, probes: s.probes } : undefined);
    }),
  );
});

test('netstat: never throws on arbitrary, truncated or mutated input', () => {
  const lines = fixture('netstat/probing-client.txt').split('\n');
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(...lines), fc.nat(), (junk, line, cut) => {
      const at = cut % (line.length + 1);
      for (const text of [junk, line.slice(0, at), line.slice(0, at) + junk + line.slice(at)]) {
        const { connections, issues } = parseNetstat(text);
        assertSchema(connections);
        for (const issue of issues) assert.ok(issue.line >= 1);
      }
    }),
  );
});
