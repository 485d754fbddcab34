/**
 * A child process hosting several stream clients, each with its own model.
 * Out of the server's process so that the clients' parsing and their models
 * (each one a full copy of every connection) count neither as the server's
 * CPU nor as its RSS. Started by ./clients.ts over an IPC channel.
 *
 * Messages are read as they arrive and parsed one at a time from a queue,
 * with the event loop free between two parses: a browser's network stack
 * reads the socket while its page is busy parsing, and a host that let one
 * client's 15 MB parse keep nine other sockets unread would show the server
 * nine clients "behind" that no browser would be.
 */
import type { IncomingMessage } from 'node:http';

import WebSocket from 'ws';

import type { ServerFrame } from '@keepalive-dashboard/shared';

import type { ClientStats, HostCommand, HostMessage } from './messages.js';
import { tableDigest } from './digest.js';
import { StreamModel } from './model.js';

if (!process.send) {
  console.error('client-host.ts: start it from clients.ts (it needs an IPC channel)');
  process.exit(2);
}

const MAX_ERRORS = 5;
const READ_AHEAD_BYTES = 64 * 1024 * 1024;

class Client {
  readonly model: StreamModel;
  payloadBytes = 0;
  /** Messages received and not yet parsed. */
  queued = 0;
  queuedBytes = 0;
  firstSnapshotAt: number | null = null;
  closed: { code: number; reason: string } | null = null;
  readonly errors: string[] = [];
  private wire: { bytesRead: number } | null = null;
  readonly socket: WebSocket;

  constructor(
    readonly index: number,
    url: string,
    token: string,
  ) {
    // Clients that keep up all receive the same deltas: one tally of what changed is enough.
    this.model = new StreamModel(index === 0 ? { streamPort: Number(new URL(url).port) } : undefined);
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/stream`, {
      headers: { authorization: `Bearer ${token}` },
      // A 50k-pair snapshot (~80 MB) is near ws's 100 MiB default; a few more pairs pass it.
      maxPayload: 1024 * 1024 * 1024,
      perMessageDeflate: false,
    });
    this.socket.on('upgrade', (response: IncomingMessage) => {
      this.wire = response.socket;
    });
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.payloadBytes += data.length;
      if (isBinary) return this.error('binary frame received');
      this.queued++;
      this.queuedBytes += data.length;
      // Read ahead a bounded amount, as a browser does: past it the socket is
      // left unread and the server sees this client's buffer grow.
      if (this.queuedBytes > READ_AHEAD_BYTES && !this.socket.isPaused) this.socket.pause();
      enqueue(() => this.receive(data));
    });
    this.socket.on('error', (error) => this.error(error.message));
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  private receive(data: Buffer): void {
    this.queued--;
    this.queuedBytes -= data.length;
    if (this.queuedBytes === 0 && this.socket.isPaused) this.socket.resume();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data.toString('utf8')) as ServerFrame;
    } catch (error) {
      return this.error(`unparsable frame: ${(error as Error).message}`);
    }
    this.model.apply(frame);
    if (frame.type === 'snapshot' && this.firstSnapshotAt === null) this.firstSnapshotAt = Date.now();
  }

  private error(message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(message);
  }

  stats(withDigest: boolean): ClientStats {
    return {
      ...this.model.stats(),
      index: this.index,
      payloadBytes: this.payloadBytes,
      wireBytes: this.wire?.bytesRead ?? 0,
      queuedFrames: this.queued,
      firstSnapshotAt: this.firstSnapshotAt,
      closed: this.closed,
      errors: [...this.errors],
      digest: withDigest ? tableDigest(this.model.views.values()) : null,
    };
  }
}

const work: (() => void)[] = [];
let pumping = false;

/** One parse per turn of the event loop, so sockets are read between parses. */
function enqueue(job: () => void): void {
  work.push(job);
  if (pumping) return;
  pumping = true;
  const pump = (): void => {
    work.shift()?.();
    if (work.length > 0) setImmediate(pump);
    else pumping = false;
  };
  setImmediate(pump);
}

const clients: Client[] = [];

const say = (message: HostMessage): void => {
  process.send?.(message);
};

process.on('message', (command: HostCommand) => {
  switch (command.kind) {
    case 'open':
      clients.push(...command.indexes.map((index) => new Client(index, command.url, command.token)));
      say({ kind: 'opened' });
      return;
    case 'report': {
      const memory = process.memoryUsage();
      say({ kind: 'report', id: command.id, pid: process.pid, cpu: process.cpuUsage(), rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, clients: clients.map((c) => c.stats(command.digests === true)) });
      return;
    }
    case 'close': {
      const open = clients.filter((c) => c.closed === null);
      if (open.length === 0) process.exit(0);
      let left = open.length;
      for (const client of open) {
        client.socket.once('close', () => {
          if (--left === 0) process.exit(0);
        });
        client.socket.close(1000, 'soak done');
      }
      // A server that never answers the close must not keep this process alive.
      setTimeout(() => process.exit(0), 2000).unref();
      return;
    }
  }
});

// Ctrl-C reaches the whole process group: the soak ends its window, asks for
// the last counters and then closes us; until then we stay.
process.on('SIGINT', () => {});

// The parent died or let go of us: nothing left to report to.
process.on('disconnect', () => {
  for (const client of clients) client.socket.terminate();
  setTimeout(() => process.exit(0), 500).unref();
});
