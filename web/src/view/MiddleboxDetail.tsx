// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * A middlebox lab connection close up: the keepalive countdown beside the
 * router's own idle countdown (its conntrack entry), a message to send after
 * a silence and what became of it, and — once it ends — which layer timed out.
 */
import { nextProbeAt, remainingMs, type ConnectionView, type MiddleboxConnectionInfo } from '@keepalive-dashboard/shared';

import { conntrackExpiresAt, labConnectionOf, layerVerdictText, messageVerdictText } from '../model/middlebox-model.js';
import { useEnv, useModelState } from './context.js';
import { clockTime, formatDuration } from './format.js';
import { LiveText } from './live.js';
import { SelectedProbeTimeline } from './ProbeTimeline.js';

/** "6 s of 8 s left", ticking between the server's reads of the router; "forgotten at HH:MM:SS" once gone. */
export function ConntrackCountdown({ connection, timeoutSec }: { connection: MiddleboxConnectionInfo; timeoutSec: number | null }) {
  const expiresAt = conntrackExpiresAt(connection);
  const of = timeoutSec === null ? '' : ` of ${timeoutSec} s`;
  return (
    <LiveText
      data-testid="middlebox-conntrack-countdown"
      title={connection.conntrack ? `conntrack ${connection.conntrack.state}, read from the router at ${clockTime(connection.conntrackSeenAt ?? 0)}` : undefined}
      compute={(now) => {
        if (connection.forgottenAt !== null) return `forgotten at ${clockTime(connection.forgottenAt)}`;
        if (expiresAt === null) return connection.status === 'open' ? 'not seen yet' : '—';
        return `${formatDuration(remainingMs(expiresAt, now), false)}${of} left`;
      }}
    />
  );
}

export function MiddleboxDetail({ view }: { view: ConnectionView }) {
  const { model } = useEnv();
  const mb = useModelState((s) => s.middlebox);
  const match = labConnectionOf(view, mb.view);
  if (!match) return null;
  const c = match.connection;
  const timeoutSec = mb.view?.settings?.timeoutSec ?? null;
  const verdict = mb.messages[c.id];
  const layer = layerVerdictText(c, mb.deaths[c.id], clockTime);
  return (
    <section aria-label="Middlebox" className="middlebox-detail" data-testid="middlebox-detail">
      <h3>
        Middlebox lab {c.id} <span className="muted">({match.end} end)</span>
      </h3>
      <div className="middlebox-countdowns">
        <div>
          <span className="muted">Keepalive: next probe in</span>
          <LiveText
            className="middlebox-big"
            data-testid="middlebox-keepalive-countdown"
            compute={(now) => (view.keepalive?.enabled === false ? 'off' : formatDuration(remainingMs(nextProbeAt(view), now)))}
          />
          <span className="muted">{c.keepalive ? `idle ${c.keepalive.idleSec} s, then every ${c.keepalive.intervalSec} s` : 'keepalive off'}</span>
        </div>
        <div>
          <span className="muted">Middlebox forgets the flow in</span>
          <span className="middlebox-big">
            <ConntrackCountdown connection={c} timeoutSec={timeoutSec} />
          </span>
          <span className="muted">{c.conntrack ? `conntrack ${c.conntrack.state}` : c.forgottenAt !== null ? 'the next segment is not forwarded' : 'no entry'}</span>
        </div>
      </div>
      <SelectedProbeTimeline view={view} />
      {c.status === 'open' ? (
        <p>
          <button type="button" disabled={verdict?.pending === true || model.getState().server.readOnly} onClick={() => void model.sendMiddleboxMessage(c.id)}>
            Send a message
          </button>{' '}
          {verdict && (
            <span role="status" data-testid="middlebox-verdict" className={verdict.result?.delivered ? 'verdict-ok' : verdict.pending ? 'muted' : 'verdict-bad'}>
              {messageVerdictText(verdict, c, clockTime)}
            </span>
          )}
        </p>
      ) : (
        verdict && (
          <p className="muted" data-testid="middlebox-verdict">
            last message: {messageVerdictText(verdict, c, clockTime)}
          </p>
        )
      )}
      {layer && (
        <p className="middlebox-layer" role="status" data-testid="middlebox-layer">
          Which layer timed out: {layer}
        </p>
      )}
    </section>
  );
}
