/**
 * Dashboard events: every one goes to live subscribers (the stream); the
 * ones that record a change or a keepalive death also go to the audit log
 * first, so nothing is announced that was not recorded.
 */
import type { DashboardEvent, EventType } from '@keepalive-dashboard/shared';

import type { AuditLog } from './audit/audit-log.js';

const AUDITED: ReadonlySet<EventType> = new Set(['died', 'retuned', 'killed', 'sysctl', 'lab', 'blackhole']);
const RECENT_LIMIT = 1000;

export type EventInput = Omit<DashboardEvent, 'seq' | 'at'> & { at?: number };

export class EventBus {
  private readonly listeners = new Set<(event: DashboardEvent) => void>();
  private readonly recent: DashboardEvent[] = [];
  private transientSeq = 0;

  constructor(
    private readonly audit: AuditLog,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records (audited types durably) and then broadcasts. For a change the
   * caller made (`mustAudit`), a failed write throws; an observation such as
   * a death is still shown when the log fails.
   */
  emit(input: EventInput, mustAudit = false): DashboardEvent {
    const audited = AUDITED.has(input.type);
    const event: DashboardEvent = {
      ...input,
      at: input.at ?? this.now(),
      // Audited events carry the durable sequence; the others a negative transient one.
      seq: audited ? this.audit.nextSeq() : --this.transientSeq,
    };
    if (audited) {
      try {
        this.audit.append(event);
      } catch (error) {
        if (mustAudit) throw error;
      }
    }
    this.recent.push(event);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
    for (const listener of this.listeners) listener(event);
    return event;
  }

  subscribe(listener: (event: DashboardEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recentEvents(): readonly DashboardEvent[] {
    return this.recent;
  }
}
