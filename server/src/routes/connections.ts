import type { FastifyInstance } from 'fastify';
import { Value } from '@sinclair/typebox/value';

import { ConnectionFilterSchema, matchesFilter, type ConnectionFilter, type ConnectionView } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { hiddenForeignSocket } from '../security/foreign-permission.js';
import { detailFor } from '../stream/detail.js';

const MUTATION_LIMIT = { rateLimit: { max: 120, timeWindow: '1 minute' } };

/** Query strings are text: turn the numeric and boolean filters into their types, reject anything else. */
export function parseFilterQuery(query: Record<string, unknown>): ConnectionFilter {
  const known = ['state', 'port', 'address', 'pid', 'command', 'keepalive', 'probing', 'owned', 'limit', 'offset'];
  for (const key of Object.keys(query)) {
    if (!known.includes(key)) throw new ApiError('KA_ERR_BAD_REQUEST', `unknown filter "${key}" (known: ${known.slice(0, 8).join(', ')}, limit, offset)`);
  }
  const filter: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (key === 'limit' || key === 'offset') continue;
    if (typeof raw !== 'string') throw new ApiError('KA_ERR_BAD_REQUEST', `filter ${key} given more than once`);
    if (key === 'port' || key === 'pid') {
      if (!/^\d{1,10}$/.test(raw)) throw new ApiError('KA_ERR_BAD_REQUEST', `${key} must be a non-negative integer, got "${raw.slice(0, 40)}"`);
      filter[key] = Number(raw);
    } else if (key === 'probing' || key === 'owned') {
      if (raw !== 'true' && raw !== 'false') throw new ApiError('KA_ERR_BAD_REQUEST', `${key} must be true or false`);
      filter[key] = raw === 'true';
    } else filter[key] = raw;
  }
  if (!Value.Check(ConnectionFilterSchema, filter)) {
    const first = Value.Errors(ConnectionFilterSchema, filter).First();
    throw new ApiError('KA_ERR_BAD_REQUEST', `filter ${first?.path.slice(1) ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  return filter as ConnectionFilter;
}

function pageParam(raw: unknown, name: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) throw new ApiError('KA_ERR_BAD_REQUEST', `${name} must be a non-negative integer`);
  return Math.min(Number(raw), max);
}

export function findView(ctx: AppContext, id: string): ConnectionView {
  const view = ctx.store.get(id);
  if (!view) throw new ApiError('KA_ERR_NOT_FOUND', `no connection with id ${JSON.stringify(id.slice(0, 100))}: it may have closed`);
  return view;
}

/**
 * "No process holds it" is a lie when we may not look: without CAP_SYS_PTRACE
 * another user's holders are invisible. If the socket is still in the
 * kernel's table, say what is missing (403) instead of "gone" (404).
 */
async function explainGone(ctx: AppContext, view: ConnectionView, error: unknown): Promise<unknown> {
  if (!(error instanceof ApiError) || error.code !== 'KA_ERR_SOCKET_GONE') return error;
  const hidden = hiddenForeignSocket(view, ctx.capabilities);
  if (!hidden) return error;
  await ctx.store.collectFresh().catch(() => {});
  if (!ctx.store.get(view.id)) return error;
  return new ApiError('KA_ERR_PERMISSION', hidden.message);
}

export async function connectionRoutes(fastify: FastifyInstance, ctx: AppContext): Promise<void> {
  fastify.get('/api/connections', async (request) => {
    const query = request.query as Record<string, unknown>;
    const filter = parseFilterQuery(query);
    const limit = pageParam(query.limit, 'limit', 1000, 100_000);
    const offset = pageParam(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const all = ctx.store.snapshot().connections.filter((v) => matchesFilter(v, filter));
    return { serverTime: ctx.now(), total: all.length, offset, connections: all.slice(offset, offset + limit) };
  });

  fastify.get<{ Params: { id: string } }>('/api/connections/:id', async (request) => {
    const view = findView(ctx, request.params.id);
    const detail = await detailFor(ctx, view, true);
    return { serverTime: ctx.now(), connection: detail.connection ?? view, tcpInfo: detail.tcpInfo, error: detail.error };
  });

  fastify.patch<{ Params: { id: string } }>('/api/connections/:id/keepalive', { config: MUTATION_LIMIT }, async (request) => {
    const view = findView(ctx, request.params.id);
    let result;
    try {
      result = await ctx.control.retune(view, request.body, request.ip);
    } catch (error) {
      throw await explainGone(ctx, view, error);
    }
    // Collect at once so the stream shows the new countdown without waiting a tick.
    void ctx.store.collectFresh().catch(() => {});
    return result;
  });

  fastify.delete<{ Params: { id: string } }>('/api/connections/:id', { config: MUTATION_LIMIT }, async (request, reply) => {
    const view = findView(ctx, request.params.id);
    await ctx.control.kill(view, request.ip);
    void ctx.store.collectFresh().catch(() => {});
    return reply.code(200).send({ killed: view.id });
  });
}
