/**
 * `ss`-style filter expressions, as iproute2's ss accepts them
 * (misc/ssfilter.y): `sport = :443`, `dport != :22`, `sport >= :1024`,
 * `dst 10.0.0.0/8`, `src [::1]:22`, combined with and / or / not (also
 * `&`, `&&`, `|`, `||`, `!`), parentheses, and two conditions side by side
 * meaning "and". Like ss, `and` and `or` have equal precedence and group left
 * to right: `a or b and c` is `(a or b) and c` — an expression pasted from an
 * ss command line selects the same sockets here.
 *
 * Beyond ss's filter: `state NAME` (ss takes it as a separate argument), with
 * ss's state names and groups (`connected`, `synchronized`, `bucket`, `big`),
 * and `advisory NAME` (a kind, `any` or `none`: see filter-advisory.ts).
 * Operators need no spaces around them (`dport=22`), and a port may be given
 * without its colon (`dport = 22`), which ss accepts too.
 *
 * The parser reads each token once with one token of lookahead (linear time)
 * and refuses text over MAX_FILTER_EXPR_CHARS, which also bounds the nesting.
 */
import { ADVISORY_FILTER_EXPECTED, advisoryMatcher } from './filter-advisory.js';
import { cidrContainsText, parseCidr, type Cidr } from './ip-cidr.js';
import { FilterParseError } from './filter-error.js';
import type { TcpState } from './connection.js';
import type { ConnectionView } from './protocol.js';

export const MAX_FILTER_EXPR_CHARS = 500;

export type ViewTest = (view: ConnectionView) => boolean;

export interface FilterExpr {
  test: ViewTest;
  /** Tokens read and looked at while parsing: the parser's work, for the linear-time test. */
  steps: number;
}

interface Token {
  text: string;
  /** 1-based column. */
  column: number;
}

const OPERATORS = ['==', '!=', '>=', '<=', '&&', '||', '=', '!', '<', '>', '&', '|', '(', ')'];
const SYMBOL = /[=!<>&|()]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (SYMBOL.test(ch)) {
      const op = OPERATORS.find((o) => text.startsWith(o, i)) as string;
      tokens.push({ text: op, column: i + 1 });
      i += op.length;
    } else {
      const start = i;
      while (i < text.length && !/\s/.test(text[i] as string) && !SYMBOL.test(text[i] as string)) i++;
      tokens.push({ text: text.slice(start, i), column: start + 1 });
    }
  }
  return tokens;
}

/** Word spellings ss accepts for its symbols. */
const WORD_OPS: Record<string, string> = { and: '&', '&&': '&', or: '|', '||': '|', not: '!', eq: '=', '==': '=', ne: '!=', neq: '!=', ge: '>=', geq: '>=', le: '<=', leq: '<=', gt: '>', lt: '<' };
const canonical = (token: Token | undefined): string | undefined => (token ? (WORD_OPS[token.text.toLowerCase()] ?? token.text) : undefined);

const ALL_STATES: readonly TcpState[] = ['UNKNOWN', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV'];
const without = (drop: readonly TcpState[]): TcpState[] => ALL_STATES.filter((s) => !drop.includes(s));
const CONNECTED = without(['LISTEN', 'CLOSE']);
const BUCKET: TcpState[] = ['SYN_RECV', 'NEW_SYN_RECV', 'TIME_WAIT'];

/** ss's state names and groups (ss(8) "STATE-FILTER"), plus the kernel's spellings. */
const STATE_NAMES: Record<string, readonly TcpState[]> = {
  all: ALL_STATES,
  connected: CONNECTED,
  synchronized: CONNECTED.filter((s) => s !== 'SYN_SENT'),
  bucket: BUCKET,
  big: without(BUCKET),
  established: ['ESTABLISHED'],
  'syn-sent': ['SYN_SENT'],
  'syn-recv': ['SYN_RECV', 'NEW_SYN_RECV'],
  'fin-wait-1': ['FIN_WAIT1'],
  'fin-wait-2': ['FIN_WAIT2'],
  'time-wait': ['TIME_WAIT'],
  closed: ['CLOSE'],
  'close-wait': ['CLOSE_WAIT'],
  'last-ack': ['LAST_ACK'],
  listening: ['LISTEN'],
  closing: ['CLOSING'],
};
for (const state of ALL_STATES) STATE_NAMES[state.toLowerCase().replace(/_/g, '-')] ??= [state];
STATE_NAMES['fin-wait1'] = ['FIN_WAIT1'];
STATE_NAMES['fin-wait2'] = ['FIN_WAIT2'];
STATE_NAMES.estab = ['ESTABLISHED'];

/** The states a name means (`established`, `TIME_WAIT`, `connected`), or null for no such name. */
export function statesNamed(name: string): readonly TcpState[] | null {
  const key = name.toLowerCase().replace(/_/g, '-');
  return Object.hasOwn(STATE_NAMES, key) ? (STATE_NAMES[key] as readonly TcpState[]) : null;
}

const EXPECT_PORT = 'a port like :443';
const EXPECT_HOST = 'an address like 10.0.0.0/8, 127.0.0.1:80, [::1]:22 or :443';
const EXPECT_STATE = 'a state like established, time-wait or connected';
const EXPECT_CONDITION = "a condition (sport, dport, src, dst, state, advisory), 'not' or '('";

interface HostCond {
  cidr: Cidr | null;
  port: number | null;
}

function parsePort(text: string): number | null {
  const raw = text.startsWith(':') ? text.slice(1) : text;
  return /^\d{1,5}$/.test(raw) && Number(raw) <= 65535 ? Number(raw) : null;
}

/** `*`, `*:80`, `:80`, `10.0.0.0/8`, `10.0.0.1:80`, `::1`, `fe80::/10`, `[::1]:22`, `[fe80::/10]`. */
function parseHost(text: string): HostCond | null {
  let address = text;
  let port: number | null = null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    address = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      port = parsePort(rest);
      if (port === null || !rest.startsWith(':')) return null;
    }
  } else if (text.split(':').length === 2) {
    // One colon: v4 (or `*`, or nothing) and a port. More: a bare IPv6 address, no port.
    const colon = text.indexOf(':');
    address = text.slice(0, colon);
    port = parsePort(text.slice(colon));
    if (port === null) return null;
  }
  if (address === '' || address === '*') return { cidr: null, port };
  const cidr = parseCidr(address);
  return cidr ? { cidr, port } : null;
}

