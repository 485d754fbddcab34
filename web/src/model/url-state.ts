/**
 * Filter, sort and selection in the address bar's query string, so a shared
 * URL opens the same view: read once at start, then kept up to date with
 * history.replaceState — debounced, and never pushState, so typing in the
 * filter bar leaves no trail of history entries (and stays under the
 * browsers' replaceState rate limits).
 *
 * Anything that cannot be read is ignored and its default kept: a URL is
 * input from whoever sent it.
 */
import { COLUMN_IDS, MAX_FILTER_EXPR_CHARS, SORT_DIRECTIONS, type ColumnId, type SortSpec } from '@keepalive-dashboard/shared';

import { ADVISORY_CHOICES, EMPTY_FILTER, type FilterDraft } from './filter.js';
import { DEFAULT_SORT } from './table-model.js';

export interface UrlState {
  filter: FilterDraft;
  sort: SortSpec;
  /** The selected connection's id, or null. */
  selected: string | null;
}

/** Query parameter → filter field; `q` for the free-text search, as search boxes name it. */
const FILTER_PARAMS: Readonly<Record<keyof FilterDraft, string>> = {
  state: 'state',
  port: 'port',
  address: 'address',
  process: 'process',
  keepalive: 'keepalive',
  probing: 'probing',
  advisory: 'advisory',
  netns: 'netns',
  expr: 'expr',
  search: 'q',
};
const SORT_PARAM = 'sort';
const DIRECTION_PARAM = 'dir';
const SELECTED_PARAM = 'sel';
const OWN_PARAMS = [...Object.values(FILTER_PARAMS), SORT_PARAM, DIRECTION_PARAM, SELECTED_PARAM];

/** Longer text fields are not a filter anyone typed. */
const MAX_TEXT_CHARS = 200;
/** Socket cookies, inodes, 4-tuples: ids are short and printable. */
const ID_PATTERN = /^[\w.:[\]\-/%]{1,128}$/;

/** Each field's check: the value if it can be a value of that field, else undefined. */
const CHECKS: Readonly<Record<keyof FilterDraft, (value: string) => string | undefined>> = {
  state: text(),
  port: text(),
  address: text(),
  process: text(),
  keepalive: oneOf(['on', 'off', 'unknown']),
  probing: oneOf(['yes', 'no']),
  advisory: oneOf(ADVISORY_CHOICES),
  netns: (value) => (/^\d{1,20}$/.test(value) ? value : undefined),
  expr: text(MAX_FILTER_EXPR_CHARS),
  search: text(),
};

function text(max = MAX_TEXT_CHARS): (value: string) => string | undefined {
  return (value) => (value.length <= max ? value : undefined);
}

function oneOf(values: readonly string[]): (value: string) => string | undefined {
  return (value) => (values.includes(value) ? value : undefined);
}

export function parseUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  const filter: FilterDraft = { ...EMPTY_FILTER };
  for (const key of Object.keys(FILTER_PARAMS) as (keyof FilterDraft)[]) {
    const raw = params.get(FILTER_PARAMS[key]);
    const value = raw === null ? undefined : CHECKS[key](raw);
    if (value !== undefined) (filter as unknown as Record<string, string>)[key] = value;
  }
  const column = params.get(SORT_PARAM);
  const direction = params.get(DIRECTION_PARAM) ?? 'asc';
  const sort =
    column !== null && (COLUMN_IDS as readonly string[]).includes(column) && (SORT_DIRECTIONS as readonly string[]).includes(direction)
      ? { column: column as ColumnId, direction: direction as SortSpec['direction'] }
      : DEFAULT_SORT;
  const selectedRaw = params.get(SELECTED_PARAM);
  const selected = selectedRaw !== null && ID_PATTERN.test(selectedRaw) ? selectedRaw : null;
  return { filter, sort, selected };
}

/**
 * The query string for `state`, defaults left out; parameters that are not
 * ours (in `base`) are kept as they were. Returns '' or '?…'.
 */
export function urlStateQuery(state: UrlState, base = ''): string {
  const params = new URLSearchParams(base);
  for (const name of OWN_PARAMS) params.delete(name);
  for (const key of Object.keys(FILTER_PARAMS) as (keyof FilterDraft)[]) {
    if (state.filter[key] !== EMPTY_FILTER[key]) params.set(FILTER_PARAMS[key], state.filter[key]);
  }
  if (state.sort.column !== DEFAULT_SORT.column || state.sort.direction !== DEFAULT_SORT.direction) {
    params.set(SORT_PARAM, state.sort.column);
    if (state.sort.direction !== 'asc') params.set(DIRECTION_PARAM, state.sort.direction);
  }
  if (state.selected !== null) params.set(SELECTED_PARAM, state.selected);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** What the sync needs of the page's model (DashboardModel has it). */
export interface UrlStateTarget {
  getState(): { table: { filter: FilterDraft; sort: SortSpec }; selection: { id: string } | null };
  subscribe(listener: () => void): () => void;
  setFilter(patch: Partial<FilterDraft>): void;
  setSortSpec(sort: SortSpec): void;
  select(id: string | null): void;
}

export interface UrlPort {
  /** location.search */
  search(): string;
  /** history.replaceState with this query (and the current path). */
  replace(query: string): void;
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
}

/** While typing, the address bar follows after this pause, ms. */
const WRITE_DEBOUNCE_MS = 300;

/** Applies the URL's state to the model, then keeps the URL following the model. Returns the unsubscribe. */
export function syncUrlState(model: UrlStateTarget, url: UrlPort): () => void {
  const initial = parseUrlState(url.search());
  if (urlStateQuery({ ...initial, sort: DEFAULT_SORT, selected: null }) !== '') model.setFilter(initial.filter);
  const { sort } = model.getState().table;
  if (initial.sort.column !== sort.column || initial.sort.direction !== sort.direction) model.setSortSpec(initial.sort);
  if (initial.selected !== null) model.select(initial.selected);

  const shown = (): UrlState => {
    const { table, selection } = model.getState();
    return { filter: table.filter, sort: table.sort, selected: selection?.id ?? null };
  };
  let seen = shown();
  let written = urlStateQuery(initial, url.search());
  let timer: unknown = null;
  const write = (): void => {
    timer = null;
    const query = urlStateQuery(shown(), url.search());
    if (query === written) return;
    written = query;
    url.replace(query);
  };
  // Frames change the model every second; only a new filter, sort or selection is news for the URL.
  const unsubscribe = model.subscribe(() => {
    const now = shown();
    if (now.filter === seen.filter && now.sort === seen.sort && now.selected === seen.selected) return;
    seen = now;
    if (timer === null) timer = url.setTimer(write, WRITE_DEBOUNCE_MS);
  });
  return () => {
    unsubscribe();
    if (timer !== null) url.clearTimer(timer);
  };
}
