/**
 * WebSocket /api/stream: a snapshot, then deltas every interval, events as
 * they happen, and detail frames for the one connection a client selected.
 * A client in window mode (a `window` request; ?view=window to skip the first
 * snapshot) gets instead the slice of the sorted table it shows (window.ts).
 * A client that cannot keep up is not queued for: it is skipped until its
 * buffer drains and then gets a fresh snapshot — the newest state, never a backlog.
 * Every frame goes out through the client's Outbox, which counts what it has
 * not taken; a client that takes nothing is closed, pings and selects are rate-limited.
 */
import type { Socket } from 'node:net';

import type { FastifyInstance } from 'fastify';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { WebSocket } from '@fastify/websocket';

import {
  ClientFrameSchema,
  FilterRequestSchema,
  filterProblem,
  PingRequestSchema,
  SelectRequestSchema,
  WindowRequestSchema,
  MAX_CLIENT_FRAME_BYTES,
  isEmptyFilter,
  matchesFilter,
  type ClientFrame,
  type ConnectionFilter,
  type ConnectionView,
  type ServerFrame,
  type WindowRequest,
} from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { goneError } from '../collector/post-mortems.js';
import type { Delta } from '../collector/store.js';
import { detailFor } from './detail.js';
import { LatestWins } from './latest-wins.js';
import { CLOSE_POLICY_VIOLATION, STREAM_LIMITS } from './limits.js';
import { Outbox, type CloseReason, type FrameKind } from './outbox.js';
import { TokenBucket } from './token-bucket.js';
import { TableWindow } from './window.js';


/** Compiled once: every client frame is checked (a few thousand a second from clients that select as fast as they may). */
const clientFrameCheck = TypeCompiler.Compile(ClientFrameSchema);

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

  snapshot(): Buffer {
    const snap = this.ctx.store.snapshot();
    if (snap.seq !== this.snapshotSeq || this.snapshotText === null) {
      const frame: ServerFrame = { type: 'snapshot', seq: snap.seq, serverTime: snap.serverTime, intervalMs: this.ctx.intervalMs, readOnly: this.ctx.readOnly, connections: snap.connections, totals: snap.totals };
      this.snapshotText = Buffer.from(JSON.stringify(frame));
      this.snapshotSeq = snap.seq;
    }
    return this.snapshotText;
  }

  /** A new delta: a cached snapshot is stale, and at 100k connections it is ~100 MB to hold for nobody. */
  onDelta(delta: Delta): void {
    if (delta.seq !== this.snapshotSeq) this.snapshotText = null;
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
  /** Per id folded: whether the client held it when it fell behind (added vs changed, removed vs nothing). */
  atBase: Map<string, boolean>;
}

class StreamClient {
  /**
   * The ids a *filtered* client holds. An unfiltered client holds the whole
   * table and keeps no set of its own: 300 clients × a 100k-row table would
   * be 30 million set entries. Its folds learn what it held from the deltas.
   */
  private ids = new Set<string>();
  private filter: ConnectionFilter = {};
  /** A snapshot was asked for (or the pending delta grew past one) while the client was behind. */
  private snapshotWanted = false;
  private pending: Pending | null = null;
  /** Closed by us: sent nothing more, its messages ignored, while ws waits for the closing handshake. */
  private closed = false;
  private readonly outbox: Outbox;
  private readonly pings: TokenBucket;
  private pingsIgnored = 0;
  /** A ping came while there was no room for its pong: one pong is owed, however many pings came. */
  private pongOwed = false;
  /** Selects over the limit coalesce: the latest is applied once the bucket allows. */
  private readonly selects: LatestWins<{ id: string; intervalMs: number }>;
  /** Window mode: the rows it shows, kept current; null in full mode (snapshots and deltas). */
  private window: TableWindow | null = null;
  private readonly windows: LatestWins<WindowRequest>;
  private detailTimer: NodeJS.Timeout | null = null;
  private selectedId: string | null = null;
  /** The next detail re-reads holders and settings (a new select), whenever it gets to run. */
  private detailRefreshDue = false;
  private detailInFlight = false;

