// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * Every network namespace the server sees: who it belongs to, what runs in
 * it, how its sockets are read (or why they are not), and its keepalive
 * sysctls — which differ per namespace (a pod sees 7200/75/9 on a tuned host).
 * The namespace picked in the filter bar is highlighted and its defaults are
 * edited in the row under it.
 */
import type { Health, Namespace } from '@keepalive-dashboard/shared';

import { ownerText, plural, processesText } from '../model/namespaces.js';
import { useEnv, useModelState, useNamespaces } from './context.js';
import { errorText } from './format.js';
import { perSecText } from './ProbeTimeline.js';
import { SysctlForm } from './SysctlForm.js';

const COLUMN_COUNT = 11;

/** Why a namespace's sockets or sysctls are not shown, in its own words from the server. */
function notReadText(ns: Namespace): string {
  const why: string[] = [];
  if (ns.error) why.push(`sockets not read: ${ns.error.message}`);
  if (ns.sysctlError) why.push(`sysctls not read: ${ns.sysctlError.message}`);
  return why.join('; ');
}

/** Only one namespace listed: say which of the three reasons it is. */
function onlyOwnReason(health: Health | null): string {
  if (health?.namespaces?.scope === 'own') return 'the server runs with --namespaces own.';
  if (health && !health.capabilities.sysAdmin) return 'entering other namespaces needs CAP_SYS_ADMIN, which the server does not have.';
  return 'no other network namespace exists on this host (no container, pod or `ip netns`).';
}

function NamespaceRow({ ns, picked }: { ns: Namespace; picked: boolean }) {
  const { model } = useEnv();
  const sysctl = ns.sysctl;
  const why = notReadText(ns);
  return (
    <tr className={picked ? 'ns-picked' : undefined} aria-current={picked ? 'true' : undefined} data-netns={ns.inode}>
      <td title={`netns:${ns.inode} · ${ns.path}`}>
        <button type="button" className="link" onClick={() => model.setFilter({ netns: picked ? '' : String(ns.inode) })} title={picked ? 'Show every namespace' : 'Show only this namespace'}>
          {ns.label}
        </button>
        {ns.own && <span className="muted"> (this server’s)</span>}
      </td>
      <td>
        {ns.name ? `ip netns ${ns.name}` : ''}
        {ns.name && ns.owner ? ' · ' : ''}
        {ns.owner || !ns.name ? ownerText(ns.owner) : ''}
      </td>
      <td className="ns-processes" title={ns.processes.map((p) => `${p.comm} pid ${p.pid}`).join('\n') || undefined}>
        {processesText(ns)}
      </td>
      <td className="num">{plural(ns.sockets, 'socket')}</td>
      <td>{ns.reader ?? 'not read'}</td>
      <td className="num" data-sysctl="keepaliveTimeSec">
        {sysctl ? `${sysctl.keepaliveTimeSec} s` : '—'}
      </td>
      <td className="num" data-sysctl="keepaliveIntvlSec">
        {sysctl ? `${sysctl.keepaliveIntvlSec} s` : '—'}
      </td>
      <td className="num" data-sysctl="keepaliveProbes">
        {sysctl ? plural(sysctl.keepaliveProbes, 'probe') : '—'}
      </td>
      <td className="num" data-counter="probesPerSec">
        {ns.keepaliveCounters ? perSecText(ns.keepaliveCounters.probesPerSec, 'probes') : '—'}
      </td>
      <td className="num" data-counter="abortsPerSec">
        {ns.keepaliveCounters ? perSecText(ns.keepaliveCounters.abortsPerSec, 'aborts') : '—'}
      </td>
      <td className={why ? 'ns-why' : undefined}>{why}</td>
    </tr>
  );
}

export function NamespaceList({ picked }: { picked: number | undefined }) {
  const { list, error } = useNamespaces((s) => s);
  const health = useModelState((s) => s.host.health);
  if (!list) return <p className="muted">{error ? `Cannot list namespaces — ${errorText(error)}` : 'Asking the server…'}</p>;
  return (
    <>
      {list.length <= 1 && (
        <p className="muted" role="status">
          Only this server’s namespace is visible: {onlyOwnReason(health)}
        </p>
      )}
      {error && <p className="server-error">Namespace list not refreshed — {errorText(error)}</p>}
      <table className="small namespaces" aria-label="Network namespaces">
        <thead>
          <tr>
            <th scope="col">Namespace</th>
            <th scope="col">Name / owner</th>
            <th scope="col">Processes</th>
            <th scope="col">TCP sockets</th>
            <th scope="col">Reader</th>
            <th scope="col" title="net.ipv4.tcp_keepalive_time">
              Keepalive time
            </th>
            <th scope="col" title="net.ipv4.tcp_keepalive_intvl">
              Interval
            </th>
            <th scope="col" title="net.ipv4.tcp_keepalive_probes">
              Probes
            </th>
            <th scope="col" title="TcpExt TCPKeepAlive in its /proc/net/netstat: keepalive probes the kernel sent, over the last minute">
              Kernel probes
            </th>
            <th scope="col" title="TcpExt TCPAbortOnTimeout: connections the kernel gave up on (keepalive, retransmission or user timeout)">
              Timeout aborts
            </th>
            <th scope="col">Not read because</th>
          </tr>
        </thead>
        <tbody>
          {list.map((ns) => {
            const isPicked = ns.inode === picked;
            return [
              <NamespaceRow key={ns.inode} ns={ns} picked={isPicked} />,
              isPicked && (
                <tr key={`${ns.inode}-edit`} className="ns-picked ns-edit">
                  <td colSpan={COLUMN_COUNT}>
                    <SysctlForm key={ns.inode} />
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </>
  );
}
