import type { FastifyInstance } from 'fastify';

import {
  EventsQuerySchema,
  HealthSchema,
  SYSCTL_BOUNDS,
  SysctlPatchSchema,
  type EventPage,
  type Health,
  type Sysctl,
  type SysctlView,
} from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { describePatch } from '../control/socket-control.js';
import { ApiError, fromSystemError } from '../errors.js';
import type { TypeBoxProvider } from './schema-validation.js';

export function health(ctx: AppContext): Health {
  const last = ctx.store.lastCollection();
  return {
    status: 'ok',
    version: ctx.version,
    source: ctx.selected.source.name,
    requestedSource: ctx.selected.requested,
    fallbacks: ctx.selected.fallbacks,
    intervalMs: ctx.intervalMs,
    readOnly: ctx.readOnly,
    auditLog: ctx.audit.status(),
    capabilities: ctx.capabilities,
    lastCollection: last ? { at: last.at, durationMs: Math.round(last.durationMs * 10) / 10, connections: last.connections } : null,
    sampling: { ...ctx.store.sampling(), readBack: ctx.foreignSettings.status(ctx.now()) },
    serverTime: ctx.now(),
  };
}

export async function hostRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  fastify.get('/api/health', { schema: { response: { 200: HealthSchema } } }, async () => health(ctx));

  fastify.get('/api/sysctl', async (): Promise<SysctlView> => ({ ...ctx.sysctl.read(), bounds: SYSCTL_BOUNDS, writable: ctx.capabilities.sysctlWrite && !ctx.readOnly }));

  fastify.put('/api/sysctl', { schema: { body: SysctlPatchSchema }, config: { rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request) => {
    if (ctx.readOnly) throw new ApiError('KA_ERR_READ_ONLY');
    ctx.events.assertCanAudit();
    const patch = request.body;
    if (!ctx.capabilities.sysctlWrite) throw new ApiError('KA_ERR_PERMISSION', 'changing net.ipv4.tcp_keepalive_* needs root (write access to /proc/sys/net/ipv4)');
    const asked = describePatch(patch);
    try {
      return await ctx.events.change(
        { type: 'sysctl', connectionId: null, actor: request.ip, what: `set net.ipv4.tcp_keepalive_* (${asked})`, detail: { patch } },
        (): { before: Sysctl; after: Sysctl } => ctx.sysctl.write(patch),
        (result) => ({ summary: 'net.ipv4.tcp_keepalive_* changed', before: result.before, after: result.after }),
      );
    } catch (error) {
      // Mapped after the change: the audit's failed outcome keeps the errno.
      throw fromSystemError(error, 'sysctl');
    }
  });

  fastify.get('/api/events', { schema: { querystring: EventsQuerySchema } }, async (request): Promise<EventPage> => {
    const { limit = 100, before } = request.query;
    const events = ctx.audit.page(before, limit);
    return { events, next: events.length === limit ? events[events.length - 1]?.seq ?? null : null };
  });
}
