/**
 * The public routes: the built React app (or a placeholder page), its assets,
 * and the login exchange. `GET /login?code=…` spends a one-time login code for
 * a session cookie (HttpOnly, SameSite=Strict, named with the port) and
 * redirects to `/`, so the address bar never keeps a live credential.
 * Everything else lives behind the credential guard (app.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { LoginQuerySchema } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { placeholderPage } from '../placeholder-page.js';
import { SESSION_IDLE_MS } from '../security/sessions.js';
import type { TypeBoxProvider } from './schema-validation.js';

export const DEFAULT_WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginFailedPage(cookieName: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>keepalive-dashboard: login link not valid</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>This login link is not valid</h1>
<p>Each link printed by keepalive-dashboard logs in <strong>once</strong>: it was already used, has expired, or was
mistyped. The server prints a fresh link each time one is used; a logged-in page or a script holding the API token
can make another with <code>POST /api/login-codes</code>.</p>
<p><small>Session cookie: ${escapeHtml(cookieName)}</small></p>
</body></html>`;
}

export async function uiRoutes(fastify: FastifyInstance, ctx: AppContext, webRoot = DEFAULT_WEB_ROOT): Promise<void> {
  const indexPath = join(webRoot, 'index.html');
  const built = existsSync(indexPath);

  const page = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    reply.header('cache-control', 'no-store');
    return reply.type('text/html; charset=utf-8').send(built ? readFileSync(indexPath, 'utf8') : placeholderPage());
  };
  fastify.get('/', page);
  fastify.get('/index.html', page);

  fastify.withTypeProvider<TypeBoxProvider>().get('/login', { schema: { querystring: LoginQuerySchema } }, async (request, reply) => {
    const { code } = request.query;
    const session = code === undefined ? null : ctx.auth.sessions.redeem(code);
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (session === null) {
      // Wrong codes count like wrong tokens; a right one is never refused.
      if (ctx.auth.failures.blocked(request.ip)) return reply.code(429).type('text/html; charset=utf-8').send(loginFailedPage(ctx.auth.cookieName()));
      ctx.auth.failures.fail(request.ip);
      return reply.code(401).type('text/html; charset=utf-8').send(loginFailedPage(ctx.auth.cookieName()));
    }
    reply.setCookie(ctx.auth.cookieName(), session, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: request.protocol === 'https',
      maxAge: SESSION_IDLE_MS / 1000,
    });
    ctx.auth.onCodeSpent();
    return reply.code(303).header('location', '/').send();
  });

  if (built) {
    // Only the assets folder; @fastify/static refuses paths that climb out of it.
    await fastify.register(fastifyStatic, { root: join(webRoot, 'assets'), prefix: '/assets/', index: false, wildcard: true });
  }
}
