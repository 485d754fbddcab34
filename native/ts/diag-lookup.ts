/**
 * Exact lookups: one non-dump inet_diag request per socket, by 4-tuple, bound
 * device and cookie, batched into few sendmsg calls. Costs per socket asked
 * for, not per socket on the host: how sockets whose keepalive event is due
 * are read between sweeps.
 */
import type { DiagEndpoint } from './diag.js';
import { TcpSocketTable } from './diag.js';
import type { RawAddon } from './native.js';
import { inNetnsAsync, netnsArgs, type NetnsTarget } from './netns.js';

export interface DiagKey {
  family: 4 | 6;
  /** The dump's own address text (DiagSocket.local/peer), no `%scope`: v4-mapped stays `::ffff:a.b.c.d` on family 6. */
  local: DiagEndpoint;
  peer: DiagEndpoint;
  /** DiagSocket.ifindex; 0 or absent when unbound. */
  ifindex?: number;
  /** 16 hex digits (DiagSocket.cookie): a 4-tuple reused by another socket answers ESTALE, so is missing. */
  cookie: string;
}

export interface TcpLookupResult {
  /** The sockets that answered, in no particular order: match by cookie. */
  found: TcpSocketTable;
  /** Indexes into keys answered ENOENT (no such socket) or ESTALE (the 4-tuple is another cookie's now). */
  missing: number[];
}

/** Words per key in the addon's Uint32Array: family, local port, peer port, ifindex, cookie low, cookie high. */
const KEY_WORDS = 6;

export async function lookupTcpSocketsWith(
  raw: () => NonNullable<RawAddon['tcpDiagLookupAsync']>,
  keys: readonly DiagKey[],
  netns?: NetnsTarget,
): Promise<TcpLookupResult> {
  if (!Array.isArray(keys)) throw new TypeError('keys must be an array of DiagKey');
  const where = netnsArgs(netns);
  const words = new Uint32Array(keys.length * KEY_WORDS);
  const addresses = new Array<string>(keys.length * 2);
  keys.forEach((key, i) => {
    const at = i * KEY_WORDS;
    words[at] = checkFamily(key?.family, i);
    words[at + 1] = checkPort(key.local?.port, i, 'local');
    words[at + 2] = checkPort(key.peer?.port, i, 'peer');
    words[at + 3] = checkIfindex(key.ifindex, i);
    const cookie = checkCookie(key.cookie, i);
    words[at + 4] = Number.parseInt(cookie.slice(8), 16);
    words[at + 5] = Number.parseInt(cookie.slice(0, 8), 16);
    addresses[2 * i] = checkAddress(key.local.address, i, 'local');
    addresses[2 * i + 1] = checkAddress(key.peer.address, i, 'peer');
  });
  const answer = await inNetnsAsync(netns, () => raw()(words, addresses, ...where));
  return { found: new TcpSocketTable(answer), missing: answer.missing };
}

function checkFamily(family: unknown, i: number): number {
  if (family !== 4 && family !== 6) throw new TypeError(`keys[${i}].family must be 4 or 6, got ${String(family)}`);
  return family;
}

function checkPort(port: unknown, i: number, side: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`keys[${i}].${side}.port must be 0–65535, got ${String(port)}`);
  }
  return port;
}

function checkIfindex(ifindex: unknown, i: number): number {
  if (ifindex === undefined) return 0;
  if (typeof ifindex !== 'number' || !Number.isInteger(ifindex) || ifindex < 0 || ifindex > 0xffffffff) {
    throw new RangeError(`keys[${i}].ifindex must be a non-negative integer, got ${String(ifindex)}`);
  }
  return ifindex;
}

function checkCookie(cookie: unknown, i: number): string {
  if (typeof cookie !== 'string' || !/^[0-9a-f]{16}$/i.test(cookie)) {
    throw new TypeError(`keys[${i}].cookie must be 16 hex digits, got ${JSON.stringify(cookie)}`);
  }
  if (/^f{16}$/i.test(cookie)) {
    // The kernel skips the cookie check for it: any socket on the 4-tuple would answer.
    throw new TypeError(`keys[${i}].cookie ffffffffffffffff is INET_DIAG_NOCOOKIE, which names no socket`);
  }
  return cookie;
}

function checkAddress(address: unknown, i: number, side: string): string {
  // The addon parses it (inet_pton) and answers EINVAL for text of the wrong family.
  if (typeof address !== 'string' || address.includes('%')) {
    throw new TypeError(`keys[${i}].${side}.address must be the dump's address text without a %scope, got ${JSON.stringify(address)}`);
  }
  return address;
}
