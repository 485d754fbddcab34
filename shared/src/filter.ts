/**
 * Connection filters, applied the same way by the REST API, the stream and
 * the table. A filter is compiled once (its port list, CIDR and expression
 * parsed) and the compiled test is kept per filter object, so a table of
 * 100k rows parses nothing per row. Filters are values: make a new object
 * to change one, never edit one in place.
 */
import { ADVISORY_FILTER_EXPECTED, advisoryMatcher } from './filter-advisory.js';
import { FilterParseError } from './filter-error.js';
import { parseFilterExpr, statesNamed, type ViewTest } from './filter-expr.js';
import { cidrContainsText, parseCidr } from './ip-cidr.js';
import { inPortSet, parsePortSet } from './port-set.js';
import type { ConnectionFilter, ConnectionView } from './protocol.js';

export function keepaliveOn(view: ConnectionView): boolean {
  if (view.keepalive) return view.keepalive.enabled;
  return view.timer.kind === 'keepalive';
}

/** Unknown is not off: without settings read back and without a keepalive timer, nothing says which. */
export function keepaliveStatus(view: ConnectionView): 'on' | 'off' | 'unknown' {
  if (keepaliveOn(view)) return 'on';
  return view.keepalive ? 'off' : 'unknown';
}

export function inProbePhase(view: ConnectionView): boolean {
  if (view.derived) return view.derived.phase === 'probing';
  return view.timer.kind === 'keepalive' && view.timer.count > 0;
}

/** A parser's error again, the field named: "port: at 7: expected a port 0–65535, got 'x'". */
function inField(field: string, error: unknown): never {
  if (error instanceof FilterParseError) throw new FilterParseError(error.column, error.expected, error.found, field);
  throw error;
}

function stateTest(text: string): ViewTest | null {
  const states = new Set<string>();
  let column = 1;
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name) {
      const named = statesNamed(name);
      if (!named) throw new FilterParseError(column + part.indexOf(name), 'a state like ESTABLISHED, time-wait or connected', name, 'state');
      for (const s of named) states.add(s);
    }
    column += part.length + 1;
  }
  if (states.size === 0) return null;
  return (v) => states.has(v.state);
}

function portTest(port: number | string): ViewTest {
  if (typeof port === 'number') return (v) => v.local.port === port || v.peer.port === port;
  let ranges;
  try {
    ranges = parsePortSet(port);
  } catch (error) {
    inField('port', error);
  }
  return (v) => inPortSet(ranges, v.local.port) || inPortSet(ranges, v.peer.port);
}

/** A CIDR or an address selects by prefix; other text (a partial address being typed) by substring, as before. */
function addressTest(text: string): ViewTest {
  const cidr = parseCidr(text.trim());
  if (cidr) {
    return (v) => cidrContainsText(cidr, v.local.address) || cidrContainsText(cidr, v.peer.address);
  }
  if (text.includes('/')) throw new FilterParseError(1, 'an address or a CIDR like 127.0.0.0/8 or ::1/128', text, 'address');
  return (v) => v.local.address.includes(text) || v.peer.address.includes(text);
}

/** Throws FilterParseError, its message naming the field, for a filter that cannot be read. */
function compileFilter(filter: ConnectionFilter): ViewTest {
  const tests: ViewTest[] = [];
  const state = filter.state ? stateTest(filter.state) : null;
  if (state) tests.push(state);
  if (filter.port !== undefined && filter.port !== '') tests.push(portTest(filter.port));
  if (filter.address) tests.push(addressTest(filter.address));
  const { pid, command, keepalive, probing, owned, netns } = filter;
  if (pid !== undefined) tests.push((v) => v.holders.some((h) => h.pid === pid));
  if (command) {
    const needle = command.toLowerCase();
    // The 15-character comm, or the command line: a script's name is only in the latter ("python3 /srv/pay.py").
    tests.push((v) => v.holders.some((h) => h.comm.toLowerCase().includes(needle) || h.cmdline.toLowerCase().includes(needle)));
  }
  if (keepalive !== undefined) tests.push((v) => keepaliveStatus(v) === keepalive);
  if (probing !== undefined) tests.push((v) => inProbePhase(v) === probing);
  if (owned !== undefined) tests.push((v) => (v.ownership === 'owned') === owned);
  if (netns !== undefined) tests.push((v) => v.netns?.inode === netns);
  if (filter.advisory?.trim()) {
    const advisory = advisoryMatcher(filter.advisory);
    if (!advisory) throw new FilterParseError(1 + filter.advisory.search(/\S/), ADVISORY_FILTER_EXPECTED, filter.advisory.trim(), 'advisory');
    tests.push(advisory);
  }
  if (filter.expr?.trim()) {
    try {
      tests.push(parseFilterExpr(filter.expr).test);
    } catch (error) {
      inField('expr', error);
    }
  }
  return (v) => tests.every((test) => test(v));
}

/** Each filter object's compiled test, or why it has none: the server checks a filter and then tests every row with it. */
const compiled = new WeakMap<ConnectionFilter, ViewTest | FilterParseError>();

function compiledOnce(filter: ConnectionFilter): ViewTest | FilterParseError {
  let outcome = compiled.get(filter);
  if (outcome === undefined) {
    try {
      outcome = compileFilter(filter);
    } catch (error) {
      if (!(error instanceof FilterParseError)) throw error;
      outcome = error;
    }
    compiled.set(filter, outcome);
  }
  return outcome;
}

/** What is wrong with a filter, or null: the REST API and the stream refuse it with this message. */
export function filterProblem(filter: ConnectionFilter): FilterParseError | null {
  const outcome = compiledOnce(filter);
  return outcome instanceof FilterParseError ? outcome : null;
}

/**
 * A filter that cannot be read matches nothing (the server refuses such a
 * filter before it gets here; filterProblem says why).
 */
export function matchesFilter(view: ConnectionView, filter: ConnectionFilter): boolean {
  const outcome = compiledOnce(filter);
  return outcome instanceof FilterParseError ? false : outcome(view);
}

export function isEmptyFilter(filter: ConnectionFilter): boolean {
  return Object.values(filter).every((v) => v === undefined || v === '');
}
