// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The host: sysctl defaults (editable when allowed), the source in use, capabilities, and totals over time. */
import { memo, useMemo, useState } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { checkKeepaliveValue, type Sysctl, type SysctlPatch } from '@keepalive-dashboard/shared';

import type { TotalsSample } from '../model/history.js';
import { parseIntegerText } from '../model/retune-form.js';
import { useEnv, useModelState } from './context.js';
import { errorText } from './format.js';

const SYSCTL_FIELDS: { key: keyof Sysctl; label: string; bound: 'idleSec' | 'intervalSec' | 'count' }[] = [
  { key: 'keepaliveTimeSec', label: 'net.ipv4.tcp_keepalive_time (s)', bound: 'idleSec' },
  { key: 'keepaliveIntvlSec', label: 'net.ipv4.tcp_keepalive_intvl (s)', bound: 'intervalSec' },
  { key: 'keepaliveProbes', label: 'net.ipv4.tcp_keepalive_probes', bound: 'count' },
];

function SysctlForm() {
  const { model } = useEnv();
  const host = useModelState((s) => s.host);
  const readOnly = useModelState((s) => s.server.readOnly);
  const sysctl = host.sysctl;
  const [draft, setDraft] = useState<Partial<Record<keyof Sysctl, string>>>({});
  if (!sysctl) return <p className="muted">{host.sysctlError ? errorText(host.sysctlError) : 'Reading sysctls…'}</p>;
  const writable = sysctl.writable && !readOnly;
  const errors: Partial<Record<keyof Sysctl, string>> = {};
  const patch: SysctlPatch = {};
  for (const f of SYSCTL_FIELDS) {
    const text = draft[f.key];
    if (text === undefined) continue;
    const value = parseIntegerText(text);
    const violation = checkKeepaliveValue(f.bound, value);
    if (violation) errors[f.key] = violation.message;
    else if (value !== sysctl[f.key]) patch[f.key] = value;
  }
  const canSave = writable && Object.keys(errors).length === 0 && Object.keys(patch).length > 0 && !host.sysctlPending;
  return (
    <form
      className="sysctl"
      aria-label="Host keepalive defaults"
      onSubmit={(e) => {
        e.preventDefault();
        if (!canSave) return;
        void model.applySysctl(patch).then(() => setDraft({}));
      }}
    >
      <p className="muted">Defaults for sockets that set nothing themselves, per network namespace.</p>
      {SYSCTL_FIELDS.map((f) => (
        <div className="field" key={f.key}>
          <label htmlFor={`sysctl-${f.key}`}>{f.label}</label>
          <input
            id={`sysctl-${f.key}`}
            inputMode="numeric"
            value={draft[f.key] ?? String(sysctl[f.key])}
            disabled={!writable}
            aria-invalid={errors[f.key] ? true : undefined}
            onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
          />
          {errors[f.key] && <span className="field-error">{errors[f.key]}</span>}
        </div>
      ))}
      <div className="actions">
        <button type="submit" disabled={!canSave}>
          Save defaults
        </button>
        {!writable && <span className="muted">{readOnly ? 'read-only server' : 'changing them needs root (write access to /proc/sys/net/ipv4)'}</span>}
      </div>
      {host.sysctlError && <p className="server-error">{errorText(host.sysctlError)}</p>}
      {host.sysctlResult && (
        <p className="muted">
          {SYSCTL_FIELDS.filter((f) => host.sysctlResult?.before[f.key] !== host.sysctlResult?.after[f.key])
            .map((f) => `${f.label.replace(/ \(s\)$/, '')}: ${host.sysctlResult?.before[f.key]} → ${host.sysctlResult?.after[f.key]}`)
            .join('; ') || 'no change'}
        </p>
      )}
    </form>
  );
}

