/**
 * One page of GET /api/events: the audit log's records and (asked for with
 * include=observed) the events only kept in memory, merged into one order,
 * newest first, filtered, with a cursor.
 *
 * The order is the order events were broadcast in: an audited event stands at
 * its seq, an observed one just after the audit record that was last when it
 * happened (EventBus.positionOf). A cursor is the seq of an event (negative for
 * an observed one) and means "older than it" (`before`) or "newer than it"
 * (`after`); `next` is always what to pass as `before` for the next older page,
 * so pages never repeat or skip an event, whatever is appended meanwhile.
 */
import type { DashboardEvent, EventPage, EventType } from '@keepalive-dashboard/shared';

import type { EventBus, EventPosition, PlacedEvent } from '../events.js';
import type { AuditLog } from './audit-log.js';

export interface EventQuery {
  before?: number;
  after?: number;
  limit: number;
  types?: ReadonlySet<EventType>;
  connectionId?: string;
  /** Events whose detail names this pid among the socket's holders. */
  pid?: number;
  netns?: number;
  /** Also the events not in the audit log (appeared, closed, and any the log could not take). */
  observed: boolean;
}

const compare = (a: EventPosition, b: EventPosition): number => a.anchor - b.anchor || a.tick - b.tick;

function matcher(query: EventQuery): (event: DashboardEvent) => boolean {
  return (event) => {
    if (query.types && !query.types.has(event.type)) return false;
    if (query.connectionId !== undefined && event.connectionId !== query.connectionId) return false;
    if (query.netns !== undefined && event.netns?.inode !== query.netns) return false;
    if (query.pid !== undefined) {
      const pids = event.detail?.pids;
      if (!Array.isArray(pids) || !pids.includes(query.pid)) return false;
    }
    return true;
  };
}

export function eventPage(audit: AuditLog, bus: EventBus, query: EventQuery): EventPage & { bytesRead: number } {
  if (query.limit <= 0) return { events: [], next: null, bytesRead: 0 };
  const before = query.before === undefined ? null : bus.positionOf(query.before);
  const after = query.after === undefined ? null : bus.positionOf(query.after);
  const match = matcher(query);
  // An audit record at seq S stands at (S, 0): before (B, t) when S < B, or S = B and t > 0.
  const scan = audit.page({
    ...(before ? { before: before.anchor + (before.tick > 0 ? 1 : 0) } : {}),
    ...(after ? { after: after.anchor } : {}),
    limit: query.limit,
    match,
  });
  const placed: PlacedEvent[] = scan.events.map((event) => ({ event, position: { anchor: event.seq, tick: 0 } }));
  if (query.observed) {
    for (const kept of bus.observedEvents()) {
      const { position, event } = kept;
      if (before && compare(position, before) >= 0) continue;
      if (after && compare(position, after) <= 0) continue;
      // Older than the audit records the scan stopped at: they belong to a later page.
      if (scan.frontier !== null && position.anchor < scan.frontier) continue;
      if (match(event)) placed.push(kept);
    }
    placed.sort((a, b) => compare(b.position, a.position));
  }
  const events = placed.slice(0, query.limit).map((p) => p.event);
  const last = events.at(-1);
  let next: number | null = null;
  if (placed.length > query.limit || (scan.frontier !== null && events.length === query.limit)) next = last?.seq ?? null;
  // The scan's budget ran out before the page filled: go on from where it stopped.
  else if (scan.frontier !== null) next = scan.frontier;
  return { events, next, bytesRead: scan.bytesRead };
}
