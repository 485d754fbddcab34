// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * Deaths, retunes, kills, sysctl and lab changes: newest first, live, paged from the
 * server and filtered there by type, connection and process.
 */
import { EVENT_TYPES, type DashboardEvent } from '@keepalive-dashboard/shared';

import { describeEventFilter, EVENT_TYPE_LABELS, isEventType, type EventFilter } from '../model/events.js';
import type { EventsState } from '../model/events-model.js';
import { useEnv, useModelState } from './context.js';
import { clockTime, errorText } from './format.js';

export function EventLog() {
  const { model } = useEnv();
  const events = useModelState((s) => s.events);
  const selectedId = useModelState((s) => s.selection?.id ?? null);
  const { filter } = events;
  return (
    <div className="events" data-testid="events">
      <form className="filters event-filters" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <label>
          Event type
          <select value={filter.type} onChange={(e) => model.setEventFilter({ type: isEventType(e.target.value) ? e.target.value : '' })}>
            <option value="">all</option>
            {EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {EVENT_TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Connection
          <input type="search" placeholder="id" value={filter.connection} onChange={(e) => model.setEventFilter({ connection: e.target.value })} />
        </label>
        {selectedId !== null && filter.connection !== selectedId && (
          <button type="button" className="link" onClick={() => model.setEventFilter({ connection: selectedId })}>
            this connection
          </button>
        )}
        <label>
          Process
          <input type="search" placeholder="pid or name" value={filter.process} onChange={(e) => model.setEventFilter({ process: e.target.value })} />
        </label>
        {describeEventFilter(filter) && (
          <button type="button" onClick={() => model.setEventFilter({ type: '', connection: '', process: '' })}>
            Clear
          </button>
        )}
      </form>
      {events.filterProblem && (
        <p className="field-error" role="alert">
          {events.filterProblem}
        </p>
      )}
      {events.error && <p className="server-error">{errorText(events.error)}</p>}
      {events.all.length === 0 ? (
        <p className="muted" data-testid="events-empty">
          {emptyText(events)}
        </p>
      ) : (
        <EventTable events={events.all} onShow={(id) => model.select(id)} />
      )}
      <p className="events-more">
        {events.next !== null ? (
          <button type="button" disabled={events.loading} onClick={() => void model.loadOlderEvents()}>
            {events.loading ? 'Loading…' : 'Load older'}
          </button>
        ) : (
          events.all.length > 0 && !events.loading && <span className="muted">no older events{describeEventFilter(filter) ? ' match' : ''}</span>
        )}{' '}
        <span className="muted">{events.all.length} shown, newest first</span>
      </p>
    </div>
  );
}

function emptyText(events: EventsState): string {
  if (events.filterProblem) return 'No events listed: the process filter names no one process.';
  if (events.loading) return 'Loading…';
  const filter: EventFilter = events.filter;
  const described = describeEventFilter(filter);
  if (described) return `No events match ${described}${events.next !== null ? ' in the newest page: load older to look further back' : ''}.`;
  return 'No events yet. Deaths by keepalive timeout, retunes, kills and lab changes appear here as they happen.';
}

function EventTable({ events, onShow }: { events: readonly DashboardEvent[]; onShow: (id: string) => void }) {
  return (
    <table className="small event-list" aria-label="Events">
      <thead>
        <tr>
          <th scope="col">time</th>
          <th scope="col">type</th>
          <th scope="col">what</th>
          <th scope="col">who</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.seq} className={`event-${e.type}`} data-seq={e.seq} data-connection={e.connectionId ?? undefined}>
            <td title={new Date(e.at).toISOString()}>{clockTime(e.at)}</td>
            <td>{e.type}</td>
            <td>
              {e.summary}
              {e.connectionId && (
                <>
                  {' '}
                  <button type="button" className="link" onClick={() => e.connectionId && onShow(e.connectionId)}>
                    show
                  </button>
                </>
              )}
            </td>
            <td>{e.actor ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
