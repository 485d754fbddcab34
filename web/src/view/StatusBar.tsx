// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The header: what this is, whether the live link is up, and the server's mode. */
import { useModelState } from './context.js';
import { errorText } from './format.js';
import { LiveText } from './live.js';

export function StatusBar() {
  const link = useModelState((s) => s.link);
  const server = useModelState((s) => s.server);
  const capture = useModelState((s) => s.capture);
  const health = useModelState((s) => s.host.health);
  let label: string;
  let className: string;
  if (capture) {
    // A saved file is not the host now: never "Live".
    label = `Capture ${capture.name}: read-only, not live`;
    className = 'status-warn';
  } else if (link.unauthorized) {
    label = 'Not authorized: open the login link printed by the server';
    className = 'status-bad';
  } else if (link.state === 'open') {
    label = 'Live';
    className = 'status-ok';
  } else if (link.state === 'reconnecting') {
    label = 'Reconnecting';
    className = 'status-warn';
  } else if (link.state === 'connecting') {
    label = link.attempt > 0 ? `Connecting (attempt ${link.attempt + 1})` : 'Connecting';
    className = 'status-warn';
  } else {
    label = 'Stopped';
    className = 'status-bad';
  }
  return (
    <header className="topbar">
      <h1>keepalive-dashboard</h1>
      <span className={`status ${className}`} role="status" aria-live="polite" data-testid="link-status">
        <span className="dot" aria-hidden="true" />
        {label}
        {link.state === 'reconnecting' && link.retryAt !== null && (
          <LiveText
            className="muted"
            compute={() => {
              const left = Math.max(0, (link.retryAt ?? 0) - Date.now());
              return ` in ${Math.ceil(left / 1000)} s (attempt ${link.attempt}; last close: ${link.lastClose ?? '?'})`;
            }}
          />
        )}
      </span>
      {!capture && link.lostAt !== null && (
        <span className="server-error" role="alert" data-testid="stale-banner">
          Disconnected since {new Date(link.lostAt).toLocaleTimeString()}: the table shows the last state received; its countdowns are stale.
        </span>
      )}
      {server.readOnly && <span className="badge own-readonly">read-only server</span>}
      {health && (
        <span className="muted">
          source {health.source} · every {server.intervalMs} ms
        </span>
      )}
      <span className="muted" title="Server clock minus this browser's clock, from serverTime in every frame">
        clock offset {Math.round(server.clockOffsetMs)} ms
      </span>
      {server.lastError && (
        <span className="server-error" role="alert">
          stream: {errorText(server.lastError)}
        </span>
      )}
    </header>
  );
}