  constructor(
    socket: WebSocket,
    tcp: Socket | undefined,
    private readonly ctx: AppContext,
    private readonly shared: SharedFrames,
    private readonly onClosed: () => void,
  ) {
    this.outbox = new Outbox(socket, tcp, ctx, ctx.now());
    this.pings = new TokenBucket(STREAM_LIMITS.pingBurst, STREAM_LIMITS.pingPerSec, ctx.now);
    this.selects = new LatestWins(new TokenBucket(STREAM_LIMITS.selectBurst, STREAM_LIMITS.selectPerSec, ctx.now), (s) => {
      if (!this.closed) this.select(s.id, s.intervalMs);
    });
    this.windows = new LatestWins(new TokenBucket(STREAM_LIMITS.windowBurst, STREAM_LIMITS.windowPerSec, ctx.now), (request) => this.askWindow(request));
  }

  /** The one send path: false when the client had no room for a frame of this kind (it was not serialized). */
  private send(frame: ServerFrame | Buffer, kind: FrameKind): boolean {
    if (this.closed || !this.outbox.open || !this.outbox.hasRoom(kind)) return false;
    this.outbox.queue(Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
    return true;
  }

  /** Unsent data past the high-water mark: no more state is queued for this client. */
  private behind(): boolean {
    return !this.outbox.hasRoom('state');
  }

  private get isBehind(): boolean {
    return this.snapshotWanted || this.pending !== null;
  }

  sendError(code: string, message: string): void {
    this.send({ type: 'error', serverTime: this.ctx.now(), code, message }, 'reply');
  }

  snapshot(): void {
    if (this.closed || this.window) return;
    this.pending = null;
    if (this.behind()) {
      this.snapshotWanted = true;
      return;
    }
    this.snapshotWanted = false;
    if (isEmptyFilter(this.filter)) {
      this.ids = new Set();
      this.send(this.shared.snapshot(), 'state');
      return;
    }
    const snap = this.ctx.store.snapshot();
    const connections = snap.connections.filter((v) => matchesFilter(v, this.filter));
    this.ids = new Set(connections.map((v) => v.id));
    this.send({ type: 'snapshot', seq: snap.seq, serverTime: snap.serverTime, intervalMs: this.ctx.intervalMs, readOnly: this.ctx.readOnly, connections, totals: snap.totals }, 'state');
  }

  onDelta(delta: Delta): void {
    if (this.closed || !this.outbox.open) return;
    if (this.window) {
      // The order follows every delta, sent or not; the client gets the newest slice once it has room.
      this.window.onDelta(delta);
      this.pushWindow();
      return;
    }
    if (this.snapshotWanted) {
      if (!this.behind()) this.snapshot();
      return;
    }
    // Behind (a big snapshot still draining, or a slow reader): fold the delta
    // in and send the fold once it drains — the newest state, never a backlog.
    if (this.pending || this.behind()) {
      // A client taking nothing would only grow its fold (up to the table's
      // size, per client): it gets the newest snapshot if it ever reads again.
      if (this.outbox.stalled) {
        this.pending = null;
        this.snapshotWanted = true;
        return;
      }
      this.fold(delta);
      if (!this.behind() && this.pending) this.flush(delta);
      return;
    }
    if (isEmptyFilter(this.filter)) {
      this.send(this.shared.delta(delta), 'state');
      return;
    }
    const added: ConnectionView[] = [];
    const changed: ConnectionView[] = [];
    const removed: string[] = [];
    const upsert = (view: ConnectionView): void => {
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
    };
    // Two loops, not one over a spread copy: this runs per client per tick.
    for (const view of delta.added) upsert(view);
    for (const view of delta.changed) upsert(view);
    for (const id of delta.removed) {
      if (this.ids.delete(id)) removed.push(id);
    }
    this.send({ type: 'delta', seq: delta.seq, serverTime: delta.serverTime, added, changed, removed, totals: delta.totals }, 'state');
  }

  private fold(delta: Delta): void {
    const pending = (this.pending ??= { upserts: new Map(), removed: new Set(), atBase: new Map() });
    const all = isEmptyFilter(this.filter);
    // First sight of an id decides what the client held: unfiltered, the delta
    // says (an added row was not in the table before it); filtered, its own set.
    const seen = (id: string, inTableBefore: boolean): void => {
      if (!pending.atBase.has(id)) pending.atBase.set(id, all ? inTableBefore : this.ids.has(id));
    };
    for (const view of delta.added) seen(view.id, false);
    for (const view of delta.changed) seen(view.id, true);
    for (const id of delta.removed) seen(id, true);
    const upsert = (view: ConnectionView): void => {
      if (all || matchesFilter(view, this.filter)) {
        pending.upserts.set(view.id, view);
        pending.removed.delete(view.id);
      } else {
        pending.upserts.delete(view.id);
        pending.removed.add(view.id);
      }
    };
    for (const view of delta.added) upsert(view);
    for (const view of delta.changed) upsert(view);
    for (const id of delta.removed) {
      pending.upserts.delete(id);
      pending.removed.add(id);
    }
    // A fold as big as the table is no cheaper than a snapshot: send that instead.
    if (pending.upserts.size + pending.removed.size > Math.max(1000, all ? delta.totals.connections : this.ids.size)) {
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
    const filtered = !isEmptyFilter(this.filter);
    for (const view of pending.upserts.values()) {
      if (pending.atBase.get(view.id)) changed.push(view);
      else {
        added.push(view);
        if (filtered) this.ids.add(view.id);
      }
    }
    for (const id of pending.removed) {
      if (!pending.atBase.get(id)) continue;
      removed.push(id);
      if (filtered) this.ids.delete(id);
    }
    this.send({ type: 'delta', seq: delta.seq, serverTime: delta.serverTime, added, changed, removed, totals: delta.totals }, 'state');
  }

  /** `text`: the event frame, serialized once for every client. */
  onEvent(text: Buffer): void {
    if (this.isBehind) return;
    this.send(text, 'event');
  }

  onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.closed) return;
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (isBinary) return this.sendError('KA_ERR_BAD_REQUEST', 'binary frames are not understood; send JSON text');
    if (size > MAX_CLIENT_FRAME_BYTES) return this.sendError('KA_ERR_PAYLOAD_TOO_LARGE', `frame of ${size} bytes refused (limit ${MAX_CLIENT_FRAME_BYTES})`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
    } catch {
      return this.sendError('KA_ERR_BAD_REQUEST', 'frame is not valid JSON');
    }
    if (!clientFrameCheck.Check(parsed)) {
      const type = (parsed as { type?: unknown } | null)?.type;
      const schemas = { filter: FilterRequestSchema, select: SelectRequestSchema, window: WindowRequestSchema, ping: PingRequestSchema };
      const known = Object.keys(schemas);
      if (typeof type !== 'string' || !known.includes(type)) return this.sendError('KA_ERR_BAD_REQUEST', `unknown frame type (expected ${known.join(', ')})`);
      const schema = schemas[type as keyof typeof schemas];
      const first = Value.Errors(schema, parsed).First();
      return this.sendError('KA_ERR_BAD_REQUEST', `${type} frame: ${first ? `${first.path.slice(1) || 'frame'}: ${first.message}` : 'invalid fields'}`);
    }
    this.handle(parsed);
  }

