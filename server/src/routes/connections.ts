import type { FastifyInstance } from 'fastify';

import {
  ConnectionIdParamsSchema,
  ConnectionsQuerySchema,
  filterProblem,
  KeepalivePatchSchema,
  matchesFilter,
  type ConnectionDetail,
  type ConnectionsPage,
  type ConnectionView,
} from '@keepalive-dashboard/shared';

import { goneError } from '../collector/post-mortems.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { hiddenForeignSocket } from '../security/foreign-permission.js';
import { detailFor } from '../stream/detail.js';
import type { TypeBoxProvider } from './schema-validation.js';

const MUTATION_LIMIT = { rateLimit: { max: 120, timeWindow: '1 minute' } };

export function findView(ctx: AppContext, id: string): ConnectionView {
  const view = ctx.store.get(id);
  if (!view) throw new ApiError('KA_ERR_NOT_FOUND', `no connection with id ${JSON.stringify(id.slice(0, 100))}: it may have closed`);
  return view;
}

/**
 * "No process holds it" is a lie when we may not look: without CAP_SYS_PTRACE
 * another user's holders are invisible. If the socket is still in the
 * kernel's table, say what is missing (403) instead of "gone" (404) or
 * "held by nobody right now" (409).
 */
async function explainGone(ctx: AppContext, view: ConnectionView, error: unknown): Promise<unknown> {
  if (!(error instanceof ApiError) || (error.code !== 'KA_ERR_SOCKET_GONE' && error.code !== 'KA_ERR_NO_HOLDER')) return error;
  const hidden = hiddenForeignSocket(view, ctx.capabilities);
  if (!hidden) return error;
  await ctx.store.refresh([view.id]).catch(() => {});
  if (!ctx.store.get(view.id)) return error;
  return new ApiError('KA_ERR_PERMISSION', hidden.message);
}

export async function connectionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  const params = ConnectionIdParamsSchema;

  fastify.get('/api/connections', { schema: { querystring: ConnectionsQuerySchema } }, async (request): Promise<ConnectionsPage> => {
    const { limit = 1000, offset = 0, ...filter } = request.query;
    // The schema checks shapes; a port list, CIDR or expression is read here, once, and refused with the parser's words.
    const problem = filterProblem(filter);
    if (problem) throw new ApiError('KA_ERR_BAD_REQUEST', problem.message);
    const all = ctx.store.snapshot().connections.filter((v) => matchesFilter(v, filter));
    return { serverTime: ctx.now(), total: all.length, offset, connections: all.slice(offset, offset + limit) };
  });

  fastify.get('/api/connections/:id', { schema: { params } }, async (request): Promise<ConnectionDetail> => {
    // Gone lately: 200 with its last view and why it ended, so a link or a selection outlives the socket.
    const gone = ctx.store.get(request.params.id) ? undefined : ctx.postMortems.get(request.params.id);
    if (gone) return { serverTime: ctx.now(), connection: gone.last, tcpInfo: null, error: goneError(gone.gone), gone: gone.gone };
    const view = findView(ctx, request.params.id);
    const detail = await detailFor(ctx, view, true);
    return { serverTime: ctx.now(), connection: detail.connection ?? view, tcpInfo: detail.tcpInfo, error: detail.error };
  });

  fastify.patch('/api/connections/:id/keepalive', { schema: { params, body: KeepalivePatchSchema }, config: MUTATION_LIMIT }, async (request) => {
    const view = findView(ctx, request.params.id);
    let result;
    try {
      result = await ctx.control.retune(view, request.body, request.ip);
    } catch (error) {
      throw await explainGone(ctx, view, error);
    }
    // Read this one socket back from the kernel at once: the stream shows the
    // new timer without waiting for (or forcing) a sweep of the whole host.
    await ctx.store.refresh([view.id]).catch(() => {});
    return result;
  });

  fastify.delete('/api/connections/:id', { schema: { params }, config: MUTATION_LIMIT }, async (request, reply) => {
    const view = findView(ctx, request.params.id);
    await ctx.control.kill(view, request.ip);
    await ctx.store.refresh([view.id]).catch(() => {});
    return reply.code(200).send({ killed: view.id });
  });
}
