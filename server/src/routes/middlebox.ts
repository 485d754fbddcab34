/**
 * The middlebox lab's API: GET /api/lab/middlebox (topology, settings, each
 * connection with its conntrack entry), PUT to build / change / remove it,
 * POST …/connections to open a connection through it, POST …/:id/message to
 * send bytes and learn whether they arrived.
 */
import type { FastifyInstance } from 'fastify';
import { MiddleboxConnectionSchema, MiddleboxIdParamsSchema, MiddleboxMessageSchema, MiddleboxPutSchema } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { PRESETS, settingsFrom, type MiddleboxSettings } from '../control/middlebox/settings.js';
import { ApiError, fromSystemError } from '../errors.js';
import type { TypeBoxProvider } from './schema-validation.js';

const LIMIT = { rateLimit: { max: 60, timeWindow: '1 minute' } };
const MESSAGE_WAIT_MS = 3000;

const describe = (s: MiddleboxSettings): string => `${s.preset === 'custom' ? 'custom' : PRESETS[s.preset].label} ${s.timeoutSec} s, ${s.mode}`;

function mapped(error: unknown, what: string): ApiError {
  const code = (error as { code?: string }).code;
  if (code === 'ENOTCONN') return new ApiError('KA_ERR_CONFLICT', (error as Error).message);
  return fromSystemError(error, what);
}

export async function middleboxRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  const mutable = (): void => {
    if (ctx.readOnly) throw new ApiError('KA_ERR_READ_ONLY');
    ctx.events.assertCanAudit();
    if (!ctx.capabilities.netAdmin) throw new ApiError('KA_ERR_PERMISSION', 'the middlebox lab needs CAP_NET_ADMIN (it creates network namespaces, veths and nftables rules)');
  };

  fastify.get('/api/lab/middlebox', async () => ({ ...(await ctx.middlebox.view()), presets: PRESETS }));

  fastify.put('/api/lab/middlebox', { schema: { body: MiddleboxPutSchema }, config: LIMIT }, async (request) => {
    mutable();
    const body = request.body;
    let settings: MiddleboxSettings | null = null;
    if (body.enabled) {
      try {
        settings = settingsFrom(body);
      } catch (error) {
        throw fromSystemError(error, 'middlebox settings');
      }
    } else if (!ctx.middlebox.enabled) {
      return ctx.middlebox.view();
    }
    const before = ctx.middlebox.currentSettings();
    const what = settings ? `${before ? 'change' : 'build'} the middlebox lab: ${describe(settings)}` : 'remove the middlebox lab';
    try {
      await ctx.events.change(
        { type: 'lab', connectionId: null, actor: request.ip, what, detail: { middlebox: settings } },
        () => ctx.middlebox.set(settings),
        () => ({ summary: settings ? `middlebox lab: ${describe(settings)}` : 'middlebox lab removed', before, after: settings }),
      );
    } catch (error) {
      throw mapped(error, 'middlebox lab');
    }
    return ctx.middlebox.view();
  });

  fastify.post('/api/lab/middlebox/connections', { schema: { body: MiddleboxConnectionSchema }, config: LIMIT }, async (request, reply) => {
    mutable();
    if (!ctx.middlebox.enabled) throw new ApiError('KA_ERR_CONFLICT', 'the middlebox lab is off: PUT /api/lab/middlebox {"enabled": true} first');
    const keepalive = request.body.keepalive ?? null;
    const userTimeoutMs = request.body.userTimeoutMs ?? 0;
    const ka = keepalive ? `keepalive ${keepalive.idleSec}/${keepalive.intervalSec}/${keepalive.count}` : 'keepalive off';
    try {
      const opened = await ctx.events.change(
        { type: 'lab', connectionId: null, actor: request.ip, what: `open a connection through the middlebox (${ka})` },
        () => ctx.middlebox.openConnection({ keepalive, userTimeoutMs }),
        (view) => ({ summary: `middlebox connection ${view.id} opened (${ka})`, detail: { middleboxConnection: view.id } }),
      );
      return reply.code(201).send(opened);
    } catch (error) {
      throw mapped(error, 'middlebox connection');
    }
  });

  fastify.post('/api/lab/middlebox/connections/:id/message', { schema: { params: MiddleboxIdParamsSchema, body: MiddleboxMessageSchema }, config: LIMIT }, async (request) => {
    if (ctx.readOnly) throw new ApiError('KA_ERR_READ_ONLY');
    const { id } = request.params;
    if (!ctx.middlebox.has(id)) throw new ApiError('KA_ERR_NOT_FOUND', `no middlebox connection ${JSON.stringify(id.slice(0, 100))}`);
    const result = await ctx.middlebox.message(id, request.body?.bytes ?? 16, request.body?.waitMs ?? MESSAGE_WAIT_MS);
    return { id, ...result, connection: (await ctx.middlebox.view()).connections.find((c) => c.id === id) ?? null };
  });
}
