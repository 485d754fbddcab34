// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The host: the source in use, capabilities, every network namespace with its
 * keepalive sysctls (the picked namespace's editable when allowed), and totals over time.
 */
import { memo, useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

import type { TotalsSample } from '../model/history.js';
import { useEnv, useModelState, useNamespaces } from './context.js';
import { FleetList } from './FleetList.js';
import { errorText } from './format.js';
import { MiddleboxTimeoutSetting } from './MiddleboxTimeoutSetting.js';
import { NamespaceList } from './NamespaceList.js';
import { SysctlForm } from './SysctlForm.js';

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
  const { model } = useEnv();
  const host = useModelState((s) => s.host);
  // The model's parse of the filter, as the table and the sysctl form use: not the text again.
  const picked = useModelState(() => model.pickedNetns);
  // A listed namespace that is picked has its form in its own row of the namespace list instead.
  const pickedListed = useNamespaces((s) => picked !== undefined && (s.list?.some((ns) => ns.inode === picked) ?? false));
  const namespacesListed = useNamespaces((s) => s.list !== null);
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
            {health.namespaces && (
              <>
                <dt>Namespaces</dt>
                <dd>
                  {health.namespaces.scope === 'own' ? "this server's only (--namespaces own)" : 'every namespace on the host'} · {health.namespaces.seen} seen ·{' '}
                  {health.namespaces.read} read
                  {health.namespaces.notRead.length > 0 ? ` · ${health.namespaces.notRead.length} not read (see Network namespaces)` : ''}
                </dd>
              </>
            )}
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
                <li className={health.capabilities.sysAdmin ? 'yes' : 'no'}>enter other network namespaces (CAP_SYS_ADMIN)</li>
                <li className={health.capabilities.netRaw ? 'yes' : 'no'}>probes on the wire (CAP_NET_RAW)</li>
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
      {!pickedListed && (
        <section aria-label="Sysctl defaults">
          <h3>Keepalive defaults (sysctl)</h3>
          {picked !== undefined && namespacesListed && (
            <p className="missing" role="status">
              The picked namespace (netns:{picked}) is no longer listed: it is gone, or the server can no longer see it.
            </p>
          )}
          <SysctlForm key={picked ?? 'own'} />
        </section>
      )}
      <section aria-label="Middlebox idle timeout">
        <h3>Middlebox idle timeout</h3>
        <MiddleboxTimeoutSetting />
      </section>
      <section aria-label="Network namespaces" className="wide">
        <h3>Network namespaces</h3>
        <NamespaceList picked={picked} />
      </section>
      <section aria-label="Totals over time" className="wide">
        <h3>Totals over time</h3>
        <TotalsCharts history={host.totalsHistory} />
      </section>
      <section aria-label="Fleet" className="wide">
        <h3>Fleet (from Prometheus)</h3>
        <FleetList model={model.fleet} />
      </section>
    </div>
  );
}
