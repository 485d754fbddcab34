/**
 * Retune → the change on every client's stream: two raw stream clients (each
 * its own process, bench/server/stream-probe.ts) watch a set of foreign
 * keepalive-on sockets; each PATCH's latency is from just before it is sent to
 * the later of the two clients receiving a frame that shows the new
 * TCP_KEEPIDLE. A different socket each time, so no PATCH finds the previous
 * one's fast path warm.
 */
import { keepaliveOn, type ConnectionView } from '@keepalive-dashboard/shared';

import type { Api } from '../server/api.js';
import { percentile, round, sleep } from '../server/stats.js';
import { epochNow } from '../server/stream-messages.js';
import type { StreamProbe } from '../server/stream-probe.js';

export interface RetuneResult {
  targets: number;
  attempts: number;
  /** Per PATCH that every client saw: the later client's latency, ms. */
  samplesMs: number[];
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  /** The PATCH response alone, ms. */
  responseP95Ms: number | null;
  errors: string[];
}

// Far above how long any holder's socket has been idle, so setting it never fires a probe.
const IDLE_VALUES = [7200, 7201] as const;
const VISIBLE_TIMEOUT_MS = 15_000;

/** ESTABLISHED keepalive-on sockets held by the holders (foreign to the server), spread over the holders. */
export async function pickForeignTargets(api: Api, holders: readonly { pid: number }[], count: number): Promise<ConnectionView[]> {
  const perHolder = Math.ceil(count / holders.length);
  const chosen: ConnectionView[] = [];
  for (const holder of holders) {
    // The server's own filter, so a holder's first page is not all keepalive-off rows; checked again here.
    const views = await api.connections({ state: 'ESTABLISHED', pid: holder.pid, keepalive: 'on', limit: perHolder });
    chosen.push(...views.filter(keepaliveOn));
  }
  return chosen.slice(0, count);
}

export async function measureRetune(api: Api, probes: readonly StreamProbe[], targets: readonly ConnectionView[], attempts: number): Promise<RetuneResult> {
  const errors: string[] = [];
  const samplesMs: number[] = [];
  const responseMs: number[] = [];
  if (targets.length === 0) errors.push('no foreign keepalive-on socket found to retune');
  await Promise.all(probes.map((p) => p.watch(targets.map((t) => t.id))));
  const current = new Map(targets.map((t) => [t.id, t.keepalive?.idleSec ?? null]));
  for (let i = 0; i < attempts && targets.length > 0; i++) {
    const target = targets[i % targets.length] as ConnectionView;
    const idleSec = current.get(target.id) === IDLE_VALUES[0] ? IDLE_VALUES[1] : IDLE_VALUES[0];
    // Spread the PATCHes over the sweep interval: the latency depends on where in it a PATCH lands.
    await sleep(100 + ((i * 373) % 1000));
    const sentAt = epochNow();
    const seen = probes.map((probe) =>
      probe.frame(
        (f) => (f.type === 'delta' || f.type === 'snapshot') && f.watched.some((w) => w.id === target.id && w.idleSec === idleSec),
        sentAt,
        VISIBLE_TIMEOUT_MS,
        `${target.id} with idleSec ${idleSec}`,
      ),
    );
    // An unobserved rejection while the PATCH is awaited would crash the run.
    for (const s of seen) s.catch(() => {});
    const response = await api.patchKeepalive(target.id, { idleSec });
    responseMs.push(epochNow() - sentAt);
    if (response.status !== 200) {
      errors.push(`PATCH ${i + 1}: ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      continue;
    }
    current.set(target.id, idleSec);
    try {
      const frames = await Promise.all(seen);
      samplesMs.push(Math.max(...frames.map((f) => f.at)) - sentAt);
      if (frames.some((f) => f.type === 'snapshot')) errors.push(`PATCH ${i + 1}: seen in a (resync) snapshot, not a delta`);
    } catch (error) {
      errors.push(`PATCH ${i + 1}: ${(error as Error).message}`);
    }
  }
  return {
    targets: targets.length,
    attempts,
    samplesMs: samplesMs.map((ms) => round(ms, 1) as number),
    p50Ms: round(percentile(samplesMs, 50), 1),
    p95Ms: round(percentile(samplesMs, 95), 1),
    maxMs: samplesMs.length ? (round(Math.max(...samplesMs), 1) as number) : null,
    responseP95Ms: round(percentile(responseMs, 95), 1),
    errors,
  };
}
