// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** The keepalive sysctl form: one namespace's net.ipv4.tcp_keepalive_* defaults, editable when the server may write them. */
import { useState } from 'react';
import { checkKeepaliveValue, type Sysctl, type SysctlPatch } from '@keepalive-dashboard/shared';

import { parseIntegerText } from '../model/retune-form.js';
import { useEnv, useModelState } from './context.js';
import { errorText, netnsRefText } from './format.js';

const SYSCTL_FIELDS: { key: keyof Sysctl; name: string; unit: string; bound: 'idleSec' | 'intervalSec' | 'count' }[] = [
  { key: 'keepaliveTimeSec', name: 'net.ipv4.tcp_keepalive_time', unit: 's', bound: 'idleSec' },
  { key: 'keepaliveIntvlSec', name: 'net.ipv4.tcp_keepalive_intvl', unit: 's', bound: 'intervalSec' },
  { key: 'keepaliveProbes', name: 'net.ipv4.tcp_keepalive_probes', unit: 'probes', bound: 'count' },
];

/** The keepalive defaults of the namespace picked in the filter bar (the server's own when none is). */
export function SysctlForm() {
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
      aria-label={`Keepalive defaults of ${sysctl.netns?.label ?? "this server's namespace"}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!canSave) return;
        void model.applySysctl(patch).then(() => setDraft({}));
      }}
    >
      <p className="muted">
        Defaults for sockets that set nothing themselves, in namespace <strong>{sysctl.netns?.label ?? "this server's"}</strong>
        {sysctl.netns ? ` (${netnsRefText(sysctl.netns)})` : ''}.
      </p>
      {SYSCTL_FIELDS.map((f) => (
        <div className="field" key={f.key}>
          <label htmlFor={`sysctl-${f.key}`}>
            {f.name} ({f.unit})
          </label>
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
            .map((f) => `${f.name}: ${host.sysctlResult?.before[f.key]} → ${host.sysctlResult?.after[f.key]} ${f.unit}`)
            .join('; ') || 'no change'}
        </p>
      )}
    </form>
  );
}
