/**
 * Random socket records and how each tool would print them, for round-trip
 * property tests: render a record the way ss / netstat / the kernel does,
 * parse it back, and compare with what the record says.
 */
import { TCP_STATES, type TcpState, type TimerKind } from '@keepalive-dashboard/shared';
import { ANY6, formatIpv4, formatIpv6 } from '@keepalive-dashboard/server/sources/address';
import fc from 'fast-check';

export interface Sample {
  family: 4 | 6;
  state: TcpState;
  local: number[];
  peer: number[];
  scope: string | undefined;
  localPort: number;
  peerPort: number;
  inode: number;
  uid: number;
  recvQ: number;
  sendQ: number;
  timerKind: TimerKind;
  /** ms for ss and netstat (a multiple of 10), ticks for /proc. */
  timerValue: number;
  retransmits: number;
  probes: number;
  cookie: string;
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });

export const sampleArb: fc.Arbitrary<Sample> = fc
  .record({
    family: fc.constantFrom<4 | 6>(4, 6),
    state: fc.constantFrom(...TCP_STATES),
    v6local: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.constant(new Uint8Array(16)), fc.ipV4().map(mapped)),
    v6peer: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.ipV4().map(mapped)),
    v4local: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    v4peer: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    scope: fc.option(fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/), { nil: undefined }),
    localPort: fc.integer({ min: 0, max: 65535 }),
    peerPort: fc.integer({ min: 0, max: 65535 }),
    inode: u32,
    uid: u32,
    recvQ: u32,
    sendQ: u32,
    timerKind: fc.constantFrom<TimerKind>('none', 'retransmit', 'keepalive', 'timewait', 'persist', 'unknown'),
    timerValue: fc.integer({ min: 0, max: 3_000_000 }).map((n) => n * 10),
    retransmits: fc.integer({ min: 0, max: 255 }),
    probes: fc.integer({ min: 0, max: 255 }),
    cookie: fc.bigInt(1n, 2n ** 64n - 1n).map((n) => n.toString(16).padStart(16, '0')),
  })
  .map((r) => ({
    family: r.family,
    state: r.state,
    local: [...(r.family === 4 ? r.v4local : r.v6local)],
    peer: [...(r.family === 4 ? r.v4peer : r.v6peer)],
    scope: r.scope,
    localPort: r.localPort,
    peerPort: r.peerPort,
    inode: r.inode,
    uid: r.uid,
    recvQ: r.recvQ,
    sendQ: r.sendQ,
    timerKind: r.timerKind,
    timerValue: r.timerValue,
    retransmits: r.retransmits,
    probes: r.probes,
    cookie: r.cookie,
  }));

function mapped(v4: string): Uint8Array {
  return new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4.split('.').map(Number)]);
}

/** The address every source must report for these bytes. */
export function expectedAddress(family: 4 | 6, bytes: number[]): string {
  if (family === 4) return formatIpv4(bytes);
  return bytes.every((b) => b === 0) ? ANY6 : formatIpv6(bytes);
}

/** The timer count the schema keeps: probes for keepalive/persist, retransmissions for retransmit. */
export function expectedCount(s: Sample): number {
  if (s.timerKind === 'retransmit') return s.retransmits;
  return s.timerKind === 'keepalive' || s.timerKind === 'persist' ? s.probes : 0;
}
