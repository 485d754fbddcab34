/**
 * The one way frames leave for one stream client, and the count of what it
 * has not taken yet: the bytes ws still holds plus the bytes the kernel holds
 * unsent (tcp_info notsent). The kernel part matters: a client that stops
 * reading first fills a send buffer of up to 4 MB, so ws's count alone would
 * notice it minutes later, after that memory was spent.
 */
import type { Socket } from 'node:net';

import type { WebSocket } from '@fastify/websocket';

import { getTcpInfo } from '@keepalive-dashboard/native';

import type { AppContext } from '../context.js';
import { CLOSE_POLICY_VIOLATION, STREAM_LIMITS } from './limits.js';

/**
 * state: snapshot and delta, queued up to the high-water mark (past it the
 * client folds, then gets the newest state). event: serialized once for every
 * client, also up to the high-water mark. reply: made for this client alone
 * (detail, error, pong), only while little is unsent, so a client that stops
 * reading holds at most the reply budget of them.
 */
export type FrameKind = 'state' | 'event' | 'reply';

export interface CloseReason {
  code: number;
  reason: string;
}

type Limits = Pick<AppContext, 'streamHighWaterBytes' | 'streamStallMs' | 'now'>;

/** A tcp_info read is reused this long: one delta tick asks each client two or three times. */
const KERNEL_READ_REUSE_MS = 20;

/** What a client has to take within stallMs (or all it had unsent) to count as reading. */
const PROGRESS_SHARE_BYTES = 16 * 1024;

interface KernelQueue {
  notsentBytes: number;
  /** Bytes the peer acknowledged: grows exactly when the client takes data. */
  bytesAcked: number | undefined;
}

export class Outbox {
  /** Where tcp_info comes from; null without the addon or on an injected (non-TCP) socket. */
  private tcp: Socket | null;
  /** Bytes ws handed to the socket: the progress mark when there is no tcp_info. */
  private flushedBytes = 0;
  private kernelRead: { at: number; queue: KernelQueue | null } | null = null;
  /** Since when, from what progress mark and with how much unsent, the client has to show it takes data. */
  private window: { at: number; mark: number; unsent: number };
  /**
   * Out of reply room: refused without asking the kernel again until the next
   * check(). A client that stopped reading is asked for details every 100 ms,
   * and each tcp_info read is a syscall and a 60-field object.
   */
  private repliesBlocked = false;
  /** At the last check it had bytes unsent and had not taken its share since the window began. */
  private takingNothing = false;
  /** The biggest frame queued since nothing was unsent: what a client may be draining on top of the high-water mark. */
  private drainingBytes = 0;

  constructor(
    private readonly ws: WebSocket,
    tcp: Socket | undefined,
    private readonly limits: Limits,
    now: number,
  ) {
    this.tcp = tcp ?? null;
    this.window = { at: now, mark: 0, unsent: 0 };
  }

  /**
   * It has had bytes unsent and taken next to none of them for half the stall
   * time, not merely since the last check: a reader busy parsing on a loaded
   * machine misses a check or two, and calling that "taking nothing" sent it
   * the whole table again, which it then had to parse too (the soak under
   * load: 49 of 50 clients re-sent a 9 MB snapshot 236 times).
   */
  get stalled(): boolean {
    return this.takingNothing && this.limits.now() - this.window.at >= this.limits.streamStallMs / 2;
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Whether a frame of this kind may be queued now. */
  hasRoom(kind: FrameKind): boolean {
    if (kind !== 'reply') {
      const unsent = this.unsentBytes();
      // Taking nothing: no more state on top of a reply budget's worth, or each such client pins up to 4 MB of kernel memory until it is closed.
      if (this.takingNothing && unsent >= this.replyBudgetBytes()) return false;
      return unsent <= this.limits.streamHighWaterBytes;
    }
    if (this.repliesBlocked) return false;
    this.repliesBlocked = this.unsentBytes() >= this.replyBudgetBytes();
    return !this.repliesBlocked;
  }

  /** Queues a frame; the caller asked hasRoom for its kind first (StreamClient.send, the one send path). */
  queue(frame: Buffer | string): void {
    // ws would encode a string to a Buffer anyway: do it once here and know its size.
    const data = typeof frame === 'string' ? Buffer.from(frame) : frame;
    this.drainingBytes = Math.max(this.drainingBytes, data.length);
    this.ws.send(data, { binary: false }, (error) => {
      if (!error) this.flushedBytes += data.length;
    });
  }

  /**
   * Called every watch period. A client is closed when its unsent bytes pass
   * the cap (the frame it may be draining, e.g. an 80 MB snapshot, plus the
   * high-water mark and the reply budget: sends above stay under it, so only
   * a path that bypassed them gets there), or when it has had bytes unsent and
   * not taken its share of them for stallMs.
   */
  check(now: number): CloseReason | null {
    this.kernelRead = null;
    const kernel = this.kernelQueue();
    const unsent = this.ws.bufferedAmount + (kernel?.notsentBytes ?? 0);
    const cap = this.drainingBytes + this.limits.streamHighWaterBytes + STREAM_LIMITS.replyBudgetBytes;
    if (unsent > cap) return { code: CLOSE_POLICY_VIOLATION, reason: `send buffer cap exceeded: ${unsent} bytes unsent (cap ${cap}), the client is not reading` };
    this.repliesBlocked = unsent >= this.replyBudgetBytes();
    const mark = kernel?.bytesAcked ?? this.flushedBytes;
    // Its share: all that was unsent when the window began, or 16 KiB of it. A
    // receive queue the kernel compacts reopens a window of a few bytes now and
    // then; that is not a client reading.
    const share = Math.max(1, Math.min(PROGRESS_SHARE_BYTES, this.window.unsent));
    if (unsent === 0 || mark - this.window.mark >= share) {
      this.window = { at: now, mark, unsent };
      this.takingNothing = false;
      if (unsent === 0) this.drainingBytes = 0;
      return null;
    }
    this.takingNothing = true;
    const stalledMs = now - this.window.at;
    if (stalledMs < this.limits.streamStallMs) return null;
    return { code: CLOSE_POLICY_VIOLATION, reason: `send buffer stalled: ${unsent} bytes unsent, next to none taken for ${Math.round(stalledMs / 1000)} s, the client is not reading` };
  }

  /** Sends the close frame (it waits behind what is unsent; ws cuts the socket if no answer comes). */
  close(why: CloseReason): void {
    if (this.open) this.ws.close(why.code, why.reason);
  }

  private replyBudgetBytes(): number {
    return Math.min(STREAM_LIMITS.replyBudgetBytes, this.limits.streamHighWaterBytes);
  }

  private unsentBytes(): number {
    return this.ws.bufferedAmount + (this.kernelQueue()?.notsentBytes ?? 0);
  }

  private kernelQueue(): KernelQueue | null {
    if (this.tcp === null) return null;
    const now = this.limits.now();
    if (this.kernelRead && now - this.kernelRead.at < KERNEL_READ_REUSE_MS) return this.kernelRead.queue;
    let queue: KernelQueue | null = null;
    try {
      const info = getTcpInfo(this.tcp);
      queue = { notsentBytes: info.notsentBytes ?? 0, bytesAcked: info.bytesAcked };
    } catch {
      // No addon, no fd (injected, or already destroyed): ws's own count is all there is.
      this.tcp = null;
    }
    this.kernelRead = { at: now, queue };
    return queue;
  }
}