function hostTest(host: HostCond, side: 'local' | 'peer'): ViewTest {
  const { cidr, port } = host;
  return (view) => {
    const endpoint = view[side];
    if (port !== null && endpoint.port !== port) return false;
    return cidr === null || cidrContainsText(cidr, endpoint.address);
  };
}

function portTest(op: string, port: number, side: 'local' | 'peer'): ViewTest {
  switch (op) {
    case '=':
      return (v) => v[side].port === port;
    case '!=':
      return (v) => v[side].port !== port;
    case '>=':
      return (v) => v[side].port >= port;
    case '<=':
      return (v) => v[side].port <= port;
    case '>':
      return (v) => v[side].port > port;
    default:
      return (v) => v[side].port < port;
  }
}

class Parser {
  private at = 0;
  steps = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly endColumn: number,
  ) {}

  private peek(): string | undefined {
    this.steps++;
    return canonical(this.tokens[this.at]);
  }

  private next(): Token | undefined {
    this.steps++;
    return this.tokens[this.at++];
  }

  private fail(expected: string): never {
    const token = this.tokens[this.at];
    throw new FilterParseError(token?.column ?? this.endColumn, expected, token?.text ?? null);
  }

  /** The whole input: an empty one matches every row, as in ss. */
  parseAll(): ViewTest {
    if (this.peek() === undefined) return () => true;
    const test = this.exprList();
    if (this.peek() !== undefined) this.fail("'and', 'or' or a condition");
    return test;
  }

  private exprList(): ViewTest {
    let left = this.expr();
    for (;;) {
      const op = this.peek();
      if (op === undefined || op === ')') return left;
      if (op === '|' || op === '&') this.next();
      const right = this.expr();
      const l = left;
      left = op === '|' ? (v) => l(v) || right(v) : (v) => l(v) && right(v);
    }
  }

  private expr(): ViewTest {
    const token = this.tokens[this.at];
    const head = this.peek();
    if (head === '(') {
      this.next();
      if (this.peek() === ')') this.fail(EXPECT_CONDITION);
      const inner = this.exprList();
      if (this.peek() !== ')') this.fail("')' or 'and', 'or' and another condition");
      this.next();
      return inner;
    }
    if (head === '!') {
      this.next();
      const inner = this.expr();
      return (v) => !inner(v);
    }
    switch (token?.text.toLowerCase()) {
      case 'sport':
      case 'dport':
        this.next();
        return this.portCond(token.text.toLowerCase() === 'sport' ? 'local' : 'peer');
      case 'src':
      case 'dst':
        this.next();
        return this.hostCond(token.text.toLowerCase() === 'src' ? 'local' : 'peer');
      case 'state':
        this.next();
        return this.stateCond();
      case 'advisory':
        this.next();
        return this.advisoryCond();
      default:
        return this.fail(EXPECT_CONDITION);
    }
  }

  private portCond(side: 'local' | 'peer'): ViewTest {
    let op = this.peek() ?? '';
    if (['=', '!=', '>=', '<=', '>', '<'].includes(op)) this.next();
    else op = '=';
    const token = this.tokens[this.at];
    const port = token ? parsePort(token.text) : null;
    if (port === null) this.fail(EXPECT_PORT);
    this.next();
    return portTest(op, port, side);
  }

  private hostCond(side: 'local' | 'peer'): ViewTest {
    const op = this.peek();
    // ss allows `dst = X` as well as `dst X`; a negation is written `not dst X`.
    if (op === '=') this.next();
    const token = this.tokens[this.at];
    const host = token ? parseHost(token.text) : null;
    if (host === null) this.fail(EXPECT_HOST);
    this.next();
    return hostTest(host, side);
  }

  private stateCond(): ViewTest {
    if (this.peek() === '=') this.next();
    const token = this.tokens[this.at];
    const states = token ? statesNamed(token.text) : null;
    if (states === null) this.fail(EXPECT_STATE);
    this.next();
    const set = new Set(states);
    return (v) => set.has(v.state);
  }

  private advisoryCond(): ViewTest {
    if (this.peek() === '=') this.next();
    const token = this.tokens[this.at];
    const test = token ? advisoryMatcher(token.text) : null;
    if (test === null) this.fail(ADVISORY_FILTER_EXPECTED);
    this.next();
    return test;
  }
}

/** Throws FilterParseError (and nothing else) for text it cannot read. */
export function parseFilterExpr(text: string): FilterExpr {
  if (text.length > MAX_FILTER_EXPR_CHARS) throw new FilterParseError(MAX_FILTER_EXPR_CHARS + 1, `at most ${MAX_FILTER_EXPR_CHARS} characters`, `${text.length} characters`);
  const parser = new Parser(tokenize(text), text.length + 1);
  const test = parser.parseAll();
  return { test, steps: parser.steps };
}
