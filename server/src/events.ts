/**
 * Dashboard events. Every one goes to live subscribers (the stream); deaths
 * and changes also go to the audit log first, so nothing is announced that
 * was not recorded.
 *
 * A change (retune, kill, sysctl, lab, black hole) is write-ahead: its intent
 * record is appended and fsynced before it is applied, and when the intent
 * cannot be written the change is refused and not made. Its outcome (applied,
 * with what the kernel held before and after; or failed, with the error
 * code) follows, and only that outcome is an event people see.
 */
import type { DashboardEvent, EventType, NetnsRef } from '@keepalive-dashboard/shared';

import type { AuditLog } from './audit/audit-log.js';
import { ApiError } from './errors.js';

const AUDITED: ReadonlySet<EventType> = new Set(['died', 'retuned', 'killed', 'sysctl', 'lab', 'blackhole']);
const RECENT_LIMIT = 1000;

export type EventInput = Omit<DashboardEvent, 'seq' | 'at'> & { at?: number };

export interface ChangeRequest {
  type: EventType;
  connectionId: string | null;
  /** The namespace of the connection or sysctl changed: recorded with both the intent and the outcome. */
  netns?: NetnsRef | null;
  actor: string | null;
  /** The change in words, e.g. "retune ESTABLISHED 127.0.0.1:5 → 127.0.0.1:6: idleSec → 30". */
  what: string;
  detail?: Record<string, unknown>;
}

export interface ChangeOutcome {
  summary: string;
  /** When the change gave the connection an id (a new lab connection); default: the request's. */
  connectionId?: string | null;
  before?: unknown;
  after?: unknown;
  detail?: Record<string, unknown>;
}

const codeOf = (error: unknown): string => String((error as { code?: unknown }).code ?? 'error');
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class EventBus {
  private readonly listeners = new Set<(event: DashboardEvent) => void>();
  private readonly recent: DashboardEvent[] = [];
  private transientSeq = 0;

  constructor(
    private readonly audit: AuditLog,
    private readonly now: () => number = Date.now,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /**
   * An observation (a death, connections appearing): recorded when its type
   * is audited, then broadcast. It happened whether or not the log can take
   * it, so a failed write does not hide it: it goes out with a transient seq.
   */
  emit(input: EventInput): DashboardEvent {
    const record = { ...input, at: input.at ?? this.now() };
    let event: DashboardEvent | undefined;
    // When the log is closed its status already says why: no line per event about it.
    if (AUDITED.has(input.type) && this.audit.writable) {
      try {
        event = this.audit.append(record);
      } catch (error) {
        this.log(`audit log: ${input.type} event not recorded: ${messageOf(error)}`);
      }
    }
    // Unrecorded events carry a negative transient sequence, never one the log may use.
    return this.broadcast(event ?? { ...record, seq: --this.transientSeq });
  }

  /**
   * Runs a change write-ahead: intent durable → `apply` → outcome recorded and
   * broadcast. Throws KA_ERR_AUDIT_UNAVAILABLE (naming the cause, e.g. ENOSPC)
   * without calling `apply` when the intent cannot be written; rethrows what
   * `apply` throws after recording that it failed.
   */
  async change<T>(request: ChangeRequest, apply: () => T | Promise<T>, outcome: (result: T) => ChangeOutcome): Promise<T> {
    const { type, connectionId, actor, what } = request;
    const where = request.netns ? { netns: request.netns } : {};
    let intent: DashboardEvent;
    try {
      intent = this.audit.append({ type, phase: 'intent', at: this.now(), connectionId, ...where, actor, summary: `${what}: requested`, ...(request.detail ? { detail: request.detail } : {}) });
    } catch (error) {
      throw new ApiError('KA_ERR_AUDIT_UNAVAILABLE', `${what}: refused and not applied, because its audit record could not be written to ${this.audit.path} (${messageOf(error)})`, { cause: codeOf(error) });
    }
    let result: T;
    try {
      result = await apply();
    } catch (error) {
      this.complete({
        type, phase: 'failed', intentSeq: intent.seq, at: this.now(), connectionId, ...where, actor,
        summary: `${what}: failed (${codeOf(error)})`,
        detail: { ...request.detail, error: { code: codeOf(error), message: messageOf(error) } },
      });
      throw error;
    }
    const done = outcome(result);
    this.complete({
      type, phase: 'applied', intentSeq: intent.seq, at: this.now(), actor, ...where,
      connectionId: done.connectionId === undefined ? connectionId : done.connectionId,
      summary: done.summary,
      ...(done.before !== undefined ? { before: done.before } : {}),
      ...(done.after !== undefined ? { after: done.after } : {}),
      ...(done.detail ?? request.detail ? { detail: done.detail ?? request.detail } : {}),
    });
    return result;
  }

  /** Why changes are refused right now, as the API says it. */
  auditRefusal(): ApiError {
    return new ApiError('KA_ERR_AUDIT_UNAVAILABLE', `the audit log ${this.audit.path} cannot be written (${this.audit.status().error ?? 'closed'}), so changes are refused`);
  }

  /** Throws auditRefusal() when the log is not writable: a quick check before a change's own validation. */
  assertCanAudit(): void {
    if (!this.audit.writable) throw this.auditRefusal();
  }

  subscribe(listener: (event: DashboardEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recentEvents(): readonly DashboardEvent[] {
    return this.recent;
  }

  /**
   * An outcome. Its intent is durable already, so a failure to record the
   * outcome does not undo or hide the change: the change happened (or failed)
   * and the caller's answer says which; the log's intent shows it was asked for.
   */
  private complete(record: Omit<DashboardEvent, 'seq'>): void {
    let event: DashboardEvent;
    try {
      event = this.audit.append(record);
    } catch (error) {
      this.log(`audit log: outcome of intent ${String(record.intentSeq)} not recorded: ${messageOf(error)}`);
      event = { ...record, seq: --this.transientSeq };
    }
    this.broadcast(event);
  }

  private broadcast(event: DashboardEvent): DashboardEvent {
    this.recent.push(event);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
    for (const listener of this.listeners) listener(event);
    return event;
  }
}
