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

/** The types written to the audit log; the others (appeared, closed) are only observed. */
export const AUDITED_TYPES: ReadonlySet<EventType> = new Set(['died', 'retuned', 'killed', 'sysctl', 'lab', 'blackhole', 'settings']);
/** Events not in the audit log (appeared, closed, and any the log could not take) kept for /api/events. */
const OBSERVED_LIMIT = 1000;
/** Anchors kept for cursors of observed events that left the ring (one per audited event between them). */
const ANCHOR_RUNS_LIMIT = 100_000;

/**
 * Where an event stands in the one newest-first order of /api/events. An
 * audited event stands at its seq; an observed one (transient seq −tick) just
 * after the audit seq that was last when it was broadcast, ordered by tick.
 */
export interface EventPosition {
  anchor: number;
  tick: number;
}

/** An event and where it stands in that order. */
export interface PlacedEvent {
  event: DashboardEvent;
  position: EventPosition;
}

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
  /** Oldest first. */
  private readonly observed: PlacedEvent[] = [];
  /** For each run of observed events broadcast between the same two audit records: its first tick and its anchor. */
  private readonly anchorRuns: EventPosition[] = [];
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
    if (AUDITED_TYPES.has(input.type) && this.audit.writable) {
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

  /** The observed events still kept, oldest first. */
  observedEvents(): readonly PlacedEvent[] {
    return this.observed;
  }

  /**
   * The position of the event with this seq: an audited seq (> 0) stands for
   * itself; a transient one (< 0, this run's) is looked up, even after it left
   * the ring, so a cursor naming it neither repeats nor skips.
   */
  positionOf(seq: number): EventPosition {
    if (seq >= 0) return { anchor: seq, tick: 0 };
    const tick = -seq;
    // Not broadcast yet (or another run's): after everything.
    if (tick > -this.transientSeq) return { anchor: this.audit.seq, tick };
    const runs = this.anchorRuns;
    let low = 0;
    let high = runs.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((runs[middle] as EventPosition).tick <= tick) low = middle;
      else high = middle - 1;
    }
    return { anchor: runs[low]?.anchor ?? 0, tick };
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
    if (event.seq < 0) this.keepObserved(event);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  private keepObserved(event: DashboardEvent): void {
    const position = { anchor: this.audit.seq, tick: -event.seq };
    this.observed.push({ event, position });
    if (this.observed.length > OBSERVED_LIMIT) this.observed.shift();
    if (this.anchorRuns.at(-1)?.anchor !== position.anchor) {
      this.anchorRuns.push(position);
      if (this.anchorRuns.length > ANCHOR_RUNS_LIMIT) this.anchorRuns.shift();
    }
  }
}
