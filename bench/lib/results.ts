/** Where a load benchmark's run goes: bench/results/<kind>[-label]-<ISO time>.md and .json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESULTS_DIR = new URL('../results/', import.meta.url).pathname;

/** Writes the report and the data beside it; returns the path both share, without extension. */
export function writeResults(kind: string, label: string | null, started: Date, markdown: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = started.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const base = join(RESULTS_DIR, `${kind}-${label ? `${label}-` : ''}${stamp}`);
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(`${base}.json`, `${JSON.stringify(data, null, 2)}\n`);
  return base;
}
