/**
 * The default source: one NETLINK_SOCK_DIAG dump through the native addon
 * (IPv4 + IPv6, every state, tcp_info included), run off the JS thread.
 * Addresses follow the text sources' spelling (./address.ts) so the same
 * socket looks the same through every source: the IPv6 unspecified address is
 * `*`, and the bound device (`%iface`) follows the local address only, as ss
 * prints it.
 */
import { connectionId, type Connection, type Endpoint } from '@keepalive-dashboard/shared';
import { dumpTcpSocketsAsync, isSystemError, type DiagSocket, type TcpSocketTable } from '@keepalive-dashboard/native';

import { ANY6, withScope } from './address.js';
import { SourceUnavailableError, type Source } from './types.js';

export interface NetlinkSourceOptions {
  /** Defaults to the addon's dump; injectable so the unavailable path is testable. */
  dump?: () => Promise<TcpSocketTable>;
}

const BUILD_HINT = 'build the native addon: npm run build --workspace native';
// The kernel answers these when inet_diag/tcp_diag are not built or loaded.
const KERNEL_CODES = new Set(['EPROTONOSUPPORT', 'EAFNOSUPPORT', 'ENOENT']);
const ADDON_CODES = new Set(['ERR_ADDON_NOT_FOUND', 'ERR_ADDON_STALE', 'ENOTSUP']);
// Old kernels without socket cookies report INET_DIAG_NOCOOKIE (all ones) or zero.
const NO_COOKIES = new Set(['0000000000000000', 'ffffffffffffffff']);

export function createNetlinkSource(options: NetlinkSourceOptions = {}): Source {
  const dump = options.dump ?? dumpTcpSocketsAsync;
  return {
    name: 'netlink',
    async collect() {
      let table: TcpSocketTable;
      try {
        table = await dump();
      } catch (error) {
        throw unavailable(error) ?? error;
      }
      const out = new Array<Connection>(table.length);
      for (let i = 0; i < table.length; i++) out[i] = toConnection(table.at(i));
      return out;
    },
  };
}

export function toConnection(s: DiagSocket): Connection {
  const connection: Connection = {
    id: '',
    family: s.family,
    state: s.state,
    local: endpoint(s, s.local, s.iface),
    peer: endpoint(s, s.peer, null),
    inode: s.inode,
    cookie: NO_COOKIES.has(s.cookie) ? null : s.cookie,
    uid: s.uid,
    recvQ: s.recvQ,
    sendQ: s.sendQ,
    timer: s.timer,
  };
  // The schema's rule: a probe or retransmission count only where the timer has one.
  if (s.timer.count !== 0 && (s.timer.kind === 'none' || s.timer.kind === 'timewait')) {
    connection.timer = { ...s.timer, count: 0 };
  }
  if (s.tcpInfo) connection.tcpInfo = s.tcpInfo;
  connection.id = connectionId(connection);
  return connection;
}

function endpoint(s: DiagSocket, e: Endpoint, iface: string | null): Endpoint {
  const any6 = s.family === 6 && e.address === '::';
  if (!any6 && iface === null) return e;
  return { address: withScope(any6 ? ANY6 : e.address, iface ?? undefined), port: e.port };
}

function unavailable(error: unknown): SourceUnavailableError | undefined {
  if (!isSystemError(error)) return undefined;
  if (ADDON_CODES.has(error.code)) return new SourceUnavailableError('netlink', error.message.split('\n')[0] ?? error.message, BUILD_HINT);
  if (KERNEL_CODES.has(error.code) && (error.syscall?.includes('NETLINK_SOCK_DIAG') || error.syscall?.startsWith('sock_diag'))) {
    return new SourceUnavailableError('netlink', `this kernel has no TCP sock_diag (${error.code})`, 'modprobe inet_diag tcp_diag');
  }
  return undefined;
}
