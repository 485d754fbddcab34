/**
 * The delta of a 1% churn: right after a collection tick the churn holder
 * resets its pairs and opens as many new ones; the frames that follow are
 * summed until they account for every socket removed and added, then the
 * deltas of the next seconds (holders and settings filled in for the new
 * sockets) are summed on their own.
 */
import type { ChurnHolder } from './churn.js';
import { tally, type FrameTally } from './frames.js';
import { sleep } from './stats.js';
import type { FrameReport } from './stream-messages.js';
import type { StreamProbe } from './stream-probe.js';
import type { TickRecorder } from './ticks.js';

export interface ChurnResult {
  pairs: number;
  holderMs: number;
  /** Sockets added and removed that a full account expects (2 per pair each way). */
  expectedAddedRemoved: number;
  /** The delta frame(s) that carried the close-and-reopen. */
  delta: FrameTally;
  /** Whether those frames accounted for all of it before the timeout. */
  complete: boolean;
  /** Snapshots the client got meanwhile (a resync: the deltas then no longer add up). */
  snapshots: number;
  followUp: FrameTally & { seconds: number };
  eventFrames: { frames: number; bytes: number };
}

const FOLLOW_UP_SECONDS = 6;

export async function measureChurn(churn: ChurnHolder, ticks: TickRecorder, probe: StreamProbe, timeoutMs = 60_000): Promise<ChurnResult> {
  await ticks.next();
  const afterSeq = ticks.ticks[ticks.ticks.length - 1]?.seq ?? 0;
  const started = performance.timeOrigin + performance.now();
  const churned = await churn.churn();
  const expected = 2 * churned.churned;

  // The frames of later ticks, until they add up (or time runs out).
  const carrying: FrameReport[] = [];
  let complete = false;
  const deadline = performance.now() + timeoutMs;
  let added = 0;
  let removed = 0;
  for (let seen = 0; !complete && performance.now() < deadline; ) {
    const frames = probe.frames.filter((f) => f.type === 'delta' && (f.seq ?? 0) > afterSeq);
    // One frame at a time: frames that arrive together must not all count as carrying the churn.
    for (; seen < frames.length && !complete; seen++) {
      const frame = frames[seen] as FrameReport;
      carrying.push(frame);
      added += frame.added;
      removed += frame.removed;
      complete = added >= expected && removed >= expected;
    }
    if (!complete) await sleep(50);
  }
  const last = carrying[carrying.length - 1];
  const lastAt = last?.at ?? started;
  await sleep(FOLLOW_UP_SECONDS * 1000);
  const followUp = probe.frames.filter((f) => f.type === 'delta' && (f.seq ?? 0) > (last?.seq ?? afterSeq) && f.at <= lastAt + FOLLOW_UP_SECONDS * 1000);
  const events = probe.frames.filter((f) => f.type === 'event' && f.at > started && f.at <= lastAt + 50);
  return {
    pairs: churned.churned,
    holderMs: churned.ms,
    expectedAddedRemoved: expected,
    delta: tally(carrying),
    complete,
    snapshots: probe.frames.filter((f) => f.type === 'snapshot' && f.at > started).length,
    followUp: { ...tally(followUp), seconds: FOLLOW_UP_SECONDS },
    eventFrames: { frames: events.length, bytes: events.reduce((n, f) => n + f.bytes, 0) },
  };
}
