/**
 * What the WebSocket carries after the snapshot while the connections only
 * count down: bytes per second (payload and on the wire), frame by frame type,
 * and which connections kept changing and why.
 */
import { tally, mostChanged, type FrameTally, type MostChanged } from './frames.js';
import { sleep } from './stats.js';
import type { FrameReport } from './stream-messages.js';
import type { StreamProbe } from './stream-probe.js';

export interface IdleStreamResult {
  seconds: number;
  payloadBytes: number;
  wireBytes: number;
  payloadBytesPerSec: number;
  wireBytesPerSec: number;
  /** Payload bytes in each second after the snapshot arrived. */
  perSecondPayloadBytes: number[];
  byFrameType: Record<string, { frames: number; bytes: number }>;
  deltas: FrameTally;
  eventTypes: Record<string, number>;
  mostChanged: MostChanged[];
  /** keepaliveOrigin over the client's copy of the table at the window's end. */
  originsAtEnd: Record<string, number>;
}

export async function measureIdleStream(probe: StreamProbe, snapshot: FrameReport, seconds: number): Promise<IdleStreamResult> {
  const start = await probe.counters();
  await sleep(seconds * 1000);
  const end = await probe.counters();
  // Frames are bucketed from the snapshot's arrival; the counters from when they were asked for.
  const from = snapshot.at;
  const frames = probe.frames.filter((f) => f.at > from && f.at <= end.at);
  const perSecondPayloadBytes = Array.from({ length: seconds }, (_, s) =>
    frames.filter((f) => f.at > from + s * 1000 && f.at <= from + (s + 1) * 1000).reduce((n, f) => n + f.bytes, 0),
  );
  const byFrameType: IdleStreamResult['byFrameType'] = {};
  const eventTypes: Record<string, number> = {};
  for (const f of frames) {
    const entry = (byFrameType[f.type] ??= { frames: 0, bytes: 0 });
    entry.frames++;
    entry.bytes += f.bytes;
    if (f.eventType) eventTypes[f.eventType] = (eventTypes[f.eventType] ?? 0) + 1;
  }
  const windowSec = (end.at - start.at) / 1000;
  const payloadBytes = end.payloadBytes - start.payloadBytes;
  const wireBytes = end.wireBytes - start.wireBytes;
  return {
    seconds: windowSec,
    payloadBytes,
    wireBytes,
    payloadBytesPerSec: payloadBytes / windowSec,
    wireBytesPerSec: wireBytes / windowSec,
    perSecondPayloadBytes,
    byFrameType,
    deltas: tally(frames.filter((f) => f.type === 'delta')),
    eventTypes,
    mostChanged: mostChanged(frames),
    originsAtEnd: end.originCounts,
  };
}