  private handle(frame: ClientFrame): void {
    // The schema checks shapes; a port list, CIDR or expression is read here and refused with the parser's words.
    const problem = 'filter' in frame ? filterProblem(frame.filter) : null;
    if (problem) return this.sendError('KA_ERR_BAD_REQUEST', `${frame.type} frame: ${problem.message}`);
    switch (frame.type) {
      case 'ping':
        this.ping();
        return;
      case 'filter':
        // Back to full mode: snapshots and deltas.
        this.window = null;
        this.windows.cancel();
        this.filter = frame.filter;
        this.snapshot();
        return;
      case 'select':
        this.requestSelect(frame.id, frame.intervalMs ?? 250);
        return;
      case 'window':
        this.windows.request(frame);
        return;
    }
  }

  private askWindow(request: WindowRequest): void {
    if (this.closed) return;
    if (!this.window) {
      // Into window mode: what full mode kept is dropped.
      this.window = new TableWindow(this.ctx.store);
      this.ids = new Set();
      this.pending = null;
      this.snapshotWanted = false;
    }
    this.window.ask(request);
    this.pushWindow();
  }

  /** Sends the window's owed frame when the client has room; otherwise it stays owed until the next delta or watch. */
  private pushWindow(): void {
    if (!this.window || this.closed || !this.outbox.open || this.behind()) return;
    const frame = this.window.take({ serverTime: this.ctx.now(), intervalMs: this.ctx.intervalMs, readOnly: this.ctx.readOnly });
    if (frame) this.send(frame, 'state');
  }

