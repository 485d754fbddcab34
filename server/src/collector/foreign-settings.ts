/**
 * Keepalive settings of other processes' sockets, read through pidfd_getfd.
 * Each read costs syscalls in the target's fd table, so reads are budgeted
 * per tick — most of the budget for sockets never read, a smaller share for
 * re-reading stale ones, so a big host is covered within minutes — and
 * cached; a failure (no permission, process gone) is cached too and retried
 * later, not every tick.
 */
import type { ErrorBody, Holder, KeepaliveSettings } from '@keepalive-dashboard/shared';

export interface ForeignReader {
  /** Reads the socket at (pid, fd), checking it is still the inode expected. */
  readKeepalive(pid: number, fd: number, inode: number): KeepaliveSettings;
}

interface Entry {
  settings: KeepaliveSettings | null;
  error: ErrorBody | null;
  readAt: number;
}

export interface ForeignSettingsOptions {
  /** Reads allowed per tick for sockets never read yet. */
  budgetPerTick: number;
  /** Re-reads allowed per tick for sockets read before: a smaller share, so new ones are not starved. */
  refreshPerTick: number;
  /** Re-read a successful entry after this long, ms. */
  refreshMs: number;
  /** Retry a failed one after this long, ms. */
  retryMs: number;
}

export const DEFAULT_FOREIGN_OPTIONS: ForeignSettingsOptions = { budgetPerTick: 400, refreshPerTick: 100, refreshMs: 10_000, retryMs: 60_000 };

function describeError(error: unknown): ErrorBody {
  const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'EIO';
  return { code, message: error instanceof Error ? error.message : String(error) };
}

export class ForeignSettings {
  private readonly cache = new Map<number, Entry>();
  private budget = 0;
  private refreshBudget = 0;

  constructor(
    private readonly reader: ForeignReader | null,
    private readonly options: ForeignSettingsOptions = DEFAULT_FOREIGN_OPTIONS,
  ) {}

  /** Call at the start of each collection tick. */
  beginTick(): void {
    this.budget = this.options.budgetPerTick;
    this.refreshBudget = this.options.refreshPerTick;
  }

  /** Drops entries for sockets no longer present. */
  retain(inodes: ReadonlySet<number>): void {
    for (const inode of this.cache.keys()) if (!inodes.has(inode)) this.cache.delete(inode);
  }

  /** Cached settings, reading (within budget) when missing or stale. */
  lookup(inode: number, holders: readonly Holder[], now: number): Entry | null {
    const cached = this.cache.get(inode);
    const age = cached ? now - cached.readAt : Infinity;
    const stale = cached ? age > (cached.error ? this.options.retryMs : this.options.refreshMs) : true;
    if (!stale || !this.reader || holders.length === 0) return cached ?? null;
    if (cached) {
      if (this.refreshBudget <= 0) return cached;
      this.refreshBudget--;
    } else {
      if (this.budget <= 0) return null;
      this.budget--;
    }
    return this.read(inode, holders, now);
  }

  /** Reads now, whatever the budget (a user opened this connection). */
  read(inode: number, holders: readonly Holder[], now: number): Entry {
    let entry: Entry = { settings: null, error: { code: 'ENOENT', message: 'no process holds this socket' }, readAt: now };
    if (!this.reader) {
      entry = { settings: null, error: { code: 'ENOTSUP', message: 'the native addon is not loaded' }, readAt: now };
    } else {
      for (const holder of holders) {
        try {
          entry = { settings: this.reader.readKeepalive(holder.pid, holder.fd, inode), error: null, readAt: now };
          break;
        } catch (error) {
          entry = { settings: null, error: describeError(error), readAt: now };
        }
      }
    }
    this.cache.set(inode, entry);
    return entry;
  }

  /** After a retune we know the new values without reading. */
  set(inode: number, settings: KeepaliveSettings, now: number): void {
    this.cache.set(inode, { settings, error: null, readAt: now });
  }
}
