// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * One connection close up: countdown, timeline, tcp_info with units, holders,
 * ownership and what permission is missing, and the retune form.
 */
import { useState } from 'react';
import { deadAt, escapeControl, lastRecvAt, type ConnectionView, type ErrorBody, type PostMortem, type Sysctl } from '@keepalive-dashboard/shared';

import type { DashboardModel } from '../model/dashboard.js';
import { labConnectionOf } from '../model/middlebox-model.js';
import { useEnv, useModelState } from './context.js';
import { CountdownRing } from './CountdownRing.js';
import {
  clockTime,
  deadAtTitle,
  deadInText,
  deathCauseText,
  endpoint,
  errorText,
  formatDuration,
  holderWho,
  netnsRefText,
  predictionText,
  rttLabel,
  settingOrigin,
  settingOriginText,
  tcpInfoRow,
  type KeepaliveSetting,
} from './format.js';
import { LiveText } from './live.js';
import { MiddleboxDetail } from './MiddleboxDetail.js';
import { SelectedProbeTimeline } from './ProbeTimeline.js';
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
  const middleboxLab = useModelState((s) => s.middlebox.view);
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
        <p className="muted">{selection.gone ? 'This connection has ended; the server no longer keeps what it knew of it.' : 'Loading…'}</p>
      </aside>
    );
  }
  if (selection.gone) return <PostMortemDetail view={view} gone={selection.postMortem} />;
  const own = ownershipOf(view, readOnly, capture !== null);
  const missing = health?.capabilities.missing ?? [];
  const disabledReason = capture
    ? 'A capture is read-only.'
    : readOnly
      ? 'The server runs with --read-only.'
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
        <KeepaliveBadge view={view} />
        <span className="muted">
          id {view.id}
          {view.inode > 0 ? ` · inode ${view.inode}` : ''} · uid {view.uid}
        </span>
      </p>

      <CountdownRing view={view} rearms={selection.rearms} />

      {!capture && <MiddleboxDetail view={view} />}

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
        <Settings view={view} sysctl={sysctlOf(model, view)} />
        <dt>Dead in</dt>
        <dd>
          <LiveText compute={(now) => deadInText(deadAt(view), now)} title={deadAtTitle(deadAt(view))} data-testid="detail-dead-in" />{' '}
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

      <p>
        <EventsOfButton id={view.id} />
      </p>

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

      {/* A middlebox lab connection has its probes under the two countdowns instead. */}
      {!capture && labConnectionOf(view, middleboxLab) === null && <SelectedProbeTimeline view={view} />}

      <Holders view={view} />

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
            <button type="button" className="danger" disabled={readOnly || view.state === 'LISTEN'} onClick={() => setConfirmKill(true)}>
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

function Holders({ view, last = false }: { view: ConnectionView; last?: boolean }) {
  return (
    <section aria-label="Holders">
      <h3>{last ? 'Holders (last seen)' : 'Holders'}</h3>
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
  );
}

/** The keepalive on / off, shown once: from the settings read back (the form's source too), else "unknown". */
function KeepaliveBadge({ view }: { view: ConnectionView }) {
  const text = view.keepalive ? `keepalive ${view.keepalive.enabled ? 'on' : 'off'}` : 'keepalive unknown';
  const why = view.keepalive
    ? `read back from the socket (${view.keepaliveOrigin})`
    : view.timer.kind === 'keepalive'
      ? 'settings unreadable; a keepalive timer is running, so the kernel probes it'
      : 'settings unreadable';
  return (
    <span className={`badge ka-${view.keepalive ? (view.keepalive.enabled ? 'on' : 'off') : 'unknown'}`} title={why} data-testid="detail-keepalive">
      {text}
    </span>
  );
}

/** The namespace's keepalive sysctls, where known: what a socket that sets nothing reads back. */
function sysctlOf(model: DashboardModel, view: ConnectionView): Sysctl | null {
  const inode = view.netns?.inode;
  if (inode === undefined) return null;
  const host = model.getState().host.sysctl;
  if (host?.netns.inode === inode) return host;
  return model.namespaces.byInode(inode)?.sysctl ?? null;
}

const SETTING_ROWS: { setting: KeepaliveSetting; label: string; value: (k: NonNullable<ConnectionView['keepalive']>) => string }[] = [
  // Seconds as the kernel (and the form) take them.
  { setting: 'idle', label: 'Idle', value: (k) => `${k.idleSec} s` },
  { setting: 'interval', label: 'Interval', value: (k) => `${k.intervalSec} s` },
  { setting: 'count', label: 'Count', value: (k) => `${k.count} probes` },
];

