import type { FastifyInstance } from 'fastify';

import {
  EVENT_TYPES,
  EventsQuerySchema,
  HealthSchema,
  NetnsQuerySchema,
  SYSCTL_BOUNDS,
  SysctlPatchSchema,
  type EventPage,
  type EventType,
  type Health,
  type NetnsRef,
  type Sysctl,
  type SysctlView,
} from '@keepalive-dashboard/shared';

import { eventPage } from '../audit/event-page.js';
import type { AppContext } from '../context.js';
import { AUDITED_TYPES } from '../events.js';
import { describePatch } from '../control/socket-control.js';
import { ApiError, fromSystemError } from '../errors.js';
import { namespaceHealth } from './namespaces.js';
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
    namespaces: namespaceHealth(ctx),
    lastCollection: last ? { at: last.at, durationMs: Math.round(last.durationMs * 10) / 10, connections: last.connections } : null,
    sampling: { ...ctx.store.sampling(), readBack: ctx.foreignSettings.status(ctx.now()) },
    serverTime: ctx.now(),
  };
}

export async function hostRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  fastify.get('/api/health', { schema: { response: { 200: HealthSchema } } }, async () => health(ctx));

  /** The namespace a sysctl request names (absent: the server's own); 404 when it is not watched. */
  const namespaceOf = (inode: number | undefined): NetnsRef => {
    const entry = ctx.namespaces.get(inode ?? ctx.namespaces.ownInode);
    if (!entry) throw new ApiError('KA_ERR_NOT_FOUND', `no network namespace ${String(inode)} is watched (GET /api/namespaces lists them)`);
    return entry.ref;
  };
  /** Writing another namespace's sysctls means entering it. */
  const writable = (ref: NetnsRef): boolean => ctx.capabilities.sysctlWrite && !ctx.readOnly && (ref.own || ctx.capabilities.sysAdmin);

  fastify.get('/api/sysctl', { schema: { querystring: NetnsQuerySchema } }, async (request): Promise<SysctlView> => {
    const ref = namespaceOf(request.query.netns);
    const read = ctx.namespaceSysctls.get(ref.inode);
    if (!read.values) throw fromSystemError(Object.assign(new Error(read.error?.message ?? 'unreadable'), { code: read.error?.code }), `sysctls of ${ref.label}`);
    return { ...read.values, bounds: SYSCTL_BOUNDS, writable: writable(ref), netns: ref };
  });

  fastify.put('/api/sysctl', { schema: { querystring: NetnsQuerySchema, body: SysctlPatchSchema }, config: { rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request) => {
    if (ctx.readOnly) throw new ApiError('KA_ERR_READ_ONLY');
    ctx.events.assertCanAudit();
    const ref = namespaceOf(request.query.netns);
    const patch = request.body;
    if (!ctx.capabilities.sysctlWrite) throw new ApiError('KA_ERR_PERMISSION', 'changing net.ipv4.tcp_keepalive_* needs root (write access to /proc/sys/net/ipv4)');
    if (!ref.own && !ctx.capabilities.sysAdmin) throw new ApiError('KA_ERR_PERMISSION', `changing namespace ${ref.label}'s sysctls means entering it: that needs CAP_SYS_ADMIN`);
    const asked = describePatch(patch);
    const where = ref.own ? '' : ` in namespace ${ref.label}`;
    try {
      const result = await ctx.events.change(
        { type: 'sysctl', connectionId: null, netns: ref, actor: request.ip, what: `set net.ipv4.tcp_keepalive_*${where} (${asked})`, detail: { patch, netns: ref } },
        (): { before: Sysctl; after: Sysctl } => ctx.namespaceSysctls.write(ref.inode, patch),
        (result) => ({ summary: `net.ipv4.tcp_keepalive_* changed${where}`, before: result.before, after: result.after }),
      );
      // Its sockets' advisories compare against the new defaults.
      ctx.store.namespacesChanged(new Set([ref.inode]));
      return result;
    } catch (error) {
      // Mapped after the change: the audit's failed outcome keeps the errno.
      throw fromSystemError(error, 'sysctl');
    }
  });

  fastify.get('/api/events', { schema: { querystring: EventsQuerySchema } }, async (request): Promise<EventPage> => {
    const { limit = 100, before, after, type, connection, pid, netns, include } = request.query;
    const observed = include === 'observed';
    const types = type === undefined ? undefined : eventTypes(type, observed);
    const { events, next } = eventPage(ctx.audit, ctx.events, {
      limit, observed,
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
      ...(types ? { types } : {}),
      ...(connection !== undefined ? { connectionId: connection } : {}),
      ...(pid !== undefined ? { pid } : {}),
      ...(netns !== undefined ? { netns } : {}),
    });
    return { events, next };
  });
}

/** `type=died,killed` as a set; an unknown type, or an unaudited one without include=observed, is refused. */
function eventTypes(list: string, observed: boolean): Set<EventType> {
  const types = new Set<EventType>();
  for (const name of list.split(',').map((t) => t.trim()).filter(Boolean)) {
    if (!(EVENT_TYPES as readonly string[]).includes(name)) {
      throw new ApiError('KA_ERR_BAD_REQUEST', `unknown event type ${JSON.stringify(name.slice(0, 40))} (known: ${EVENT_TYPES.join(', ')})`);
    }
    if (!observed && !AUDITED_TYPES.has(name as EventType)) {
      throw new ApiError('KA_ERR_BAD_REQUEST', `${name} events are not in the audit log: add include=observed to page the ones kept in memory`);
    }
    types.add(name as EventType);
  }
  return types;
}
