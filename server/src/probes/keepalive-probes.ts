/**
 * Keepalive probes and their answers among a connection's segments, as
 * Wireshark labels them (tcp.analysis.keep_alive / keep_alive_ack): a probe
 * is a segment of 0 or 1 byte, no SYN/FIN/RST, whose sequence number is one
 * below the next one expected from its sender (snd.nxt − 1: already
 * acknowledged, so the peer must answer with a duplicate ACK); the answer is
 * the peer's ACK of snd.nxt. Pure: segments in, a timeline out.
 */
import type { TcpFlags, TcpSegment } from '@keepalive-dashboard/native';

import { segmentKeys, tupleKey, type FourTuple, type Side } from './tuple.js';

/** What the tracker needs of a segment: native's TcpSegment, narrowed so tests can build one by hand. */
export type SegmentHeader = Pick<TcpSegment, 'atMs' | 'src' | 'srcPort' | 'dst' | 'dstPort' | 'seq' | 'ack' | 'payloadBytes'> & {
  flags: Pick<TcpFlags, 'syn' | 'fin' | 'rst' | 'ack'>;
};

export interface KeepaliveProbe {
  /** The end that sent the probe. */
  by: Side;
  sentAt: number;
  /** When the other end's ACK of it was seen; null while (or if forever) unanswered. */
  answeredAt: number | null;
}

/** Probes kept per connection: the newest, enough for any timeline shown. */
export const PROBES_KEPT = 256;

const other = (side: Side): Side => (side === 'local' ? 'peer' : 'local');
/** a − b in sequence space (RFC 1982 serial arithmetic over 32 bits). */
const seqDiff = (a: number, b: number): number => (a - b) | 0;

interface SideState {
  /** snd.nxt as far as seen: the highest seq + length sent, or acknowledged by the other end. */
  nextSeq: number | null;
  /** nextSeq is certain: this end's SYN, or an ACK from the other end, was seen. */
  confirmed: boolean;
  /** The probe of this side still waiting for its answer. */
  pending: KeepaliveProbe | null;
  /**
   * Until nextSeq is confirmed (capture opened mid-connection), the last empty
   * segment sent: an ACK of its seq + 1 shows it was a probe after all.
   */
  unknownEmpty: { seq: number; atMs: number } | null;
}

const fresh = (): SideState => ({ nextSeq: null, confirmed: false, pending: null, unknownEmpty: null });

class ConnectionTrack {
  readonly probes: KeepaliveProbe[] = [];
  private readonly sides: Record<Side, SideState> = { local: fresh(), peer: fresh() };

  feed(by: Side, s: SegmentHeader): void {
    const me = this.sides[by];
    const them = this.sides[other(by)];
    const control = s.flags.syn || s.flags.fin || s.flags.rst;
    const isProbe = !control && s.payloadBytes <= 1 && me.nextSeq !== null && s.seq === ((me.nextSeq - 1) >>> 0);
    if (isProbe) {
      me.pending = this.add({ by, sentAt: s.atMs, answeredAt: null });
    } else if (s.flags.ack) {
      if (them.pending && them.nextSeq === s.ack) {
        // Their probe answered: this ACK covers exactly their next byte.
        them.pending.answeredAt = s.atMs;
        them.pending = null;
      } else if (them.unknownEmpty && s.ack === ((them.unknownEmpty.seq + 1) >>> 0)) {
        // An empty segment is acknowledged one byte past its seq only if that byte was already sent.
        this.add({ by: other(by), sentAt: them.unknownEmpty.atMs, answeredAt: s.atMs });
      }
    }
    if (!isProbe) {
      if (!me.confirmed && !control && s.payloadBytes === 0) me.unknownEmpty = { seq: s.seq, atMs: s.atMs };
      const end = (s.seq + s.payloadBytes + Number(s.flags.syn) + Number(s.flags.fin)) >>> 0;
      if (me.nextSeq === null || seqDiff(end, me.nextSeq) > 0) me.nextSeq = end;
      if (s.flags.syn) me.confirmed = true;
    }
    if (s.flags.ack) {
      if (them.nextSeq === null || seqDiff(s.ack, them.nextSeq) > 0) them.nextSeq = s.ack;
      them.confirmed = true;
      them.unknownEmpty = null;
    }
  }

  private add(probe: KeepaliveProbe): KeepaliveProbe {
    this.probes.push(probe);
    if (this.probes.length > PROBES_KEPT) this.probes.shift();
    return probe;
  }
}

/** The probe timelines of the connections being watched; segments of any other are ignored. */
export class KeepaliveProbeTracker {
  private readonly tracks = new Map<string, ConnectionTrack>();

  watch(tuple: FourTuple): void {
    const key = tupleKey(tuple);
    if (!this.tracks.has(key)) this.tracks.set(key, new ConnectionTrack());
  }

  unwatch(tuple: FourTuple): void {
    this.tracks.delete(tupleKey(tuple));
  }

  watched(): number {
    return this.tracks.size;
  }

  feed(segments: Iterable<SegmentHeader>): void {
    for (const s of segments) {
      const keys = segmentKeys(s.src, s.srcPort, s.dst, s.dstPort);
      // Both ends of a pair may be watched (a lab pair on loopback): each sees the segment from its side.
      this.tracks.get(keys.local)?.feed('local', s);
      this.tracks.get(keys.peer)?.feed('peer', s);
    }
  }

  /** Oldest first; null when the connection is not watched. */
  timeline(tuple: FourTuple): readonly KeepaliveProbe[] | null {
    return this.tracks.get(tupleKey(tuple))?.probes ?? null;
  }
}
