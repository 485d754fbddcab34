// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The lab panel's middlebox: a real conntrack router between a client and a
 * server namespace, with a cloud's idle timeout. Build it, open connections
 * through it with keepalive below or above that timeout, send a message after
 * a silence and see whether it arrives.
 */
import { useState } from 'react';
import { MIDDLEBOX_LAB_TIMEOUT_SEC_MAX, MIDDLEBOX_LAB_TIMEOUT_SEC_MIN, type MiddleboxConnectionInfo, type MiddleboxMode, type MiddleboxPresetName } from '@keepalive-dashboard/shared';

import { layerVerdictText, messageVerdictText } from '../model/middlebox-model.js';
import { useEnv, useModelState } from './context.js';
import { clockTime, errorText } from './format.js';
import { ConntrackCountdown } from './MiddleboxDetail.js';

/** The clouds' documented idle timeouts (the server's presets say the same; these are shown before the first GET). */
const PRESET_CHOICES: { value: MiddleboxPresetName; label: string; timeoutSec: number | null }[] = [
  { value: 'aws', label: 'AWS NLB / NAT gateway (350 s)', timeoutSec: 350 },
  { value: 'gcp', label: 'GCP Cloud NAT (600 s)', timeoutSec: 600 },
  { value: 'azure', label: 'Azure load balancer / NAT (240 s)', timeoutSec: 240 },
  { value: 'custom', label: 'Custom (seconds)', timeoutSec: null },
];

const isInt = (text: string, min: number, max: number): boolean => /^\d{1,6}$/.test(text.trim()) && Number(text) >= min && Number(text) <= max;

export function MiddleboxLab() {
  const { model } = useEnv();
  const mb = useModelState((s) => s.middlebox);
  const readOnly = useModelState((s) => s.server.readOnly);
  const settings = mb.view?.settings ?? null;
  const [preset, setPreset] = useState<MiddleboxPresetName>(settings?.preset ?? 'aws');
  const [customSec, setCustomSec] = useState(settings?.preset === 'custom' ? String(settings.timeoutSec) : '8');
  const [mode, setMode] = useState<MiddleboxMode>(settings?.mode ?? 'drop');
  const customOk = isInt(customSec, MIDDLEBOX_LAB_TIMEOUT_SEC_MIN, MIDDLEBOX_LAB_TIMEOUT_SEC_MAX);
  const formOk = preset !== 'custom' || customOk;
  const body = { enabled: true, preset, mode, ...(preset === 'custom' ? { timeoutSec: Number(customSec) } : {}) };
  const busy = mb.progress !== null || readOnly;
  const enabled = mb.view?.enabled === true;
  const changed = settings !== null && (settings.preset !== preset || settings.mode !== mode || (preset === 'custom' && settings.timeoutSec !== Number(customSec)));

  return (
    <section className="middlebox" aria-label="Middlebox lab">
      <h3>Middlebox: which layer timed out?</h3>
      <p className="muted">
        A real Linux router (conntrack, nftables) between a client and a server namespace, forgetting idle flows like a cloud NAT or load balancer. Keepalive idle below its timeout keeps a flow; above it, the next message is lost.
      </p>
      <form
        aria-label="Middlebox settings"
        className="middlebox-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (formOk) void model.setMiddlebox(body);
        }}
      >
        <label className="middlebox-toggle">
          <input
            type="checkbox"
            checked={enabled}
            disabled={busy || (!enabled && !formOk)}
            onChange={(e) => void model.setMiddlebox(e.target.checked ? body : { enabled: false })}
          />
          Middlebox on
        </label>
        <label>
          Preset
          <select value={preset} onChange={(e) => setPreset(e.target.value as MiddleboxPresetName)}>
            {PRESET_CHOICES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        {preset === 'custom' && (
          <label>
            Timeout (s)
            <input className="narrow" inputMode="numeric" value={customSec} aria-invalid={!customOk} onChange={(e) => setCustomSec(e.target.value)} />
          </label>
        )}
        <label>
          Mode
          <select value={mode} onChange={(e) => setMode(e.target.value as MiddleboxMode)}>
            <option value="drop">drop silently</option>
            <option value="rst">answer with RST</option>
          </select>
        </label>
        {enabled && (
          <button type="submit" disabled={busy || !formOk || !changed}>
            Apply
          </button>
        )}
        {preset === 'custom' && !customOk && (
          <span className="field-error">
            {MIDDLEBOX_LAB_TIMEOUT_SEC_MIN}–{MIDDLEBOX_LAB_TIMEOUT_SEC_MAX} s
          </span>
        )}
      </form>
      {mb.progress && (
        <p className="muted middlebox-progress" role="status">
          {mb.progress}
        </p>
      )}
      {mb.error && (
        <p className="server-error" role="alert" data-testid="middlebox-error">
          {errorText(mb.error)}
        </p>
      )}
      {enabled && settings && (
        <>
          <p data-testid="middlebox-settings">
            On: forgets an idle flow after <strong>{settings.timeoutSec} s</strong>, then {settings.mode === 'drop' ? 'drops its segments silently' : 'answers them with a reset'}.
            {mb.view?.topology && <span className="muted"> Namespaces {Object.values(mb.view.topology.namespaces).join(', ')}.</span>}
          </p>
          <OpenThrough key={settings.timeoutSec} timeoutSec={settings.timeoutSec} disabled={busy} />
          <LabConnections connections={mb.view?.connections ?? []} timeoutSec={settings.timeoutSec} />
        </>
      )}
    </section>
  );
}

