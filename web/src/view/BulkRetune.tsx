// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * Bulk retune: the dialog (keepalive fields, "Dry run" → each socket's
 * before → after or why it is refused, "Apply to N" only after that dry run,
 * then what happened to each), and the filter bar's button that opens it
 * for the current view. Server refusals are shown as the server sent them.
 */
import { formatEndpoint, type BulkRetuneItem, type BulkRetuneResult, type KeepaliveSettings } from '@keepalive-dashboard/shared';
import { useSyncExternalStore } from 'react';

import { applicableIds, canApply, type BulkDraft, type BulkState } from '../model/bulk-model.js';
import { FIELD_LABELS, NUMBER_FIELDS } from '../model/retune-form.js';
import { useEnv, useModelState } from './context.js';
import { errorText } from './format.js';

function useBulk<T>(select: (state: BulkState) => T): T {
  const { bulk } = useEnv().model;
  return useSyncExternalStore(bulk.subscribe, () => select(bulk.getState()), () => select(bulk.getState()));
}

/** "Retune 12 matching…": the current view's rows (filter, and search when typed). */
export function BulkRetuneButton() {
  const { model } = useEnv();
  const total = useModelState((s) => s.table.total);
  const search = useModelState((s) => s.table.filter.search.trim());
  const live = useModelState((s) => s.capture === null);
  if (!live) return null;
  const open = async (): Promise<void> => {
    const label = `${total.toLocaleString('en-US')} matching the filter`;
    // The server filters but does not search: with a search typed, the rows shown are named one by one.
    if (!search) return model.bulk.open({ kind: 'filter', filter: model.serverFilter, label });
    const ids = (await model.viewRows()).map((v) => v.id);
    model.bulk.open({ kind: 'ids', ids, label });
  };
  return (
    <button type="button" onClick={() => void open()} disabled={total === 0}>
      Retune {total.toLocaleString('en-US')} matching…
    </button>
  );
}

export function settingsText(s: KeepaliveSettings | null): string {
  if (!s) return 'unknown';
  const uto = s.userTimeoutMs > 0 ? ` · uto ${s.userTimeoutMs} ms` : '';
  return `${s.enabled ? 'on' : 'off'} · ${s.idleSec} s / ${s.intervalSec} s / ${s.count}${uto}`;
}

const OUTCOME_TEXT: Record<BulkRetuneItem['outcome'], string> = { 'would-apply': 'would apply', applied: 'applied', refused: 'refused', failed: 'failed' };

export function BulkRetune() {
  const { model } = useEnv();
  const state = useBulk((s) => s);
  const { target, draft, check, busy, dryRun, applied, error } = state;
  if (!target) return null;
  const set = (field: keyof BulkDraft, value: string): void => model.bulk.setField(field, value);
  const applyCount = applicableIds(dryRun).length;
  const locked = busy === 'apply' || applied !== null;
  return (
    <div className="bulk-backdrop">
      <div className="bulk" role="dialog" aria-modal="true" aria-labelledby="bulk-title">
        <h2 id="bulk-title">Retune {target.label}</h2>
        <p className="hint">Fields left empty stay as each socket has them. Nothing changes until “Apply”, offered after a dry run of the same patch.</p>
        <div className="bulk-fields">
          <div className="fl">
            <label htmlFor="bulk-enabled">Keepalive</label>
            <select id="bulk-enabled" value={draft.enabled} disabled={locked} onChange={(e) => set('enabled', e.target.value)}>
              <option value="">unchanged</option>
              <option value="on">on</option>
              <option value="off">off</option>
            </select>
          </div>
          {NUMBER_FIELDS.map((field) => (
            <div className="fl" key={field}>
              <label htmlFor={`bulk-${field}`}>{FIELD_LABELS[field]}</label>
              <input
                id={`bulk-${field}`}
                inputMode="numeric"
                placeholder="unchanged"
                value={draft[field]}
                disabled={locked}
                aria-invalid={check.errors[field] ? true : undefined}
                title={check.errors[field]}
                onChange={(e) => set(field, e.target.value)}
              />
              {check.errors[field] && <span className="field-error">{check.errors[field]}</span>}
            </div>
          ))}
        </div>
        <div className="bulk-actions">
          <button type="button" onClick={() => void model.bulk.dryRun()} disabled={check.patch === null || busy !== null || locked}>
            {busy === 'dry-run' ? 'Dry run…' : 'Dry run'}
          </button>
          <button type="button" className="danger" onClick={() => void model.bulk.apply()} disabled={!canApply(state)}>
            {busy === 'apply' ? 'Applying…' : `Apply to ${applyCount}`}
          </button>
          <button type="button" onClick={() => model.bulk.close()}>
            {applied ? 'Done' : 'Cancel'}
          </button>
        </div>
        {error && (
          <p className="field-error" role="alert" data-testid="bulk-error">
            {error.status ? `HTTP ${error.status} · ` : ''}
            {errorText(error)}
          </p>
        )}
        {applied ? <BulkResult result={applied} /> : dryRun && <BulkResult result={dryRun} />}
      </div>
    </div>
  );
}

function BulkResult({ result }: { result: BulkRetuneResult }) {
  const counts = new Map<string, number>();
  for (const item of result.items) counts.set(item.outcome, (counts.get(item.outcome) ?? 0) + 1);
  const summary = [...counts].map(([outcome, n]) => `${n} ${OUTCOME_TEXT[outcome as BulkRetuneItem['outcome']]}`).join(' · ');
  return (
    <section className="bulk-result" aria-label={result.dryRun ? 'Dry run' : 'Results'}>
      <p data-testid="bulk-summary">
        {result.dryRun ? 'Dry run' : 'Applied'} — {result.matched} matched: {summary || 'nothing'}
      </p>
      <div className="bulk-list">
        <table>
          <thead>
            <tr>
              <th scope="col">Connection</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {result.items.map((item) => (
              <tr key={item.id} data-id={item.id} data-outcome={item.outcome} className={`outcome-${item.outcome}`}>
                <td>{item.local && item.peer ? `${formatEndpoint(item.local)} → ${formatEndpoint(item.peer)}` : item.id}{item.state ? ` ${item.state}` : ''}</td>
                <td>{settingsText(item.before)}</td>
                <td>{item.outcome === 'refused' ? '—' : `→ ${settingsText(item.after)}`}</td>
                <td title={item.error ? errorText(item.error) : undefined}>
                  {OUTCOME_TEXT[item.outcome]}
                  {item.error ? `: ${item.error.message}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
