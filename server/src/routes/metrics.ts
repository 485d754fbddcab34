import type { FastifyInstance } from 'fastify';

import type { AppContext } from '../context.js';

export async function metricsRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  // Registered inside the credential guard's plugin, or outside it with --metrics-public (app.ts).
  fastify.get('/metrics', async (_request, reply) => {
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