/** "Open a connection through it": keepalive idle below the timeout by default (half of it), so the first try keeps the flow. */
function OpenThrough({ timeoutSec, disabled }: { timeoutSec: number; disabled: boolean }) {
  const { model } = useEnv();
  const [keepalive, setKeepalive] = useState(true);
  const [idle, setIdle] = useState(String(Math.max(1, Math.floor(timeoutSec / 2))));
  const [interval, setIntervalSec] = useState(String(Math.max(1, Math.min(75, Math.floor(timeoutSec / 4)))));
  const [count, setCount] = useState('3');
  const [userTimeout, setUserTimeout] = useState('10');
  const ok = !keepalive || (isInt(idle, 1, 32767) && isInt(interval, 1, 32767) && isInt(count, 1, 127));
  const utoOk = isInt(userTimeout, 0, 3600);
  const idleSec = Number(idle);
  return (
    <form
      aria-label="Open a connection through the middlebox"
      className="middlebox-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (ok && utoOk) void model.openMiddleboxConnection(keepalive ? { idleSec, intervalSec: Number(interval), count: Number(count) } : null, Number(userTimeout) * 1000);
      }}
    >
      <h4>Open a connection through it</h4>
      <label className="middlebox-toggle">
        <input type="checkbox" checked={keepalive} onChange={(e) => setKeepalive(e.target.checked)} />
        Keepalive
      </label>
      <label>
        Idle (s)
        <input className="narrow" inputMode="numeric" value={idle} disabled={!keepalive} onChange={(e) => setIdle(e.target.value)} />
      </label>
      <label>
        Interval (s)
        <input className="narrow" inputMode="numeric" value={interval} disabled={!keepalive} onChange={(e) => setIntervalSec(e.target.value)} />
      </label>
      <label>
        Count
        <input className="narrow" inputMode="numeric" value={count} disabled={!keepalive} onChange={(e) => setCount(e.target.value)} />
      </label>
      <label title="TCP_USER_TIMEOUT of the client: how long a lost message is retransmitted before ETIMEDOUT">
        User timeout (s)
        <input className="narrow" inputMode="numeric" value={userTimeout} onChange={(e) => setUserTimeout(e.target.value)} />
      </label>
      <button type="submit" disabled={disabled || !ok || !utoOk}>
        Open connection
      </button>
      <span className="hint" data-testid="middlebox-idle-hint">
        {!keepalive
          ? `no keepalive: the flow is forgotten ${timeoutSec} s after its last segment`
          : ok && idleSec < timeoutSec
            ? `idle ${idleSec} s < middlebox ${timeoutSec} s: each probe refreshes the flow`
            : ok
              ? `idle ${idleSec} s ≥ middlebox ${timeoutSec} s: the flow will be forgotten first`
              : 'idle and interval 1–32767 s, count 1–127'}
      </span>
    </form>
  );
}

function LabConnections({ connections, timeoutSec }: { connections: MiddleboxConnectionInfo[]; timeoutSec: number }) {
  const { model } = useEnv();
  const mb = useModelState((s) => s.middlebox);
  const [notListed, setNotListed] = useState<string | null>(null);
  if (connections.length === 0) return <p className="muted">No connections through the middlebox yet.</p>;
  return (
    <>
      <table className="small lab-list" aria-label="Middlebox connections">
        <thead>
          <tr>
            <th scope="col">id</th>
            <th scope="col">client → server</th>
            <th scope="col">keepalive</th>
            <th scope="col">middlebox entry</th>
            <th scope="col">status</th>
            <th scope="col">actions</th>
            <th scope="col">verdict</th>
          </tr>
        </thead>
        <tbody>
          {connections.map((c) => {
            const verdict = mb.messages[c.id];
            const layer = layerVerdictText(c, mb.deaths[c.id], clockTime);
            return (
              <tr key={c.id} data-mb-id={c.id}>
                <td>{c.id}</td>
                <td>
                  {c.client.address}:{c.client.port} → {c.server.address}:{c.server.port}
                </td>
                <td>{c.keepalive ? `${c.keepalive.idleSec} / ${c.keepalive.intervalSec} / ${c.keepalive.count}` : 'off'}</td>
                <td>
                  <ConntrackCountdown connection={c} timeoutSec={timeoutSec} />
                </td>
                <td>
                  {c.status}
                  {c.closeCode ? ` (${c.closeCode})` : ''}
                </td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => void model.showMiddleboxConnection(c.id).then((found) => setNotListed(found ? null : c.id))}
                  >
                    Show
                  </button>{' '}
                  {c.status === 'open' && (
                    <button type="button" disabled={verdict?.pending === true} onClick={() => void model.sendMiddleboxMessage(c.id)}>
                      Send a message
                    </button>
                  )}
                </td>
                <td data-testid="middlebox-row-verdict">
                  {layer ?? (verdict ? messageVerdictText(verdict, c, clockTime) : '')}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {notListed && <p className="muted">{notListed}'s client end is not in the table yet: the server lists a new namespace's sockets within a few seconds.</p>}
    </>
  );
}
