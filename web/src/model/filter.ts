/**
 * The filter bar: what the person typed, turned into the shared/
 * ConnectionFilter plus free-text search — applied by the server to a
 * windowed table and here to a capture, with the same shared functions.
 */
import { ADVISORY_KINDS, filterProblem, matchesFilter, matchesSearch, MAX_FILTER_EXPR_CHARS, type AdvisoryKind, type ConnectionFilter, type ConnectionView } from '@keepalive-dashboard/shared';

export { matchesSearch };

/** The advisory select's choices, in shared/'s names (the server's `advisory` filter): what is at risk, and how. */
export const ADVISORY_CHOICES = ['any', 'none', ...ADVISORY_KINDS] as const;
export type AdvisoryChoice = '' | 'any' | 'none' | AdvisoryKind;

export interface FilterDraft {
  /** Comma-separated states, e.g. "ESTABLISHED,CLOSE-WAIT". */
  state: string;
  /** One port, a range or a list: 443, 48000-48099, 443,8443. */
  port: string;
  /** An address, a part of one, or a CIDR: 127.0.0.0/8, ::1/128. */
  address: string;
  /** A command name, or a pid when it is all digits. */
  process: string;
  keepalive: '' | 'on' | 'off' | 'unknown';
  probing: '' | 'yes' | 'no';
  /** Rows with this advisory kind, with any, or with none; '' = no advisory filter. */
  advisory: AdvisoryChoice;
  /** A network namespace's nsfs inode, as the picker's value; '' = every namespace. */
  netns: string;
  /** An ss filter expression: sport = :443, dst 10.0.0.0/8, state established, and / or / not. */
  expr: string;
  search: string;
}

export const EMPTY_FILTER: FilterDraft = { state: '', port: '', address: '', process: '', keepalive: '', probing: '', advisory: '', netns: '', expr: '', search: '' };

export interface ParsedFilter {
  filter: ConnectionFilter;
  /** Field → what is wrong with it; those fields are left out of `filter`. */
  errors: Partial<Record<keyof FilterDraft, string>>;
}

export function parseFilter(draft: FilterDraft): ParsedFilter {
  const filter: ConnectionFilter = {};
  const errors: ParsedFilter['errors'] = {};
  // Each field is checked by shared/'s own reading (the server's): a field it cannot read is named and left out.
  const take = <K extends 'state' | 'port' | 'address' | 'expr'>(field: K, value: ConnectionFilter[K]): void => {
    const problem = filterProblem({ [field]: value });
    if (problem) errors[field] = problem.message;
    else filter[field] = value;
  };
  const state = draft.state.trim();
  if (state) take('state', state.slice(0, 200));
  const port = draft.port.trim();
  if (port) take('port', /^\d{1,5}$/.test(port) && Number(port) <= 65535 ? Number(port) : port.slice(0, 100));
  const address = draft.address.trim();
  if (address) take('address', address.slice(0, 200));
  const expr = draft.expr.trim();
  if (expr) take('expr', expr.slice(0, MAX_FILTER_EXPR_CHARS));
  const proc = draft.process.trim();
  if (proc) {
    if (/^\d{1,9}$/.test(proc)) filter.pid = Number(proc);
    else filter.command = proc.slice(0, 200);
  }
  if (draft.keepalive) filter.keepalive = draft.keepalive;
  if (draft.probing) filter.probing = draft.probing === 'yes';
  // Only the select sets it, from the names shared/ knows; the server checks it again.
  if (draft.advisory) filter.advisory = draft.advisory;
  // Only the picker sets it, so anything but an inode is a bug, not a typo to explain.
  if (/^\d{1,15}$/.test(draft.netns)) filter.netns = Number(draft.netns);
  return { filter, errors };
}

export function applyFilter(views: readonly ConnectionView[], parsed: ParsedFilter, search: string): ConnectionView[] {
  const structured = Object.keys(parsed.filter).length > 0;
  const text = search.trim() !== '';
  if (!structured && !text) return [...views];
  return views.filter((v) => (!structured || matchesFilter(v, parsed.filter)) && (!text || matchesSearch(v, search)));
}

/** Same filter, for not re-sending an unchanged one to the server. */
export function sameFilter(a: ConnectionFilter, b: ConnectionFilter): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ConnectionFilter>;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}
