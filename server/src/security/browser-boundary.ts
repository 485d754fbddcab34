/**
 * What a browser may reach. Two checks, both before any route runs:
 *
 * - Host: a DNS-rebinding page (evil.example re-resolved to 127.0.0.1) talks
 *   to us with `Host: evil.example`. Only names this server answers to are
 *   served: its listen address, the loopback names, `--allowed-host` names and,
 *   when listening on a wildcard address, this machine's own interface IPs
 *   (an IP literal cannot be rebound). Anything else: 421 before routing.
 * - Origin: a page on another origin — including another port on 127.0.0.1,
 *   which is the same *site*, so SameSite cookies do not stop it — may open a
 *   WebSocket or send requests carrying our cookie. A browser always sends
 *   Origin on WebSocket upgrades and on non-GET fetches; when present it must
 *   be this very origin (scheme, host and port). `Sec-Fetch-Site` closes the
 *   last gap: a cross-origin GET that carries no Origin (an <img>, a <script>).
 */
import { networkInterfaces } from 'node:os';

import type { FastifyRequest } from 'fastify';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Lower-case host name without port or IPv6 brackets; null when it does not parse. */
export function hostnameOf(hostHeader: string): string | null {
  try {
    const url = new URL(`http://${hostHeader}`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
    return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return null;
  }
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((a) => a.address.replace(/%.*$/, '').toLowerCase());
}

export class HostAllowlist {
  private readonly names: Set<string>;

  constructor(listenHost: string, extra: readonly string[] = []) {
    const listen = listenHost.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    this.names = new Set([...LOOPBACK_NAMES, ...extra.map((n) => n.toLowerCase())]);
    if (WILDCARDS.has(listen)) for (const address of interfaceAddresses()) this.names.add(address);
    else this.names.add(listen);
  }

  allows(hostHeader: string | undefined): boolean {
    // Browsers always send Host (rebinding needs a browser); Node itself refuses
    // HTTP/1.1 without one, so only an HTTP/1.0 script or an in-process inject gets here.
    if (hostHeader === undefined) return true;
    const name = hostnameOf(hostHeader);
    return name !== null && this.names.has(name);
  }
}

/** Origin, when a browser sent one, names exactly the origin the request was addressed to. */
export function originMatchesHost(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (!host || typeof origin !== 'string') return false;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    // Normalized the same way on both sides (a default port disappears).
    return url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/**
 * For requests authenticated by the browser's cookie: the request must come
 * from our own page (or from the user typing the address). Non-browser
 * clients send neither header and authenticate with the bearer token.
 */
export function sameOriginBrowserRequest(request: FastifyRequest): boolean {
  if (!originMatchesHost(request)) return false;
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
