/**
 * The sweep differ: the addon keeps the last row it reported for each socket
 * cookie, so a sweep of 100k idle sockets decodes only what changed.
 *
 * Time columns are compared as the moments they denote, each row stamped with
 * CLOCK_MONOTONIC as its datagram was filled (the kernel fills the next dump
 * datagram at the end of the recvmsg that takes one), not with the dump's
 * start: a socket read 250 ms into one dump and 10 ms into the next still
 * matches within a few ms. The kernel counts these columns in jiffies (4 ms at HZ=250), so a
 * tolerance below that reports idle sockets whose timers merely run.
 */
import { TcpSocketTable } from './diag.js';
import { systemError } from './errors.js';
import type { RawAddon, RawDiffer } from './native.js';

export interface TcpSocketChanges {
  /** Rows new since the last sweep of this differ or changed (decoded like TcpSocketTable: table.at(i) → DiagSocket). */
  changed: TcpSocketTable;
  /** Cookies (16 lowercase hex, as DiagSocket.cookie) of sockets in the baseline and not in this dump. */
  removed: string[];
  /** Sockets in this dump. */
  total: number;
  /** ms the kernel dump took (monotonic), for the caller's tolerance and cadence. */
  dumpMs: number;
}

export interface DifferRaw {
  create: NonNullable<RawAddon['tcpDiffCreate']>;
  sweep: NonNullable<RawAddon['tcpDiffSweepAsync']>;
  close: NonNullable<RawAddon['tcpDiffClose']>;
}

/** Above this a "tolerance" would hide real retunes (idle is at least 1 s). */
const MAX_TOLERANCE_MS = 60_000;

/**
 * Sweeps are serialized here with a promise chain: a sweep called while
 * another runs starts when it settles, so the native baseline only ever has
 * one writer (the addon rejects EBUSY as a backstop).
 */
export class TcpSocketDiffer {
  private handle: RawDiffer | null;
  private resetPending = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly raw: DifferRaw) {
    this.handle = raw.create();
  }

  /**
   * toleranceMs: how far an absolute moment (a timer's expiry, the last data
   * sent/received, the last ACK) may move and still count as the same.
   * Runs off the JS thread like dumpTcpSocketsAsync.
   */
  sweep(toleranceMs: number): Promise<TcpSocketChanges> {
    if (typeof toleranceMs !== 'number' || !Number.isFinite(toleranceMs) || toleranceMs < 0 || toleranceMs > MAX_TOLERANCE_MS) {
      return Promise.reject(new RangeError(`toleranceMs must be 0–${MAX_TOLERANCE_MS}, got ${String(toleranceMs)}`));
    }
    const run = async (): Promise<TcpSocketChanges> => {
      if (this.handle === null) throw systemError('ERR_DIFFER_CLOSED', 'the differ is closed');
      // Read when the sweep starts, so a reset() during a running sweep applies to the next one.
      const reset = this.resetPending;
      this.resetPending = false;
      const raw = await this.raw.sweep(this.handle, toleranceMs, reset);
      return { changed: new TcpSocketTable(raw), removed: raw.removed, total: raw.total, dumpMs: raw.dumpMs };
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Forget the baseline: the next sweep reports every row as changed. */
  reset(): void {
    this.resetPending = true;
  }

  /** Frees the native state (also freed by GC); a running sweep finishes first. */
  close(): void {
    if (this.handle === null) return;
    this.raw.close(this.handle);
    this.handle = null;
  }
}
