/** GET /api/connections/:id/probes: the keepalive probes seen on the wire for a watched connection (as the stream's detail frame carries them). */
import type { FastifyInstance } from 'fastify';

import { ConnectionIdParamsSchema, ProbeTimelineSchema, type ProbeTimeline } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { TypeBoxProvider } from './schema-validation.js';

export async function probeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  fastify.get('/api/connections/:id/probes', { schema: { params: ConnectionIdParamsSchema, response: { 200: ProbeTimelineSchema } } }, async (request): Promise<ProbeTimeline> => {
    const { id } = request.params;
    if (!ctx.store.get(id) && !ctx.probes.timeline(id).watched) throw new ApiError('KA_ERR_NOT_FOUND', `no connection ${JSON.stringify(id.slice(0, 200))}`);
    return ctx.probes.timeline(id);
  });
}
