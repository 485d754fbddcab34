/**
 * The guard, attached by construction rather than by reading URLs:
 *
 * - `hostGuard` runs on every request, matched or not, before routing
 *   decides anything: wrong Host → 421, foreign Origin on a request that
 *   could change something → 403.
 * - `credentialGuard` is the onRequest hook of the encapsulated plugin that
 *   holds every protected route (app.ts). Fastify runs it for exactly the
 *   routes its router matched inside that plugin — whatever spelling of the
 *   path reached them (`/%61pi/…`, `//api`, `/api/./…`) — so no URL text is
 *   ever parsed here to decide who may pass.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ApiError } from '../errors.js';
import { credentialOf, tokensEqual, type FailedAuthLimiter } from './auth.js';
import { originMatchesHost, sameOriginBrowserRequest, type HostAllowlist } from './browser-boundary.js';
import type { Sessions } from './sessions.js';

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function hostGuard(allowlist: HostAllowlist): Hook {
  return async (request) => {
    if (!allowlist.allows(request.headers.host)) {
      throw new ApiError('KA_ERR_BAD_HOST', `this server does not answer to Host ${JSON.stringify(String(request.headers.host ?? '').slice(0, 100))}; start it with --allowed-host NAME to add a name`);
    }
    // Public pages are GETs; anything else from another origin is refused even before routing.
    if (!SAFE_METHODS.has(request.method) && !originMatchesHost(request)) throw new ApiError('KA_ERR_BAD_ORIGIN', `cross-origin request from ${String(request.headers.origin).slice(0, 100)} refused`);
  };
}

export interface CredentialGuardOptions {
  token: string;
  sessions: Sessions;
  limiter: FailedAuthLimiter;
  cookieName: () => string;
}

export function credentialGuard(options: CredentialGuardOptions): Hook {
  const { token, sessions, limiter, cookieName } = options;
  return async (request) => {
    // Any browser request — WebSocket upgrades included — comes from our own origin, token or not.
    if (!originMatchesHost(request)) throw new ApiError('KA_ERR_BAD_ORIGIN', `cross-origin request from ${String(request.headers.origin).slice(0, 100)} refused`);
    const credential = credentialOf(request, cookieName());
    if (credential?.kind === 'session' && !sameOriginBrowserRequest(request)) {
      throw new ApiError('KA_ERR_BAD_ORIGIN', `a ${String(request.headers['sec-fetch-site'])} request may not use the session cookie`);
    }
    const ok = credential !== null && (credential.kind === 'token' ? tokensEqual(credential.value, token) : sessions.valid(credential.value));
    if (ok) return;
    if (limiter.blocked(request.ip)) throw new ApiError('KA_ERR_RATE_LIMITED', 'too many failed authentication attempts from this address: wait a minute');
    limiter.fail(request.ip);
    throw new ApiError('KA_ERR_UNAUTHORIZED');
  };
}
