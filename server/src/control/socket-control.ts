/**
 * Changing sockets: keepalive retunes (owned through our fd, foreign through
 * pidfd_getfd) and kills (SOCK_DESTROY). Each change is audited write-ahead
 * (EventBus.change: intent durable before it is applied), and a retune reads
 * back what the kernel holds afterwards.
 */
import { getKeepalive, setKeepalive, validateKeepalive, type SocketTarget } from '@keepalive-dashboard/native';
import type { ConnectionView, Holder, KeepaliveSettings, PatchResult } from '@keepalive-dashboard/shared';

import { ApiError, fromSystemError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { ForeignSettings } from '../collector/foreign-settings.js';
import type { ProcessMap } from '../processes/process-map.js';
import type { Lab } from './lab.js';

/** Runs `fn` on a duplicate of another process's socket fd (pidfd_getfd), closed right after. */
export interface ForeignAccess {
  withSocket<T>(pid: number, fd: number, inode: number, fn: (dupFd: number) => T): T;
}

export interface Killer {
  destroy(view: ConnectionView): void;
}

export interface SocketControlDeps {
  lab: Lab;
  processMap: ProcessMap;
  foreignSettings: ForeignSettings;
  foreign: ForeignAccess | null;
  killer: Killer | null;
  events: EventBus;
  readOnly: boolean;
  now?: () => number;
  /** Whether the kernel still lists this socket, read now, in a state a process can hold (a socket nobody holds may still be alive). */
  stillOpen?: (view: ConnectionView) => Promise<boolean>;
}

/**
 * How long to wait for a holder of a socket the kernel still lists: an fd in
 * flight over a Unix socket (SCM_RIGHTS) is in no process's fd table until
 * the receiver takes it, usually within milliseconds.
 */
const HOLDER_WAIT_MS = [100, 300, 600];

const NO_KEEPALIVE_STATES = new Set(['TIME_WAIT', 'NEW_SYN_RECV', 'SYN_RECV', 'CLOSE']);

const describe = (v: ConnectionView): string =>
  `${v.state} ${v.local.address}:${v.local.port} → ${v.peer.address}:${v.peer.port}${v.netns && !v.netns.own ? ` in namespace ${v.netns.label}` : ''}`;

export class SocketControl {
  constructor(private readonly deps: SocketControlDeps) {}

  /** Read-only mode and an audit log that cannot be written refuse every change, before its own checks. */
  assertMayChange(): void {
    if (this.deps.readOnly) throw new ApiError('KA_ERR_READ_ONLY');
    this.deps.events.assertCanAudit();
  }

  /** The patch as the addon takes it, or a 400 naming the bound: a bulk retune checks it once, before any socket. */
  validatePatch(body: unknown): Partial<KeepaliveSettings> {
    let patch: Partial<KeepaliveSettings>;
    try {
      patch = validateKeepalive(body);
    } catch (error) {
      throw new ApiError(error instanceof RangeError ? 'KA_ERR_OUT_OF_RANGE' : 'KA_ERR_BAD_REQUEST', (error as Error).message);
    }
    if (Object.keys(patch).length === 0) throw new ApiError('KA_ERR_BAD_REQUEST', 'give at least one of enabled, idleSec, intervalSec, count, userTimeoutMs');
    return patch;
  }

  /** Why this socket's retune is refused before anything is tried (its state, no way to reach it), or null. */
  refusal(view: ConnectionView): ApiError | null {
    if (NO_KEEPALIVE_STATES.has(view.state) || view.inode === 0) {
      return new ApiError('KA_ERR_NOT_APPLICABLE', `keepalive means nothing for a ${view.state} socket`);
    }
    if (!this.deps.lab.handleForInode(view.inode) && !this.deps.foreign) return new ApiError('KA_ERR_UNAVAILABLE', 'retuning other processes’ sockets needs the native addon');
    return null;
  }

  /**
   * Applies a keepalive change; returns what the kernel held before and after.
   * `bulkId` ties the audit records of one bulk retune's sockets together.
   */
  async retune(view: ConnectionView, body: unknown, actor: string, bulkId?: string): Promise<PatchResult> {
    this.assertMayChange();
    const patch = this.validatePatch(body);
    const refused = this.refusal(view);
    if (refused) throw refused;
    const owned = this.deps.lab.handleForInode(view.inode);
    const asked = describePatch(patch);
    const bulk = bulkId === undefined ? {} : { bulkId };
    // Found before the audit's intent: a socket no process holds is refused, not attempted.
    const holders = owned ? [] : await this.holdersOf(view);
    let result: PatchResult;
    try {
      result = await this.deps.events.change(
        { type: 'retuned', connectionId: view.id, netns: view.netns, actor, what: `retune ${describe(view)} (${asked})`, detail: { ownership: view.ownership, patch, pids: view.holders.map((h) => h.pid), ...bulk } },
        () => (owned ? retuneAndReadBack(owned.handle, patch) : this.applyForeign(view, holders, patch)),
        (done) => ({
          summary: `${describe(view)} retuned: ${summarizeChange(done.before, done.after)}`,
          before: done.before,
          after: done.after,
          detail: { ownership: view.ownership, pids: view.holders.map((h) => h.pid), ...bulk },
        }),
      );
    } catch (error) {
      // Mapped here, not inside the change: the audit's failed outcome keeps the kernel's errno.
      throw fromSystemError(error, `socket inode ${view.inode}`);
    }
    this.deps.foreignSettings.set(view.inode, result.after, (this.deps.now ?? Date.now)());
    return result;
  }

  /**
   * The processes holding a foreign socket as last seen: pidfd_getfd checks
   * the inode, so a stale entry fails safely (and is read again), while a
   * rescan of a holder with 20k fds would cost 20k readlinks before every retune.
   */
  private async holdersOf(view: ConnectionView): Promise<readonly Holder[]> {
    const known = this.deps.processMap.get(view.inode);
    return known.length > 0 ? known : this.freshHolders(view);
  }

  /**
   * The processes holding a foreign socket, read now. None: if the kernel no
   * longer lists the socket it is gone (404); if it does, its fd is passing
   * between processes (SCM_RIGHTS) or held only by the kernel, so wait a
   * moment for a receiver, then say so (409) — never "gone" for a live socket.
   */
  private async freshHolders(view: ConnectionView): Promise<readonly Holder[]> {
    let holders = await this.deps.processMap.refreshFor(view.inode);
    if (holders.length > 0) return holders;
    const open = this.deps.stillOpen ? await this.deps.stillOpen(view) : false;
    if (!open) throw new ApiError('KA_ERR_SOCKET_GONE', `no process holds socket inode ${view.inode} any more: the socket is gone`);
    for (const waitMs of HOLDER_WAIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      holders = await this.deps.processMap.refreshFor(view.inode);
      if (holders.length > 0) return holders;
    }
    throw new ApiError(
      'KA_ERR_NO_HOLDER',
      `socket inode ${view.inode} is alive but no process holds an fd for it right now (it may be in flight over a Unix socket, SCM_RIGHTS, or held only by the kernel): retry once a process has received it`,
    );
  }

  /**
   * Retunes another process's socket through a duplicate of one of its
   * holders' fds; when every holder last seen has gone (exited, fd closed or
   * reused, passed on), the holders are read again once.
   */
  private async applyForeign(view: ConnectionView, holders: readonly Holder[], patch: Partial<KeepaliveSettings>): Promise<PatchResult> {
    const first = this.tryHolders(view, holders, patch);
    if (first.ok || (first.error as { code?: string }).code === 'EPERM') return unwrap(first);
    const fresh = (await this.freshHolders(view)).filter((h) => !holders.some((k) => k.pid === h.pid && k.fd === h.fd));
    return fresh.length > 0 ? unwrap(this.tryHolders(view, fresh, patch)) : unwrap(first);
  }

  private tryHolders(view: ConnectionView, holders: readonly Holder[], patch: Partial<KeepaliveSettings>): { ok: true; result: PatchResult } | { ok: false; error: unknown } {
    const foreign = this.deps.foreign as ForeignAccess;
    let lastError: unknown = new ApiError('KA_ERR_SOCKET_GONE', `no process holds socket inode ${view.inode} any more: the socket is gone`);
    for (const holder of holders) {
      try {
        return { ok: true, result: foreign.withSocket(holder.pid, holder.fd, view.inode, (fd) => retuneAndReadBack(fd, patch)) };
      } catch (error) {
        lastError = error;
        // EPERM on one holder means EPERM on all (same caps); other errors: try the next holder.
        if ((error as { code?: string }).code === 'EPERM') break;
      }
    }
    return { ok: false, error: lastError };
  }

  /** Kills a connection the way `ss -K` does. */
  async kill(view: ConnectionView, actor: string): Promise<void> {
    this.assertMayChange();
    const killer = this.deps.killer;
    if (!killer) throw new ApiError('KA_ERR_UNAVAILABLE', 'killing connections needs the native addon');
    if (view.state === 'LISTEN') throw new ApiError('KA_ERR_NOT_APPLICABLE', 'a LISTEN socket cannot be killed with SOCK_DESTROY; stop its owner instead');
    try {
      await this.deps.events.change(
        { type: 'killed', connectionId: view.id, netns: view.netns, actor, what: `kill ${describe(view)}`, detail: { pids: view.holders.map((h) => h.pid) } },
        () => killer.destroy(view),
        () => ({ summary: `${describe(view)} killed` }),
      );
    } catch (error) {
      throw fromSystemError(error, describe(view));
    }
  }
}

function unwrap(outcome: { ok: true; result: PatchResult } | { ok: false; error: unknown }): PatchResult {
  if (outcome.ok) return outcome.result;
  throw outcome.error;
}

/** Applies `patch`; returns the settings as the kernel holds them before and after. */
function retuneAndReadBack(target: SocketTarget, patch: Partial<KeepaliveSettings>): PatchResult {
  const before = getKeepalive(target);
  setKeepalive(target, patch);
  return { before, after: getKeepalive(target) };
}

/** What a change asks for, in the audit's words: `idleSec → 60, count → 6`. */
export function describePatch(patch: object): string {
  return Object.entries(patch).map(([key, value]) => `${key} → ${String(value)}`).join(', ');
}

export function summarizeChange(before: KeepaliveSettings, after: KeepaliveSettings): string {
  const parts: string[] = [];
  for (const key of ['enabled', 'idleSec', 'intervalSec', 'count', 'userTimeoutMs'] as const) {
    if (before[key] !== after[key]) parts.push(`${key} ${String(before[key])} → ${String(after[key])}`);
  }
  return parts.length ? parts.join(', ') : 'no change';
}
