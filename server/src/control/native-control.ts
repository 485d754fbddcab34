/** The native addon's foreign-socket and kill functions, in the shapes the server's control layer takes. */
import { destroySocket, withForeignSocket } from '@keepalive-dashboard/native';

import type { ForeignAccess, Killer } from './socket-control.js';

export function nativeForeignAccess(): ForeignAccess {
  return { withSocket: (pid, fd, inode, fn) => withForeignSocket(pid, fd, { inode }, fn) };
}

export function nativeKiller(): Killer {
  return {
    destroy: (view) =>
      destroySocket({
        family: view.family,
        src: view.local.address,
        sport: view.local.port,
        dst: view.peer.address,
        dport: view.peer.port,
        cookie: view.cookie,
      }),
  };
}