const TotalsCharts = memo(function TotalsCharts({ history }: { history: TotalsSample[] }) {
  const data = useMemo(() => {
    const newest = history[history.length - 1]?.t ?? 0;
    return history.map((s) => ({ ...s, x: Math.round((s.t - newest) / 1000) }));
  }, [history]);
  if (data.length < 2) return <p className="muted">Collecting totals…</p>;
  const axis = { tick: { fontSize: 11 }, stroke: 'var(--muted)' };
  return (
    <div className="charts" data-testid="totals-chart">
      <figure>
        <figcaption>Connections by state</figcaption>
        <ResponsiveContainer width="100%" height={170}>
          <AreaChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis dataKey="x" type="number" domain={['dataMin', 0]} unit=" s" {...axis} />
            <YAxis width={52} {...axis} />
            <Tooltip isAnimationActive={false} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Area dataKey="established" name="ESTABLISHED" stackId="s" stroke="var(--ok)" fill="var(--ok)" fillOpacity={0.35} isAnimationActive={false} />
            <Area dataKey="timeWait" name="TIME_WAIT" stackId="s" stroke="var(--muted)" fill="var(--muted)" fillOpacity={0.3} isAnimationActive={false} />
            <Area dataKey="listen" name="LISTEN" stackId="s" stroke="var(--accent)" fill="var(--accent)" fillOpacity={0.3} isAnimationActive={false} />
            <Area dataKey="otherStates" name="other" stackId="s" stroke="var(--warn)" fill="var(--warn)" fillOpacity={0.3} isAnimationActive={false} />
          </AreaChart>
        </ResponsiveContainer>
      </figure>
      <figure>
        <figcaption>Keepalive on / off and probing</figcaption>
        <ResponsiveContainer width="100%" height={170}>
          <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis dataKey="x" type="number" domain={['dataMin', 0]} unit=" s" {...axis} />
            <YAxis width={52} {...axis} />
            <Tooltip isAnimationActive={false} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Line dataKey="keepaliveOn" name="keepalive on" stroke="var(--ok)" dot={false} isAnimationActive={false} />
            <Line dataKey="keepaliveOff" name="keepalive off" stroke="var(--muted)" dot={false} isAnimationActive={false} />
            <Line dataKey="probing" name="probing" stroke="var(--danger)" dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
});

export function HostPanel() {
  const host = useModelState((s) => s.host);
  const health = host.health;
  return (
    <div className="host">
      <section aria-label="Server">
        <h3>Server</h3>
        {health ? (
          <dl className="facts">
            <dt>Source</dt>
            <dd>
              {health.source}
              {health.requestedSource !== health.source ? ` (asked for ${health.requestedSource})` : ''}
              {health.fallbacks.map((f) => (
                <span key={f.source} className="muted">
                  {' '}
                  · {f.source} unavailable: {f.reason}
                </span>
              ))}
            </dd>
            <dt>Interval</dt>
            <dd>
              {health.intervalMs} ms
              {health.lastCollection ? ` · last collection ${health.lastCollection.durationMs} ms for ${health.lastCollection.connections.toLocaleString('en-US')} sockets` : ''}
            </dd>
            <dt>Mode</dt>
            <dd>{health.readOnly ? 'read-only' : 'read-write'} · version {health.version}</dd>
            <dt>Audit log</dt>
            <dd>
              {health.auditLog.path} {health.auditLog.writable ? '' : `— NOT WRITABLE (${health.auditLog.error ?? '?'}): changes are refused`}
            </dd>
            <dt>Capabilities</dt>
            <dd>
              <ul className="caps" aria-label="Capabilities">
                <li className={health.capabilities.native ? 'yes' : 'no'}>native addon</li>
                <li className={health.capabilities.sysPtrace ? 'yes' : 'no'}>retune other processes’ sockets (CAP_SYS_PTRACE)</li>
                <li className={health.capabilities.netAdmin ? 'yes' : 'no'}>kill connections (CAP_NET_ADMIN)</li>
                <li className={health.capabilities.sysctlWrite ? 'yes' : 'no'}>write sysctls</li>
              </ul>
              {health.capabilities.missing.map((m) => (
                <p key={m} className="missing">
                  missing: {m}
                </p>
              ))}
            </dd>
          </dl>
        ) : (
          <p className="muted">{host.error ? errorText(host.error) : 'Asking the server…'}</p>
        )}
      </section>
      <section aria-label="Sysctl defaults">
        <h3>Keepalive defaults (sysctl)</h3>
        <SysctlForm />
      </section>
      <section aria-label="Totals over time" className="wide">
        <h3>Totals over time</h3>
        <TotalsCharts history={host.totalsHistory} />
      </section>
    </div>
  );
}
