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

/**
 * The listener on `port` and every connection to or from it (also works for Connections).
 * A TIME-WAIT whose local end is `port` is left out: it is some other loopback
 * connection's client end that once had this port as its ephemeral port (Node's
 * listeners set SO_REUSEADDR, so they may bind over it). The tests' own TIME-WAITs
 * are client ends, with the listener's port as their peer.
 */
export function onListenerPort<T extends { local: DiagEndpoint; peer: DiagEndpoint; state: string }>(port: number, sockets: Iterable<T>): T[] {
  return [...sockets].filter((s) => (ours(s.local, port) && s.state !== 'TIME_WAIT') || ours(s.peer, port));
}

export function socketsOnPort(port: number, table: TcpSocketTable = dumpTcpSockets()): DiagSocket[] {
  const out: DiagSocket[] = [];
  for (let i = 0; i < table.length; i++) if (table.localPort(i) === port || table.peerPort(i) === port) out.push(table.at(i));
  return onListenerPort(port, out);
}

/**
 * Without TIME-WAIT rows. A test that counts the sockets of a fresh pair counts
 * these: a client of an earlier listener that had this port can linger in
 * TIME-WAIT for 60 s with this port as its peer, and is nobody's socket now.
 */
export const live = <T extends { state: string }>(rows: T[]): T[] => rows.filter((s) => s.state !== 'TIME_WAIT');

/** Live sockets on `port`: the listener and its connections, TIME-WAIT left out (see live()). */
export const countOnPort = (port: number, table: TcpSocketTable): number => live(socketsOnPort(port, table)).length;

export function socketWithInode(inode: number, table: TcpSocketTable = dumpTcpSockets()): DiagSocket | undefined {
  for (let i = 0; i < table.length; i++) if (table.inode(i) === inode) return table.at(i);
  return undefined;
}
