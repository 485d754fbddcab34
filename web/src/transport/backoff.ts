/**
 * Reconnect delays: exponential from `baseMs`, capped at `maxMs`, with jitter
 * so that many browsers dropped by one server restart do not return in step.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000 };

/** Delay before reconnect attempt `attempt` (0 = the first retry); `random` in [0, 1). */
export function backoffDelayMs(attempt: number, random: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  // Half fixed, half jitter: never shorter than half the ceiling.
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
