/**
 * A cached inode → holders map, refreshed on its own (slower) clock and on
 * demand for one connection — never on every collection tick, since a full
 * /proc scan costs far more than the socket dump itself.
 */
import type { Holder } from '@keepalive-dashboard/shared';

import { sameHolders } from './holders.js';
import { ProcessInfoCache, type ProcessInfo } from './process-info.js';
import { scanSocketHoldersDetailed, type SocketHolder } from './scan.js';

/** Share of a core the periodic scan may take on average. */
const SCAN_CPU_SHARE = 0.03;
const NONE: readonly Holder[] = Object.freeze([]);
/** …and the scans asked for because new sockets have no known holder yet (a busy host opens sockets every tick). */
const SOON_CPU_SHARE = 0.1;

export interface ProcessMapStatus {
  refreshedAt: number | null;
  durationMs: number;
  scannedPids: number;
  deniedPids: number;
  sockets: number;
}

export class ProcessMap {
  private holders = new Map<number, Holder[]>();
  private readonly info: ProcessInfoCache;
  private status: ProcessMapStatus = { refreshedAt: null, durationMs: 0, scannedPids: 0, deniedPids: 0, sockets: 0 };
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private soon: NodeJS.Timeout | null = null;
  /** Per-inode refreshes of the last `maxAgeMs` asked for, shared by whoever asks again within it. */
  private readonly recent = new Map<number, { at: number; holders: Promise<readonly Holder[]> }>();
  private readonly listeners: ((inodes: number[]) => void)[] = [];

  constructor(private readonly options: { procRoot?: string; now?: () => number } = {}) {
    this.info = new ProcessInfoCache({ procRoot: options.procRoot, now: options.now });
  }

  /** Holders of a socket inode as of the last scan (empty when unknown). */
  get(inode: number): readonly Holder[] {
    return this.holders.get(inode) ?? NONE;
  }

  /** Called with the inodes whose holders differ after a scan: the views that show them are stale. */
  onHoldersChanged(listener: (inodes: number[]) => void): void {
    this.listeners.push(listener);
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
   * Holders of one inode read now: rescans the processes that held it last
   * time; if none holds it any more (passed, or new), falls back to a full scan. With `maxAgeMs`, a refresh of the same
   * inode started that recently is shared instead: 300 clients selecting one
   * row (or one client selecting it again and again) cost one rescan, not one each.
   */
  refreshFor(inode: number, maxAgeMs = 0): Promise<readonly Holder[]> {
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

  private async rescanHolders(inode: number): Promise<readonly Holder[]> {
    const known = this.holders.get(inode);
    if (known && known.length > 0) {
      const scan = await scanSocketHoldersDetailed({ procRoot: this.options.procRoot, pids: [...new Set(known.map((h) => h.pid))] });
      const scanned = scan.holders.get(inode);
      if (scanned && scanned.length > 0) {
        const found = this.withInfo(new Map([[inode, scanned]])).get(inode) as Holder[];
        const changed = !sameHolders(known, found);
        this.holders.set(inode, found);
        if (changed) this.notify([inode]);
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
    minGapMs = Math.max(minGapMs, this.status.durationMs / SOON_CPU_SHARE);
    const since = this.status.refreshedAt === null ? Infinity : (this.options.now ?? Date.now)() - this.status.refreshedAt;
    const wait = Math.max(0, minGapMs - since);
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.refresh();
    }, wait);
    this.soon.unref();
  }

  /**
   * Refreshes every `intervalMs` until stop() — or less often when a scan
   * costs more than SCAN_CPU_SHARE of a core at that pace (100k sockets are
   * 100k readlinks, ~0.5 s of mostly kernel time even from the addon), so attribution never dominates the server's cost.
   */
  start(intervalMs: number): void {
    this.stop();
    this.running = true;
    const again = (): void => {
      if (!this.running) return;
      this.timer = setTimeout(() => void this.refresh().finally(again), Math.max(intervalMs, this.status.durationMs / SCAN_CPU_SHARE));
      this.timer.unref();
    };
    void this.refresh().finally(again);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    this.soon = null;
  }

  /** A full scan: every process. */
  private async scan(): Promise<void> {
    const result = await scanSocketHoldersDetailed({ procRoot: this.options.procRoot });
    const holders = this.withInfo(result.holders, true);
    const changed: number[] = [];
    for (const [inode, list] of holders) {
      const before = this.holders.get(inode);
      // Unchanged lists keep their old arrays: views that hold them stay equal.
      if (before && sameHolders(before, list)) holders.set(inode, before);
      else changed.push(inode);
    }
    for (const inode of this.holders.keys()) if (!holders.has(inode)) changed.push(inode);
    this.holders = holders;
    this.status = {
      refreshedAt: (this.options.now ?? Date.now)(),
      durationMs: result.durationMs,
      scannedPids: result.scannedPids,
      deniedPids: result.deniedPids,
      sockets: holders.size,
    };
    if (changed.length > 0) this.notify(changed);
  }

  /**
   * The scan's holders with who each process is, filled into the scan's own
   * fresh objects rather than copied (at 100k socket fds a copy is another
   * 100k objects and a Map on the main thread, every scan): one
   * /proc/PID/stat read per holding pid per scan (the cache's pid-reuse
   * check), the rest only for pids new, reused or exec'd. A full scan also
   * forgets the pids that hold nothing now.
   */
  private withInfo(scanned: Map<number, SocketHolder[]>, full = false): Map<number, Holder[]> {
    const byPid = new Map<number, ProcessInfo>();
    for (const list of scanned.values()) {
      for (const holder of list as Holder[]) {
        let info = byPid.get(holder.pid);
        if (!info) byPid.set(holder.pid, (info = this.info.get(holder.pid, holder.comm)));
        holder.cmdline = info.cmdline;
        holder.uid = info.uid;
        holder.user = info.user;
        holder.unit = info.unit;
      }
    }
    if (full) this.info.retain(new Set(byPid.keys()));
    return scanned as Map<number, Holder[]>;
  }

  private notify(inodes: number[]): void {
    for (const listener of this.listeners) listener(inodes);
  }
}

