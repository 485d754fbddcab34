import type { FastifyInstance } from 'fastify';

import { BulkRetuneRequestSchema, type BulkRetuneResult } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { bulkRetune } from '../control/bulk-retune.js';
import type { TypeBoxProvider } from './schema-validation.js';

/** One request may retune up to 1,000 sockets: fewer requests than the single PATCH's 120 a minute. */
const BULK_LIMIT = { rateLimit: { max: 30, timeWindow: '1 minute' } };

export async function bulkRetuneRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  fastify.post('/api/connections/keepalive', { schema: { body: BulkRetuneRequestSchema }, config: BULK_LIMIT }, async (request): Promise<BulkRetuneResult> =>
    bulkRetune(ctx, request.body, request.ip),
  );
}
