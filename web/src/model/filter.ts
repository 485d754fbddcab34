/**
 * The filter bar: what the person typed, turned into the shared/
 * ConnectionFilter plus free-text search — applied by the server to a
 * windowed table and here to a capture, with the same shared functions.
 */
import { matchesFilter, matchesSearch, type ConnectionFilter, type ConnectionView } from '@keepalive-dashboard/shared';

export { matchesSearch };

export interface FilterDraft {
  /** Comma-separated states, e.g. "ESTABLISHED,CLOSE-WAIT". */
  state: string;
  port: string;
  address: string;
  /** A command name, or a pid when it is all digits. */
  process: string;
  keepalive: '' | 'on' | 'off';
  probing: '' | 'yes' | 'no';
  /** A network namespace's nsfs inode, as the picker's value; '' = every namespace. */
  netns: string;
  search: string;
}

export const EMPTY_FILTER: FilterDraft = { state: '', port: '', address: '', process: '', keepalive: '', probing: '', netns: '', search: '' };

export interface ParsedFilter {
  filter: ConnectionFilter;
  /** Field → what is wrong with it; those fields are left out of `filter`. */
  errors: Partial<Record<keyof FilterDraft, string>>;
}

export function parseFilter(draft: FilterDraft): ParsedFilter {
  const filter: ConnectionFilter = {};
  const errors: ParsedFilter['errors'] = {};
  const state = draft.state.trim();
  if (state) filter.state = state.slice(0, 200);
  const port = draft.port.trim();
  if (port) {
    if (/^\d{1,5}$/.test(port) && Number(port) <= 65535) filter.port = Number(port);
    else errors.port = 'port must be 0–65535';
  }
  const address = draft.address.trim();
  if (address) filter.address = address.slice(0, 200);
  const proc = draft.process.trim();
  if (proc) {
    if (/^\d{1,9}$/.test(proc)) filter.pid = Number(proc);
    else filter.command = proc.slice(0, 200);
  }
  if (draft.keepalive) filter.keepalive = draft.keepalive;
  if (draft.probing) filter.probing = draft.probing === 'yes';
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
