/**
 * Waits until every stream client is done (caught up with the server, or at
 * its last seq with nothing left to parse), judged by progress, never by a
 * deadline: 50 clients each parsing a multi-MB snapshot on two loaded cores
 * take as long as the CPU they get, and a fixed deadline measured the machine
 * ("1 of 50 connected clients not caught up 90000 ms after the first
 * connected" while another job loaded both cores). A client that is not done
 * but still reads bytes off its socket or applies frames is on its way; one
 * that does neither for `stuckMs` is owed something the server does not send.
 */
import type { ClientFleet, ClientsReport } from './clients.js';

export type ReportedClient = ClientsReport['clients'][number];

export interface ClientWait {
  /** What "done" is, in words: "caught up", "at the server's last seq". */
  what: string;
  done: (c: ReportedClient) => boolean;
  /** How long a client that is not done may go without reading a byte or applying a frame. */
  stuckMs: number;
  serverSeq: () => number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface WaitResult {
  /** The report in which every client was done at once. */
  report: ClientsReport;
  /** Per client index: ms from the start of the wait to the first report that found it done. */
  firstDoneMs: number[];
  ms: number;
}

const POLL_MS = 250;
const LOG_EVERY_MS = 10_000;
const LATE_NAMED = 5;

/** Sleeps `ms`, or less if `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Where a client stands, for a line about the late ones or the stuck one. */
export const describeClient = (c: ReportedClient): string =>
  `#${c.index} at seq ${c.seq} (server ${c.serverSeq}), ${c.snapshots} snapshot(s), ${c.foldedDeltas} folded delta(s), ${c.queuedFrames} frame(s) queued, ${mb(c.wireBytes)} read`;

export async function untilClients(clients: ClientFleet, wait: ClientWait): Promise<WaitResult> {
  const started = performance.now();
  const firstDoneMs: number[] = [];
  // Per client: its progress mark (bytes read off the socket, frames applied) and since when it has not moved.
  const lastMoved = new Map<number, { mark: string; at: number }>();
  let lastLog = started;
  for (;;) {
    if (wait.signal?.aborted) throw new Error(`soak interrupted while waiting for the clients to be ${wait.what}`);
    const report = await clients.report(wait.serverSeq);
    const now = performance.now();
    const closed = report.clients.find((c) => c.closed !== null);
    if (closed) throw new Error(`client #${closed.index} closed while waiting for it to be ${wait.what}: ${closed.closed?.code} ${closed.closed?.reason} ${closed.errors.join('; ')}`);
    const late: ReportedClient[] = [];
    for (const c of report.clients) {
      const mark = `${c.wireBytes}/${c.frames}`;
      const moved = lastMoved.get(c.index);
      if (moved?.mark !== mark) lastMoved.set(c.index, { mark, at: now });
      if (wait.done(c)) {
        firstDoneMs[c.index] ??= now - started;
        continue;
      }
      late.push(c);
      const stillMs = now - (lastMoved.get(c.index)?.at ?? now);
      if (stillMs >= wait.stuckMs) {
        throw new Error(`client ${describeClient(c)} is not ${wait.what} and has read nothing and applied nothing for ${(stillMs / 1000).toFixed(0)} s (${late.length - 1} other(s) late so far in this report)`);
      }
    }
    if (late.length === 0) return { report, firstDoneMs, ms: now - started };
    if (now - lastLog >= LOG_EVERY_MS) {
      lastLog = now;
      wait.log(
        `  ${((now - started) / 1000).toFixed(0)} s: ${report.clients.length - late.length}/${report.clients.length} ${wait.what}; ` +
          `late: ${late.slice(0, LATE_NAMED).map(describeClient).join('; ')}${late.length > LATE_NAMED ? `; and ${late.length - LATE_NAMED} more` : ''}`,
      );
    }
    await sleep(POLL_MS, wait.signal);
  }
}
