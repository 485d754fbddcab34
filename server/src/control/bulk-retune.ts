/**
 * One keepalive patch for many sockets. A dry run says, per socket, what it
 * holds and what it would hold, or why it would be refused, and changes
 * nothing. Applying retunes each socket through SocketControl.retune, the
 * single PATCH's own path: each one audited write-ahead (its intent durable
 * before it is applied), the records tied by one bulk id.
 */
import { randomUUID } from 'node:crypto';

import {
  filterProblem,
  matchesFilter,
  MAX_BULK_RETUNE_SOCKETS,
  type BulkRetuneItem,
  type BulkRetuneRequest,
  type BulkRetuneResult,
  type ConnectionView,
  type KeepaliveSettings,
} from '@keepalive-dashboard/shared';

import { goneError } from '../collector/post-mortems.js';
import type { AppContext } from '../context.js';
import { ApiError, fromSystemError } from '../errors.js';
import { hiddenForeignSocket } from '../security/foreign-permission.js';

interface Target {
  id: string;
  view: ConnectionView | undefined;
}

/** The sockets a request names, in its order; 400 for a bad request, 413 past the cap (nothing is done either way). */
function targetsOf(ctx: AppContext, request: BulkRetuneRequest): Target[] {
  if ((request.ids === undefined) === (request.filter === undefined)) throw new ApiError('KA_ERR_BAD_REQUEST', 'give either ids or filter (one of the two)');
  let targets: Target[];
  if (request.ids) {
    targets = [...new Set(request.ids)].map((id) => ({ id, view: ctx.store.get(id) }));
  } else {
    const filter = request.filter ?? {};
    const problem = filterProblem(filter);
    if (problem) throw new ApiError('KA_ERR_BAD_REQUEST', problem.message);
    targets = [];
    for (const view of ctx.store.currentViews()) if (matchesFilter(view, filter)) targets.push({ id: view.id, view });
  }
  if (targets.length > MAX_BULK_RETUNE_SOCKETS) {
    throw new ApiError('KA_ERR_PAYLOAD_TOO_LARGE', `${targets.length} sockets matched, at most ${MAX_BULK_RETUNE_SOCKETS} may be retuned in one request: narrow the filter or split the ids`, { matched: targets.length });
  }
  return targets;
}

const item = (target: Target, outcome: BulkRetuneItem['outcome'], before: KeepaliveSettings | null, after: KeepaliveSettings | null, error: ApiError | null): BulkRetuneItem => ({
  id: target.id,
  state: target.view?.state ?? null,
  local: target.view?.local ?? null,
  peer: target.view?.peer ?? null,
  outcome,
  before,
  after,
  error: error ? error.toBody() : null,
});

/** Why this socket is refused before anything is tried, or null: gone, not applicable, not reachable, not permitted. */
function refusalOf(ctx: AppContext, target: Target): ApiError | null {
  const view = target.view;
  if (!view) {
    const gone = ctx.postMortems.get(target.id);
    if (gone) return new ApiError('KA_ERR_SOCKET_GONE', goneError(gone.gone).message);
    return new ApiError('KA_ERR_NOT_FOUND', `no connection with id ${JSON.stringify(target.id.slice(0, 100))}: it may have closed`);
  }
  const refused = ctx.control.refusal(view);
  if (refused) return refused;
  if (view.ownership === 'foreign' && ctx.processMap.get(view.inode).length === 0) {
    const hidden = hiddenForeignSocket(view, ctx.capabilities);
    if (hidden) return new ApiError('KA_ERR_PERMISSION', hidden.message);
  }
  return null;
}

export async function bulkRetune(ctx: AppContext, request: BulkRetuneRequest, actor: string): Promise<BulkRetuneResult> {
  // Refused as a whole like the single retune: read-only, the audit log closed, a bad patch or target list.
  ctx.control.assertMayChange();
  const patch = ctx.control.validatePatch(request.patch);
  const targets = targetsOf(ctx, request);
  const base = { serverTime: ctx.now(), dryRun: request.dryRun, matched: targets.length };
  if (request.dryRun) {
    const items = targets.map((target) => {
      const refused = refusalOf(ctx, target);
      if (refused) return item(target, 'refused', target.view?.keepalive ?? null, null, refused);
      const before = target.view?.keepalive ?? null;
      return item(target, 'would-apply', before, before ? { ...before, ...patch } : null, null);
    });
    return { ...base, bulkId: null, items };
  }
  const bulkId = `bulk-${randomUUID()}`;
  const items: BulkRetuneItem[] = [];
  const retuned: string[] = [];
  let auditFailure: ApiError | null = null;
  for (const target of targets) {
    const refused = auditFailure ?? refusalOf(ctx, target);
    if (refused || !target.view) {
      items.push(item(target, 'refused', target.view?.keepalive ?? null, null, refused));
      continue;
    }
    try {
      const result = await ctx.control.retune(target.view, request.patch, actor, bulkId);
      items.push(item(target, 'applied', result.before, result.after, null));
      retuned.push(target.id);
    } catch (error) {
      const failure = fromSystemError(error, `socket inode ${target.view.inode}`);
      // Its intent could not be written, so it was not applied: nor is any after it.
      if (failure.code === 'KA_ERR_AUDIT_UNAVAILABLE') auditFailure = failure;
      items.push(item(target, auditFailure ? 'refused' : 'failed', target.view.keepalive, null, failure));
    }
  }
  // The sockets just changed, read back at once: the stream shows their new timers without waiting for a sweep.
  if (retuned.length > 0) await ctx.store.refresh(retuned).catch(() => {});
  return { ...base, bulkId, items };
}
