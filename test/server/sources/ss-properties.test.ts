import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { TcpState, TimerKind } from '@keepalive-dashboard/shared';
import { parseSs } from '@keepalive-dashboard/server/sources/ss';
import fc from 'fast-check';

import { assertSchema, fixture } from './fixtures.js';
import { expectedAddress, expectedCount, sampleArb, type Sample } from './samples.js';

const SS_STATE: Record<TcpState, string> = {
  UNKNOWN: 'UNKNOWN', ESTABLISHED: 'ESTAB', SYN_SENT: 'SYN-SENT', SYN_RECV: 'SYN-RECV', FIN_WAIT1: 'FIN-WAIT-1',
  FIN_WAIT2: 'FIN-WAIT-2', TIME_WAIT: 'TIME-WAIT', CLOSE: 'UNCONN', CLOSE_WAIT: 'CLOSE-WAIT', LAST_ACK: 'LAST-ACK',
  LISTEN: 'LISTEN', CLOSING: 'CLOSING', NEW_SYN_RECV: 'NEW-SYN-RECV',
};
const SS_TIMER: Record<TimerKind, string> = { none: '', retransmit: 'on', keepalive: 'keepalive', timewait: 'timewait', persist: 'persist', unknown: 'unknown' };

/** iproute2 6.1 print_ms_timer, and the value it keeps. */
function printMsTimer(ms: number): { text: string; kept: number } {
  const minutes = Math.floor(ms / 60_000);
  let secs = Math.floor(ms / 1000) % 60;
  let msecs = ms % 1000;
  let text = '';
  if (minutes) {
    msecs = 0;
    text += `${minutes}min`;
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    text += `${secs}${msecs ? '.' : 'sec'}`;
  }
  if (msecs) text += `${String(msecs).padStart(3, '0')}ms`;
  return { text, kept: minutes * 60_000 + secs * 1000 + msecs };
}

const endpoint = (s: Sample, bytes: number[], port: number, scope: string | undefined): string => {
  const address = expectedAddress(s.family, bytes);
  const host = address.includes(':') ? `[${address}]` : address;
  return `${host}${scope ? `%${scope}` : ''}:${port}`;
};

const tcpInfoArb = fc.record({
  rtt: fc.integer({ min: 0, max: 999_999 }),
  rttvar: fc.integer({ min: 1, max: 999_999 }),
  rto: fc.integer({ min: 0, max: 999_999 }),
  minRtt: fc.integer({ min: 0, max: 999_999 }),
  backoff: fc.nat(15),
  unacked: fc.nat(1000),
  notsentBytes: fc.nat(1 << 20),
  lastDataSent: fc.nat(),
  lastDataRecv: fc.nat(),
  lastAckRecv: fc.nat(),
  totalRetrans: fc.nat(1000),
  bytesAcked: fc.nat(),
  bytesReceived: fc.nat(),
  sndCwnd: fc.nat(1000),
  pmtu: fc.nat(65535),
  segsOut: fc.nat(),
  segsIn: fc.nat(),
}).map((info) => ({ ...info, rttvar: info.rtt === 0 ? 0 : info.rttvar }));

type Info = typeof tcpInfoArb extends fc.Arbitrary<infer T> ? T : never;

const g = (us: number): string => String(Number((us / 1000).toPrecision(6)));

