// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * One connection close up: countdown, timeline, tcp_info with units, holders,
 * ownership and what permission is missing, and the retune form.
 */
import { useState } from 'react';
import { deadAt, escapeControl, lastRecvAt, remainingMs, type ConnectionView, type ErrorBody } from '@keepalive-dashboard/shared';

import { useEnv, useModelState } from './context.js';
import { CountdownRing } from './CountdownRing.js';
import { endpoint, errorText, formatDuration, holderWho, netnsRefText, rttLabel, tcpInfoRow } from './format.js';
import { LiveText } from './live.js';
import { RetuneForm } from './RetuneForm.js';
import { Timeline } from './Timeline.js';

function ownershipOf(view: ConnectionView, readOnly: boolean, capture: boolean): { label: string; className: string; text: string } {
  if (capture) return { label: 'capture', className: 'own-readonly', text: 'from a saved capture: read-only' };
  if (readOnly) return { label: 'read-only', className: 'own-readonly', text: 'the server runs with --read-only: nothing can be changed' };
  if (view.ownership === 'owned') return { label: 'owned', className: 'own-owned', text: `the dashboard holds this socket (lab ${view.labId ?? '?'}): safe to retune` };
  // No process holds a TIME_WAIT or a request socket: the kernel alone keeps it.
  if (view.state === 'TIME_WAIT' || view.state === 'NEW_SYN_RECV') return { label: 'kernel', className: 'own-readonly', text: `a ${view.state} socket belongs to no process: the kernel keeps it until it expires` };
  return { label: 'foreign', className: 'own-foreign', text: "another process's socket: retuned through pidfd_getfd (needs CAP_SYS_PTRACE or the same uid)" };
}