  private ping(): void {
    if (this.pings.take()) {
      if (!this.sendPong()) this.pongOwed = true;
      return;
    }
    this.pingsIgnored++;
    if (this.pingsIgnored > STREAM_LIMITS.pingFloodAfter) {
      this.close({ code: CLOSE_POLICY_VIOLATION, reason: `ping flood: over ${STREAM_LIMITS.pingFloodAfter} pings past the limit of ${STREAM_LIMITS.pingPerSec}/s` });
    }
  }

  private sendPong(): boolean {
    return this.send({ type: 'error', serverTime: this.ctx.now(), code: 'KA_PONG', message: 'pong' }, 'reply');
  }

  /** Over the limit, selects coalesce: the latest is applied once the bucket allows. Deselecting costs nothing and is applied at once. */
  private requestSelect(id: string | null, intervalMs: number): void {
    if (id === null) {
      this.selects.cancel();
      this.select(null, intervalMs);
      return;
    }
    this.selects.request({ id, intervalMs });
  }

  private select(id: string | null, intervalMs: number): void {
    if (this.detailTimer) clearInterval(this.detailTimer);
    this.detailTimer = null;
    this.selectedId = id;
    // Its probes are captured while it is selected (a capture opens on its interface, or is shared).
    this.ctx.probes.select(this, id);
    if (id === null) return;
    this.detailRefreshDue = true;
    this.detailTick(id);
    this.detailTimer = setInterval(() => this.detailTick(id), intervalMs);
  }

  /**
   * A detail frame, worked out only when the client has room for it (one that
   * is not reading costs no tcp_info reads either), one at a time per client.
   */
  private detailTick(id: string): void {
    if (this.detailInFlight || this.closed || this.selectedId !== id || !this.outbox.hasRoom('reply')) return;
    void this.pushDetail(id);
  }

  private async pushDetail(id: string): Promise<void> {
    const view = this.ctx.store.get(id);
    if (!view) {
      // Died or closed lately: its last view and why, so the panel explains the end instead of offering to fix it.
      const gone = this.ctx.postMortems.get(id);
      const error = gone ? goneError(gone.gone) : { code: 'KA_ERR_SOCKET_GONE', message: 'the connection is gone' };
      this.send({ type: 'detail', serverTime: this.ctx.now(), id, tcpInfo: null, connection: gone?.last ?? null, error, ...(gone ? { gone: gone.gone } : {}) }, 'reply');
      return;
    }
    // Someone is looking at this row: the store reads it exactly each tick, not only at sweeps.
    this.ctx.store.keepFresh(id, 2_000);
    const refresh = this.detailRefreshDue;
    this.detailRefreshDue = false;
    this.detailInFlight = true;
    try {
      const detail = await detailFor(this.ctx, view, refresh);
      if (this.selectedId !== id) return;
      const probes = this.ctx.probes.timeline(id);
      this.send({ type: 'detail', serverTime: this.ctx.now(), id, tcpInfo: detail.tcpInfo, connection: detail.connection, error: detail.error, ...(probes.watched ? { probes } : {}) }, 'reply');
    } catch (error) {
      this.send({ type: 'detail', serverTime: this.ctx.now(), id, tcpInfo: null, connection: null, error: { code: 'KA_ERR_INTERNAL', message: (error as Error).message } }, 'reply');
    } finally {
      this.detailInFlight = false;
    }
    // Selected anew while this one ran: its first (refreshing) detail now, not a tick later.
    if (this.detailRefreshDue && this.selectedId !== null) this.detailTick(this.selectedId);
  }

