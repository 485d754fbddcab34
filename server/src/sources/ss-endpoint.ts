/**
 * An ss address column. Every spelling iproute2 has used:
 *   `10.0.0.1:22`  `0.0.0.0:22`  `*:22`  `*:*`  `0.0.0.0%lo:22` (bound to a device)
 *   ≥ 4.17: `[::1]:22`  `[::]:22` (v6only)  `[::ffff:127.0.0.1]:22`  `[fe80::1]%eth0:22`
 *   older:  `::1:22`    `:::22`             `::ffff:127.0.0.1:22`    `fe80::1%eth0:22`
 * The scope (`%iface`) comes after the address, only on the local side.
 * `*` is the v6 any address of a dual-stack socket on ≥ 4.17, but the v4 any
 * address on older ss, so its family is settled per document (see parseSs).
 */
import { canonicalAddress, parsePort, type Family } from './address.js';

export interface SsEndpoint {
  /** Canonical address without scope, or `*` (family not yet known). */
  address: string;
  scope: string | undefined;
  port: number;
  /** null for `*`. */
  family: Family | null;
  /** Written as an unbracketed IPv6 address: the pre-4.17 style. */
  legacyV6: boolean;
}

const SCOPE = /^[^\s/:%]+$/;

export function parseSsEndpoint(text: string): SsEndpoint | string {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return `no port in address "${text}"`;
  const port = parsePort(text.slice(colon + 1));
  if (port === null) return `bad port in "${text}" (ss needs -n for numeric ports)`;
  const host = text.slice(0, colon);
  let address: string;
  let scope: string | undefined;
  let bracketed = false;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return `unclosed [ in address "${text}"`;
    address = host.slice(1, close);
    const rest = host.slice(close + 1);
    if (rest !== '' && !rest.startsWith('%')) return `unexpected "${rest}" after ] in "${text}"`;
    scope = rest === '' ? undefined : rest.slice(1);
    bracketed = true;
  } else {
    const percent = host.indexOf('%');
    address = percent < 0 ? host : host.slice(0, percent);
    scope = percent < 0 ? undefined : host.slice(percent + 1);
  }
  if (scope !== undefined && !SCOPE.test(scope)) return `bad interface in "${text}"`;
  if (address === '*') return { address, scope, port, family: null, legacyV6: false };
  const family: Family = address.includes(':') ? 6 : 4;
  const canonical = canonicalAddress(address, family);
  if (canonical === null) return `bad address in "${text}" (ss needs -n for numeric addresses)`;
  return { address: canonical, scope, port, family, legacyV6: family === 6 && !bracketed };
}
