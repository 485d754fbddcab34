/**
 * A watched connection by its 4-tuple, and the side of it a segment came
 * from. Addresses are compared as the wire shows them: an IPv6 socket's
 * IPv4-mapped peer (::ffff:10.0.0.1) travels as plain IPv4.
 */
export interface FourTuple {
  local: string;
  localPort: number;
  peer: string;
  peerPort: number;
}

export type Side = 'local' | 'peer';

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export function wireAddress(address: string): string {
  return MAPPED_V4.exec(address)?.[1] ?? address.toLowerCase();
}

/** One key for both directions of a connection, as seen from its local end. */
export function tupleKey(tuple: FourTuple): string {
  return `${wireAddress(tuple.local)}:${tuple.localPort}>${wireAddress(tuple.peer)}:${tuple.peerPort}`;
}

/** The keys a segment would belong to, sent by the local end or by the peer. */
export function segmentKeys(src: string, srcPort: number, dst: string, dstPort: number): Record<Side, string> {
  return {
    local: tupleKey({ local: src, localPort: srcPort, peer: dst, peerPort: dstPort }),
    peer: tupleKey({ local: dst, localPort: dstPort, peer: src, peerPort: srcPort }),
  };
}
