/** The event log: deaths, retunes, kills, sysctl and lab changes — newest first, capped (the oldest go), filtered as the server filters. */
import { escapeControl, EVENT_TYPES, type DashboardEvent, type EventType } from '@keepalive-dashboard/shared';

export const EVENT_LOG_CAPACITY = 2000;

/**
 * Events not written to the audit log (appeared, closed) carry negative seqs
 * counting down (-1, -2, …), so seq alone does not say which is newer: order
 * by time, then within a millisecond by seq in its own direction.
 */
function newerFirst(a: DashboardEvent, b: DashboardEvent): number {
  if (a.at !== b.at) return b.at - a.at;
  const rank = (e: DashboardEvent): number => (e.seq >= 0 ? e.seq : -e.seq);
  return rank(b) - rank(a);
}

/** Adds events (from the REST page or live frames), newest first, without duplicates; the oldest go past the cap. */
export function mergeEvents(current: readonly DashboardEvent[], incoming: readonly DashboardEvent[], capacity = EVENT_LOG_CAPACITY): DashboardEvent[] {
  const bySeq = new Map<number, DashboardEvent>();
  for (const e of current) bySeq.set(e.seq, e);
  for (const e of incoming) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort(newerFirst).slice(0, capacity);
}

export interface EventFilter {
  /** '' = every type. */
  type: '' | EventType;
  /** A connection id ('' = any). */
  connection: string;
  /** A pid, or a process name resolved to its pid ('' = any). */
  process: string;
}

export const NO_EVENT_FILTER: EventFilter = { type: '', connection: '', process: '' };

export const EVENT_TYPE_LABELS: Record<EventType, string> = {
  appeared: 'appeared',
  closed: 'closed',
  died: 'died (keepalive timeout)',
  retuned: 'retuned',
  killed: 'killed',
  sysctl: 'sysctl',
  lab: 'lab',
  blackhole: 'black-hole',
  settings: 'settings',
};

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** What the server is asked for (GET /api/events), and what a live event must match to join the list. */
export interface EventQuery {
  type?: EventType;
  connection?: string;
  pid?: number;
}

/**
 * The filter as a query, or why it cannot be one. A process name becomes the pid of the one
 * process of that name among the connections on hand (the server matches pids, which outlive
 * nothing: the name is only known while its sockets are).
 */
export function eventQuery(filter: EventFilter, pidsNamed: (name: string) => readonly number[]): { query: EventQuery } | { problem: string } {
  const query: EventQuery = {};
  if (filter.type) query.type = filter.type;
  const connection = filter.connection.trim();
  if (connection) query.connection = connection;
  const process = filter.process.trim();
  if (/^\d+$/.test(process)) query.pid = Number(process);
  else if (process) {
    const pids = [...new Set(pidsNamed(process))];
    if (pids.length === 0) return { problem: `no process named ${process} holds a connection on hand: enter its pid` };
    if (pids.length > 1) return { problem: `${pids.length} processes are named ${process} (pids ${pids.slice(0, 5).join(', ')}${pids.length > 5 ? ', …' : ''}): enter one pid` };
    query.pid = pids[0];
  }
  return { query };
}

/** The server's matcher (server/src/audit/event-page.ts), for live events. */
export function matchesQuery(event: DashboardEvent, query: EventQuery): boolean {
  if (query.type !== undefined && event.type !== query.type) return false;
  if (query.connection !== undefined && event.connectionId !== query.connection) return false;
  if (query.pid !== undefined) {
    const pids = event.detail?.pids;
    if (!Array.isArray(pids) || !pids.includes(query.pid)) return false;
  }
  return true;
}

/** "type=killed, connection=abc": the filter in words, for an empty list's reason. */
export function describeEventFilter(filter: EventFilter): string {
  return [
    filter.type ? `type=${filter.type}` : null,
    filter.connection.trim() ? `connection=${filter.connection.trim()}` : null,
    filter.process.trim() ? `process=${filter.process.trim()}` : null,
  ]
    .filter((part) => part !== null)
    .join(', ');
}

/** The pids of the processes called `name` (exact, or the escaped name as shown) among these rows' holders. */
export function pidsNamedIn(views: readonly { holders: readonly { comm: string; pid: number }[] }[], name: string): number[] {
  const pids = new Set<number>();
  for (const view of views) for (const h of view.holders) if (h.comm === name || escapeControl(h.comm) === name) pids.add(h.pid);
  return [...pids];
}