  /** Every watch period: closes a client over its cap or stalled; once there is room, pays an owed pong and sends owed state (`latest`: the store's last delta). */
  watch(now: number, latest: Delta | null): void {
    if (this.closed) return;
    const why = this.outbox.check(now);
    if (why) return this.close(why);
    if (this.pongOwed && this.sendPong()) this.pongOwed = false;
    this.pushWindow();
    // Owed state goes out once it drains, not at the next delta (between sweeps a quiet host publishes none); the fold already holds `latest`, folding it again changes nothing.
    if (this.isBehind && latest) this.onDelta(latest);
  }

  /** Closes with a reason; from here on the client is sent nothing and holds nothing but what ws still has unsent. */
  private close(why: CloseReason): void {
    this.closed = true;
    this.dispose();
    this.ids = new Set();
    this.pending = null;
    this.window = null;
    this.outbox.close(why);
    this.onClosed();
  }

  /** Stops its timers (the socket closed, or we closed it). */
  dispose(): void {
    if (this.detailTimer) clearInterval(this.detailTimer);
    this.detailTimer = null;
    this.selects.cancel();
    this.windows.cancel();
    if (this.selectedId !== null) this.ctx.probes.select(this, null);
    this.selectedId = null;
  }
}

/** Often enough to notice a stall within a fraction of stallMs, never busier than 20 times a second. */
const watchPeriodMs = (stallMs: number): number => Math.min(1000, Math.max(50, Math.floor(stallMs / 4)));

export async function streamRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  const clients = new Set<StreamClient>();
  const forget = (client: StreamClient): void => {
    if (clients.delete(client)) ctx.metrics.wsClients.set(clients.size);
  };
  const shared = new SharedFrames(ctx);
  let latest: Delta | null = null;
  const offDelta = (delta: Delta): void => {
    latest = delta;
    shared.onDelta(delta);
    for (const client of clients) client.onDelta(delta);
  };
  ctx.store.on('delta', offDelta);
  const offEvent = ctx.events.subscribe((event) => {
    // One Buffer for every client, like the shared snapshot and delta.
    const frame: ServerFrame = { type: 'event', serverTime: ctx.now(), event };
    const text = Buffer.from(JSON.stringify(frame));
    for (const client of clients) client.onEvent(text);
  });
  const watchdog = setInterval(() => {
    const now = ctx.now();
    for (const client of clients) client.watch(now, latest);
  }, watchPeriodMs(ctx.streamStallMs));
  watchdog.unref();
  fastify.addHook('onClose', async () => {
    clearInterval(watchdog);
    ctx.store.off('delta', offDelta);
    offEvent();
  });

  fastify.get('/api/stream', { websocket: true }, (socket, request) => {
    // The TCP socket under the WebSocket (absent for injectWS): its kernel send queue counts too.
    const tcp = request.raw.socket as Socket | undefined;
    const client: StreamClient = new StreamClient(socket, tcp, ctx, shared, () => forget(client));
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
      client.dispose();
      forget(client);
    });
    // A windowed browser asks for its rows as the socket opens: a first snapshot (75 MB at 100k sockets) would only be thrown away.
    if ((request.query as { view?: string }).view !== 'window') client.snapshot();
  });
}
