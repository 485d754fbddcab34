import type { FastifyInstance } from 'fastify';

import { HistoryPageSchema, HistoryQuerySchema, type HistoryPage } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import type { TypeBoxProvider } from './schema-validation.js';

/** GET /api/history: the host's totals kept on the server (an hour of seconds, a day of minutes). */
export async function historyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  fastify.get('/api/history', { schema: { querystring: HistoryQuerySchema, response: { 200: HistoryPageSchema } } }, async (request): Promise<HistoryPage> => {
    const { since = 0, resolution = '1s' } = request.query;
    return { serverTime: ctx.now(), resolution, points: ctx.history.points(resolution, since) };
  });
}
