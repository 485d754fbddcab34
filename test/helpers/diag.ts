/**
 * Our sockets out of a host-wide dump, chosen before any row is decoded. The
 * host may hold 100k other loopback sockets, and an ephemeral port is shared
 * by connections to different destinations, so a client's port alone does not
 * name a socket: select by inode, or by our listener's address and port.
 */
import { dumpTcpSockets, type DiagEndpoint, type DiagSocket, type TcpSocketTable } from '@keepalive-dashboard/native';

// The addresses tests listen on, as the dump spells them.
const OUR_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1', '0.0.0.0', '::', '*']);

const ours = (e: DiagEndpoint, port: number): boolean => e.port === port && OUR_ADDRESSES.has(e.address.replace(/%.*/, ''));

/** The listener on `port` and every connection to or from it (also works for Connections). */
export function onListenerPort<T extends { local: DiagEndpoint; peer: DiagEndpoint }>(port: number, sockets: Iterable<T>): T[] {
  return [...sockets].filter((s) => ours(s.local, port) || ours(s.peer, port));
}

export function socketsOnPort(port: number, table: TcpSocketTable = dumpTcpSockets()): DiagSocket[] {
  const out: DiagSocket[] = [];
  for (let i = 0; i < table.length; i++) if (table.localPort(i) === port || table.peerPort(i) === port) out.push(table.at(i));
  return onListenerPort(port, out);
}

export const countOnPort = (port: number, table: TcpSocketTable): number => socketsOnPort(port, table).length;

export function socketWithInode(inode: number, table: TcpSocketTable = dumpTcpSockets()): DiagSocket | undefined {
  for (let i = 0; i < table.length; i++) if (table.inode(i) === inode) return table.at(i);
  return undefined;
}
