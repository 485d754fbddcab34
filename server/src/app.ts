/**
 * The Fastify app as a plugin: it never listens. main.ts listens; tests use
 * app.inject. Until the UI lands, `/` serves a placeholder page.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

import { placeholderPage } from './placeholder-page.js';
import { VERSION } from './version.js';

export interface AppOptions {
  /** Which host-wide source feeds the dashboard. */
  source?: string;
  /** Refresh interval, ms. */
  intervalMs?: number;
}

export const app: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, options) => {
  fastify.get('/', async (_request, reply) => {
    return reply.type('text/html; charset=utf-8').send(placeholderPage());
  });
  fastify.get('/api/health', async () => ({
    status: 'ok',
    version: VERSION,
    source: options.source ?? 'auto',
    intervalMs: options.intervalMs ?? 1000,
  }));
};

export default app;