/** idle / interval / count, each with where its value matches: "= sysctl default (…)" or "set on the socket". */
function Settings({ view, sysctl }: { view: ConnectionView; sysctl: Sysctl | null }) {
  const k = view.keepalive;
  if (!k) {
    return (
      <>
        <dt>Settings</dt>
        <dd data-testid="detail-settings" className="muted">
          unknown (not read back)
        </dd>
      </>
    );
  }
  return (
    <>
      {SETTING_ROWS.map(({ setting, label, value }) => {
        const origin = settingOriginText(setting, settingOrigin(setting, k, sysctl));
        return [
          <dt key={`${setting}-t`}>{label}</dt>,
          <dd key={`${setting}-d`} data-testid={`detail-${setting}`} className={k.enabled ? undefined : 'muted'}>
            {value(k)}
            {origin && (
              <span className="setting-origin" title="Linux reads back the sysctl for an option never set: equal means inherited or set to the same value">
                {' '}
                {origin}
              </span>
            )}
          </dd>,
        ];
      })}
      <dt>User timeout</dt>
      <dd data-testid="detail-user-timeout">{k.userTimeoutMs === 0 ? 'none (0: the kernel default)' : formatDuration(k.userTimeoutMs)}</dd>
    </>
  );
}

function EventsOfButton({ id }: { id: string }) {
  const { model } = useEnv();
  return (
    <button type="button" className="link" data-testid="events-of-connection" onClick={() => model.setEventFilter({ connection: id })}>
      Show this connection's events
    </button>
  );
}

/**
 * An ended connection, kept as a post-mortem until another is selected: why it ended, the probes
 * that went unanswered, the prediction against the fact, and its last settings. No badge of a live
 * state, no retune, kill or black-hole: there is nothing left to act on.
 */
function PostMortemDetail({ view, gone }: { view: ConnectionView; gone: PostMortem | null }) {
  const { model } = useEnv();
  const k = view.keepalive;
  return (
    <aside className="detail detail-gone" id="detail" aria-label="Connection detail" data-testid="detail">
      <Header onClose={() => model.select(null)} title={`${endpoint(view.local)} → ${endpoint(view.peer)}`} />
      <p className="detail-sub">
        <span className="badge state-badge state-ended">ended</span>
        <span className="muted">
          id {view.id}
          {view.inode > 0 ? ` · inode ${view.inode}` : ''} · last state {view.state}
        </span>
      </p>
      <p className="post-mortem-lead" role="status" data-testid="post-mortem-ended">
        This connection has ended{gone ? ` at ${clockTime(gone.at)}` : ''}; it is no longer in the table. Kept here until you select another.
      </p>
      <MiddleboxDetail view={view} />
      <dl className="facts post-mortem" data-testid="post-mortem">
        <dt>Cause</dt>
        <dd data-testid="post-mortem-cause">{gone ? deathCauseText(gone, k) : 'not known: the server no longer keeps its post-mortem'}</dd>
        {gone && (
          <>
            <dt>Probes sent</dt>
            <dd data-testid="post-mortem-probes">
              {gone.probesOut} unanswered{k?.enabled ? ` (of ${k.count} allowed)` : ''}
            </dd>
            <dt>Predicted vs actual</dt>
            <dd data-testid="post-mortem-prediction">{predictionText(gone)}</dd>
            <dt>Last heard</dt>
            <dd>{gone.lastRecvAt === null ? '—' : `${clockTime(gone.lastRecvAt)} (${formatDuration(Math.max(0, gone.at - gone.lastRecvAt), false)} before the end)`}</dd>
          </>
        )}
        <dt>Last settings</dt>
        <dd data-testid="post-mortem-settings">
          {k
            ? `keepalive ${k.enabled ? 'on' : 'off'} · idle ${k.idleSec} s · interval ${k.intervalSec} s · count ${k.count}${k.userTimeoutMs > 0 ? ` · user timeout ${formatDuration(k.userTimeoutMs)}` : ''}`
            : 'not read back'}
        </dd>
        <dt>Namespace</dt>
        <dd>{view.netns ? `${view.netns.label} (${netnsRefText(view.netns)})` : <span className="muted">not known</span>}</dd>
      </dl>
      <p>
        <EventsOfButton id={view.id} />
      </p>
      <Holders view={view} last />
    </aside>
  );
}
