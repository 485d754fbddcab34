/**
 * The event log: pages from the server (GET /api/events, newest first, filtered
 * there) and what the stream brought since, merged newest first. Live events
 * join the top when they match the filter; past the cap the OLDEST go, so the
 * list never stops being live. "Load older" follows the server's cursor.
 */
import type { DashboardEvent, ErrorBody } from '@keepalive-dashboard/shared';

import { asErrorBody, type ApiClient } from '../transport/api.js';
import { EVENT_LOG_CAPACITY, eventQuery, matchesQuery, mergeEvents, NO_EVENT_FILTER, type EventFilter, type EventQuery } from './events.js';
import { StateModel, type AuthPort } from './state-model.js';

export interface EventsState {
  /** The events held that match the filter, newest first, at most EVENT_LOG_CAPACITY. */
  all: DashboardEvent[];
  filter: EventFilter;
  /** The filter cannot be asked for (a process name that is no one process); nothing is listed. */
  filterProblem: string | null;
  /** Pass as `before` for the next older page; null: nothing older (or not known yet). */
  next: number | null;
  loading: boolean;
  error: ErrorBody | null;
}

export interface EventsModelOptions {
  api: Pick<ApiClient, 'events'>;
  auth: AuthPort;
  /** The pids of the processes of this name holding connections on hand (a name filter's pid). */
  pidsNamed?: (name: string) => readonly number[];
}

/** Events asked for per page. */
export const EVENT_PAGE_SIZE = 100;

export class EventsModel extends StateModel<{ events: EventsState }> {
  private query: EventQuery | null = {};
  /** Bumped when the filter changes: a page asked for under an older filter is dropped. */
  private generation = 0;

  constructor(private readonly options: EventsModelOptions) {
    super({ events: { all: [], filter: NO_EVENT_FILTER, filterProblem: null, next: null, loading: false, error: null } });
  }

  private patch(patch: Partial<EventsState>): void {
    this.set({ events: { ...this.state.events, ...patch } });
  }

  /** The newest page; merged with what is held (a live event that came first stays). */
  async refresh(): Promise<void> {
    await this.fetchPage(undefined);
  }

  /** The page older than the oldest held. */
  async loadOlder(): Promise<void> {
    const { next, loading } = this.state.events;
    if (next === null || loading) return;
    await this.fetchPage(next);
  }

  private async fetchPage(before: number | undefined): Promise<void> {
    const query = this.query;
    if (query === null) return;
    const generation = this.generation;
    this.patch({ loading: true });
    try {
      // include=observed: the appeared / closed events the server keeps in memory page too.
      const page = await this.options.api.events({ limit: EVENT_PAGE_SIZE, include: 'observed', before, ...query });
      if (generation !== this.generation) return;
      const held = this.state.events.all;
      const all = mergeEvents(held, page.events);
      // A page past the cap was cut at its oldest: go on from the oldest kept.
      const cut = all.length === EVENT_LOG_CAPACITY && held.length + page.events.length > all.length;
      const next = before === undefined && held.length > 0 && this.state.events.next !== null ? this.state.events.next : page.next;
      this.patch({ all, next: cut ? (all.at(-1)?.seq ?? null) : next, loading: false, error: null });
    } catch (error) {
      if (generation !== this.generation) return;
      this.options.auth.failed(error);
      this.patch({ loading: false, error: asErrorBody(error) });
    }
  }

  /** One event from the stream: at the top when it matches; the oldest held goes past the cap. */
  add(event: DashboardEvent): void {
    if (this.query === null || !matchesQuery(event, this.query)) return;
    const held = this.state.events.all;
    const all = mergeEvents(held, [event]);
    const dropped = held.length + 1 > all.length && !held.some((e) => e.seq === event.seq);
    // The oldest dropped: "Load older" pages from the oldest still held.
    this.patch({ all, ...(dropped ? { next: all.at(-1)?.seq ?? null } : {}) });
  }

  /** A new filter: the list starts again from the server's newest page that matches. */
  setFilter(patch: Partial<EventFilter>): void {
    const filter = { ...this.state.events.filter, ...patch };
    const asked = eventQuery(filter, this.options.pidsNamed ?? (() => []));
    this.generation++;
    this.query = 'query' in asked ? asked.query : null;
    this.patch({ filter, filterProblem: 'problem' in asked ? asked.problem : null, all: [], next: null, loading: false, error: null });
    void this.refresh();
  }
}
