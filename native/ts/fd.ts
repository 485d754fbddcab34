import type { Server, Socket } from 'node:net';

import { systemError } from './errors.js';

/** Something that names a socket: a raw fd, a net.Socket or a net.Server. */
export type SocketTarget = number | Socket | Server;

interface HandleCarrier {
  _handle?: { fd?: number } | null;
}

/**
 * The file descriptor behind a net.Socket or net.Server. libuv keeps it on
 * the private `_handle` (TCPWrap); a socket not yet connected or already
 * destroyed has no handle, and that gets an EBADF that says which case it is.
 */
export function fdOf(target: SocketTarget): number {
  if (typeof target === 'number') return target;
  if (typeof target !== 'object' || target === null) {
    throw new TypeError(`expected an fd, net.Socket or net.Server, got ${typeof target}`);
  }
  const isServer = 'listening' in target && typeof (target as Server).address === 'function' && !('remoteAddress' in target);
  const kind = isServer ? 'server' : 'socket';
  const fd = (target as HandleCarrier)._handle?.fd;
  if (typeof fd === 'number' && fd >= 0) return fd;
  let why: string;
  if (isServer) why = (target as Server).listening ? 'its handle has no fd (a pipe or a Windows handle?)' : 'it is not listening';
  else if ((target as Socket).destroyed) why = 'it is destroyed';
  else if ((target as Socket).connecting) why = 'it is still connecting';
  else why = 'it is not connected';
  throw systemError('EBADF', `the ${kind} has no file descriptor: ${why}`);
}
