/** Port ranges and lists as people type them: `443`, `443,8443`, `48000-48099`, `22,8000-8100`. */
import { FilterParseError } from './filter-error.js';

export interface PortRange {
  low: number;
  high: number;
}

const MAX_PORT = 65535;

function portAt(text: string, start: number, end: number): number {
  const part = text.slice(start, end);
  const raw = part.trim();
  const column = start + 1 + part.length - part.trimStart().length;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > MAX_PORT) throw new FilterParseError(column, `a port 0–${MAX_PORT}`, raw);
  return Number(raw);
}

/** Throws FilterParseError naming the column of the first bad part. */
export function parsePortSet(text: string): PortRange[] {
  const ranges: PortRange[] = [];
  let start = 0;
  for (const part of text.split(',')) {
    const dash = part.indexOf('-');
    if (dash < 0) {
      const port = portAt(text, start, start + part.length);
      ranges.push({ low: port, high: port });
    } else {
      const low = portAt(text, start, start + dash);
      const high = portAt(text, start + dash + 1, start + part.length);
      if (high < low) throw new FilterParseError(start + 1, 'a range from low to high', part.trim());
      ranges.push({ low, high });
    }
    start += part.length + 1;
  }
  return ranges;
}

export function inPortSet(ranges: readonly PortRange[], port: number): boolean {
  return ranges.some((r) => port >= r.low && port <= r.high);
}
