/** Our sockets out of a host-wide dump, chosen by port before any row is decoded (the host may hold 100k others). */
import { dumpTcpSockets, type DiagSocket, type TcpSocketTable } from '@keepalive-dashboard/native';

export function socketsOnPort(port: number, table: TcpSocketTable = dumpTcpSockets()): DiagSocket[] {
  const out: DiagSocket[] = [];
  for (let i = 0; i < table.length; i++) if (table.localPort(i) === port || table.peerPort(i) === port) out.push(table.at(i));
  return out;
}

export function countOnPort(port: number, table: TcpSocketTable): number {
  let n = 0;
  for (let i = 0; i < table.length; i++) if (table.localPort(i) === port || table.peerPort(i) === port) n++;
  return n;
}

/** The socket whose local end is `localPort` and, if given, whose peer is `peerPort`. */
export function socketAt(localPort: number, peerPort?: number): DiagSocket | undefined {
  return socketsOnPort(localPort).find((s) => s.local.port === localPort && (peerPort === undefined || s.peer.port === peerPort));
}
