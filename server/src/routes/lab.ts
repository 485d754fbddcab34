import type { FastifyInstance } from 'fastify';

import {
  BlackholeRequestSchema,
  LabIdParamsSchema,
  OpenLabConnectionSchema,
  OpenLabListenerSchema,
  type BlackholeState,
  type LabList,
} from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { isLoopbackAddress, labHost } from '../control/address-policy.js';
import { ruleFor } from '../control/blackhole.js';
import type { LabEntry } from '../control/lab.js';
import { ApiError, fromSystemError } from '../errors.js';
import type { TypeBoxProvider } from './schema-validation.js';

const LIMIT = { rateLimit: { max: 120, timeWindow: '1 minute' } };

export async function labRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  const params = LabIdParamsSchema;
  const mutable = (): void => {
    if (ctx.readOnly) throw new ApiError('KA_ERR_READ_ONLY');
    ctx.events.assertCanAudit();
  };
  /**
   * The entry plus the id its socket has in the connection table, once collected.
   * The socket is open and audited by now: a failing collection (the source
   * broke mid-run) leaves the id null rather than turn that success into a 500.
   */
  const withConnectionId = async (entry: LabEntry): Promise<LabEntry & { connectionId: string | null }> => {
    await ctx.store.collectFresh().catch(() => {});
    const view = ctx.store.findByInode(entry.inode);
    return { ...entry, connectionId: view?.id ?? null };
  };

  fastify.get('/api/lab', async (): Promise<LabList> => {
    // One pass over the table for all entries, not one per entry.
    const byInode = new Map<number, string>();
    for (const v of ctx.store.currentViews()) if (v.inode > 0) byInode.set(v.inode, v.id);
    return {
      entries: ctx.lab.list().map((e) => ({ ...e, connectionId: byInode.get(e.inode) ?? null, blackholed: ctx.blackholes.isOn(e.id) })),
      labAnyAddress: ctx.labAnyAddress,
      canBlackhole: ctx.capabilities.netAdmin && !ctx.readOnly,
    };
  });

  fastify.post('/api/lab/connections/:id/blackhole', { schema: { params, body: BlackholeRequestSchema }, config: LIMIT }, async (request): Promise<BlackholeState> => {
    mutable();
    const body = request.body;
    // A lab id (lab-3) or the connection's id in the table.
    const byConnection = ctx.store.get(request.params.id);
    const entry = ctx.lab.get(request.params.id) ?? (byConnection?.labId ? ctx.lab.get(byConnection.labId) : undefined);
    if (!entry || entry.kind === 'listener') throw new ApiError('KA_ERR_NOT_FOUND', `no lab connection ${JSON.stringify(request.params.id.slice(0, 100))}`);
    if (body.on && entry.status !== 'open') throw new ApiError('KA_ERR_SOCKET_GONE', `lab connection ${entry.id} is closed`);
    if (!ctx.capabilities.netAdmin) throw new ApiError('KA_ERR_PERMISSION', 'black-holing a peer needs CAP_NET_ADMIN (it drops the peer’s segments with nftables)');
    if (!entry.local || !entry.peer) throw new ApiError('KA_ERR_CONFLICT', `lab connection ${entry.id} has no address yet`);
    const { local, peer } = entry;
    const peerText = `peer ${peer.address}:${peer.port}`;
    try {
      await ctx.events.change(
        {
          type: 'blackhole',
          connectionId: byConnection?.id ?? null,
          actor: request.ip,
          what: `lab connection ${entry.id}: ${body.on ? 'black-hole' : 'restore'} ${peerText}`,
          detail: { labId: entry.id, on: body.on },
        },
        () => (body.on ? ctx.blackholes.on(entry.id, ruleFor(local, peer)) : ctx.blackholes.off(entry.id)),
        () => ({ summary: `lab connection ${entry.id}: ${peerText} ${body.on ? 'black-holed: its replies now vanish' : 'restored'}` }),
      );
    } catch (error) {
      // Mapped after the change: the audit's failed outcome keeps the errno.
      throw fromSystemError(error, 'black hole');
    }
    return { id: entry.id, blackholed: ctx.blackholes.isOn(entry.id) };
  });

  fastify.post('/api/lab/connections', { schema: { body: OpenLabConnectionSchema }, config: LIMIT }, async (request, reply) => {
    mutable();
    const body = request.body;
    const host = labHost(body.host);
    if (!host) throw new ApiError('KA_ERR_BAD_REQUEST', `host must be an IP address or localhost, got ${JSON.stringify(body.host.slice(0, 100))}`);
    if (!ctx.labAnyAddress && !isLoopbackAddress(host)) {
      throw new ApiError('KA_ERR_PERMISSION', `lab connections go to loopback only (127.0.0.0/8, ::1); start with --lab-any-address to allow ${host}`);
    }
    let entry: LabEntry;
    try {
      entry = await ctx.events.change(
        { type: 'lab', connectionId: null, actor: request.ip, what: `open a lab connection to ${host}:${body.port}` },
        () => ctx.lab.connect(host, body.port),
        (opened) => ({ summary: `lab connection ${opened.id} opened to ${host}:${body.port}`, detail: { entry: opened } }),
      );
    } catch (error) {
      // Mapped after the change: the audit's failed outcome keeps the errno.
      const code = (error as { code?: string }).code;
      if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
        throw new ApiError('KA_ERR_CONFLICT', `cannot connect to ${host}:${body.port}: ${code}`);
      }
      throw fromSystemError(error, 'lab connection');
    }
    return reply.code(201).send(await withConnectionId(entry));
  });

  fastify.post('/api/lab/listeners', { schema: { body: OpenLabListenerSchema }, config: LIMIT }, async (request, reply) => {
    mutable();
    const body = request.body;
    const host = labHost(body.host ?? '127.0.0.1');
    if (!host) throw new ApiError('KA_ERR_BAD_REQUEST', 'host must be an IP address or localhost');
    if (!ctx.labAnyAddress && !isLoopbackAddress(host)) throw new ApiError('KA_ERR_PERMISSION', 'lab listeners bind loopback only unless --lab-any-address');
    let entry: LabEntry;
    try {
      entry = await ctx.events.change(
        { type: 'lab', connectionId: null, actor: request.ip, what: `open a lab listener on ${host}:${body.port}` },
        () => ctx.lab.listen(body.port, host),
        (opened) => ({ summary: `lab listener ${opened.id} on ${host}:${opened.local?.port}`, detail: { entry: opened } }),
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE') throw new ApiError('KA_ERR_CONFLICT', `port ${body.port} is already in use`);
      if (code === 'EACCES') throw new ApiError('KA_ERR_PERMISSION', `binding port ${body.port} needs CAP_NET_BIND_SERVICE`);
      throw fromSystemError(error, 'lab listener');
    }
    return reply.code(201).send(await withConnectionId(entry));
  });

  fastify.delete('/api/lab/:id', { schema: { params }, config: LIMIT }, async (request) => {
    mutable();
    const entry = ctx.lab.get(request.params.id);
    if (!entry) throw new ApiError('KA_ERR_NOT_FOUND', `no lab object ${JSON.stringify(request.params.id.slice(0, 100))}`);
    const view = ctx.store.findByInode(entry.inode);
    const closed = await ctx.events.change(
      { type: 'lab', connectionId: null, actor: request.ip, what: `close lab ${entry.kind} ${entry.id}` },
      () => ctx.lab.close(entry.id),
      () => ({ summary: `lab ${entry.kind} ${entry.id} closed` }),
    );
    if (view) void ctx.store.refresh([view.id]).catch(() => {});
    return closed;
  });
}
