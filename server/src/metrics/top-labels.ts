/** Top-N label folding: a label value outside the N largest counts adds up under "other". */
import { OTHER_LABEL } from './caps.js';

/** The N labels with the most, ties by name (so the set is the same from one scrape to the next). */
export function topLabels(counts: ReadonlyMap<string, number>, n: number): Set<string> {
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Set(ranked.slice(0, n).map(([label]) => label));
}

/** Counts with every label outside `kept` summed under "other" (present only when something was folded). */
export function foldLabels(counts: ReadonlyMap<string, number>, kept: ReadonlySet<string>): Map<string, number> {
  const folded = new Map<string, number>();
  for (const [label, n] of counts) {
    const key = kept.has(label) ? label : OTHER_LABEL;
    folded.set(key, (folded.get(key) ?? 0) + n);
  }
  return folded;
}
