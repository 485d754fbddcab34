/**
 * A cached inode → holders map, refreshed on its own (slower) clock and on
 * demand for one connection — never on every collection tick, since a full
 * /proc scan costs far more than the socket dump itself.
 */
import { scanSocketHoldersDetailed, type ScanOptions, type SocketHolder } from './scan.js';

export interface ProcessMapStatus {
  refreshedAt: number | null;
  durationMs: number;
  scannedPids: number;
  deniedPids: number;
  sockets: number;
}

export class ProcessMap {
  private holders = new Map<number, SocketHolder[]>();
  private status: ProcessMapStatus = { refreshedAt: null, durationMs: 0, scannedPids: 0, deniedPids: 0, sockets: 0 };
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  /** Per-inode refreshes of the last `maxAgeMs` asked for, shared by whoever asks again within it. */
  private readonly recent = new Map<number, { at: number; holders: Promise<readonly SocketHolder[]> }>();

  constructor(private readonly options: { procRoot?: string; now?: () => number } = {}) {}

  /** Holders of a socket inode as of the last scan (empty when unknown). */
  get(inode: number): readonly SocketHolder[] {
    return this.holders.get(inode) ?? [];
  }

  getStatus(): ProcessMapStatus {
    return { ...this.status };
  }

  /** A full rescan; concurrent callers share one scan. */
  refresh(): Promise<void> {
    this.inFlight ??= this.scan().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /**
   * Fresh holders for one socket: rescans the processes that held it last
   * time; if none holds it any more (passed, or new), falls back to a full scan.
   */
  /**
   * Holders of one inode read now. With `maxAgeMs`, a refresh of the same
   * inode started that recently is shared instead: 300 clients selecting one
   * row (or one client selecting it again and again) cost one rescan, not one each.
   */
  refreshFor(inode: number, maxAgeMs = 0): Promise<readonly SocketHolder[]> {
    if (maxAgeMs <= 0) return this.rescanHolders(inode);
    const now = (this.options.now ?? Date.now)();
    const known = this.recent.get(inode);
    if (known && now - known.at < maxAgeMs) return known.holders;
    // Bounded by what was refreshed within the window; older entries go.
    for (const [key, entry] of this.recent) if (now - entry.at >= maxAgeMs) this.recent.delete(key);
    const holders = this.rescanHolders(inode);
    this.recent.set(inode, { at: now, holders });
    return holders;
  }

  private async rescanHolders(inode: number): Promise<readonly SocketHolder[]> {
    const known = this.holders.get(inode);
    if (known && known.length > 0) {
      const scan = await scanSocketHoldersDetailed({ procRoot: this.options.procRoot, pids: [...new Set(known.map((h) => h.pid))] });
      const found = scan.holders.get(inode);
      if (found && found.length > 0) {
        this.holders.set(inode, found);
        return found;
      }
    }
    await this.refresh();
    return this.get(inode);
  }

  /**
   * A full rescan soon, but not more often than every `minGapMs`: new sockets
   * appear every tick on a busy host, and each rescan walks every fd.
   */
  refreshSoon(minGapMs = 2000): void {
    if (this.inFlight || this.soon) return;
    const since = this.status.refreshedAt === null ? Infinity : (this.options.now ?? Date.now)() - this.status.refreshedAt;
    const wait = Math.max(0, minGapMs - since);
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.refresh();
    }, wait);
    this.soon.unref();
  }

  /** Refreshes every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    this.stop();
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    this.soon = null;
  }

  private async scan(options: ScanOptions = {}): Promise<void> {
    const result = await scanSocketHoldersDetailed({ procRoot: this.options.procRoot, ...options });
    this.holders = result.holders;
    this.status = {
      refreshedAt: (this.options.now ?? Date.now)(),
      durationMs: result.durationMs,
      scannedPids: result.scannedPids,
      deniedPids: result.deniedPids,
      sockets: result.holders.size,
    };
  }
}
