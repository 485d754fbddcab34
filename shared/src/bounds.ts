/**
 * The kernel's keepalive bounds (EINVAL outside): TCP_KEEPIDLE ≤ MAX_TCP_KEEPIDLE,
 * TCP_KEEPINTVL ≤ MAX_TCP_KEEPINTVL (both 32767 s), TCP_KEEPCNT ≤ MAX_TCP_KEEPCNT
 * (127), TCP_USER_TIMEOUT a non-negative int of milliseconds. The native layer
 * keeps its own copy (it may import nothing of ours); a test holds them equal.
 */
export const KEEPALIVE_BOUNDS = {
  idleSec: { min: 1, max: 32767, unit: 's', label: 'idle' },
  intervalSec: { min: 1, max: 32767, unit: 's', label: 'interval' },
  count: { min: 1, max: 127, unit: '', label: 'count' },
  userTimeoutMs: { min: 0, max: 2147483647, unit: 'ms', label: 'user timeout' },
} as const;

export type KeepaliveNumberField = keyof typeof KEEPALIVE_BOUNDS;

/** Keepalive settings of one socket, as getsockopt reports them. */
export interface KeepaliveSettings {
  enabled: boolean;
  idleSec: number;
  intervalSec: number;
  count: number;
  /** 0 = not set: the kernel's retransmission and keepalive rules apply. */
  userTimeoutMs: number;
}

/** A problem with one field, for forms that check as the user types. */
export interface BoundViolation {
  field: KeepaliveNumberField;
  message: string;
}

/** Checks one value against its bound; null when it is acceptable. */
export function checkKeepaliveValue(field: KeepaliveNumberField, value: unknown): BoundViolation | null {
  const bound = KEEPALIVE_BOUNDS[field];
  const range = `${bound.min}–${bound.max}${bound.unit ? ` ${bound.unit}` : ''}`;
  if (typeof value !== 'number' || !Number.isFinite(value) || !Number.isInteger(value)) {
    return { field, message: `${bound.label} must be an integer ${range}` };
  }
  if (value < bound.min || value > bound.max) {
    return { field, message: `${bound.label} must be ${range}, got ${value}` };
  }
  return null;
}

/** Well-known settings offered as presets. */
export const KEEPALIVE_PRESETS = [
  { name: 'Linux default', idleSec: 7200, intervalSec: 75, count: 9 },
  { name: 'NAT-friendly', idleSec: 60, intervalSec: 10, count: 6 },
  { name: 'Fast fail', idleSec: 10, intervalSec: 5, count: 3 },
] as const;
