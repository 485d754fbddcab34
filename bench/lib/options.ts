/** Command-line values as the load benchmarks take them, with the flag's name in the error. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;

/** `--server-root DIR` (default: this checkout), checked to hold a built server; ends with '/'. */
export function serverRootOption(value: unknown): string {
  const text = typeof value === 'string' ? value : REPO_ROOT;
  const root = text.endsWith('/') ? text : `${text}/`;
  if (!existsSync(join(root, 'server/dist/main.js'))) throw new Error(`${root}server/dist/main.js is not built: run npx tsc -b there`);
  return root;
}

/** `--label NAME` for the result file's name, or null. */
export function labelOption(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (!/^[\w.-]+$/.test(value)) throw new RangeError(`--label must be letters, digits, '.', '_' or '-', got ${value}`);
  return value;
}

export function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be a positive integer, got ${text}`);
  return n;
}

/** "10000,1000,10000" → [1000, 10000]: without repeats, smallest first (a fleet of holders only grows). */
export function sizeList(name: string, text: string): number[] {
  const sizes = text.split(',').map((s) => positiveInt(name, s.trim()));
  return [...new Set(sizes)].sort((a, b) => a - b);
}
