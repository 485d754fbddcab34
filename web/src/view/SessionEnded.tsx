// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/**
 * The server refuses this browser's session: it restarted (sessions live in
 * its memory) or was never logged in. Say so over the dimmed table, and take
 * a pasted login link or code back in. Only the code is taken from what is
 * pasted: the page never navigates to an address someone else wrote.
 */
import { useState } from 'react';

import { useModelState } from './context.js';

/** The one-time code in "http://…/login?code=XYZ", "/login?code=XYZ" or "XYZ"; null if there is none. */
export function loginCodeOf(text: string): string | null {
  const trimmed = text.trim();
  const fromQuery = /[?&]code=([^&#\s]+)/.exec(trimmed);
  const code = fromQuery ? decodeURIComponent(fromQuery[1] ?? '') : trimmed;
  return /^[A-Za-z0-9_-]{8,128}$/.test(code) ? code : null;
}

export function SessionEnded() {
  const unauthorized = useModelState((s) => s.link.unauthorized && s.capture === null);
  // Lost after being live: a session that ended. Never live: a page opened without logging in.
  const wasLive = useModelState((s) => s.link.lostAt !== null);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (!unauthorized) return null;
  return (
    <section className="session-ended" role="alertdialog" aria-labelledby="session-ended-title" aria-describedby="session-ended-why" data-testid="session-ended">
      <h2 id="session-ended-title">{wasLive ? 'Your session ended' : 'Not logged in'}</h2>
      <p id="session-ended-why">
        {wasLive
          ? 'The server no longer accepts this browser’s session — it restarted (sessions do not survive a restart) or the session was logged out. The table behind is the last state received, not now.'
          : 'This page was opened without a login link, so the server shows it nothing.'}
      </p>
      <p>
        To get back in, paste the login link the server printed (<code>npm start</code> prints <code>…/login?code=…</code>; each link works once), or one made
        with <code>POST /api/login-codes</code> and the server’s token.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const code = loginCodeOf(text);
          if (code === null) {
            setError('That is not a login link or code: it looks like http://127.0.0.1:7405/login?code=q2mY1rQ7cC4yq6o0wB3b9A');
            return;
          }
          window.location.assign(`/login?code=${encodeURIComponent(code)}`);
        }}
      >
        <label htmlFor="login-code">Login link or code</label>
        <div className="session-row">
          <input
            id="login-code"
            autoComplete="off"
            spellCheck={false}
            value={text}
            aria-invalid={error !== null}
            aria-describedby={error ? 'login-code-error' : undefined}
            placeholder="http://127.0.0.1:7405/login?code=…"
            onChange={(e) => {
              setText(e.target.value);
              setError(null);
            }}
          />
          <button type="submit" className="primary">
            Log in
          </button>
        </div>
        {error && (
          <p id="login-code-error" className="field-error">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
