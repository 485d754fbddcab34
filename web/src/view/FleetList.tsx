// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The fleet, as the server's Prometheus sees it: every host running the
 * agent, riskiest first, each a link to its own dashboard. The figures are
 * Prometheus's (GET /api/fleet); this view only shows them.
 */
import { useSyncExternalStore } from 'react';

import type { FleetModel, FleetState } from '../model/fleet-model.js';
import { errorText } from './format.js';

export function FleetList({ model }: { model: FleetModel }) {
  const state: FleetState = useSyncExternalStore(model.subscribe, () => model.getState().fleet, () => model.getState().fleet);
  if (state.unconfigured) {
    return <p className="muted">Start the server with <code>--prometheus URL</code> to list the fleet's hosts, ranked by risk.</p>;
  }
  const fleet = state.fleet;
  return (
    <div className="fleet">
      {state.error ? <p className="error" role="alert">{errorText(state.error)}</p> : null}
      {fleet === null ? (
        state.error ? null : <p className="muted">Asking Prometheus…</p>
      ) : fleet.hosts.length === 0 ? (
        <p className="muted">Prometheus at {fleet.prometheus} scrapes no keepalive-dashboard agent.</p>
      ) : (
        <table aria-label="Fleet">
          <thead>
            <tr>
              <th>Host</th>
              <th>Up</th>
              <th title="keepalive deaths, every cause, in the last hour">Deaths (1 h)</th>
              <th>Probing</th>
              <th>Advisories</th>
              <th>Connections</th>
            </tr>
          </thead>
          <tbody>
            {fleet.hosts.map((host) => (
              <tr key={host.instance} data-testid="fleet-host" className={host.up ? undefined : 'down'}>
                <td>
                  <a href={host.dashboardUrl} target="_blank" rel="noreferrer noopener">
                    {host.instance}
                  </a>
                </td>
                <td>{host.up ? 'up' : 'DOWN'}</td>
                <td>{host.deathsLastHour}</td>
                <td>{host.probing}</td>
                <td>{host.advisories}</td>
                <td>{host.connections}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
