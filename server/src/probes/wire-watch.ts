/**
 * Probes on the wire for the connections watched on one interface: a packet
 * capture (native, filtered in the kernel to the watched ports) polled on a
 * timer and fed to the probe tracker. Without CAP_NET_RAW the capture cannot
 * open: status() says so (KA_ERR_PERMISSION) and the caller falls back to the
 * namespace's counters (netstat.ts); nothing here throws for it.
 */
import type { NativeApi, NetnsTarget, PacketCapture, TcpSegment } from '@keepalive-dashboard/native';
import type { ErrorBody } from '@keepalive-dashboard/shared';

import { ApiError, fromSystemError } from '../errors.js';
import { KeepaliveProbeTracker, type KeepaliveProbe } from './keepalive-probes.js';
import { tupleKey, type FourTuple } from './tuple.js';

/** Every network namespace's loopback (LOOPBACK_IFINDEX). */
const LOOPBACK_IFINDEX = 1;
const MAX_PORTS = 48;

export interface ProbeWireOptions {
  native: Pick<NativeApi, 'openPacketCapture'>;
  ifindex: number;
  netns?: NetnsTarget;
  /** How often the capture is drained; 0 = only when poll() is called (tests). */
  pollMs?: number;
}

export type WireStatus =
  | { capturing: true; ports: number[]; dropped: number }
  | { capturing: false; error: ErrorBody | null };

export class ProbeWire {
  private readonly tracker = new KeepaliveProbeTracker();
  private readonly tuples = new Map<string, FourTuple>();
  private capture: PacketCapture | null = null;
  private ports: number[] = [];
  private error: ApiError | null = null;
  private dropped = 0;
  private readonly timer: NodeJS.Timeout | null;

  constructor(private readonly options: ProbeWireOptions) {
    const pollMs = options.pollMs ?? 250;
    this.timer = pollMs > 0 ? setInterval(() => this.poll(), pollMs).unref() : null;
  }

  watch(tuple: FourTuple): void {
    const key = tupleKey(tuple);
    if (this.tuples.has(key)) return;
    this.tuples.set(key, tuple);
    this.tracker.watch(tuple);
    this.refilter();
  }

  unwatch(tuple: FourTuple): void {
    if (!this.tuples.delete(tupleKey(tuple))) return;
    this.tracker.unwatch(tuple);
    this.refilter();
  }

  /** The connection's probes so far, oldest first; null when it is not watched. */
  timeline(tuple: FourTuple): readonly KeepaliveProbe[] | null {
    return this.tracker.timeline(tuple);
  }

  status(): WireStatus {
    if (this.capture) return { capturing: true, ports: this.ports, dropped: this.dropped };
    return { capturing: false, error: this.error?.toBody() ?? null };
  }

  /** Drains what the kernel queued into the timelines. */
  poll(): void {
    if (!this.capture) return;
    try {
      for (;;) {
        const { segments, drops } = this.capture.read();
        this.dropped += drops;
        // Loopback hands every segment to the capture twice, leaving and arriving: keep one copy.
        const once = this.options.ifindex === LOOPBACK_IFINDEX ? segments.filter((s: TcpSegment) => s.direction === 'incoming') : segments;
        this.tracker.feed(once);
        if (segments.length === 0) break;
      }
    } catch (error) {
      this.fail(error);
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.capture?.close();
    this.capture = null;
  }

  /**
   * One port per watched connection (the higher one: usually the ephemeral end, not a busy
   * listener's), the capture reopened when the set changes. The old capture is drained first.
   */
  private refilter(): void {
    const ports = [...new Set([...this.tuples.values()].map((t) => Math.max(t.localPort, t.peerPort)))].sort((a, b) => a - b);
    if (ports.join() === this.ports.join() && (this.capture || ports.length === 0)) return;
    this.poll();
    this.capture?.close();
    this.capture = null;
    this.ports = ports;
    if (ports.length === 0) return;
    if (ports.length > MAX_PORTS) {
      this.error = new ApiError('KA_ERR_CONFLICT', `probes on the wire: at most ${MAX_PORTS} connections per interface, ${ports.length} watched`);
      return;
    }
    try {
      this.capture = this.options.native.openPacketCapture({ ifindex: this.options.ifindex, ports, netns: this.options.netns });
      this.error = null;
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.capture?.close();
    this.capture = null;
    this.error = fromSystemError(error, 'packet capture');
  }
}
