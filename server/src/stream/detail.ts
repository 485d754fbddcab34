/**
 * The close-up of one connection: full tcp_info (owned through our fd,
 * foreign through pidfd_getfd) and its settings read now, not from cache.
 */
import { getTcpInfo } from '@keepalive-dashboard/native';
import type { ConnectionView, ErrorBody, Holder } from '@keepalive-dashboard/shared';

import type { AppContext } from '../context.js';
import { hiddenForeignSocket } from '../security/foreign-permission.js';

export interface Detail {
  connection: ConnectionView | null;
  tcpInfo: Record<string, number | boolean | string> | null;
  error: ErrorBody | null;
}

const asError = (error: unknown): ErrorBody => ({
  code: typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'EIO',
  message: error instanceof Error ? error.message : String(error),
});

/** A detail's holders may be this old: each rescan walks the holders' fd tables, and many clients may watch one row. */
const HOLDERS_FRESH_MS = 1000;

const freshHolders = (ctx: AppContext, inode: number): Promise<readonly Holder[]> => ctx.processMap.refreshFor(inode, HOLDERS_FRESH_MS);

export async function detailFor(ctx: AppContext, view: ConnectionView, refreshHolders: boolean): Promise<Detail> {
  if (view.inode === 0) return { connection: view, tcpInfo: null, error: null };
  const owned = ctx.lab.handleForInode(view.inode);
  if (owned) {
    const connection = refreshHolders ? { ...view, holders: [...(await freshHolders(ctx, view.inode))] } : view;
    try {
      return { connection, tcpInfo: { ...getTcpInfo(owned.handle) } as Detail['tcpInfo'], error: null };
    } catch (error) {
      return { connection, tcpInfo: null, error: asError(error) };
    }
  }
  const holders = refreshHolders ? await freshHolders(ctx, view.inode) : ctx.processMap.get(view.inode);
  // No holder in sight may only mean we are not allowed to look.
  const hidden = holders.length === 0 ? hiddenForeignSocket(view, ctx.capabilities) : null;
  let connection = view;
  if (refreshHolders) {
    ctx.foreignSettings.read(view.inode, holders, ctx.now());
    // The settings just read move the predictions, timer and advisories too:
    // the store rebuilds the view with them, so the detail agrees with itself
    // (and the stream with the detail).
    const fresh = ctx.store.recompute(view.id) ?? view;
    connection = { ...fresh, holders: [...holders], keepaliveError: hidden ?? fresh.keepaliveError };
  }
  if (hidden) return { connection, tcpInfo: null, error: hidden };
  if (!ctx.foreign) return { connection, tcpInfo: null, error: { code: 'ENOTSUP', message: 'the native addon is not loaded' } };
  let lastError: ErrorBody = { code: 'ENOENT', message: 'no process holds this socket' };
  for (const holder of holders) {
    try {
      const info = ctx.foreign.withSocket(holder.pid, holder.fd, view.inode, (fd) => getTcpInfo(fd));
      return { connection, tcpInfo: { ...info } as Detail['tcpInfo'], error: null };
    } catch (error) {
      lastError = asError(error);
    }
  }
  return { connection, tcpInfo: null, error: lastError };
}
