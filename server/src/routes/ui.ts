/**
 * The UI: the built React app when there is one, else a placeholder page.
 * Opening `/?token=…` stores the token in an HttpOnly SameSite=Strict cookie,
 * so the page, its API calls and its WebSocket are authenticated without the
 * token ever being readable by scripts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { AppContext } from '../context.js';
import { placeholderPage } from '../placeholder-page.js';
import { TOKEN_COOKIE, tokensEqual } from '../security/auth.js';

export const DEFAULT_WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

export async function uiRoutes(fastify: FastifyInstance, ctx: AppContext, webRoot = DEFAULT_WEB_ROOT): Promise<void> {
  const indexPath = join(webRoot, 'index.html');
  const built = existsSync(indexPath);

  const page = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const token = (request.query as Record<string, unknown>).token;
    if (typeof token === 'string' && tokensEqual(token, ctx.token)) {
      reply.setCookie(TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https' });
    }
    reply.header('cache-control', 'no-store');
    return reply.type('text/html; charset=utf-8').send(built ? readFileSync(indexPath, 'utf8') : placeholderPage());
  };
  fastify.get('/', page);
  fastify.get('/index.html', page);

  if (built) {
    // Only the assets folder; @fastify/static refuses paths that climb out of it.
    await fastify.register(fastifyStatic, { root: join(webRoot, 'assets'), prefix: '/assets/', index: false, wildcard: true });
  }
}
