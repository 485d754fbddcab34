/**
 * Token authentication, like Jupyter's: a token printed at start-up, sent as
 * `Authorization: Bearer …` or `X-Keepalive-Token`, or as an HttpOnly
 * SameSite=Strict cookie the server sets when the page is opened with
 * `?token=…`. Compared in constant time. Repeated failures from one address
 * are rate limited.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';

import type { FastifyReply, FastifyRequest } from 'fastify';

import { ApiError } from '../errors.js';

export const TOKEN_COOKIE = 'ka_token';

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time: hashing first makes the lengths equal, so timing says nothing about the token. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function tokenFromRequest(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  const custom = request.headers['x-keepalive-token'];
  if (typeof custom === 'string') return custom;
  const cookie = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[TOKEN_COOKIE];
  if (cookie) return cookie;
  return null;
}

/** Counts failed attempts per address in a sliding window. */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 20,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(address: string): boolean {
    return this.recent(address).length >= this.max;
  }

  fail(address: string): void {
    const list = this.recent(address);
    list.push(this.now());
    this.failures.set(address, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  private recent(address: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(address) ?? []).filter((t) => t > cutoff);
  }
}

/** Browsers send Origin on WebSocket upgrades and cross-site requests; it must be this server. */
export function originAllowed(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not a browser (curl, tests): the token still applies
  const host = request.headers.host;
  if (!host) return false;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    // Normalize the Host header the same way (a default port disappears).
    return url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

export function makeAuthCheck(token: string, limiter: FailedAuthLimiter) {
  return async function checkAuth(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const address = request.ip;
    if (limiter.blocked(address)) throw new ApiError('KA_ERR_RATE_LIMITED', 'too many failed authentication attempts: wait a minute');
    if (!originAllowed(request)) throw new ApiError('KA_ERR_BAD_ORIGIN', `cross-origin request from ${String(request.headers.origin)} refused`);
    const given = tokenFromRequest(request);
    if (given === null || !tokensEqual(given, token)) {
      limiter.fail(address);
      throw new ApiError('KA_ERR_UNAUTHORIZED');
    }
  };
}
