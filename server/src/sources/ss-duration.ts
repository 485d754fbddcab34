/**
 * Durations in `ss -o` timers. iproute2 prints them with print_ms_timer():
 *   `119min` (≥ 10 min: whole minutes), `1min59sec`, `22sec`, `5sec`,
 *   `064ms` (< 1 s: zero-padded ms), `9.501sec` (iproute2 ≥ 6.11),
 *   `2.672ms` (iproute2 ≤ 6.10 writes seconds.millis with an `ms` suffix:
 *   this means 2.672 **seconds**), and `` (empty) for an overdue timer.
 */
export interface SsDuration {
  ms: number;
  /** The print resolution: how far the true value may be above `ms`. */
  resolutionMs: number;
}

const DURATION = /^(?:(\d+)min)?(?:(\d+)(?:\.(\d{1,3})(?:ms|sec)|sec))?(?:(\d+)ms)?$/;

export function parseSsDuration(text: string): SsDuration | null {
  if (text === '') return { ms: 0, resolutionMs: 0 };
  const m = DURATION.exec(text);
  if (!m) return null;
  const [, min, sec, frac, ms] = m;
  if (min === undefined && sec === undefined && ms === undefined) return null;
  let total = 0;
  let resolutionMs = 1;
  if (min !== undefined) {
    total += Number(min) * 60_000;
    resolutionMs = Number(min) > 9 ? 60_000 : 1000;
  }
  if (sec !== undefined) {
    total += Number(sec) * 1000;
    if (frac !== undefined) total += Number(frac.padEnd(3, '0'));
    else if (min === undefined) resolutionMs = Number(sec) > 9 ? 1000 : 1;
  }
  if (ms !== undefined) {
    if (sec !== undefined || min !== undefined) return null;
    total += Number(ms);
  }
  // `5sec` with no ms part means the millis were exactly 0 (secs ≤ 9 print them).
  return { ms: total, resolutionMs };
}
