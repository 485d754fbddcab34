// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** Deaths by keepalive timeout, retunes, kills, sysctl and lab changes, live. */
import { EVENT_TYPES } from '@keepalive-dashboard/shared';

import { EVENT_TYPE_LABELS, isEventType } from '../model/events.js';
import { useEnv, useModelState } from './context.js';
import { clockTime, errorText } from './format.js';

export function EventLog() {
  const { model } = useEnv();
  const events = useModelState((s) => s.events);
  return (
    <div className="events">
      <form className="filters" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <label>
          Event type
          <select value={events.filter.type} onChange={(e) => model.setEventFilter({ type: isEventType(e.target.value) ? e.target.value : '' })}>
            <option value="">all</option>
            {EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {EVENT_TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Text
          <input type="search" value={events.filter.text} onChange={(e) => model.setEventFilter({ text: e.target.value })} />
        </label>
        <span className="muted">
          {events.visible.length} of {events.all.length}
        </span>
      </form>
      {events.error && <p className="server-error">{errorText(events.error)}</p>}
      {events.visible.length === 0 ? (
        <p className="muted">
          {events.all.length === 0
            ? 'No events yet. Deaths by keepalive timeout, retunes, kills and lab changes appear here as they happen.'
            : 'No event matches this filter.'}
        </p>
      ) : (
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
            {events.visible.slice(0, 500).map((e) => (
              <tr key={e.seq} className={`event-${e.type}`}>
                <td>{clockTime(e.at)}</td>
                <td>{e.type}</td>
                <td>
                  {e.summary}
                  {e.connectionId && (
                    <>
                      {' '}
                      <button type="button" className="link" onClick={() => e.connectionId && model.select(e.connectionId)}>
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
      )}
    </div>
  );
}
