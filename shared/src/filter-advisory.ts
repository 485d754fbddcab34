/**
 * The advisory filter: rows flagged with one advisory kind, with any, or with
 * none — "what is at risk". Shared by the filter's `advisory` field and the
 * expression's `advisory NAME` condition, so both know the same names.
 */
import { ADVISORY_KINDS } from './advisories.js';
import type { ConnectionView } from './protocol.js';

export type AdvisoryTest = (view: ConnectionView) => boolean;

/** `any` and `none` besides the kinds: what a parse error lists as expected. */
export const ADVISORY_FILTER_EXPECTED = `an advisory kind (${ADVISORY_KINDS.join(', ')}), any or none`;

const KINDS: ReadonlySet<string> = new Set(ADVISORY_KINDS);

/** The test for a kind name, `any` or `none` (case-insensitive); null for a name no advisory has. */
export function advisoryMatcher(name: string): AdvisoryTest | null {
  const key = name.trim().toLowerCase();
  if (key === 'any') return (v) => v.advisories.length > 0;
  if (key === 'none') return (v) => v.advisories.length === 0;
  if (!KINDS.has(key)) return null;
  return (v) => v.advisories.some((a) => a.code === key);
}
