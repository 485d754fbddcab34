/** The event log: what the server audited and what the stream brought since, newest first, filtered. */
import type { DashboardEvent, ErrorBody } from '@keepalive-dashboard/shared';

import { asErrorBody, type ApiClient } from '../transport/api.js';
import { filterEvents, mergeEvents, type EventFilter } from './events.js';
import { StateModel, type AuthPort } from './state-model.js';

export interface EventsState {
  all: DashboardEvent[];
  visible: DashboardEvent[];
  filter: EventFilter;
  error: ErrorBody | null;
}

export interface EventsModelOptions {
  api: Pick<ApiClient, 'events'>;
  auth: AuthPort;
}

/** Events asked for per refresh: the newest page; the stream adds the rest. */
const PAGE_SIZE = 200;

export class EventsModel extends StateModel<{ events: EventsState }> {
  constructor(private readonly options: EventsModelOptions) {
    super({ events: { all: [], visible: [], filter: { type: '', text: '' }, error: null } });
  }

  private setAll(all: DashboardEvent[], error: ErrorBody | null = this.state.events.error): void {
    const events = this.state.events;
    this.set({ events: { ...events, all, visible: filterEvents(all, events.filter), error } });
  }

  async refresh(): Promise<void> {
    try {
      const page = await this.options.api.events(PAGE_SIZE);
      this.setAll(mergeEvents(this.state.events.all, page.events), null);
    } catch (error) {
      this.options.auth.failed(error);
      this.setAll(this.state.events.all, asErrorBody(error));
    }
  }

  /** One event from the stream. */
  add(event: DashboardEvent): void {
    this.setAll(mergeEvents(this.state.events.all, [event]));
  }

  setFilter(patch: Partial<EventFilter>): void {
    const events = this.state.events;
    const filter = { ...events.filter, ...patch };
    this.set({ events: { ...events, filter, visible: filterEvents(events.all, filter) } });
  }
}
