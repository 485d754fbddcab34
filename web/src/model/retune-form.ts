/**
 * The retune form as data: text fields checked against the kernel's bounds as
 * the person types (shared/ checkKeepaliveValue), the death time predicted
 * before anything is applied (shared/ deadAfterLastRecvMs, TCP_USER_TIMEOUT
 * rule included), and the PATCH body holding only what changed — setting
 * TCP_KEEPIDLE re-arms the timer, so an unchanged idle is not re-sent.
 */
import {
  checkKeepaliveValue,
  deadAfterLastRecvMs,
  probesBeforeDeath,
  type KeepaliveNumberField,
  type KeepalivePatch,
  type KeepaliveSettings,
  type PatchResult,
} from '@keepalive-dashboard/shared';

import { formatDuration } from '../view/format.js';

export const NUMBER_FIELDS: readonly KeepaliveNumberField[] = ['idleSec', 'intervalSec', 'count', 'userTimeoutMs'];

export const FIELD_LABELS: Record<KeepaliveNumberField, string> = {
  idleSec: 'Idle (s)',
  intervalSec: 'Interval (s)',
  count: 'Count',
  userTimeoutMs: 'User timeout (ms)',
};

export interface RetuneDraft {
  enabled: boolean;
  idleSec: string;
  intervalSec: string;
  count: string;
  userTimeoutMs: string;
}

export interface DraftCheck {
  /** The settings the draft describes, when every field is valid. */
  values: KeepaliveSettings | null;
  errors: Partial<Record<KeepaliveNumberField, string>>;
  /** ms after the last receive at which a silent peer is declared dead; null when keepalive is off or a field is invalid. */
  deadAfterMs: number | null;
  probesBeforeDeath: number | null;
}

/** Linux's own defaults, for a socket whose settings cannot be read. */
export const LINUX_DEFAULTS: KeepaliveSettings = { enabled: false, idleSec: 7200, intervalSec: 75, count: 9, userTimeoutMs: 0 };

export function draftFrom(settings: KeepaliveSettings): RetuneDraft {
  return {
    enabled: settings.enabled,
    idleSec: String(settings.idleSec),
    intervalSec: String(settings.intervalSec),
    count: String(settings.count),
    userTimeoutMs: String(settings.userTimeoutMs),
  };
}

/** Strict integer parse: "12" → 12; "", "1.5", "1e3", "12s" → NaN (and the bound check says so). */
export function parseIntegerText(text: string): number {
  const t = text.trim();
  return /^[+-]?\d+$/.test(t) ? Number(t) : Number.NaN;
}

export function checkDraft(draft: RetuneDraft): DraftCheck {
  const errors: DraftCheck['errors'] = {};
  const numbers = {} as Record<KeepaliveNumberField, number>;
  for (const field of NUMBER_FIELDS) {
    const value = parseIntegerText(draft[field]);
    const violation = checkKeepaliveValue(field, value);
    if (violation) errors[field] = violation.message;
    numbers[field] = value;
  }
  if (Object.keys(errors).length > 0) return { values: null, errors, deadAfterMs: null, probesBeforeDeath: null };
  const values: KeepaliveSettings = { enabled: draft.enabled, ...numbers };
  return {
    values,
    errors,
    deadAfterMs: values.enabled ? deadAfterLastRecvMs(values) : null,
    probesBeforeDeath: values.enabled ? probesBeforeDeath(values) : null,
  };
}

/** Only the fields that differ from `current`; every field when `current` is unknown; null when nothing changes. */
export function patchFor(current: KeepaliveSettings | null, values: KeepaliveSettings): KeepalivePatch | null {
  const patch: KeepalivePatch = {};
  if (!current || current.enabled !== values.enabled) patch.enabled = values.enabled;
  for (const field of NUMBER_FIELDS) {
    if (!current || current[field] !== values[field]) patch[field] = values[field];
  }
  return Object.keys(patch).length > 0 ? patch : null;
}

/** The PATCH that puts back what a retune changed. */
export function undoPatch(result: PatchResult): KeepalivePatch | null {
  return patchFor(result.after, result.before);
}

export function withPreset(draft: RetuneDraft, preset: { idleSec: number; intervalSec: number; count: number }): RetuneDraft {
  // A preset is a keepalive configuration: it turns keepalive on.
  return { ...draft, enabled: true, idleSec: String(preset.idleSec), intervalSec: String(preset.intervalSec), count: String(preset.count) };
}

/** "a dead peer will be detected 1 min 25 s after its last answer (after 5 unanswered probes)": from the last receive, not from now (that is "dead in"). */
export function describeDeath(check: DraftCheck): string {
  if (!check.values) return 'fix the fields above to see when a dead peer would be detected';
  if (!check.values.enabled) return 'keepalive off: a silent dead peer is never detected';
  const probes = check.probesBeforeDeath ?? 0;
  const uto = check.values.userTimeoutMs > 0 ? ', TCP_USER_TIMEOUT decides' : '';
  return `a dead peer will be detected ${formatDuration(check.deadAfterMs ?? 0, false)} after its last answer (after ${probes} unanswered probe${probes === 1 ? '' : 's'}${uto})`;
}
