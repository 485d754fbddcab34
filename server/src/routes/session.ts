/**
 * Session management for logged-in clients: more one-time login links (for a
 * second browser, or from a script holding the token), and logging out.
 */
import type { FastifyInstance } from 'fastify';

import type { LoginCode } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';

export async function sessionRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  fastify.post('/api/login-codes', { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } }, async (_request, reply) => {
    const code = ctx.auth.sessions.issueCode();
    const minted: LoginCode = { code, path: `/login?code=${code}` };
    return reply.code(201).send(minted);
  });

  fastify.post('/api/logout', async (request, reply) => {
    const name = ctx.auth.cookieName();
    const session = request.cookies[name];
    if (session) ctx.auth.sessions.end(session);
    return reply.clearCookie(name, { path: '/' }).send({ loggedOut: Boolean(session) });
  });
}
