import type { FastifyInstance } from 'fastify';

import type { AppContext } from '../context.js';

export async function metricsRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  // Authentication (unless --metrics-public) is the app-wide onRequest hook's job.
  fastify.get('/metrics', async (_request, reply) => {
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
