import { isIP } from 'node:net';

import { explain, codeOf } from './explain.js';
import type { RawAddon } from './native.js';
import { explainNetns, isNetnsEntryError, netnsArgs, type NetnsTarget } from './netns.js';

/** A TCP socket named the way the dump (or ss) names it. */
export interface DestroyTarget {
  family: 4 | 6;
  /** Local address; a `%iface` suffix and `*` (any) are accepted, as the dump and ss write them. */
  src: string;
  sport: number;
  /** Peer address. */
  dst: string;
  dport: number;
  /**
   * 16 hex digits (the dump's `cookie`, ss's `sk:`). Given, the kernel refuses
   * when the 4-tuple now belongs to another socket; strongly advised.
   */
  cookie?: string | null;
}

type RawDestroy = NonNullable<RawAddon['diagDestroy']>;

const NO_COOKIE = 0xffffffff;

/**
 * Aborts a TCP socket the way `ss -K` does (sock_diag SOCK_DESTROY): its owner
 * sees ECONNABORTED, the peer gets a RST. EPERM without CAP_NET_ADMIN;
 * ENOENT when no such socket exists or its cookie differs (Linux 6.x turns the
 * cookie check's ESTALE into ENOENT; older kernels pass ESTALE through).
 */
export function destroySocketWith(raw: () => RawDestroy, target: DestroyTarget, netns?: NetnsTarget): void {
  if (typeof target !== 'object' || target === null) throw new TypeError('destroySocket needs {family, src, sport, dst, dport, cookie?}');
  const { family } = target;
  if (family !== 4 && family !== 6) throw new TypeError(`family must be 4 or 6, got ${String(family)}`);
  const src = parseAddress(target.src, family, 'src');
  const dst = parseAddress(target.dst, family, 'dst');
  const sport = checkPort(target.sport, 'sport');
  const dport = checkPort(target.dport, 'dport');
  let high = NO_COOKIE;
  let low = NO_COOKIE;
  if (target.cookie !== undefined && target.cookie !== null) {
    if (typeof target.cookie !== 'string' || !/^[0-9a-f]{16}$/i.test(target.cookie)) {
      throw new TypeError(`cookie must be 16 hex digits, got ${JSON.stringify(target.cookie)}`);
    }
    high = Number.parseInt(target.cookie.slice(0, 8), 16);
    low = Number.parseInt(target.cookie.slice(8), 16);
  }
  const name = `${format(src.address, family)}:${sport} → ${format(dst.address, family)}:${dport}`;
  const where = netnsArgs(netns);
  try {
    raw()(family, src.address, sport, dst.address, dport, src.iface, high, low, ...where);
  } catch (error) {
    if (isNetnsEntryError(error)) throw explainNetns(error, netns);
    throw explain(error, destroyMessage(codeOf(error), name, target.cookie) ?? (error as Error).message);
  }
}

function destroyMessage(code: string | undefined, name: string, cookie: string | null | undefined): string | undefined {
  switch (code) {
    case 'EPERM':
      return `destroying ${name} needs CAP_NET_ADMIN (sock_diag SOCK_DESTROY, as ss -K)`;
    case 'ENOENT':
    case 'ESTALE':
      return `the socket is gone: no TCP socket ${name}${cookie ? ` with cookie ${cookie}` : ''}`;
    case 'EOPNOTSUPP':
      return `this kernel cannot destroy sockets: it was built without CONFIG_INET_DIAG_DESTROY`;
    default:
      return undefined;
  }
}

function parseAddress(text: unknown, family: 4 | 6, field: string): { address: string; iface: string } {
  if (typeof text !== 'string') throw new TypeError(`${field} must be an address string, got ${typeof text}`);
  let address = text;
  let iface = '';
  const percent = address.indexOf('%');
  if (percent >= 0) {
    iface = address.slice(percent + 1);
    address = address.slice(0, percent);
  }
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  if (address === '*') address = family === 4 ? '0.0.0.0' : '::';
  if (isIP(address) !== family) throw new TypeError(`${field} must be an IPv${family} address, got ${JSON.stringify(text)}`);
  return { address, iface };
}

function checkPort(port: unknown, field: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port)) throw new TypeError(`${field} must be an integer 0–65535, got ${String(port)}`);
  if (port < 0 || port > 65535) throw new RangeError(`${field} must be 0–65535, got ${port}`);
  return port;
}

const format = (address: string, family: 4 | 6): string => (family === 6 ? `[${address}]` : address);