/** tcp_stats_print: a field only when non-zero, unknown fields around them. */
function renderTcpInfo(i: Info): string {
  const parts = ['ts', 'sack', 'cubic', 'wscale:7,7'];
  if (i.rto) parts.push(`rto:${g(i.rto)}`);
  if (i.backoff) parts.push(`backoff:${i.backoff}`);
  if (i.rtt) parts.push(`rtt:${g(i.rtt)}/${g(i.rttvar)}`);
  parts.push('mss:1448');
  if (i.pmtu) parts.push(`pmtu:${i.pmtu}`);
  if (i.sndCwnd) parts.push(`cwnd:${i.sndCwnd}`);
  if (i.bytesAcked) parts.push(`bytes_acked:${i.bytesAcked}`);
  if (i.bytesReceived) parts.push(`bytes_received:${i.bytesReceived}`);
  if (i.segsOut) parts.push(`segs_out:${i.segsOut}`);
  if (i.segsIn) parts.push(`segs_in:${i.segsIn}`);
  parts.push('send', '1544000bps');
  if (i.lastDataSent) parts.push(`lastsnd:${i.lastDataSent}`);
  if (i.lastDataRecv) parts.push(`lastrcv:${i.lastDataRecv}`);
  if (i.lastAckRecv) parts.push(`lastack:${i.lastAckRecv}`);
  parts.push('pacing_rate', '3088000bps', 'busy:5ms', 'rwnd_limited:5ms(100.0%)');
  if (i.unacked) parts.push(`unacked:${i.unacked}`);
  if (i.totalRetrans) parts.push(`retrans:0/${i.totalRetrans}`);
  if (i.notsentBytes) parts.push(`notsent:${i.notsentBytes}`);
  if (i.minRtt) parts.push(`minrtt:${g(i.minRtt)}`);
  parts.push('snd_wnd:65536', 'bbr:(bw:1bps,mrtt:0.1)');
  return parts.join(' ');
}

function renderSs(s: Sample, info: Info, oneline: boolean): string {
  const fields = [SS_STATE[s.state], String(s.recvQ), String(s.sendQ), endpoint(s, s.local, s.localPort, s.scope), endpoint(s, s.peer, s.peerPort, undefined)];
  if (s.timerKind !== 'none') {
    const printed = s.timerKind === 'keepalive' || s.timerKind === 'persist' ? s.probes : s.retransmits;
    fields.push(`timer:(${SS_TIMER[s.timerKind]},${printMsTimer(s.timerValue).text},${printed})`);
  }
  if (s.uid) fields.push(`uid:${s.uid}`);
  fields.push(`ino:${s.inode}`, `sk:${BigInt(`0x${s.cookie}`).toString(16)}`, 'cgroup:/user.slice', 'v6only:0', '<->');
  return `${fields.join(' ')}${oneline ? ' ' : '\n\t '}${renderTcpInfo(info)}`;
}

test('ss: what ss prints parses back to the record it came from', () => {
  fc.assert(
    fc.property(sampleArb, tcpInfoArb, fc.boolean(), (s, info, oneline) => {
      const { connections, issues } = parseSs(`State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n${renderSs(s, info, oneline)}\n`);
      assert.deepEqual(issues, []);
      assertSchema(connections);
      const c = connections[0];
      assert.ok(c);
      const localAddress = expectedAddress(s.family, s.local);
      assert.deepEqual(c.local, { address: s.scope ? `${localAddress}%${s.scope}` : localAddress, port: s.localPort });
      assert.deepEqual(c.peer, { address: expectedAddress(s.family, s.peer), port: s.peerPort });
      assert.deepEqual(
        [c.family, c.state, c.inode, c.uid, c.recvQ, c.sendQ, c.cookie, c.id],
        [s.family, s.state, s.inode, s.uid, s.recvQ, s.sendQ, s.cookie, s.cookie],
      );
      const none = s.timerKind === 'none';
      assert.deepEqual(c.timer, { kind: s.timerKind, remainingMs: none ? 0 : printMsTimer(s.timerValue).kept, count: expectedCount(s) });
      assert.deepEqual(c.tcpInfo, info);
    }),
  );
});

test('ss: never throws on arbitrary text, and whatever it returns is schema-valid', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
      const { connections, issues } = parseSs(text);
      assertSchema(connections);
      for (const issue of issues) assert.ok(issue.line >= 1);
    }),
  );
});

test('ss: truncated or mutated real lines are skipped or parsed, never fatal', () => {
  const lines = fixture('ss/probing-client-tanoie.txt').split('\n');
  fc.assert(
    fc.property(fc.constantFrom(...lines), fc.nat(), fc.nat(), fc.string({ maxLength: 3 }), (line, cut, at, insert) => {
      const truncated = line.slice(0, cut % (line.length + 1));
      const mutated = line.slice(0, at % (line.length + 1)) + insert + line.slice((at % (line.length + 1)) + 1);
      for (const text of [truncated, mutated, `${lines[1]}\n${truncated}`]) assertSchema(parseSs(text).connections);
    }),
  );
});