export function DetailPanel() {
  const { model } = useEnv();
  const selection = useModelState((s) => s.selection);
  const readOnly = useModelState((s) => s.server.readOnly);
  const capture = useModelState((s) => s.capture);
  const health = useModelState((s) => s.host.health);
  const kill = useModelState((s) => s.kill);
  const lab = useModelState((s) => s.lab);
  const [confirmKill, setConfirmKill] = useState(false);

  if (!selection) {
    return (
      <aside className="detail detail-empty" aria-label="Connection detail">
        <p>
          Click a connection — or move with <kbd>↑</kbd> <kbd>↓</kbd> and press <kbd>Enter</kbd> — to see its keepalive countdown, tcp_info and
          holders, and to retune it. <kbd>Esc</kbd> closes it again.
        </p>
      </aside>
    );
  }
  const view = selection.view;
  if (!view) {
    return (
      <aside className="detail" id="detail" aria-label="Connection detail">
        <Header onClose={() => model.select(null)} title={selection.id} />
        <p className="muted">{selection.gone ? 'This connection is gone.' : 'Loading…'}</p>
      </aside>
    );
  }
  const own = ownershipOf(view, readOnly, capture !== null);
  const missing = health?.capabilities.missing ?? [];
  const disabledReason = capture
    ? 'A capture is read-only.'
    : readOnly
      ? 'The server runs with --read-only.'
      : selection.gone
        ? 'The connection is gone.'
        : view.state === 'TIME_WAIT'
          ? 'A TIME_WAIT socket has no keepalive: it only waits out the last segments of a closed connection.'
          : null;
  const tcpInfo = selection.tcpInfo;

  return (
    <aside className="detail" id="detail" aria-label="Connection detail" data-testid="detail">
      <Header onClose={() => model.select(null)} title={`${endpoint(view.local)} → ${endpoint(view.peer)}`} />
      <p className="detail-sub">
        <span className={`badge state-badge state-${view.state.toLowerCase()}`}>{view.state}</span>
        <span className={`badge ${own.className}`} title={own.text} data-testid="ownership">
          {own.label}
        </span>
        <span className="muted">
          id {view.id}
          {view.inode > 0 ? ` · inode ${view.inode}` : ''} · uid {view.uid}
        </span>
      </p>
      {selection.gone && (
        <p className="server-error" role="status">
          This connection is gone (closed, killed or declared dead).
        </p>
      )}

      <CountdownRing view={view} rearms={selection.rearms} />

      <dl className="facts">
        <dt>Namespace</dt>
        <dd data-testid="detail-netns">
          {view.netns ? (
            <>
              {view.netns.label} <span className="muted">({netnsRefText(view.netns)})</span>
            </>
          ) : (
            <span className="muted">not known (captures do not say)</span>
          )}
        </dd>
        <dt>Keepalive</dt>
        <dd data-testid="detail-settings">
          {view.keepalive
            ? `${view.keepalive.enabled ? 'on' : 'off'} · idle ${view.keepalive.idleSec} s · interval ${view.keepalive.intervalSec} s · count ${view.keepalive.count} · user timeout ${view.keepalive.userTimeoutMs} ms`
            : view.timer.kind === 'keepalive'
              ? 'on (seen from the kernel timer; settings unreadable)'
              : 'settings unknown'}{' '}
          <span className="muted">({view.keepaliveOrigin})</span>
        </dd>
        <dt>Dead in</dt>
        <dd>
          <LiveText compute={(now) => formatDuration(remainingMs(deadAt(view), now), false)} />{' '}
          <span className="muted">if the peer stays silent</span>
        </dd>
        <dt>Last heard</dt>
        <dd>
          <LiveText
            compute={(now) => {
              const at = lastRecvAt(view);
              return at === null ? '—' : `${formatDuration(Math.max(0, now - at), false)} ago`;
            }}
          />
        </dd>
        <dt>RTT</dt>
        <dd>{rttLabel(view.tcpInfo?.rtt)}</dd>
        <dt>Queues</dt>
        <dd>
          recv {view.recvQ} B · send {view.sendQ} B
        </dd>
      </dl>

      {view.advisories.length > 0 && (
        <ul className="advisories" aria-label="Advisories">
          {view.advisories.map((a) => (
            <li key={a.code}>{a.message}</li>
          ))}
        </ul>
      )}

      <section aria-label="Ownership and permissions" className="perm">
        <h3>Ownership</h3>
        <p>
          <span className={`badge ${own.className}`}>{own.label}</span> {own.text}
        </p>
        {view.labId && lab.canBlackhole && !readOnly && !capture && (
          <BlackholeToggle labId={view.labId} on={lab.entries.find((e) => e.id === view.labId)?.blackholed === true} pending={lab.pending} error={lab.error} />
        )}
        {view.keepaliveError && (
          <p className="server-error" data-testid="keepalive-error">
            Settings unreadable — {errorText(view.keepaliveError)}
          </p>
        )}
        {view.ownership === 'foreign' && missing.length > 0 && (
          <ul className="missing" aria-label="Missing permissions">
            {missing.map((m) => (
              <li key={m}>missing: {m}</li>
            ))}
          </ul>
        )}
      </section>

      <section aria-label="Retune">
        <h3>Retune</h3>
        {view.state === 'LISTEN' && (
          <p className="muted" data-testid="listen-inherit">
            A listener never probes itself: the connections it accepts from now on inherit these settings (those already accepted keep theirs).
          </p>
        )}
        <RetuneForm disabledReason={disabledReason} />
      </section>

      {!capture && (
        <section aria-label="Timeline">
          <h3>Timeline</h3>
          <Timeline history={selection.history} />
        </section>
      )}

      <section aria-label="Holders">
        <h3>Holders</h3>
        {view.holders.length === 0 ? (
          <p className="muted">{view.inode === 0 ? 'No process: the socket has no inode (TIME-WAIT or a request socket).' : 'No process found holding it (or not visible to the server).'}</p>
        ) : (
          <table className="small">
            <thead>
              <tr>
                <th scope="col">pid</th>
                <th scope="col">fd</th>
                <th scope="col">command</th>
                <th scope="col">user · unit</th>
              </tr>
            </thead>
            <tbody>
              {view.holders.map((h) => (
                <tr key={`${h.pid}:${h.fd}`}>
                  <td>{h.pid}</td>
                  <td>{h.fd}</td>
                  <td title={h.cmdline ? escapeControl(h.cmdline) : undefined}>
                    {escapeControl(h.comm)}
                    {h.cmdline && <div className="muted holder-cmdline">{escapeControl(h.cmdline)}</div>}
                  </td>
                  <td>{holderWho(h) || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-label="tcp_info">
        <h3>tcp_info</h3>
        {selection.detailError && !tcpInfo && <p className="server-error">{errorText(selection.detailError)}</p>}
        {tcpInfo ? (
          <table className="small tcpinfo" data-testid="tcpinfo">
            <tbody>
              {Object.entries(tcpInfo).map(([key, value]) => {
                const row = tcpInfoRow(key, value);
                return (
                  <tr key={key}>
                    <th scope="row">{row.name}</th>
                    <td className="num">{row.value}</td>
                    <td className="unit">{row.unit}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : view.tcpInfo ? (
          <table className="small tcpinfo">
            <tbody>
              {Object.entries(view.tcpInfo).map(([key, value]) => {
                const row = tcpInfoRow(key, value as number);
                return (
                  <tr key={key}>
                    <th scope="row">{row.name}</th>
                    <td className="num">{row.value}</td>
                    <td className="unit">{row.unit}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p className="muted">No tcp_info for this socket.</p>
        )}
      </section>

      {!capture && (
        <section aria-label="Kill">
          <h3>Kill</h3>
          {!confirmKill ? (
            <button type="button" className="danger" disabled={readOnly || selection.gone || view.state === 'LISTEN'} onClick={() => setConfirmKill(true)}>
              Kill connection…
            </button>
          ) : (
            <span className="confirm">
              Really close it (SOCK_DESTROY)?{' '}
              <button
                type="button"
                className="danger"
                disabled={kill.pendingId !== null}
                onClick={() => {
                  setConfirmKill(false);
                  void model.kill(view.id);
                }}
              >
                Yes, kill
              </button>{' '}
              <button type="button" onClick={() => setConfirmKill(false)}>
                Cancel
              </button>
            </span>
          )}
          {kill.error && <p className="server-error">{errorText(kill.error)}</p>}
          {kill.killed === view.id && <p className="muted">Kill sent.</p>}
        </section>
      )}
    </aside>
  );
}

function BlackholeToggle({ labId, on, pending, error }: { labId: string; on: boolean; pending: boolean; error: ErrorBody | null }) {
  const { model } = useEnv();
  return (
    <>
      {error && <p className="server-error">{errorText(error)}</p>}
      <p>
        <button type="button" disabled={pending} onClick={() => void model.setBlackhole(labId, !on)}>
          {on ? 'Restore the peer' : 'Black-hole the peer'}
        </button>{' '}
        <span className="muted">{on ? 'its replies are dropped: watch the probes go unanswered' : 'simulate a pulled cable: probes go unanswered'}</span>
      </p>
    </>
  );
}

function Header({ title, onClose }: { title: string; onClose: () => void }) {
  return (
    <header className="detail-head">
      <h2>{title}</h2>
      <button type="button" className="close" aria-label="Close detail (Esc)" onClick={onClose}>
        ×
      </button>
    </header>
  );
}
