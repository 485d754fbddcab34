/**
 * PATCH-to-visible-in-stream latency: from just before the PATCH is sent to
 * the arrival, at the stream client, of the first frame that shows the
 * connection with the new TCP_KEEPIDLE. Both clocks are epoch ms from
 * performance.timeOrigin, so the two processes' times compare directly.
 */
import type { Api } from './api.js';
import { percentile, round, sleep } from './stats.js';
import { epochNow } from './stream-messages.js';
import type { StreamProbe } from './stream-probe.js';

export interface LatencyResult {
  target: 'owned' | 'foreign';
  connectionId: string;
  attempts: number;
  /** Latencies of the PATCHes that showed up, ms. */
  samplesMs: number[];
  /** How long the PATCH response itself took, ms (the server answers before the next collection). */
  responseMs: number[];
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  /** PATCHes that failed or never showed up, with why. */
  errors: string[];
}

// Far above any idle time the holders' sockets have been up, so setting it never fires a probe.
const IDLE_VALUES = [1800, 1801] as const;
const VISIBLE_TIMEOUT_MS = 15_000;

export async function measurePatchLatency(
  api: Api,
  probe: StreamProbe,
  target: LatencyResult['target'],
  connectionId: string,
  attempts: number,
): Promise<LatencyResult> {
  const current = (await api.connection(connectionId)).keepalive?.idleSec ?? null;
  const first = current === IDLE_VALUES[0] ? 1 : 0;
  const samplesMs: number[] = [];
  const responseMs: number[] = [];
  const errors: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const idleSec = IDLE_VALUES[(first + i) % 2] as number;
    // Spread the PATCHes over the collection interval: the latency depends on
    // where in the tick a PATCH lands (a collection in flight is waited for).
    await sleep(100 + ((i * 373) % 1000));
    const sentAt = epochNow();
    const visible = probe.frame(
      (f) => (f.type === 'delta' || f.type === 'snapshot') && f.watched.some((w) => w.id === connectionId && w.idleSec === idleSec),
      sentAt,
      VISIBLE_TIMEOUT_MS,
      `${target} ${connectionId} with idleSec ${idleSec}`,
    );
    // An unobserved rejection while the PATCH is awaited would crash the run.
    visible.catch(() => {});
    const response = await api.patchKeepalive(connectionId, { idleSec });
    responseMs.push(epochNow() - sentAt);
    if (response.status !== 200) {
      errors.push(`PATCH ${i + 1}: ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      continue;
    }
    try {
      const frame = await visible;
      samplesMs.push(frame.at - sentAt);
      if (frame.type === 'snapshot') errors.push(`PATCH ${i + 1}: seen in a (resync) snapshot, not a delta`);
    } catch (error) {
      errors.push(`PATCH ${i + 1}: ${(error as Error).message}`);
    }
  }
  return {
    target,
    connectionId,
    attempts,
    samplesMs: samplesMs.map((ms) => round(ms, 2) as number),
    responseMs: responseMs.map((ms) => round(ms, 2) as number),
    p50Ms: percentile(samplesMs, 50),
    p95Ms: percentile(samplesMs, 95),
    maxMs: samplesMs.length ? Math.max(...samplesMs) : null,
    errors,
  };
}
