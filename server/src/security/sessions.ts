/**
 * Browser login without leaking the long-lived token: the URL printed at
 * start-up carries a one-time login code. Opening it exchanges the code for a
 * session cookie, once; the address bar's history then holds a spent code.
 * The cookie holds a random session id, never the token, and its name carries
 * the port: cookies ignore ports, so two dashboards on one host (or any other
 * service on 127.0.0.1) must not overwrite each other's.
 */
import { randomBytes } from 'node:crypto';

import { tokensEqual } from './auth.js';

/** 128 random bits: far beyond guessing, even without the failed-attempt limit. */
const newSecret = (): string => randomBytes(16).toString('base64url');

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 64;
const MAX_CODES = 16;
/** An unspent code in a printed URL is only good for so long. */
export const LOGIN_CODE_TTL_MS = 24 * 60 * 60 * 1000;

export function sessionCookieName(port: number | null): string {
  return port === null ? 'ka_session' : `ka_session_${port}`;
}

export class Sessions {
  private readonly codes = new Map<string, number>();
  private readonly sessions = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh one-time code (the oldest unspent codes are forgotten past a small cap). */
  issueCode(): string {
    const code = newSecret();
    this.codes.set(code, this.now());
    while (this.codes.size > MAX_CODES) this.codes.delete(this.codes.keys().next().value as string);
    return code;
  }

  /** Spends a code: a session id once, null ever after (and for wrong or expired codes). */
  redeem(code: string): string | null {
    let match: string | null = null;
    // Every code is compared, in constant time: which one matched is not timed.
    for (const known of this.codes.keys()) if (tokensEqual(code, known)) match = known;
    if (match === null) return null;
    const issuedAt = this.codes.get(match) as number;
    this.codes.delete(match);
    if (this.now() - issuedAt > LOGIN_CODE_TTL_MS) return null;
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, this.now());
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    return id;
  }

  /** True for a live session; using it keeps it alive. */
  valid(id: string): boolean {
    const last = this.sessions.get(id);
    if (last === undefined) return false;
    if (this.now() - last > SESSION_IDLE_MS) {
      this.sessions.delete(id);
      return false;
    }
    // Re-inserted so the map's order is least recently used first (eviction order).
    this.sessions.delete(id);
    this.sessions.set(id, this.now());
    return true;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }
}
