// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The host's "Middlebox idle timeout" (GET/PUT /api/settings): the NAT or
 * load balancer idle timeout every connection's keepalive idle is compared
 * with. Cloud presets as quick picks; the server's refusal shown as sent.
 */
import { useState } from 'react';
import { MIDDLEBOX_TIMEOUT_SEC_MAX, MIDDLEBOX_TIMEOUT_SEC_MIN } from '@keepalive-dashboard/shared';

import { MIDDLEBOX_TIMEOUT_PRESETS } from '../model/settings-model.js';
import { useEnv, useModelState } from './context.js';
import { errorText } from './format.js';

export function MiddleboxTimeoutSetting() {
  const { model } = useEnv();
  const settings = useModelState((s) => s.settings);
  const current = settings.value?.middleboxTimeoutSec ?? null;
  const [text, setText] = useState<string | null>(null);
  const shown = text ?? (current === null ? '' : String(current));
  const sec = Number(shown);
  const valid = Number.isInteger(sec) && sec >= MIDDLEBOX_TIMEOUT_SEC_MIN && sec <= MIDDLEBOX_TIMEOUT_SEC_MAX;
  const apply = (value: number): void => {
    void model.setMiddleboxTimeout(value).then((ok) => ok && setText(null));
  };
  return (
    <form
      className="middlebox-timeout"
      aria-label="Middlebox idle timeout"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) apply(sec);
      }}
    >
      <label>
        Middlebox idle timeout{' '}
        <input
          type="number"
          min={MIDDLEBOX_TIMEOUT_SEC_MIN}
          max={MIDDLEBOX_TIMEOUT_SEC_MAX}
          value={shown}
          aria-invalid={shown !== '' && !valid}
          onChange={(e) => setText(e.target.value)}
          data-testid="middlebox-timeout-input"
        />{' '}
        s
      </label>{' '}
      <button type="submit" disabled={!valid || settings.pending}>
        Apply
      </button>{' '}
      {MIDDLEBOX_TIMEOUT_PRESETS.map((p) => (
        <button key={p.name} type="button" disabled={settings.pending} onClick={() => apply(p.timeoutSec)} title={`${p.name}: ${p.timeoutSec} s`}>
          {p.name} {p.timeoutSec} s
        </button>
      ))}
      <p className="muted">
        The advisory idle-exceeds-middlebox uses it: a connection whose keepalive idle is longer is flagged
        {current === null ? '' : ` (now ${current} s)`}.
      </p>
      {settings.error && (
        <p className="server-error" role="alert">
          {errorText(settings.error)}
        </p>
      )}
    </form>
  );
}
