/**
 * TCP segment headers seen on one interface: an AF_PACKET socket whose
 * classic BPF filter, run in the kernel, passes only IPv4/IPv6 TCP to or from
 * the ports asked for, cut to the headers. Reading never waits (the socket
 * is non-blocking): the caller polls, and the kernel queues in between.
 */
import { readFileSync, closeSync } from 'node:fs';

import { systemError, isSystemError } from './errors.js';
import type { RawAddon } from './native.js';
import { inNetns, netnsArgs, type NetnsTarget } from './netns.js';

export interface PacketCaptureOptions {
  /** The interface, by index in its namespace (`ip -j link`'s ifindex). */
  ifindex: number;
  /** Segments with either port in this list pass the filter (1–48 ports). */
  ports: readonly number[];
  /** Bytes kept from the IP header on: 40–256, default 128 (IPv6 + TCP with options fit in 120). */
  snaplen?: number;
  /** The namespace the interface lives in; ours without one. */
  netns?: NetnsTarget;
}

export type SegmentDirection = 'outgoing' | 'incoming';

/** One TCP segment as the wire carried it (sequence numbers absolute, window unscaled). */
export interface TcpSegment {
  /** The kernel's receive/transmit stamp, CLOCK_REALTIME, ns since the epoch. */
  timeNs: bigint;
  /** The same instant in ms since the epoch (µs precision), the unit the rest of the dashboard uses. */
  atMs: number;
  /** outgoing: sent by this namespace's stack (sll_pkttype PACKET_OUTGOING); incoming otherwise. */
  direction: SegmentDirection;
  family: 4 | 6;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  seq: number;
  ack: number;
  flags: TcpFlags;
  /** TCP payload bytes the IP length says the segment carried (not only the captured part). */
  payloadBytes: number;
  /** The raw 16-bit window field (scale it with the handshake's wscale to get bytes). */
  window: number;
}

export interface TcpFlags {
  fin: boolean;
  syn: boolean;
  rst: boolean;
  psh: boolean;
  ack: boolean;
  urg: boolean;
}

export interface PacketBatch {
  segments: TcpSegment[];
  /** Packets the kernel dropped since the last read because the socket's queue was full. */
  drops: number;
}

export const PACKET_CAPTURE_MAX_PORTS = 48;
const PACKET_OUTGOING = 4;
const RECORD_WORDS = 5;

function checkOptions({ ifindex, ports, snaplen = 128 }: PacketCaptureOptions): number {
  if (!Number.isInteger(ifindex) || ifindex <= 0) throw new TypeError(`ifindex must be a positive integer, got ${String(ifindex)}`);
  if (!Array.isArray(ports) || ports.length === 0 || ports.length > PACKET_CAPTURE_MAX_PORTS) {
    throw new RangeError(`ports must list 1–${PACKET_CAPTURE_MAX_PORTS} ports, got ${Array.isArray(ports) ? ports.length : typeof ports}`);
  }
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`ports must be 1–65535, got ${String(port)}`);
  }
  if (!Number.isInteger(snaplen) || snaplen < 40 || snaplen > 256) throw new RangeError(`snaplen must be 40–256 bytes, got ${String(snaplen)}`);
  return snaplen;
}

function ipv6Text(bytes: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(at + i).toString(16));
  // Canonical form (RFC 5952): the longest run of two or more zero groups becomes '::'.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

