// @jsxRuntime automatic (tests run .tsx through tsx, whose root tsconfig does not set jsx)
/** "Export CSV / JSON": the table's current view (filter, search, sort; every row, not the window) downloaded as a file. */
import { useState } from 'react';

import type { ExportFile } from '../model/export.js';
import { asErrorBody } from '../transport/api.js';
import { useEnv } from './context.js';
import { errorText } from './format.js';

/** Downloads through a Blob URL: no server round trip for what the page already made, and nothing left behind. */
function download(file: ExportFile): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // After the click's task: revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function ExportButtons() {
  const { model } = useEnv();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (format: 'csv' | 'json'): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      download(await model.exportView(format));
    } catch (e) {
      setError(`export failed — ${errorText(asErrorBody(e))}`);
    } finally {
      setPending(false);
    }
  };
  return (
    <>
      <button type="button" data-testid="export-csv" disabled={pending} onClick={() => void run('csv')} title="The rows the table shows, filtered and sorted, as CSV">
        Export CSV
      </button>
      <button type="button" data-testid="export-json" disabled={pending} onClick={() => void run('json')} title="The rows the table shows, filtered and sorted, as JSON">
        JSON
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
