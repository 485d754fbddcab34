/** A separate process holding IPv4 then IPv6 loopback pairs that can change its own keepalive (foreign-holder.mjs). */
import type { TestContext } from 'node:test';

import type { Holder, KeepaliveSettings } from '@keepalive-dashboard/shared';

import { HELPERS, spawnChild, type Child } from './processes.js';

export interface ForeignHeldSocket {
  family: 4 | 6;
  /** client: keepalive set by the holder (idle 600 s); server: the accepted end, kernel defaults. */
  role: 'client' | 'server';
  fd: number;
  inode: number;
  /** The holder's own getsockopt view when it opened the socket. */
  keepalive: KeepaliveSettings;
}

export interface ForeignHolder extends Child {
  /** IPv4 sockets first, then IPv6 ones. */
  sockets: ForeignHeldSocket[];
  /** The socket's holder as the process map would list it. */
  holdersOf(socket: ForeignHeldSocket): Holder[];
  /** The holder sets TCP_KEEPIDLE on its own client sockets of `family`; resolves their inodes once done. */
  setOwnIdle(idleSec: number, family: 4 | 6): Promise<number[]>;
}

/** Spawns the holder with `pairs` pairs per family (2 × pairs sockets each); killed by pid when the test ends. */
export async function spawnForeignHolder(t: TestContext, pairs: number): Promise<ForeignHolder> {
  const child = spawnChild(t, process.execPath, [`${HELPERS}foreign-holder.mjs`, String(pairs)]);
  const { sockets } = JSON.parse(await child.nextLine()) as { sockets: ForeignHeldSocket[] };
  return {
    ...child,
    sockets,
    holdersOf: (socket) => [{ pid: child.pid, fd: socket.fd, comm: 'node', cmdline: '', uid: null, user: null, unit: null }],
    async setOwnIdle(idleSec, family) {
      child.child.stdin?.write(`idle ${idleSec} ${family}\n`);
      return (JSON.parse(await child.nextLine()) as { inodes: number[] }).inodes;
    },
  };
}
