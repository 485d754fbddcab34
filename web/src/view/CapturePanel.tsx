// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** Open a saved ss / netstat / /proc/net/tcp capture and browse it read-only in the table. */
import { useState } from 'react';

import { MAX_CAPTURE_BYTES } from '@keepalive-dashboard/shared';

import type { CaptureFormat } from '../transport/api.js';
import { useEnv, useModelState } from './context.js';
import { clockTime, errorText } from './format.js';

export function CapturePanel() {
  const { model } = useEnv();
  const load = useModelState((s) => s.captureLoad);
  const capture = useModelState((s) => s.capture);
  const [format, setFormat] = useState<CaptureFormat | 'auto'>('auto');
  const [userHz, setUserHz] = useState('100');
  const [localError, setLocalError] = useState<string | null>(null);
  return (
    <div className="capture">
      <p className="muted">
        Load the saved output of <code>ss -tanoie</code>, <code>netstat -tanoeW</code> or <code>/proc/net/tcp</code> (tcp6) from any host and browse it here,
        read-only. Timers are shown as they were when captured.
      </p>
      <form className="filters" aria-label="Open a capture" onSubmit={(e) => e.preventDefault()}>
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as CaptureFormat | 'auto')}>
            <option value="auto">detect</option>
            <option value="ss">ss</option>
            <option value="netstat">netstat</option>
            <option value="proc">/proc/net/tcp</option>
          </select>
        </label>
        <label>
          USER_HZ (proc)
          <input className="narrow" inputMode="numeric" value={userHz} onChange={(e) => setUserHz(e.target.value)} />
        </label>
        <label className="file">
          Capture file
          <input
            type="file"
            accept=".txt,.log,text/plain"
            disabled={load.pending}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (!file) return;
              // The server's own limit, checked before sending: a capture of a very busy host belongs on the command line.
              if (file.size > MAX_CAPTURE_BYTES) {
                setLocalError(`${file.name} is ${Math.round(file.size / 1048576)} MiB: captures above 16 MiB are not loaded here`);
                return;
              }
              setLocalError(null);
              const hz = Number(userHz);
              void file.text().then((text) => model.loadCapture(file.name, text, format, Number.isInteger(hz) && hz > 0 ? hz : undefined));
            }}
          />
        </label>
        {load.pending && <span className="muted">Parsing…</span>}
      </form>
      {localError && <p className="server-error">{localError}</p>}
      {load.error && (
        <p className="server-error" role="alert">
          {errorText(load.error)}
        </p>
      )}
      {capture && (
        <p>
          Showing <strong>{capture.name}</strong> ({capture.format}, loaded {clockTime(capture.capturedAt)}).{' '}
          <button type="button" onClick={() => model.leaveCapture()}>
            Back to live
          </button>
        </p>
      )}
    </div>
  );
}

export function CaptureBanner() {
  const { model } = useEnv();
  const capture = useModelState((s) => s.capture);
  const [showIssues, setShowIssues] = useState(false);
  if (!capture) return null;
  return (
    <div className="capture-banner" role="status" data-testid="capture-banner">
      <span>
        Capture <strong>{capture.name}</strong> · {capture.format} · {capture.count.toLocaleString('en-US')} connections
        {capture.issues.length > 0 ? ` · ${capture.issues.length} line${capture.issues.length === 1 ? '' : 's'} skipped` : ''} · read-only
      </span>
      {capture.issues.length > 0 && (
        <button type="button" className="link" onClick={() => setShowIssues(!showIssues)}>
          {showIssues ? 'hide skipped lines' : 'show skipped lines'}
        </button>
      )}
      <button type="button" onClick={() => model.leaveCapture()}>
        Back to live
      </button>
      {showIssues && (
        <ul className="issues">
          {capture.issues.slice(0, 200).map((i) => (
            <li key={`${i.line}:${i.message}`}>
              line {i.line}: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
