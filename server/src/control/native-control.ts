/** The native addon's foreign-socket and kill functions, in the shapes the server's control layer takes. */
import { destroySocket, withForeignSocket, type DestroyTarget } from '@keepalive-dashboard/native';

import type { NamespaceRegistry } from '../namespaces/registry.js';
import { throughTargets } from '../namespaces/errors.js';
import type { ForeignAccess, Killer } from './socket-control.js';

export function nativeForeignAccess(): ForeignAccess {
  // pidfd_getfd reaches a socket in any namespace: the fd is the socket, wherever it lives.
  return { withSocket: (pid, fd, inode, fn) => withForeignSocket(pid, fd, { inode }, fn) };
}

/** SOCK_DESTROY through a sock_diag socket of the namespace the socket lives in (a 4-tuple means nothing elsewhere). */
export function nativeKiller(namespaces: NamespaceRegistry | null = null): Killer {
  return {
    destroy(view) {
      const target: DestroyTarget = {
        family: view.family,
        src: view.local.address,
        sport: view.local.port,
        dst: view.peer.address,
        dport: view.peer.port,
        cookie: view.cookie,
      };
      const netns = view.netns && namespaces ? namespaces.targets(view.netns.inode) : null;
      if (netns === null) {
        destroySocket(target);
        return;
      }
      const gone = (): Error => Object.assign(new Error(`the network namespace of ${view.id} (${view.netns?.label ?? '?'}) is gone`), { code: 'ENOENT' });
      throughTargets(netns, gone, (ns) => destroySocket(target, ns));
    },
  };
}