/** Decodes one captured packet (from its IP header on); null when too short to hold the TCP header. */
export function parseTcpSegment(bytes: Buffer, pkttype: number, timeNs: bigint): TcpSegment | null {
  if (bytes.length < 20) return null;
  const version = bytes[0]! >> 4;
  let ipHeader: number, ipPayload: number, src: string, dst: string;
  if (version === 4) {
    ipHeader = (bytes[0]! & 0xf) * 4;
    ipPayload = bytes.readUInt16BE(2) - ipHeader;
    src = bytes.subarray(12, 16).join('.');
    dst = bytes.subarray(16, 20).join('.');
  } else if (version === 6 && bytes.length >= 40) {
    ipHeader = 40;
    ipPayload = bytes.readUInt16BE(4);
    src = ipv6Text(bytes, 8);
    dst = ipv6Text(bytes, 24);
  } else {
    return null;
  }
  if (bytes.length < ipHeader + 20) return null;
  const tcp = bytes.subarray(ipHeader);
  const flagBits = tcp[13]!;
  return {
    timeNs,
    atMs: Number(timeNs / 1000n) / 1000,
    direction: pkttype === PACKET_OUTGOING ? 'outgoing' : 'incoming',
    family: version === 4 ? 4 : 6,
    src,
    srcPort: tcp.readUInt16BE(0),
    dst,
    dstPort: tcp.readUInt16BE(2),
    seq: tcp.readUInt32BE(4),
    ack: tcp.readUInt32BE(8),
    flags: {
      fin: (flagBits & 0x01) !== 0,
      syn: (flagBits & 0x02) !== 0,
      rst: (flagBits & 0x04) !== 0,
      psh: (flagBits & 0x08) !== 0,
      ack: (flagBits & 0x10) !== 0,
      urg: (flagBits & 0x20) !== 0,
    },
    payloadBytes: Math.max(0, ipPayload - (tcp[12]! >> 4) * 4),
    window: tcp.readUInt16BE(14),
  };
}

type CaptureRaw = Required<Pick<RawAddon, 'packetOpen' | 'packetRead' | 'closeFd'>>;

/** An open capture; close() releases its socket (reading after it throws ERR_CAPTURE_CLOSED). */
export class PacketCapture {
  private fd: number | null;

  constructor(
    private readonly raw: CaptureRaw,
    fd: number,
  ) {
    this.fd = fd;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** What the kernel queued since the last read, up to maxPackets, without waiting. */
  read(maxPackets = 1024): PacketBatch {
    if (this.fd === null) throw systemError('ERR_CAPTURE_CLOSED', 'the packet capture is closed');
    const { data, records, drops } = this.raw.packetRead(this.fd, maxPackets);
    const segments: TcpSegment[] = [];
    for (let i = 0; i < records.length; i += RECORD_WORDS) {
      const [offset = 0, length = 0, pkttype = 0, sec = 0, nsec = 0] = records.subarray(i, i + RECORD_WORDS);
      const timeNs = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
      const segment = parseTcpSegment(data.subarray(offset, offset + length), pkttype, timeNs);
      if (segment) segments.push(segment);
    }
    return { segments, drops };
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    this.raw.closeFd(fd);
  }
}

/** Opens a capture; EPERM (code kept, message naming CAP_NET_RAW) when this process may not capture. */
export function openPacketCaptureWith(raw: () => CaptureRaw, options: PacketCaptureOptions): PacketCapture {
  const snaplen = checkOptions(options);
  const where = netnsArgs(options.netns);
  const addon = raw();
  try {
    return new PacketCapture(addon, inNetns(options.netns, () => addon.packetOpen(options.ifindex, [...options.ports], snaplen, ...where)));
  } catch (error) {
    if (isSystemError(error) && error.code === 'EPERM' && error.syscall === 'socket(AF_PACKET)') {
      throw systemError('EPERM', 'capturing packets needs CAP_NET_RAW: probes on the wire are unavailable', error.syscall);
    }
    throw error;
  }
}

/** The namespace's /proc/net/netstat text (ours without a netns), read at once. */
export function readNetstatWith(raw: () => Required<Pick<RawAddon, 'netnsOpenNetstat'>>, netns?: NetnsTarget): string {
  if (netns === undefined) return readFileSync('/proc/self/net/netstat', 'utf8');
  const [path, inode] = netnsArgs(netns) as [string, number];
  const fd = inNetns(netns, () => raw().netnsOpenNetstat(path, inode));
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
