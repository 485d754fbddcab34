/**
 * What GET /api/health says about the collector (its `sampling` object). The read-back figures are
 * new with the scale work: a server that does not report them (the "before"
 * build) yields null, and the report says "not reported" rather than a guess.
 */
export interface ReadBack {
  tracked: number;
  unread: number;
  failed: number;
  oldestReadAgeMs: number | null;
}

export interface HealthSample {
  /** performance.now() when the answer arrived. */
  at: number;
  /** Sockets in the collector's table (collector.sockets, else lastCollection.connections). */
  sockets: number | null;
  sweepIntervalMs: number | null;
  lastSweepMs: number | null;
  readBack: ReadBack | null;
  /** The whole sampling object as the server sent it (due, lookups, reads/s…), for the JSON. */
  sampling: Record<string, unknown> | null;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function readBackOf(value: unknown): ReadBack | null {
  if (!value || typeof value !== 'object') return null;
  const r = value as Record<string, unknown>;
  const tracked = num(r.tracked);
  const unread = num(r.unread);
  if (tracked === null || unread === null) return null;
  return { tracked, unread, failed: num(r.failed) ?? 0, oldestReadAgeMs: num(r.oldestReadAgeMs) };
}

export async function readHealth(base: string, token: string): Promise<HealthSample> {
  const response = await fetch(`${base}/api/health`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET /api/health → ${response.status}`);
  const body = (await response.json()) as Record<string, unknown>;
  // The brief named it `collector`; the lead's server calls it `sampling`. Either is read.
  const collector = (body.sampling ?? body.collector ?? null) as Record<string, unknown> | null;
  const last = (body.lastCollection ?? null) as Record<string, unknown> | null;
  return {
    at: performance.now(),
    sockets: num(collector?.sockets) ?? num(last?.connections),
    sweepIntervalMs: num(collector?.sweepIntervalMs),
    lastSweepMs: num(collector?.lastSweepMs) ?? num(last?.durationMs),
    readBack: readBackOf(collector?.readBack),
    sampling: collector,
  };
}

export interface ReadBackProgress {
  /** From the server's spawn to the first answer with every tracked socket read; null if not reached or not reported. */
  doneAfterMs: number | null;
  reported: boolean;
  /** The last answer seen while waiting. */
  last: HealthSample | null;
  /** Unread counts over the wait, one per poll, to show the pace. */
  unreadSeries: number[];
}

const POLL_MS = 500;

/**
 * Polls health until every tracked socket's settings were read once, or the
 * cap. A server that reports no read-back is waited on until it has collected
 * once: its steady state then starts after the caller's warm-up.
 */
export async function waitForReadBack(base: string, token: string, spawnedAt: number, capMs: number): Promise<ReadBackProgress> {
  const started = performance.now();
  const unreadSeries: number[] = [];
  let last: HealthSample | null = null;
  while (performance.now() - started < capMs) {
    try {
      last = await readHealth(base, token);
    } catch {
      // A server still starting or busy: the cap decides, not one failed poll.
    }
    if (last?.readBack) {
      unreadSeries.push(last.readBack.unread);
      if (last.readBack.tracked > 0 && last.readBack.unread === 0) return { doneAfterMs: last.at - spawnedAt, reported: true, last, unreadSeries };
    } else if (last && last.sockets !== null && last.sockets > 0) {
      return { doneAfterMs: null, reported: false, last, unreadSeries };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { doneAfterMs: null, reported: Boolean(last?.readBack), last, unreadSeries };
}
