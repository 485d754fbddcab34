// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** Filters (state, port, address, process, keepalive, probe phase, namespace), text search and totals. */
import { memo } from 'react';
import { TCP_STATES } from '@keepalive-dashboard/shared';

import { ADVISORY_LABELS } from '../model/columns.js';
import { ADVISORY_CHOICES, type FilterDraft } from '../model/filter.js';
import { pickerOptions } from '../model/namespaces.js';
import { useEnv, useModelState, useNamespaces } from './context.js';
import { BulkRetuneButton } from './BulkRetune.js';
import { ExportButtons } from './ExportButtons.js';
import { errorText } from './format.js';
import { GroupByPicker } from './GroupTable.js';

const STATE_CHOICES = TCP_STATES.filter((s) => s !== 'UNKNOWN' && s !== 'NEW_SYN_RECV' && s !== 'CLOSE');

// Memoized (no props): the page re-rendering (an event counted, a panel opened) leaves the filter inputs alone;
// they re-render only when the filter or its errors change.
export const FilterBar = memo(function FilterBar() {
  const { model } = useEnv();
  const filter = useModelState((s) => s.table.filter);
  const errors = useModelState((s) => s.table.filterErrors);
  const set = (patch: Partial<FilterDraft>): void => model.setFilter(patch);
  const active = Object.values(filter).some((v) => v !== '');
  return (
    <form className="filters" role="search" aria-label="Filter connections" onSubmit={(e) => e.preventDefault()}>
      <div className="fl">
        <label htmlFor="filter-search">Search</label>
        <input id="filter-search" type="search" value={filter.search} placeholder="address, port, command, pid…" onChange={(e) => set({ search: e.target.value })} />
      </div>
      <div className="fl">
        <label htmlFor="filter-state">State</label>
        <select id="filter-state" value={STATE_CHOICES.includes(filter.state as (typeof STATE_CHOICES)[number]) || filter.state === '' ? filter.state : ''} onChange={(e) => set({ state: e.target.value })}>
          <option value="">any</option>
          {STATE_CHOICES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <TextFilter id="filter-port" label="Port" className="narrow" placeholder="443, 48000-48099" value={filter.port} error={errors.port} onEdit={(port) => set({ port })} />
      <TextFilter id="filter-address" label="Address" placeholder="127.0.0.0/8" value={filter.address} error={errors.address} onEdit={(address) => set({ address })} />
      <div className="fl">
        <label htmlFor="filter-process">Process</label>
        <input id="filter-process" value={filter.process} placeholder="command or pid" onChange={(e) => set({ process: e.target.value })} />
      </div>
      <div className="fl">
        <label htmlFor="filter-keepalive">Keepalive</label>
        <select id="filter-keepalive" value={filter.keepalive} onChange={(e) => set({ keepalive: e.target.value as FilterDraft['keepalive'] })}>
          <option value="">any</option>
          <option value="on">on</option>
          <option value="off">off</option>
          <option value="unknown">unknown</option>
        </select>
      </div>
      <div className="fl">
        <label htmlFor="filter-probe-phase">Probe phase</label>
        <select id="filter-probe-phase" value={filter.probing} onChange={(e) => set({ probing: e.target.value as FilterDraft['probing'] })}>
          <option value="">any</option>
          <option value="yes">probing</option>
          <option value="no">not probing</option>
        </select>
      </div>
      <div className="fl">
        <label htmlFor="filter-advisory">Advisory</label>
        <select id="filter-advisory" value={filter.advisory} onChange={(e) => set({ advisory: e.target.value as FilterDraft['advisory'] })}>
          <option value="">—</option>
          {ADVISORY_CHOICES.map((a) => (
            <option key={a} value={a}>
              {a === 'any' ? 'any (at risk)' : a === 'none' ? 'none' : `${a} (${ADVISORY_LABELS[a]})`}
            </option>
          ))}
        </select>
      </div>
      <NamespacePicker value={filter.netns} onPick={(netns) => set({ netns })} />
      <TextFilter id="filter-expr" label="ss filter" placeholder="sport = :443 or dst 10.0.0.0/8" value={filter.expr} error={errors.expr} onEdit={(expr) => set({ expr })} />
      <button type="button" onClick={() => model.clearFilter()} disabled={!active}>
        Clear
      </button>
      {(['port', 'address', 'state', 'expr'] as const).map(
        (field) =>
          errors[field] && (
            <span key={field} className="field-error" role="alert">
              {errors[field]}
            </span>
          ),
      )}
    </form>
  );
});

interface TextFilterProps {
  id: string;
  label: string;
  value: string;
  placeholder: string;
  /** What shared/ could not read in it; the field is marked and the message is its tooltip (the bar also lists it). */
  error: string | undefined;
  className?: string;
  onEdit: (value: string) => void;
}

/** A typed filter field that shared/ parses (port list, address or CIDR, ss expression). */
function TextFilter({ id, label, value, placeholder, error, className, onEdit }: TextFilterProps) {
  return (
    <div className="fl">
      <label htmlFor={id}>{label}</label>
      <input id={id} className={className} placeholder={placeholder} value={value} aria-invalid={error ? true : undefined} title={error} onChange={(e) => onEdit(e.target.value)} />
    </div>
  );
}

/** Every namespace the server lists, with its socket count; a picked one that vanished stays picked, marked gone. */
function NamespacePicker({ value, onPick }: { value: string; onPick: (netns: string) => void }) {
  const namespaces = useNamespaces((s) => s);
  const picked = value === '' ? undefined : Number(value);
  const options = pickerOptions(namespaces, picked);
  return (
    <div className="fl">
      <label htmlFor="filter-netns">Namespace</label>
      <select id="filter-netns" value={value} title={namespaces.error ? `namespaces unavailable — ${errorText(namespaces.error)}` : undefined} onChange={(e) => onPick(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** What to do with the rows shown: group them, retune them, export them. Beside the count, so the filters keep one row. */
export const ViewActions = memo(function ViewActions() {
  return (
    <div className="view-actions">
      <GroupByPicker />
      <BulkRetuneButton />
      <ExportButtons />
    </div>
  );
});

/** The counts; field by field, so a window frame that moved only rows (or repeated the totals) leaves it alone. */
export const Totals = memo(function Totals() {
  const total = useModelState((s) => s.table.total);
  const known = useModelState((s) => s.table.known);
  const filteredHere = useModelState((s) => s.table.filteredHere);
  const totals = useModelState((s) => s.table.totals);
  const capture = useModelState((s) => s.capture);
  const fmt = (n: number): string => n.toLocaleString('en-US');
  return (
    <p className="totals" aria-live="polite" data-testid="totals">
      <span>
        Showing <strong>{fmt(total)}</strong> of {fmt(known)}
        {capture ? ' in the capture' : ''}
      </span>
      {filteredHere && <span data-testid="filtered-here">filtered here from the last rows received; the server applies it when the link is back</span>}
      {!capture && totals && (
        <>
          <span>host: {fmt(totals.connections)} connections</span>
          <span>ESTABLISHED {fmt(totals.byState.ESTABLISHED ?? 0)}</span>
          <span>TIME_WAIT {fmt(totals.byState.TIME_WAIT ?? 0)}</span>
          <span>LISTEN {fmt(totals.byState.LISTEN ?? 0)}</span>
          <span>keepalive on {fmt(totals.keepaliveOn)}</span>
          <span className={totals.probing > 0 ? 'probing-count' : undefined}>probing {fmt(totals.probing)}</span>
        </>
      )}
      {capture && <span>probing {fmt(capture.probing)}</span>}
    </p>
  );
});
