/** The filter language (shared/src/filter-expr.ts) and the filter fields that use it: grammar, errors, CIDR, ranges. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';
import {
  FilterParseError,
  filterProblem,
  matchesFilter,
  MAX_FILTER_EXPR_CHARS,
  parseFilterExpr,
  type ConnectionFilter,
  type ConnectionView,
  type TcpState,
} from '@keepalive-dashboard/shared';

function row(local: string, peer: string, state: TcpState = 'ESTABLISHED', extra: Partial<ConnectionView> = {}): ConnectionView {
  const endpoint = (text: string) => {
    const colon = text.lastIndexOf(':');
    return { address: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
  };
  return { id: `${local}-${peer}`, family: local.includes('.') && !local.includes('::') ? 4 : 6, state, local: endpoint(local), peer: endpoint(peer), inode: 1, cookie: null, uid: 0, recvQ: 0, sendQ: 0, timer: { kind: 'none', expiresAt: null, count: 0 }, sampledAt: 0, holders: [], ownership: 'foreign', labId: null, keepalive: null, keepaliveOrigin: 'unknown', keepaliveError: null, derived: null, advisories: [], netns: null, ...extra };
}

const WEB = row('10.1.2.3:443', '192.168.0.9:51000');
const SSH = row('127.0.0.1:22', '127.0.0.1:40000');
const MAPPED = row('::ffff:127.0.0.1:48010', '::ffff:10.9.8.7:5000');
const V6 = row('::1:8443', '2001:db8::5:60000');
const LISTENER = row('0.0.0.0:80', '0.0.0.0:0', 'LISTEN');
const WAITING = row('127.0.0.1:48050', '127.0.0.1:22', 'TIME_WAIT');
const ALL = [WEB, SSH, MAPPED, V6, LISTENER, WAITING];

const selected = (expr: string): string[] => ALL.filter((v) => parseFilterExpr(expr).test(v)).map((v) => v.id);
const ids = (...views: ConnectionView[]): string[] => views.map((v) => v.id);

test('ss port conditions: = != >= <= > <, with or without the colon, and their word spellings', () => {
  assert.deepEqual(selected('sport = :443'), ids(WEB));
  assert.deepEqual(selected('dport != :22'), ids(WEB, SSH, MAPPED, V6, LISTENER));
  assert.deepEqual(selected('sport >= :1024'), ids(MAPPED, V6, WAITING));
  assert.deepEqual(selected('sport lt 1024'), ids(WEB, SSH, LISTENER));
  assert.deepEqual(selected('dport=22'), ids(WAITING), 'no spaces needed');
  assert.deepEqual(selected('sport :443'), ids(WEB), 'the operator may be left out, as in ss');
});

test('src and dst: CIDR, address with port, bare port, bracketed IPv6, v4-mapped matching v4 prefixes', () => {
  assert.deepEqual(selected('dst 10.0.0.0/8'), ids(MAPPED), 'the v4-mapped peer is a 10/8 peer');
  assert.deepEqual(selected('src 127.0.0.0/8'), ids(SSH, MAPPED, WAITING));
  assert.deepEqual(selected('src 127.0.0.1:22'), ids(SSH));
  assert.deepEqual(selected('dst :22'), ids(WAITING));
  assert.deepEqual(selected('src ::1/128'), ids(V6));
  assert.deepEqual(selected('dst [2001:db8::/32]:60000'), ids(V6));
  assert.deepEqual(selected('src ::ffff:127.0.0.0/104'), ids(MAPPED), 'a v6 prefix: not the plain v4 sockets');
  assert.deepEqual(selected('dst ::/0'), ids(MAPPED, V6), 'a v6 prefix: sockets that speak v6');
});

test('state names and ss groups; and / or / not / parentheses group left to right like ss', () => {
  assert.deepEqual(selected('state time-wait'), ids(WAITING));
  assert.deepEqual(selected('state connected'), ids(WEB, SSH, MAPPED, V6, WAITING), 'all but LISTEN and CLOSE');
  assert.deepEqual(selected('state bucket'), ids(WAITING));
  assert.deepEqual(selected('not state established'), ids(LISTENER, WAITING));
  assert.deepEqual(selected('sport = :22 or sport = :443 and src 10.0.0.0/8'), ids(WEB), '(a or b) and c, as ss reads it');
  assert.deepEqual(selected('sport = :22 or ( sport = :443 and src 10.0.0.0/8 )'), ids(WEB, SSH));
  assert.deepEqual(selected('!(dport = :22) src 127.0.0.1'), ids(SSH, MAPPED), 'side by side means and');
  assert.deepEqual(selected('  '), ids(...ALL), 'empty matches all, as in ss');
});

test('parse errors name the column and what was expected', () => {
  const cases: [string, string][] = [
    ['sport = x', "at 9: expected a port like :443, got 'x'"],
    ['sport = :70000', "at 9: expected a port like :443, got ':70000'"],
    ['dst 10.0.0.0/33', "at 5: expected an address like 10.0.0.0/8, 127.0.0.1:80, [::1]:22 or :443, got '10.0.0.0/33'"],
    ['dst ( src', "at 5: expected an address like 10.0.0.0/8, 127.0.0.1:80, [::1]:22 or :443, got '('"],
    ['state nope', "at 7: expected a state like established, time-wait or connected, got 'nope'"],
    ['( sport = :1', "at 13: expected ')' or 'and', 'or' and another condition, got end of input"],
    ['sport = :1 )', "at 12: expected 'and', 'or' or a condition, got ')'"],
    ['sport = :1 and', "at 15: expected a condition (sport, dport, src, dst, state, advisory), 'not' or '(', got end of input"],
    ['colour = red', "at 1: expected a condition (sport, dport, src, dst, state, advisory), 'not' or '(', got 'colour'"],
  ];
  for (const [text, message] of cases) assert.throws(() => parseFilterExpr(text), (e: unknown) => e instanceof FilterParseError && e.message === message && e.code === 'KA_ERR_BAD_REQUEST', text);
  assert.throws(() => parseFilterExpr('('.repeat(MAX_FILTER_EXPR_CHARS + 1)), /at most 500 characters/);
});

test('filter fields: port ranges and lists, CIDR address, ss state groups; bad ones named by field', () => {
  const pick = (filter: ConnectionFilter) => ALL.filter((v) => matchesFilter(v, filter)).map((v) => v.id);
  assert.deepEqual(pick({ port: '48000-48099' }), ids(MAPPED, WAITING));
  assert.deepEqual(pick({ port: '443, 8443' }), ids(WEB, V6));
  assert.deepEqual(pick({ port: 22 }), ids(SSH, WAITING));
  assert.deepEqual(pick({ address: '127.0.0.0/8' }), ids(SSH, MAPPED, WAITING));
  assert.deepEqual(pick({ address: '192.168.' }), ids(WEB), 'partial text: substring, as before');
  assert.deepEqual(pick({ state: 'listening,time-wait' }), ids(LISTENER, WAITING));
  assert.equal(filterProblem({ port: '9-1' })?.message, "port: at 1: expected a range from low to high, got '9-1'");
  assert.equal(filterProblem({ port: '1,70000' })?.message, "port: at 3: expected a port 0–65535, got '70000'");
  assert.equal(filterProblem({ port: '1,  x' })?.message, "port: at 5: expected a port 0–65535, got 'x'", 'the column skips the spaces before the part');
  assert.match(filterProblem({ address: '10.0.0.0/40' })?.message ?? '', /^address: .*CIDR like 127\.0\.0\.0\/8/);
  assert.equal(filterProblem({ state: 'established, nope' })?.message, "state: at 14: expected a state like ESTABLISHED, time-wait or connected, got 'nope'");
  assert.match(filterProblem({ expr: 'sport = x' })?.message ?? '', /^expr: at 9: expected a port/);
  assert.equal(pick({ expr: 'sport = x' }).length, 0, 'an unreadable filter matches nothing');
});

test('keepalive=off excludes rows whose keepalive is unknown; keepalive=unknown selects them', () => {
  const off = row('127.0.0.1:1', '127.0.0.1:2', 'ESTABLISHED', { keepalive: { enabled: false, idleSec: 7200, intervalSec: 75, count: 9, userTimeoutMs: 0 } });
  const inferred = row('127.0.0.1:3', '127.0.0.1:4', 'ESTABLISHED', { timer: { kind: 'keepalive', expiresAt: 1, count: 0 } });
  const unknown = row('127.0.0.1:5', '127.0.0.1:6');
  const pick = (keepalive: ConnectionFilter['keepalive']) => [off, inferred, unknown].filter((v) => matchesFilter(v, { keepalive })).map((v) => v.id);
  assert.deepEqual(pick('off'), ids(off));
  assert.deepEqual(pick('on'), ids(inferred));
  assert.deepEqual(pick('unknown'), ids(unknown));
});

const TOKENS = ['sport', 'dport', 'src', 'dst', 'state', '=', '!=', '>=', '<', 'and', 'or', 'not', '!', '(', ')', ':443', '22', '10.0.0.0/8', '[::1]:22', '::ffff:1.2.3.4', 'established', 'connected', '*', '&&', '||', 'x', '/', ':'];

test('property: any text parses or throws FilterParseError, and the parser reads each token a bounded number of times', () => {
  const text = fc.oneof(fc.string({ maxLength: 600 }), fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }).map((t) => t.join(' ')), fc.array(fc.constantFrom(...TOKENS), { maxLength: 200 }).map((t) => t.join('')));
  fc.assert(
    fc.property(text, (input) => {
      try {
        const parsed = parseFilterExpr(input);
        // A few looks per token, whatever the nesting: work grows with the length, never faster.
        assert.ok(parsed.steps <= 4 * (input.length + 1), `${parsed.steps} steps for ${input.length} characters`);
        for (const view of ALL) assert.equal(typeof parsed.test(view), 'boolean');
      } catch (error) {
        if (!(error instanceof FilterParseError)) throw error;
        assert.ok(error.column >= 1 && error.column <= Math.min(input.length, MAX_FILTER_EXPR_CHARS) + 1, error.message);
      }
    }),
    { numRuns: 2000 },
  );
});

test('deep nesting within the bound parses (no stack trouble), and its work is linear', () => {
  const depth = 240;
  const parsed = parseFilterExpr(`${'('.repeat(depth)}sport = :443${')'.repeat(depth)}`);
  assert.ok(parsed.test(WEB) && !parsed.test(SSH));
  const negated = parseFilterExpr(`${'!'.repeat(MAX_FILTER_EXPR_CHARS - 12)}sport = :443`);
  assert.equal(negated.test(WEB), (MAX_FILTER_EXPR_CHARS - 12) % 2 === 0);
  assert.ok(negated.steps <= 4 * MAX_FILTER_EXPR_CHARS);
});
