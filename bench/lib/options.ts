/** Command-line numbers as the load benchmarks take them, with the flag's name in the error. */

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
