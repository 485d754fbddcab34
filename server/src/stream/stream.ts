/**
 * WebSocket /api/stream: a snapshot, then deltas every interval, events as
 * they happen, and detail frames for the one connection a client selected.
 * A client that cannot keep up is not queued for: it is skipped until its
 * buffer drains and then gets a fresh snapshot — the newest state, never a backlog.
 */
import type { FastifyInstance } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import type { WebSocket } from '@fastify/websocket';

import {
  ClientFrameSchema,
  FilterRequestSchema,
  PingRequestSchema,
  SelectRequestSchema,
  MAX_CLIENT_FRAME_BYTES,
  isEmptyFilter,
  matchesFilter,
  type ClientFrame,
  type ConnectionFilter,
  type ConnectionView,
  type DashboardEvent,
  type ServerFrame,
} from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import type { Delta } from '../collector/store.js';
import { detailFor } from './detail.js';


/**
 * Frames every unfiltered client receives alike, serialized once per
 * collection rather than once per client (50 clients × 50k connections).
 */
class SharedFrames {
  // Buffers, not strings: ws would encode a string once per client; one
  // Buffer is shared by every send (50 clients × an 80 MB snapshot).
  private snapshotSeq = -1;
  private snapshotText: Buffer | null = null;
  private deltaSeq = -1;
  private deltaText: Buffer | null = null;

  constructor(private readonly ctx: AppContext) {}

  snapshot(): { text: Buffer; ids: string[] } {
    const snap = this.ctx.store.snapshot();
    if (snap.seq !== this.snapshotSeq || this.snapshotText === null) {
      const frame: ServerFrame = { type: 'snapshot', seq: snap.seq, serverTime: snap.serverTime, intervalMs: this.ctx.intervalMs, readOnly: this.ctx.readOnly, connections: snap.connections, totals: snap.totals };
      this.snapshotText = Buffer.from(JSON.stringify(frame));
      this.snapshotSeq = snap.seq;
    }
    return { text: this.snapshotText, ids: snap.connections.map((v) => v.id) };
  }

  delta(delta: Delta): Buffer {
    if (delta.seq !== this.deltaSeq || this.deltaText === null) {
      const frame: ServerFrame = { type: 'delta', seq: delta.seq, serverTime: delta.serverTime, added: delta.added, changed: delta.changed, removed: delta.removed, totals: delta.totals };
      this.deltaText = Buffer.from(JSON.stringify(frame));
      this.deltaSeq = delta.seq;
    }
    return this.deltaText;
  }
}

/** What a client that fell behind missed, folded into one delta: newest state per id. */
interface Pending {
  upserts: Map<string, ConnectionView>;
  removed: Set<string>;
}

