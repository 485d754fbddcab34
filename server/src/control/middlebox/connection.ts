/**
 * One lab connection through the middlebox: a server end listening in the
 * server namespace, a client end connected from the client namespace, and
 * what the router's conntrack says about their flow.
 */
import type { MiddleboxConnectionInfo, MiddleboxKeepalive } from '@keepalive-dashboard/shared';

import { CLIENT_END, SERVER_END } from './endpoint-scripts.js';
import { Endpoint } from './endpoint.js';
import type { ConntrackEntry } from './conntrack.js';
import { ADDRESSES, type Topology } from './topology.js';

/** The wire's shapes (shared/src/middlebox.ts): the server keeps no second copy of them. */
export type KeepaliveRequest = MiddleboxKeepalive;
export type MiddleboxConnectionView = MiddleboxConnectionInfo;

export interface MessageResult {
  delivered: boolean;
  bytes: number;
  waitedMs: number;
  /** The client's socket error, when it died instead (or meanwhile). */
  clientError: string | null;
}

const START_TIMEOUT_MS = 10_000;

export class MiddleboxConnection {
  private closeCode: string | null = null;
  private closedAt: number | null = null;
  private bytesSent = 0;
  private bytesReceived = 0;
  private entry: ConntrackEntry | null = null;
  private seenAt: number | null = null;
  private forgottenAt: number | null = null;

  private constructor(
    readonly id: string,
    private readonly topology: Topology,
    private readonly serverEnd: Endpoint,
    private readonly clientEnd: Endpoint,
    private readonly serverPort: number,
    private readonly local: { port: number; fd: number },
    private readonly keepalive: KeepaliveRequest | null,
    private readonly userTimeoutMs: number,
    private readonly createdAt: number,
    private readonly now: () => number,
    private readonly onClosed: (view: MiddleboxConnectionView) => void,
  ) {
    serverEnd.on('event', (e) => {
      if (e.event === 'received') this.bytesReceived += e.bytes ?? 0;
    });
    clientEnd.on('event', (e) => {
      if (e.event === 'sent') this.bytesSent += e.bytes ?? 0;
      if (e.event !== 'closed') return;
      // The process's exit may come before its last line: the first code given wins.
      const first = this.closedAt === null;
      if (first) this.closedAt = this.now();
      if (e.code && !this.closeCode) this.closeCode = e.code;
      // Announced a little later, so a code on the line after the exit still makes it in.
      if (first) setTimeout(() => this.onClosed(this.view()), 200).unref();
    });
  }

  static async open(
    id: string,
    topology: Topology,
    options: { keepalive: KeepaliveRequest | null; userTimeoutMs: number; now: () => number; onClosed: (view: MiddleboxConnectionView) => void },
  ): Promise<MiddleboxConnection> {
    const serverEnd = new Endpoint(topology.names.server, SERVER_END, [ADDRESSES.server]);
    let clientEnd: Endpoint | null = null;
    try {
      const listening = await serverEnd.next('listening', START_TIMEOUT_MS);
      if (listening?.event !== 'listening' || !listening.port) throw Object.assign(new Error('the server end did not start listening'), { code: 'EIO' });
      const accepted = serverEnd.next('accepted', START_TIMEOUT_MS);
      const ka = options.keepalive;
      clientEnd = new Endpoint(topology.names.client, CLIENT_END, [
        ADDRESSES.server, String(listening.port),
        String(ka?.idleSec ?? 0), String(ka?.intervalSec ?? 0), String(ka?.count ?? 0), String(options.userTimeoutMs),
      ]);
      const connected = await clientEnd.next('connected', START_TIMEOUT_MS);
      if (connected?.event !== 'connected' || !connected.local || connected.fd === undefined) {
        throw Object.assign(new Error(`the client end could not connect through the middlebox (${connected?.code ?? 'timed out'})`), { code: connected?.code ?? 'ETIMEDOUT' });
      }
      if ((await accepted)?.event !== 'accepted') throw Object.assign(new Error('the server end never accepted'), { code: 'EIO' });
      return new MiddleboxConnection(
        id, topology, serverEnd, clientEnd, listening.port, { port: connected.local[1], fd: connected.fd },
        ka, options.userTimeoutMs, options.now(), options.now, options.onClosed,
      );
    } catch (error) {
      serverEnd.stop();
      clientEnd?.stop();
      throw error;
    }
  }

  get open(): boolean {
    return this.closedAt === null;
  }

  /** Writes `bytes` at the client; resolves when the server end has them all, the client dies, or `waitMs` passes. */
  async message(bytes: number, waitMs: number): Promise<MessageResult> {
    const started = this.now();
    const target = this.bytesReceived + bytes;
    const result = (): MessageResult => ({ delivered: this.bytesReceived >= target, bytes, waitedMs: this.now() - started, clientError: this.closeCode });
    if (!this.open) return result();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.serverEnd.off('event', check);
        this.clientEnd.off('event', check);
        resolve();
      };
      const check = (): void => {
        if (this.bytesReceived >= target || !this.open) done();
      };
      const timer = setTimeout(done, waitMs);
      this.serverEnd.on('event', check);
      this.clientEnd.on('event', check);
      this.clientEnd.write({ bytes });
    });
    // A death reported just after the wait still belongs to this message.
    if (!result().delivered && this.open) await this.clientEnd.next('closed', 200);
    return result();
  }

  /** Joins the router's table, read at `at`: remembers when the flow was last seen and when it was forgotten. */
  observe(entries: readonly ConntrackEntry[], at: number): void {
    const entry = entries.find((e) => e.dport === this.serverPort && e.sport === this.local.port && e.src === ADDRESSES.client) ?? null;
    if (entry) {
      this.entry = entry;
      this.seenAt = at;
      this.forgottenAt = null;
    } else if (this.entry && this.seenAt !== null) {
      this.forgottenAt = Math.min(at, this.seenAt + this.entry.remainingSec * 1000);
      this.entry = null;
    }
  }

  view(): MiddleboxConnectionView {
    return {
      id: this.id,
      createdAt: this.createdAt,
      status: this.open ? 'open' : 'closed',
      closeCode: this.closeCode,
      closedAt: this.closedAt,
      client: { netns: this.topology.names.client, address: ADDRESSES.client, port: this.local.port, pid: this.clientEnd.pid, fd: this.local.fd },
      server: { netns: this.topology.names.server, address: ADDRESSES.server, port: this.serverPort, pid: this.serverEnd.pid },
      keepalive: this.keepalive,
      userTimeoutMs: this.userTimeoutMs,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      conntrack: this.entry ? { state: this.entry.state, remainingSec: this.entry.remainingSec } : null,
      conntrackSeenAt: this.seenAt,
      forgottenAt: this.forgottenAt,
    };
  }

  stop(): void {
    this.clientEnd.stop();
    this.serverEnd.stop();
  }
}
