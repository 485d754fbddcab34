/**
 * The lab: sockets the server itself owns — outbound connections it opens and
 * listeners whose accepted connections it keeps — so a user can experiment
 * with keepalive on sockets that are safe to change. Owned sockets are reached
 * through their fd; the host-wide view finds them by inode.
 */
import { EventEmitter } from 'node:events';
import { fstatSync } from 'node:fs';
import net from 'node:net';

import { fdOf } from '@keepalive-dashboard/native';

export type LabKind = 'outbound' | 'accepted' | 'listener';

export interface LabEntry {
  id: string;
  kind: LabKind;
  /** Socket inode, the join key with the host-wide view (0 until known). */
  inode: number;
  local: { address: string; port: number } | null;
  peer: { address: string; port: number } | null;
  createdAt: number;
  status: 'open' | 'closed';
  /** errno code of the error that closed it, e.g. ETIMEDOUT for a keepalive death. */
  closeCode: string | null;
  closedAt: number | null;
  /** For accepted sockets: the listener's id. */
  listenerId: string | null;
}

export interface LabEvents {
  closed: [entry: LabEntry];
}

interface Held {
  entry: LabEntry;
  handle: net.Socket | net.Server;
}

function inodeOf(handle: net.Socket | net.Server): number {
  try {
    return fstatSync(fdOf(handle)).ino;
  } catch {
    return 0;
  }
}

export class Lab extends EventEmitter<LabEvents> {
  private readonly held = new Map<string, Held>();
  private readonly byInode = new Map<number, Held>();
  private nextId = 1;
  // Closed entries stay listed for a while, so a death can be seen after the fact.
  private static readonly CLOSED_KEPT = 200;

  constructor(
    private readonly now: () => number = Date.now,
    /** Open objects at most: every one holds an fd and memory, and any client with the token could ask for more. */
    private readonly maxOpen = 256,
  ) {
    super();
  }

  openCount(): number {
    let n = 0;
    for (const held of this.held.values()) if (held.entry.status === 'open') n++;
    return n;
  }

  private assertRoom(): void {
    if (this.openCount() >= this.maxOpen) {
      throw Object.assign(new Error(`the lab holds ${this.maxOpen} open objects, its limit: close some first (DELETE /api/lab/ID)`), { code: 'ELABFULL' });
    }
  }

  list(): LabEntry[] {
    return [...this.held.values()].map((h) => ({ ...h.entry }));
  }

  get(id: string): LabEntry | undefined {
    const held = this.held.get(id);
    return held ? { ...held.entry } : undefined;
  }

  /** The owned socket or listener behind an inode, if the lab holds it open. */
  handleForInode(inode: number): { entry: LabEntry; handle: net.Socket | net.Server } | undefined {
    const held = this.byInode.get(inode);
    return held && held.entry.status === 'open' ? held : undefined;
  }

  async connect(host: string, port: number, timeoutMs = 5000): Promise<LabEntry> {
    this.assertRoom();
    const socket = net.connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return this.adopt(socket, 'outbound', null).entry;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<LabEntry> {
    this.assertRoom();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const id = `lab-${this.nextId++}`;
    const address = server.address() as net.AddressInfo;
    const entry: LabEntry = {
      id,
      kind: 'listener',
      inode: inodeOf(server),
      local: { address: address.address, port: address.port },
      peer: null,
      createdAt: this.now(),
      status: 'open',
      closeCode: null,
      closedAt: null,
      listenerId: null,
    };
    const held = { entry, handle: server };
    this.register(held);
    server.on('connection', (socket) => {
      // A full lab refuses what its listeners accept, rather than grow.
      if (this.openCount() >= this.maxOpen) socket.destroy();
      else this.adopt(socket, 'accepted', id);
    });
    server.on('close', () => this.markClosed(held, null));
    return { ...entry };
  }

  /** Closes a lab object; a listener's accepted connections stay open (they are listed on their own). */
  close(id: string): LabEntry | undefined {
    const held = this.held.get(id);
    if (!held) return undefined;
    if (held.handle instanceof net.Server) held.handle.close();
    else held.handle.destroy();
    this.markClosed(held, null);
    return { ...held.entry };
  }

  closeAll(): void {
    for (const id of [...this.held.keys()]) this.close(id);
  }

  private adopt(socket: net.Socket, kind: 'outbound' | 'accepted', listenerId: string | null): Held {
    const entry: LabEntry = {
      id: `lab-${this.nextId++}`,
      kind,
      inode: inodeOf(socket),
      local: { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
      peer: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
      createdAt: this.now(),
      status: 'open',
      closeCode: null,
      closedAt: null,
      listenerId,
    };
    const held = { entry, handle: socket };
    this.register(held);
    // Keep reading so a chatty peer never fills our receive buffer; data is discarded.
    socket.on('data', () => {});
    socket.on('error', (error: NodeJS.ErrnoException) => this.markClosed(held, error.code ?? 'EIO'));
    socket.on('close', () => this.markClosed(held, null));
    return held;
  }

  private register(held: Held): void {
    this.held.set(held.entry.id, held);
    if (held.entry.inode) this.byInode.set(held.entry.inode, held);
  }

  private markClosed(held: Held, code: string | null): void {
    if (held.entry.status === 'closed') {
      if (code && !held.entry.closeCode) held.entry.closeCode = code;
      return;
    }
    held.entry.status = 'closed';
    held.entry.closeCode = code;
    held.entry.closedAt = this.now();
    this.byInode.delete(held.entry.inode);
    // The close event fires after error: let a following 'error' set the code first.
    setImmediate(() => this.emit('closed', { ...held.entry }));
    this.pruneClosed();
  }

  private pruneClosed(): void {
    const closed = [...this.held.values()].filter((h) => h.entry.status === 'closed');
    for (const h of closed.slice(0, Math.max(0, closed.length - Lab.CLOSED_KEPT))) this.held.delete(h.entry.id);
  }
}
