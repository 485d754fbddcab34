/**
 * Credentials: the long-lived API token for scripts (`Authorization: Bearer …`
 * or `X-Keepalive-Token`), or a browser session cookie obtained with a
 * one-time login code (see sessions.ts). Tokens are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import type { FastifyRequest } from 'fastify';

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time: hashing first makes the lengths equal, so timing says nothing about the token. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export type Credential = { kind: 'token'; value: string } | { kind: 'session'; value: string };

/** The credential a request presents; a header wins over the cookie. */
export function credentialOf(request: FastifyRequest, cookieName: string): Credential | null {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return { kind: 'token', value: header.slice(7).trim() };
  const custom = request.headers['x-keepalive-token'];
  if (typeof custom === 'string') return { kind: 'token', value: custom };
  const cookie = request.cookies[cookieName];
  if (cookie) return { kind: 'session', value: cookie };
  return null;
}

/**
 * Counts failed attempts per address in a sliding window. It only ever slows
 * down wrong guesses: the right credential is never refused, so a flood of
 * bad logins from another local user cannot lock the operator out.
 */
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
    const list = this.recent(address).slice(-this.max);
    list.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  private recent(address: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(address) ?? []).filter((t) => t > cutoff);
  }
}
