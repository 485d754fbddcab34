/**
 * The Fastify server's own limits, shared by main.ts and the tests that
 * listen on a real port. Node's defaults let a client hold a request open for
 * five minutes; Fastify's default requestTimeout is none at all, so a slow
 * body (a byte a minute) would pin a socket and its buffers forever.
 */
import type { Server } from 'node:http';

import type { FastifyHttpOptions } from 'fastify';

/** Whole request (headers and body) must arrive within this; WebSocket streams are upgrades and not affected. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** An idle HTTP keep-alive connection is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 10_000;
/**
 * A socket silent this long is closed. The request timeout only starts with a
 * request's first byte: a connection that never sends one (a slowloris, or a
 * browser's unused preconnect) would otherwise stay forever. WebSocket
 * streams are not affected (ws clears the timeout on upgrade).
 */
export const SOCKET_IDLE_TIMEOUT_MS = 20_000;

export function serverOptions(overrides: Partial<FastifyHttpOptions<Server>> = {}): FastifyHttpOptions<Server> {
  return {
    bodyLimit: 64 * 1024,
    // Start-up collects once and scans /proc: on a host with 100k sockets that takes seconds.
    pluginTimeout: 120_000,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: SOCKET_IDLE_TIMEOUT_MS,
    // Headers must come faster than the whole request; Node checks both only
    // this often (its default, 30 s, would let a slow body linger twice as long).
    http: { headersTimeout: 10_000, connectionsCheckingInterval: 2_000 },
    ...overrides,
  };
}
