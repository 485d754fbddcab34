// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * Retune one socket's keepalive: fields checked as you type, the death time
 * predicted before applying, PATCH on Apply, before → after, server errors
 * shown as they came ({code, message}), presets and Undo.
 */
import { KEEPALIVE_BOUNDS, KEEPALIVE_PRESETS, type KeepaliveNumberField, type KeepaliveSettings } from '@keepalive-dashboard/shared';

import { describeDeath, FIELD_LABELS, NUMBER_FIELDS, patchFor } from '../model/retune-form.js';
import { useEnv, useModelState } from './context.js';
import { errorText } from './format.js';

const FIELD_NAMES: Record<keyof KeepaliveSettings, string> = {
  enabled: 'enabled',
  idleSec: 'idle (s)',
  intervalSec: 'interval (s)',
  count: 'count',
  userTimeoutMs: 'user timeout (ms)',
};

export function RetuneForm({ disabledReason }: { disabledReason: string | null }) {
  const { model } = useEnv();
  const retune = useModelState((s) => s.retune);
  const { draft, check } = retune;
  const patch = check.values ? patchFor(retune.baseKnown ? retune.base : null, check.values) : null;
  const blocked = disabledReason !== null;
  const canApply = !blocked && !retune.pending && check.values !== null && patch !== null;
  const undoable = retune.lastChange !== null && retune.lastChange.connectionId === retune.connectionId && !blocked;

  return (
    <form
      className="retune"
      aria-label="Retune keepalive"
      onSubmit={(e) => {
        e.preventDefault();
        if (canApply) void model.applyRetune();
      }}
    >
      <div className="presets" role="group" aria-label="Presets">
        <span className="muted">Presets:</span>
        {KEEPALIVE_PRESETS.map((p) => (
          <button key={p.name} type="button" disabled={blocked} onClick={() => model.applyPreset(p.name)} title={`${p.idleSec} / ${p.intervalSec} / ${p.count}`}>
            {p.name} ({p.idleSec}/{p.intervalSec}/{p.count})
          </button>
        ))}
      </div>
      <label className="check">
        <input type="checkbox" checked={draft.enabled} disabled={blocked} onChange={(e) => model.setRetuneField('enabled', e.target.checked)} />
        Keepalive enabled
      </label>
      <div className="fields">
        {NUMBER_FIELDS.map((field: KeepaliveNumberField) => {
          const error = check.errors[field];
          const id = `retune-${field}`;
          const bound = KEEPALIVE_BOUNDS[field];
          return (
            <div className="field" key={field}>
              <label htmlFor={id}>{FIELD_LABELS[field]}</label>
              <input
                id={id}
                inputMode="numeric"
                autoComplete="off"
                value={draft[field]}
                disabled={blocked}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${id}-error` : `${id}-hint`}
                onChange={(e) => model.setRetuneField(field, e.target.value)}
              />
              {error ? (
                <span id={`${id}-error`} className="field-error" role="alert">
                  {error}
                </span>
              ) : (
                <span id={`${id}-hint`} className="hint">
                  {bound.min}–{bound.max}
                  {field === 'userTimeoutMs' ? ' (0 = off)' : ''}
                </span>
              )}
            </div>
          );
        })}
      </div>
      <p className="prediction" data-testid="prediction">
        {describeDeath(check)}
      </p>
      <div className="actions">
        <button type="submit" className="primary" disabled={!canApply}>
          {retune.pending ? 'Applying…' : 'Apply'}
        </button>
        <button type="button" disabled={!retune.dirty || retune.pending} onClick={() => model.revertDraft()}>
          Revert
        </button>
        {undoable && (
          <button type="button" disabled={retune.pending} onClick={() => void model.undo()}>
            Undo last change
          </button>
        )}
        {!retune.baseKnown && !blocked && <span className="muted">current settings unknown: Apply sends every field</span>}
        {check.values && patch === null && !blocked && <span className="muted">no change to apply</span>}
      </div>
      {disabledReason && <p className="muted">{disabledReason}</p>}
      {retune.error && (
        <p className="server-error" role="alert" data-testid="retune-error">
          {errorText(retune.error)}
        </p>
      )}
      {retune.result && (
        <table className="before-after" data-testid="before-after" aria-label="Last change: before and after">
          <thead>
            <tr>
              <th scope="col">setting</th>
              <th scope="col">before</th>
              <th scope="col">after</th>
            </tr>
          </thead>
          <tbody>
            {(Object.keys(FIELD_NAMES) as (keyof KeepaliveSettings)[]).map((key) => {
              const before = retune.result?.before[key];
              const after = retune.result?.after[key];
              return (
                <tr key={key} className={before !== after ? 'changed' : undefined}>
                  <th scope="row">{FIELD_NAMES[key]}</th>
                  <td>{String(before)}</td>
                  <td>
                    {String(after)}
                    {before !== after ? ' ←' : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </form>
  );
}
