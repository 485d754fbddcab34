/** The event log: deaths, retunes, kills, sysctl and lab changes — newest first, capped, filterable. */
import { EVENT_TYPES, type DashboardEvent, type EventType } from '@keepalive-dashboard/shared';

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
  text: string;
}

export const EVENT_TYPE_LABELS: Record<EventType, string> = {
  appeared: 'appeared',
  closed: 'closed',
  died: 'died (keepalive timeout)',
  retuned: 'retuned',
  killed: 'killed',
  sysctl: 'sysctl',
  lab: 'lab',
  blackhole: 'black-hole',
};

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export function filterEvents(events: readonly DashboardEvent[], filter: EventFilter): DashboardEvent[] {
  const needle = filter.text.trim().toLowerCase();
  return events.filter(
    (e) =>
      (filter.type === '' || e.type === filter.type) &&
      (!needle || e.summary.toLowerCase().includes(needle) || (e.connectionId ?? '').toLowerCase().includes(needle) || (e.actor ?? '').toLowerCase().includes(needle)),
  );
}
