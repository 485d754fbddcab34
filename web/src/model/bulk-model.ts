/**
 * Bulk retune as data: one keepalive patch for a set of sockets (the current
 * filter's matches, or one group's ids), tried first as a dry run — each
 * socket's before → after, or why it would be refused — and applied only to
 * the sockets that dry run listed, with the same patch. Any edit of the patch
 * drops the dry run, so "Apply" always means what was last shown.
 *
 * Fields left empty are left as each socket has them: a bulk change to idle
 * must not also overwrite a hundred sockets' different intervals.
 */
import { checkKeepaliveValue, type BulkRetuneRequest, type BulkRetuneResult, type ConnectionFilter, type KeepaliveNumberField, type KeepalivePatch } from '@keepalive-dashboard/shared';

import { NUMBER_FIELDS, parseIntegerText } from './retune-form.js';

/** What the bulk retune talks to (ApiClient has it). */
export interface BulkApi {
  bulkRetune(body: BulkRetuneRequest): Promise<BulkRetuneResult>;
}

export type BulkTarget =
  | { kind: 'filter'; filter: ConnectionFilter; /** "12 matching the filter" */ label: string }
  | { kind: 'ids'; ids: string[]; label: string };

export interface BulkDraft {
  /** '' = leave SO_KEEPALIVE as each socket has it. */
  enabled: '' | 'on' | 'off';
  idleSec: string;
  intervalSec: string;
  count: string;
  userTimeoutMs: string;
}

export const EMPTY_BULK_DRAFT: BulkDraft = { enabled: '', idleSec: '', intervalSec: '', count: '', userTimeoutMs: '' };

export interface BulkCheck {
  /** Null while a field is invalid or nothing is asked. */
  patch: KeepalivePatch | null;
  errors: Partial<Record<KeepaliveNumberField, string>>;
}

/** The draft as a patch: only the fields given, each checked against the kernel's bounds as the single retune checks them. */
export function checkBulkDraft(draft: BulkDraft): BulkCheck {
  const patch: KeepalivePatch = {};
  const errors: BulkCheck['errors'] = {};
  if (draft.enabled) patch.enabled = draft.enabled === 'on';
  for (const field of NUMBER_FIELDS) {
    if (draft[field].trim() === '') continue;
    const value = parseIntegerText(draft[field]);
    const violation = checkKeepaliveValue(field, value);
    if (violation) errors[field] = violation.message;
    else patch[field] = value;
  }
  const ok = Object.keys(errors).length === 0 && Object.keys(patch).length > 0;
  return { patch: ok ? patch : null, errors };
}

export interface BulkError {
  code: string;
  message: string;
  /** HTTP status: 413 over the cap, 403 read-only, 503 audit refused… 0 when the server was not reached. */
  status: number;
}

export interface BulkState {
  target: BulkTarget | null;
  draft: BulkDraft;
  check: BulkCheck;
  busy: 'dry-run' | 'apply' | null;
  /** The last dry run of exactly this target and patch; dropped by any edit. */
  dryRun: BulkRetuneResult | null;
  applied: BulkRetuneResult | null;
  error: BulkError | null;
}

const CLOSED: BulkState = { target: null, draft: EMPTY_BULK_DRAFT, check: checkBulkDraft(EMPTY_BULK_DRAFT), busy: null, dryRun: null, applied: null, error: null };

/** The sockets a dry run said the patch would apply to: what "Apply to N" retunes. */
export function applicableIds(dryRun: BulkRetuneResult | null): string[] {
  return dryRun ? dryRun.items.filter((item) => item.outcome === 'would-apply').map((item) => item.id) : [];
}

/** Apply is offered only after a dry run of this patch that found something to do, and not twice. */
export function canApply(state: BulkState): boolean {
  return state.busy === null && state.applied === null && state.check.patch !== null && applicableIds(state.dryRun).length > 0;
}

function asBulkError(error: unknown): BulkError {
  const e = error as { code?: unknown; status?: unknown; message?: unknown } | null;
  return {
    code: typeof e?.code === 'string' ? e.code : 'KA_ERR_CLIENT',
    message: typeof e?.message === 'string' ? e.message : String(error),
    status: typeof e?.status === 'number' ? e.status : 0,
  };
}

export class BulkModel {
  private state: BulkState = CLOSED;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly api: BulkApi) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): BulkState => this.state;

  private set(patch: Partial<BulkState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  open(target: BulkTarget): void {
    this.state = CLOSED;
    this.set({ target });
  }

  close(): void {
    this.set(CLOSED);
  }

  setField(field: keyof BulkDraft, value: string): void {
    // Being applied: the result on its way is of this patch, so the patch stays until it is shown.
    if (this.state.busy === 'apply') return;
    const draft = { ...this.state.draft, [field]: value } as BulkDraft;
    // A different patch is a different question: the old dry run's answers no longer hold, nor do the last results.
    this.set({ draft, check: checkBulkDraft(draft), busy: null, dryRun: null, applied: null, error: null });
  }

  async dryRun(): Promise<void> {
    const { target, check } = this.state;
    if (!target || !check.patch || this.state.busy) return;
    const body: BulkRetuneRequest = { ...(target.kind === 'ids' ? { ids: target.ids } : { filter: target.filter }), patch: check.patch, dryRun: true };
    this.set({ busy: 'dry-run', dryRun: null, applied: null, error: null });
    await this.request(body, (result) => this.set({ dryRun: result }));
  }

  async apply(): Promise<void> {
    if (!canApply(this.state)) return;
    const patch = this.state.check.patch;
    const ids = applicableIds(this.state.dryRun);
    if (!patch) return;
    this.set({ busy: 'apply', error: null });
    await this.request({ ids, patch, dryRun: false }, (result) => this.set({ applied: result }));
  }

  private async request(body: BulkRetuneRequest, done: (result: BulkRetuneResult) => void): Promise<void> {
    const patchSent = this.state.check.patch;
    try {
      const result = await this.api.bulkRetune(body);
      // Edited while the request was out: the answer is to a question no longer on screen.
      if (this.state.check.patch !== patchSent || this.state.target === null) return;
      done(result);
      this.set({ busy: null });
    } catch (error) {
      if (this.state.check.patch !== patchSent) return;
      this.set({ busy: null, error: asBulkError(error) });
    }
  }
}
