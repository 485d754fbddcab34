/** GET /api/namespaces: every network namespace watched, with its label, processes, sockets, sysctls and why it is not read. */
import type { FastifyInstance } from 'fastify';

import { NamespaceListSchema, type ErrorBody, type Namespace, type NamespaceList } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import type { NamespaceEntry } from '../namespaces/registry.js';
import type { TypeBoxProvider } from './schema-validation.js';

export function namespaceView(ctx: AppContext, entry: NamespaceEntry, sockets: number): Namespace {
  const sysctl = ctx.namespaceSysctls.get(entry.inode);
  return {
    inode: entry.inode,
    label: entry.ref.label,
    name: entry.name,
    owner: entry.owner,
    own: entry.own,
    initial: entry.initial,
    path: entry.own ? '/proc/self/ns/net' : (ctx.namespaces.targets(entry.inode)?.[0]?.path ?? ''),
    processes: entry.processes,
    processCount: entry.pids.length,
    sockets,
    reader: entry.reader,
    error: entry.error,
    sysctl: sysctl.values,
    sysctlError: sysctl.error,
    firstSeenAt: entry.firstSeenAt,
    keepaliveCounters: ctx.kernelCounters.get(entry.inode),
  };
}

/** What /api/health says about namespaces: how many, how many read, and which are not (and why). */
export function namespaceHealth(ctx: AppContext): { scope: 'all' | 'own'; seen: number; read: number; notRead: { inode: number; label: string; error: ErrorBody }[] } {
  const entries = ctx.namespaces.list();
  const notRead = entries.flatMap((e) =>
    // Not swept yet (just appeared) is not "not read".
    e.reader === null && e.error ? [{ inode: e.inode, label: e.ref.label, error: e.error }] : [],
  );
  return { scope: ctx.namespaces.scope, seen: entries.length, read: entries.filter((e) => e.reader !== null).length, notRead };
}

export async function namespaceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxProvider>();
  fastify.get('/api/namespaces', { schema: { response: { 200: NamespaceListSchema } } }, async (): Promise<NamespaceList> => {
    const counts = ctx.store.countByNetns();
    return { serverTime: ctx.now(), namespaces: ctx.namespaces.list().map((e) => namespaceView(ctx, e, counts.get(e.inode) ?? 0)) };
  });
}
