/** GET /api/fleet: the fleet's hosts from Prometheus (`--prometheus URL`), riskiest first. */
import type { FastifyInstance } from 'fastify';

import { FleetSchema } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import type { TypeBoxProvider } from '../routes/schema-validation.js';
import { fleet } from './fleet.js';
import type { PrometheusClient } from './prometheus.js';

export async function fleetRoutes(app: FastifyInstance, ctx: AppContext, prometheus: PrometheusClient | null): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  // Each call is five Prometheus queries: a few tabs polling are fine, a loop is not.
  fastify.get('/api/fleet', { schema: { response: { 200: FleetSchema } }, config: { rateLimit: { max: 120, timeWindow: '1 minute' } } }, async () => {
    if (!prometheus) return { configured: false, prometheus: null, at: ctx.now(), hosts: [] };
    return fleet(prometheus, ctx.now);
  });
}
