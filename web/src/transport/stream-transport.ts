/**
 * The WebSocket to /api/stream as a transport: frames sent before the socket
 * is open are queued (a newer `filter`, `select` or `window` replaces a queued one: only
 * the latest matters), a dropped socket is reopened with backoff, and requests
 * waiting for an answer are rejected when the socket closes. It knows frames,
 * not what they mean: the model does that.
 */
import type { ClientFrame, ServerFrame } from '@keepalive-dashboard/shared';

import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { realScheduler, SOCKET_OPEN, type Scheduler, type SocketFactory, type SocketLike } from './socket.js';

export type LinkState = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface LinkStatus {
  state: LinkState;
  /** Consecutive failed attempts since the last open socket. */
  attempt: number;
  /** Local time of the next reconnect attempt, while reconnecting. */
  retryAt: number | null;
  /** Why the last socket closed, in words. */
  lastClose: string | null;
  /** Local time the current socket opened. */
  openedAt: number | null;
}

export interface StreamTransportOptions {
  url: string;
  createSocket: SocketFactory;
  onFrame: (frame: ServerFrame) => void;
  onStatus?: (status: LinkStatus) => void;
  /** Called on every open, before queued frames are flushed: re-send per-connection state here. */
  onOpen?: () => void;
  scheduler?: Scheduler;
  random?: () => number;
  backoff?: BackoffOptions;
  /** How often to ping an open socket, ms (0 = never). */
  pingEveryMs?: number;
  /** A ping unanswered this long means the link is dead: it is closed and reopened. */
  pingTimeoutMs?: number;
}

interface Pending {
  match: (frame: ServerFrame) => boolean;
  resolve: (frame: ServerFrame) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

/** Frames of these types replace a queued frame of the same type. */
const LATEST_WINS: ReadonlySet<ClientFrame['type']> = new Set(['filter', 'select', 'window']);

export class StreamClosedError extends Error {
  readonly code = 'KA_ERR_STREAM_CLOSED';
  constructor(message = 'the stream closed before an answer came') {
    super(message);
    this.name = 'StreamClosedError';
  }
}

export class StreamTransport {
  private socket: SocketLike | null = null;
  private queue: ClientFrame[] = [];
  private pending = new Set<Pending>();
  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private status: LinkStatus = { state: 'stopped', attempt: 0, retryAt: null, lastClose: null, openedAt: null };
  private readonly scheduler: Scheduler;
  private readonly random: () => number;

  constructor(private readonly options: StreamTransportOptions) {
    this.scheduler = options.scheduler ?? realScheduler;
    this.random = options.random ?? Math.random;
  }

  get linkStatus(): LinkStatus {
    return this.status;
  }

  get queued(): readonly ClientFrame[] {
    return this.queue;
  }

  start(): void {
    if (this.status.state !== 'stopped') return;
    this.setStatus({ state: 'connecting', retryAt: null });
    this.open();
  }

  stop(): void {
    this.setStatus({ state: 'stopped', retryAt: null });
    if (this.retryTimer !== null) this.scheduler.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopPing();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      this.detach(socket);
      socket.close(1000, 'stopped');
    }
    this.rejectPending(new StreamClosedError('the stream was stopped'));
  }

  /** Sends now if open, else queues until the socket opens. */
  send(frame: ClientFrame): void {
    if (this.socket && this.socket.readyState === SOCKET_OPEN && this.status.state === 'open') {
      this.socket.send(JSON.stringify(frame));
      return;
    }
    if (LATEST_WINS.has(frame.type)) this.queue = this.queue.filter((f) => f.type !== frame.type);
    this.queue.push(frame);
  }

  /**
   * Sends `frame` and resolves with the first server frame `match` accepts;
   * rejects when the socket closes first or after `timeoutMs`.
   */
  request(frame: ClientFrame, match: (frame: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
    return new Promise<ServerFrame>((resolve, reject) => {
      const entry: Pending = {
        match,
        resolve,
        reject,
        timer: this.scheduler.setTimeout(() => {
          this.pending.delete(entry);
          reject(new Error(`no answer to ${frame.type} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.pending.add(entry);
      this.send(frame);
    });
  }

  /** Closes the current socket so it is reopened (e.g. after a failed ping). */
  reconnectNow(reason: string): void {
    if (this.socket) this.handleClose(this.socket, reason);
  }

  private open(): void {
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url);
    } catch (error) {
      this.scheduleReconnect(`cannot open the stream: ${(error as Error).message}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      // Still "connecting" here, so what onOpen re-sends is queued and
      // replaces older queued frames of its type before the flush.
      this.options.onOpen?.();
      const queued = this.queue;
      this.queue = [];
      for (const frame of queued) socket.send(JSON.stringify(frame));
      this.setStatus({ state: 'open', attempt: 0, retryAt: null, openedAt: this.scheduler.now() });
      this.schedulePing();
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket || typeof event.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      for (const entry of [...this.pending]) {
        if (entry.match(frame)) {
          this.pending.delete(entry);
          this.scheduler.clearTimeout(entry.timer);
          entry.resolve(frame);
        }
      }
      this.options.onFrame(frame);
    };
    socket.onclose = (event) => {
      const why = event.reason ? `${event.code} ${event.reason}` : `code ${event.code}`;
      this.handleClose(socket, why);
    };
    // An error is always followed by close; close carries what there is to say.
    socket.onerror = () => {};
  }

  private handleClose(socket: SocketLike, reason: string): void {
    if (this.socket !== socket) return;
    this.detach(socket);
    this.socket = null;
    this.stopPing();
    try {
      socket.close();
    } catch {
      // already closed
    }
    this.rejectPending(new StreamClosedError());
    if (this.status.state === 'stopped') return;
    this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string): void {
    const attempt = this.status.state === 'open' ? 0 : this.status.attempt;
    const delay = backoffDelayMs(attempt, this.random(), this.options.backoff ?? DEFAULT_BACKOFF);
    this.setStatus({ state: 'reconnecting', attempt: attempt + 1, retryAt: this.scheduler.now() + delay, lastClose: reason, openedAt: null });
    this.retryTimer = this.scheduler.setTimeout(() => {
      this.retryTimer = null;
      if (this.status.state === 'stopped') return;
      this.setStatus({ state: 'connecting', retryAt: null });
      this.open();
    }, delay);
  }

  private schedulePing(): void {
    const every = this.options.pingEveryMs ?? 20_000;
    if (every <= 0) return;
    this.pingTimer = this.scheduler.setTimeout(() => {
      this.pingTimer = null;
      const socket = this.socket;
      this.request({ type: 'ping' }, (f) => f.type === 'error' && f.code === 'KA_PONG', this.options.pingTimeoutMs ?? 10_000).then(
        () => {
          if (this.socket === socket) this.schedulePing();
        },
        (error: Error) => {
          if (this.socket === socket && socket && !(error instanceof StreamClosedError)) this.handleClose(socket, 'no answer to ping');
        },
      );
    }, every);
  }

  private stopPing(): void {
    if (this.pingTimer !== null) this.scheduler.clearTimeout(this.pingTimer);
    this.pingTimer = null;
  }

  private detach(socket: SocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }

  private rejectPending(error: Error): void {
    const pending = [...this.pending];
    this.pending.clear();
    for (const entry of pending) {
      this.scheduler.clearTimeout(entry.timer);
      entry.reject(error);
    }
  }

  private setStatus(patch: Partial<LinkStatus>): void {
    this.status = { ...this.status, ...patch };
    this.options.onStatus?.(this.status);
  }
}
