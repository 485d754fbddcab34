/**
 * Bounds the kernel enforces (EINVAL outside them): TCP_KEEPIDLE and
 * TCP_KEEPINTVL are capped at MAX_TCP_KEEPIDLE/MAX_TCP_KEEPINTVL = 32767 s,
 * TCP_KEEPCNT at MAX_TCP_KEEPCNT = 127, TCP_USER_TIMEOUT takes a non-negative int (ms).
 */
export const KEEPALIVE_BOUNDS = {
  idleSec: { min: 1, max: 32767, unit: 's', label: 'idle' },
  intervalSec: { min: 1, max: 32767, unit: 's', label: 'interval' },
  count: { min: 1, max: 127, unit: '', label: 'count' },
  userTimeoutMs: { min: 0, max: 2147483647, unit: 'ms', label: 'user timeout' },
} as const;

export type KeepaliveNumberField = keyof typeof KEEPALIVE_BOUNDS;

export interface KeepaliveSettings {
  enabled: boolean;
  idleSec: number;
  intervalSec: number;
  count: number;
  userTimeoutMs: number;
}

const FIELDS = ['enabled', ...Object.keys(KEEPALIVE_BOUNDS)] as readonly string[];

/**
 * Checks a partial keepalive change; throws TypeError for a wrong type or an
 * unknown field and RangeError naming the bound for a value outside it.
 */
export function validateKeepalive(partial: unknown): Partial<KeepaliveSettings> {
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    throw new TypeError(`keepalive settings must be an object, got ${describe(partial)}`);
  }
  const record = partial as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.includes(key)) throw new TypeError(`unknown keepalive field "${key}" (expected one of ${FIELDS.join(', ')})`);
  }
  const out: Partial<KeepaliveSettings> = {};
  if (record.enabled !== undefined) {
    if (typeof record.enabled !== 'boolean') throw new TypeError(`enabled must be a boolean, got ${describe(record.enabled)}`);
    out.enabled = record.enabled;
  }
  for (const [field, bound] of Object.entries(KEEPALIVE_BOUNDS) as [KeepaliveNumberField, (typeof KEEPALIVE_BOUNDS)[KeepaliveNumberField]][]) {
    const value = record[field];
    if (value === undefined) continue;
    const range = `${bound.min}–${bound.max}${bound.unit ? ` ${bound.unit}` : ''}`;
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new TypeError(`${bound.label} must be an integer ${range}, got ${describe(value)}`);
    }
    if (!Number.isInteger(value)) throw new RangeError(`${bound.label} must be an integer ${range}, got ${value}`);
    if (value < bound.min || value > bound.max) throw new RangeError(`${bound.label} must be ${range}, got ${value}`);
    out[field] = value;
  }
  return out;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
