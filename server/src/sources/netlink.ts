/**
 * The default source: one NETLINK_SOCK_DIAG dump through the native addon
 * (IPv4 + IPv6, every state, tcp_info included), run off the JS thread.
 * Addresses follow the text sources' spelling (./address.ts) so the same
 * socket looks the same through every source: the IPv6 unspecified address is
 * `*`, and the bound device (`%iface`) follows the local address only, as ss
 * prints it.
 */
import { readFileSync } from 'node:fs';

import { connectionId, type Connection, type Endpoint } from '@keepalive-dashboard/shared';
import {
  createTcpSocketDiffer,
  dumpTcpSocketsAsync,
  isSystemError,
  lookupTcpSocketsAsync,
  type DiagKey,
  type DiagSocket,
  type NetnsTarget,
  type TcpSocketDiffer,
  type TcpSocketTable,
} from '@keepalive-dashboard/native';

import { ANY6, withScope } from './address.js';
import { SourceUnavailableError, type LookupResult, type Source, type SweepResult } from './types.js';

export interface NetlinkSourceOptions {
  /** Defaults to the addon's dump; injectable so the unavailable path is testable (the source then cannot diff). */
  dump?: () => Promise<TcpSocketTable>;
  /**
   * Another network namespace: every dump, lookup and sweep goes through a
   * NETLINK_SOCK_DIAG socket the addon opens inside it (from a short-lived
   * thread that setns()s; this thread never changes namespace).
   */
  netns?: NetnsTarget;
}

const BUILD_HINT = 'build the native addon: npm run build --workspace native';
// The kernel answers these when inet_diag/tcp_diag are not built or loaded.
const KERNEL_CODES = new Set(['EPROTONOSUPPORT', 'EAFNOSUPPORT', 'ENOENT']);
const ADDON_CODES = new Set(['ERR_ADDON_NOT_FOUND', 'ERR_ADDON_STALE', 'ENOTSUP']);
// Old kernels without socket cookies report INET_DIAG_NOCOOKIE (all ones) or zero.
const NO_COOKIES = new Set(['0000000000000000', 'ffffffffffffffff']);

export function createNetlinkSource(options: NetlinkSourceOptions = {}): Source {
  const netns = options.netns;
  const dump = options.dump ?? (() => dumpTcpSocketsAsync(netns));
  const source: Source = {
    name: 'netlink',
    async collect() {
      let table: TcpSocketTable;
      try {
        table = await dump();
      } catch (error) {
        throw unavailable(error) ?? error;
      }
      return decode(table);
    },
  };
  if (options.dump) return source;
  // The addon keeps the last table and hands over only the rows that changed.
  let differ: TcpSocketDiffer | null = null;
  source.sweep = async (toleranceMs: number): Promise<SweepResult> => {
    differ ??= createTcpSocketDiffer(netns);
    try {
      const result = await differ.sweep(toleranceMs);
      const removed = result.removed.filter((cookie) => !NO_COOKIES.has(cookie));
      return { changed: decode(result.changed), removed, total: result.total, dumpMs: result.dumpMs };
    } catch (error) {
      throw unavailable(error) ?? error;
    }
  };
  source.resetSweep = () => differ?.reset();
  source.lookup = async (connections: readonly Connection[]): Promise<LookupResult> => {
    const keys: DiagKey[] = [];
    const asked: string[] = [];
    for (const c of connections) {
      const key = diagKey(c, netns === undefined);
      if (key) {
        keys.push(key);
        asked.push(c.id);
      }
    }
    if (keys.length === 0) return { found: [], missing: [] };
    const result = await lookupTcpSocketsAsync(keys, netns);
    return { found: decode(result.found), missing: result.missing.map((i) => asked[i] as string) };
  };
  return source;
}

function decode(table: TcpSocketTable): Connection[] {
  const out = new Array<Connection>(table.length);
  for (let i = 0; i < table.length; i++) out[i] = toConnection(table.at(i));
  return out;
}

/**
 * The kernel's name for a socket, from how this source spelled it (the
 * reverse of endpoint() below); null without a cookie, or bound to a device
 * of another namespace (its index is that namespace's: the sweep reads it).
 */
function diagKey(c: Connection, ownNamespace: boolean): DiagKey | null {
  if (!c.cookie) return null;
  const local = unspell(c.family, c.local.address);
  if (local.iface && !ownNamespace) return null;
  const key: DiagKey = { family: c.family, local: { address: local.address, port: c.local.port }, peer: { address: unspell(c.family, c.peer.address).address, port: c.peer.port }, cookie: c.cookie };
  if (local.iface) {
    const ifindex = interfaceIndex(local.iface);
    if (ifindex !== null) key.ifindex = ifindex;
  }
  return key;
}

function unspell(family: 4 | 6, text: string): { address: string; iface: string | null } {
  const at = text.indexOf('%');
  const address = at < 0 ? text : text.slice(0, at);
  return { address: address === ANY6 ? (family === 6 ? '::' : '0.0.0.0') : address, iface: at < 0 ? null : text.slice(at + 1) };
}

const interfaceIndexes = new Map<string, number | null>();

function interfaceIndex(name: string): number | null {
  if (!interfaceIndexes.has(name)) {
    let index: number | null = null;
    try {
      if (!name.includes('/') && name !== '..') index = Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim()) || null;
    } catch {
      index = null;
    }
    // Interfaces come and go: a small cache, rebuilt when it grows.
    if (interfaceIndexes.size > 256) interfaceIndexes.clear();
    interfaceIndexes.set(name, index);
  }
  return interfaceIndexes.get(name) ?? null;
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