class StreamClient {
  private ids = new Set<string>();
  private filter: ConnectionFilter = {};
  /** A snapshot was asked for (or the pending delta grew past one) while the client was behind. */
  private snapshotWanted = false;
  private pending: Pending | null = null;
  private selectTimer: NodeJS.Timeout | null = null;
  private selectedId: string | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly ctx: AppContext,
    private readonly shared: SharedFrames,
  ) {}

  private send(frame: ServerFrame | Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (Buffer.isBuffer(frame)) this.socket.send(frame, { binary: false });
    else this.socket.send(JSON.stringify(frame));
  }

  /** Unsent data past the high-water mark: nothing more is queued for this client. */
  private behind(): boolean {
    return this.socket.bufferedAmount > this.ctx.streamHighWaterBytes;
  }

  get isBehind(): boolean {
    return this.snapshotWanted || this.pending !== null;
  }

  sendError(code: string, message: string): void {
    this.send({ type: 'error', serverTime: this.ctx.now(), code, message });
  }

  snapshot(): void {
    this.pending = null;
    if (this.behind()) {
      this.snapshotWanted = true;
      return;
    }
    this.snapshotWanted = false;
    if (isEmptyFilter(this.filter)) {
      const { text, ids } = this.shared.snapshot();
      this.ids = new Set(ids);
      this.send(text);
      return;
    }
    const snap = this.ctx.store.snapshot();
    const connections = snap.connections.filter((v) => matchesFilter(v, this.filter));
    this.ids = new Set(connections.map((v) => v.id));
    this.send({ type: 'snapshot', seq: snap.seq, serverTime: snap.serverTime, intervalMs: this.ctx.intervalMs, readOnly: this.ctx.readOnly, connections, totals: snap.totals });
  }

  onDelta(delta: Delta): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.snapshotWanted) {
      if (!this.behind()) this.snapshot();
      return;
    }
    // Behind (a big snapshot still draining, or a slow reader): fold the delta
    // in and send the fold once it drains — the newest state, never a backlog.
    if (this.pending || this.behind()) {
      this.fold(delta);
      if (!this.behind() && this.pending) this.flush(delta);
      return;
    }
    if (isEmptyFilter(this.filter)) {
      for (const view of delta.added) this.ids.add(view.id);
      for (const id of delta.removed) this.ids.delete(id);
      this.send(this.shared.delta(delta));
      return;
    }
    const added = [];
    const changed = [];
    const removed = [];
    for (const view of [...delta.added, ...delta.changed]) {
      const match = matchesFilter(view, this.filter);
      const had = this.ids.has(view.id);
      if (match && had) changed.push(view);
      else if (match) {
        added.push(view);
        this.ids.add(view.id);
      } else if (had) {
        removed.push(view.id);
        this.ids.delete(view.id);
      }
    }
    for (const id of delta.removed) {
      if (this.ids.delete(id)) removed.push(id);
    }
    this.send({ type: 'delta', seq: delta.seq, serverTime: delta.serverTime, added, changed, removed, totals: delta.totals });
  }

  private fold(delta: Delta): void {
    const pending = (this.pending ??= { upserts: new Map(), removed: new Set() });
    const all = isEmptyFilter(this.filter);
    for (const view of [...delta.added, ...delta.changed]) {
      if (all || matchesFilter(view, this.filter)) {
        pending.upserts.set(view.id, view);
        pending.removed.delete(view.id);
      } else {
        pending.upserts.delete(view.id);
        pending.removed.add(view.id);
      }
    }
    for (const id of delta.removed) {
      pending.upserts.delete(id);
      pending.removed.add(id);
    }
    // A fold as big as the table is no cheaper than a snapshot: send that instead.
    if (pending.upserts.size + pending.removed.size > Math.max(1000, this.ids.size)) {
      this.pending = null;
      this.snapshotWanted = true;
    }
  }

  private flush(delta: Delta): void {
    const pending = this.pending as Pending;
    this.pending = null;
    const added: ConnectionView[] = [];
    const changed: ConnectionView[] = [];
    const removed: string[] = [];
    for (const view of pending.upserts.values()) {
      if (this.ids.has(view.id)) changed.push(view);
      else {
        added.push(view);
        this.ids.add(view.id);
      }
    }
    for (const id of pending.removed) if (this.ids.delete(id)) removed.push(id);
    this.send({ type: 'delta', seq: delta.seq, serverTime: delta.serverTime, added, changed, removed, totals: delta.totals });
  }

  onEvent(event: DashboardEvent): void {
    if (this.isBehind || this.behind()) return;
    this.send({ type: 'event', serverTime: this.ctx.now(), event });
  }

  onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (isBinary) return this.sendError('KA_ERR_BAD_REQUEST', 'binary frames are not understood; send JSON text');
    if (size > MAX_CLIENT_FRAME_BYTES) return this.sendError('KA_ERR_PAYLOAD_TOO_LARGE', `frame of ${size} bytes refused (limit ${MAX_CLIENT_FRAME_BYTES})`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
    } catch {
      return this.sendError('KA_ERR_BAD_REQUEST', 'frame is not valid JSON');
    }
    if (!Value.Check(ClientFrameSchema, parsed)) {
      const type = (parsed as { type?: unknown } | null)?.type;
      const known = ['filter', 'select', 'ping'];
      if (typeof type !== 'string' || !known.includes(type)) return this.sendError('KA_ERR_BAD_REQUEST', `unknown frame type (expected ${known.join(', ')})`);
      const schema = { filter: FilterRequestSchema, select: SelectRequestSchema, ping: PingRequestSchema }[type as 'filter' | 'select' | 'ping'];
      const first = Value.Errors(schema, parsed).First();
      return this.sendError('KA_ERR_BAD_REQUEST', `${type} frame: ${first ? `${first.path.slice(1) || 'frame'}: ${first.message}` : 'invalid fields'}`);
    }
    this.handle(parsed);
  }

  private handle(frame: ClientFrame): void {
    switch (frame.type) {
      case 'ping':
        this.send({ type: 'error', serverTime: this.ctx.now(), code: 'KA_PONG', message: 'pong' });
        return;
      case 'filter':
        this.filter = frame.filter;
        this.snapshot();
        return;
      case 'select':
        this.select(frame.id, frame.intervalMs ?? 250);
        return;
    }
  }

  private select(id: string | null, intervalMs: number): void {
    if (this.selectTimer) clearInterval(this.selectTimer);
    this.selectTimer = null;
    this.selectedId = id;
    if (id === null) return;
    const push = async (refresh: boolean): Promise<void> => {
      const view = this.ctx.store.get(id);
      if (!view) {
        this.send({ type: 'detail', serverTime: this.ctx.now(), id, tcpInfo: null, connection: null, error: { code: 'KA_ERR_SOCKET_GONE', message: 'the connection is gone' } });
        return;
      }
      const detail = await detailFor(this.ctx, view, refresh);
      if (this.selectedId !== id) return;
      this.send({ type: 'detail', serverTime: this.ctx.now(), id, tcpInfo: detail.tcpInfo, connection: detail.connection, error: detail.error });
    };
    void push(true);
    this.selectTimer = setInterval(() => void push(false), intervalMs);
  }

  close(): void {
    if (this.selectTimer) clearInterval(this.selectTimer);
  }
}

export async function streamRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const clients = new Set<StreamClient>();
  const shared = new SharedFrames(ctx);
  const offDelta = (delta: Delta): void => {
    for (const client of clients) client.onDelta(delta);
  };
  ctx.store.on('delta', offDelta);
  const offEvent = ctx.events.subscribe((event) => {
    for (const client of clients) client.onEvent(event);
  });
  fastify.addHook('onClose', async () => {
    ctx.store.off('delta', offDelta);
    offEvent();
  });

  fastify.get('/api/stream', { websocket: true }, (socket) => {
    const client = new StreamClient(socket, ctx, shared);
    clients.add(client);
    ctx.metrics.wsClients.set(clients.size);
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      try {
        client.onMessage(data, isBinary);
      } catch (error) {
        client.sendError('KA_ERR_INTERNAL', (error as Error).message);
      }
    });
    socket.on('close', () => {
      client.close();
      clients.delete(client);
      ctx.metrics.wsClients.set(clients.size);
    });
    client.snapshot();
  });
}
