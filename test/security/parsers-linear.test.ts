/**
 * Finding: `POST /api/parse {format:"proc"}` with 120 KB of newlines held the
 * whole server for 12.2 s (a multiline regex whose \s* ran across every blank
 * line). Every text parser must take time linear in its input: hostile 1 MB
 * inputs parse under a generous bound, and 1 MB costs at most 30× what 100 KB
 * does (see assertLinear for how, on a shared and busy machine). And a big
 * capture, even parsed in linear time, is parsed off the event loop.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setImmediate, setTimeout } from 'node:timers/promises';

import { parseText } from '@keepalive-dashboard/server/parse-command';
import { MAX_LINE_CHARS } from '@keepalive-dashboard/server/sources/text-lines';
import fc from 'fast-check';

import { detectCaptureFormat } from '../../web/src/capture/capture.js';
import { AUTH, buildApp } from '../helpers/app.js';

const SMALL_CHARS = 100 * 1024;
const LARGE_CHARS = 1024 * 1024;
/** A linear 1 MB parse takes ~0.1 s here; the old quadratic ones took minutes. */
const BOUND_MS = 5000;
/**
 * Linear is ×10, quadratic ×100: the limit sits between them, well away from
 * 10, because a busy machine bends small times more than large ones (a clean-
 * clone CI run at load 8 read a linear 1 MB parse of newlines as ×15.3).
 */
const MAX_RATIO = 30;
const RUNS = 5;
/**
 * Below this a time is timer and GC noise, not work: the ratio's denominator
 * starts here (at 2 ms a clean-clone CI run once read 39 ms ÷ 2.5 ms = ×15.7
 * for a plainly linear parse; a quadratic one is ×100).
 */
const FLOOR_MS = 3;

type Parse = (text: string) => unknown;

const PARSERS: Record<string, Parse> = {
  ss: (text) => parseText('ss', text, 100),
  netstat: (text) => parseText('netstat', text, 100),
  proc: (text) => parseText('proc', text, 100),
  'web capture sniffer': detectCaptureFormat,
};

/**
 * Garbage collections, taken out of the times compared: what they cost is
 * linear in what a parse allocates, but their pauses wait on helper threads
 * that the busy machine delays at random.
 */
const collections: PerformanceEntry[] = [];
const gcObserver = new PerformanceObserver((list) => collections.push(...list.getEntries()));
gcObserver.observe({ entryTypes: ['gc'] });
after(() => gcObserver.disconnect());

const gcMsDuring = (started: number, ended: number): number =>
  collections.filter((c) => c.startTime >= started && c.startTime < ended).reduce((sum, c) => sum + c.duration, 0);

/** Parses every text, results kept to the end; returns when it started and ended. A parse over the bound fails at once. */
function parseAll(parse: Parse, texts: string[], what: string): [number, number] {
  const kept: unknown[] = [];
  const roundStarted = performance.now();
  for (const text of texts) {
    const started = performance.now();
    kept.push(parse(text));
    const ms = performance.now() - started;
    assert.ok(ms < BOUND_MS, `${what}: one parse of ${text.length} chars took ${Math.round(ms)} ms`);
  }
  return [roundStarted, performance.now()];
}

/**
 * `make(size)` parses in time linear in size: the large one under the bound
 * and ≤ MAX_RATIO × the small one. The small time is per text of ten distinct
 * ones parsed in a row, results kept: they take the memory, allocate and
 * retain what one large text does (one small text parsed again and again
 * stays in the CPU's cache and escapes the scavenges no large parse can,
 * which made linear parsers look 20× slower at 1 MB). Small and large rounds
 * alternate, so a busy stretch of the machine slows both; each size keeps
 * its fastest round, and a ratio over the limit gets RUNS rounds more.
 */
async function assertLinear(parse: Parse, make: (size: number) => string, what: string, sizes = [SMALL_CHARS, LARGE_CHARS]): Promise<void> {
  const [small = 0, large = 0] = sizes;
  const smallTexts = Array.from({ length: Math.round(large / small) }, () => make(small));
  const largeTexts = [make(large)];
  let [smallMs, largeMs] = [Infinity, Infinity];
  const ratio = (): number => largeMs / Math.max(smallMs, FLOOR_MS);
  for (let attempt = 0; attempt === 0 || (attempt < 3 && ratio() > MAX_RATIO); attempt++) {
    const rounds: { small: [number, number]; large: [number, number] }[] = [];
    for (let round = 0; round < RUNS; round++) rounds.push({ small: parseAll(parse, smallTexts, what), large: parseAll(parse, largeTexts, what) });
    // The observer hears of a collection on a later turn of the event loop.
    await setImmediate();
    await setImmediate();
    const busyMs = ([started, ended]: [number, number]): number => ended - started - gcMsDuring(started, ended);
    for (const round of rounds) {
      smallMs = Math.min(smallMs, busyMs(round.small) / smallTexts.length);
      largeMs = Math.min(largeMs, busyMs(round.large));
    }
  }
  assert.ok(ratio() <= MAX_RATIO, `${what}: ${large} took ${largeMs.toFixed(1)} ms, ${small} ${smallMs.toFixed(1)} ms (×${ratio().toFixed(1)})`);
}

/** `unit` repeated to exactly `chars` characters. */
const fill = (unit: string, chars: number): string => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);

/** One line: `prefix` then `unit` to `chars` in all (over the cap at both sizes). */
const oneLine = (prefix: string, unit: string) => (chars: number) => prefix + fill(unit, chars - prefix.length);

/**
 * 51 lines of `prefix`, `unit`…, `end`: 2 KB each in 100 KB, 20 KB in 1 MB, so
 * work quadratic in a line's length shows as a 100× ratio. Not nearer the cap:
 * from ~60 KB V8 keeps a line's token arrays in large-object space, a step of
 * ×1.7 per byte that is no algorithm's fault.
 */
const longLines = (prefix: string, unit: string, end = '') => (chars: number) => {
  const lineChars = Math.floor(chars / 51) - 1;
  return `${prefix}${fill(unit, lineChars - prefix.length - end.length)}${end}\n`.repeat(51);
};

const PROC_START = '   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ';
const SS_START = 'ESTAB 0 0 127.0.0.1:22 127.0.0.1:5000 ';
const NETSTAT_START = 'tcp 0 0 127.0.0.1:22 127.0.0.1:5000 ESTABLISHED 0 ';

const HOSTILE: Record<string, (chars: number) => string> = {
  'newlines only': (chars) => '\n'.repeat(chars),
  'CRLF only': (chars) => fill('\r\n', chars),
  'one line of spaces': oneLine('', ' '),
  "one line of 'a' then '!'": (chars) => `${'a'.repeat(chars - 1)}!`,
  "one line of '0:'": oneLine('', '0:'),
  'long lines of spaces then x': longLines('', ' ', 'x'),
  'long lines of address-like runs': longLines('', '[::ffff:127.0.0.1]:0:'),
  'long /proc lines whose inode runs into U+2028': longLines(PROC_START, '1', '\u2028'),
  'long ss lines of timer digits': longLines(`${SS_START}timer:(on,`, '1', 'x,0)'),
  'long ss lines of field names': longLines(SS_START, ' uid'),
  'long netstat lines of timer digits': longLines(`${NETSTAT_START}1 on (`, '1', '/'),
};

for (const [format, parse] of Object.entries(PARSERS)) {
  test(`${format}: hostile 1 MB inputs parse in linear time`, async () => {
    for (const [shape, make] of Object.entries(HOSTILE)) await assertLinear(parse, make, `${format}, ${shape}`);
  });
}

const fixtureLines = (path: string, from: number, to: number): string =>
  readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8').split('\n').slice(from, to).join('\n');

/** One real socket as each tool prints it (ss: the socket line and its tcp_info line). */
const VALID: Record<'ss' | 'netstat' | 'proc', string> = {
  ss: fixtureLines('ss/probing-client-tanoie.txt', 1, 3),
  netstat: fixtureLines('netstat/probing-client.txt', 2, 3),
  proc: fixtureLines('proc/probing-client-tcp.txt', 1, 2),
};

for (const [format, socket] of Object.entries(VALID)) {
  test(`${format}: a real socket repeated 10k times parses to 10k connections in linear time`, async () => {
    const copies = (n: number): string => `${socket}\n`.repeat(n);
    const parse = PARSERS[format] ?? assert.fail();
    const { connections, issues } = parseText(format as keyof typeof VALID, copies(10_000), 100);
    assert.deepEqual([connections.length, issues.length], [10_000, 0]);
    await assertLinear(parse, copies, `${format}, a real socket repeated`, [1000, 10_000]);
  });

  test(`${format}: a line over ${MAX_LINE_CHARS} characters is one short issue, and the next line still parses`, () => {
    const text = `${'9'.repeat(MAX_LINE_CHARS + 1)}\n${socket}\n`;
    const { connections, issues } = parseText(format as keyof typeof VALID, text, 100);
    assert.equal(connections.length, 1);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.line, 1);
    assert.match(issues[0]?.message ?? '', /over the 65536/);
    assert.ok((issues[0]?.text.length ?? Infinity) < 1000, 'the issue quotes the line in full');
  });
}

/** Pieces of what the parsers look for, so random repetitions reach deep into their patterns. */
const PIECES = [' ', '\t', '\r', '\n', '\u2028', '0', '1', 'a', 'F', ':', '::', '[', ']', '.', '%', '(', ')', ',', '/', '*', '-'];
const WORDS = ['ESTAB', 'tcp6', 'LISTEN', 'timer:(', 'on,', 'uid:', 'sk:', 'rtt:', 'sec', 'min', 'ms', '0: ', 'off (', '0100007F'];

const hostileArb = fc.record({
  start: fc.constantFrom('', PROC_START, SS_START, `${NETSTAT_START}1 `),
  unit: fc.array(fc.constantFrom(...PIECES, ...WORDS), { minLength: 1, maxLength: 12 }).map((p) => p.join('')),
  layout: fc.constantFrom('one line', 'long lines', 'short lines'),
});

function hostileText({ start, unit, layout }: { start: string; unit: string; layout: string }): (chars: number) => string {
  if (layout === 'one line') return oneLine(start, unit);
  if (layout === 'long lines') return longLines(start, unit);
  return (chars) => fill(`${start}${fill(unit, 80)}\n`, chars);
}

for (const [format, parse] of Object.entries(PARSERS)) {
  test(`${format}: any repetition of hostile pieces parses 1 MB in at most ${MAX_RATIO}× the time of 100 KB`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileArb, (hostile) => assertLinear(parse, hostileText(hostile), `${format}, ${JSON.stringify(hostile)}`)),
      // A failing run costs seconds: report the first, do not shrink.
      { numRuns: 12, endOnFailure: true },
    );
  });
}

test('POST /api/parse of 120 KB of newlines as proc answers at once, and /api/health sent meanwhile is answered', async (t) => {
  const fastify = await buildApp(t);
  const sent = performance.now();
  const timed = async <T>(reply: PromiseLike<T>): Promise<{ reply: T; ms: number }> => ({ reply: await reply, ms: performance.now() - sent });
  const [parsed, health] = await Promise.all([
    timed(fastify.inject({ method: 'POST', url: '/api/parse', headers: AUTH, payload: { format: 'proc', text: '\n'.repeat(120 * 1024) } })),
    timed(fastify.inject({ method: 'GET', url: '/api/health', headers: AUTH })),
  ]);
  assert.equal(parsed.reply.statusCode, 200, parsed.reply.body);
  assert.deepEqual(parsed.reply.json(), { connections: [], issues: [], issueCount: 0 });
  assert.equal(health.reply.statusCode, 200, health.reply.body);
  assert.ok(parsed.ms < BOUND_MS && health.ms < BOUND_MS, `parse answered after ${Math.round(parsed.ms)} ms, health after ${Math.round(health.ms)} ms`);
});

test('an 8 MB capture is parsed off the event loop: /api/health sent while it parses is answered first', async (t) => {
  const fastify = await buildApp(t);
  const socket = VALID.ss;
  const copies = Math.floor((8 * 1024 * 1024) / (socket.length + 1));
  const finished: string[] = [];
  const parse = fastify.inject({ method: 'POST', url: '/api/parse', headers: AUTH, payload: { format: 'ss', text: `${socket}\n`.repeat(copies) } });
  const parsed = parse.finally(() => finished.push('parse'));
  // A parse on the event loop would hold this timer until it is done; an 8 MB one takes far longer than 100 ms.
  await setTimeout(100);
  const healthy = await fastify.inject({ method: 'GET', url: '/api/health', headers: AUTH }).finally(() => finished.push('health'));
  assert.equal(healthy.statusCode, 200, healthy.body);
  assert.deepEqual(finished, ['health']);
  const reply = await parsed;
  assert.equal(reply.statusCode, 200, reply.body.slice(0, 500));
  assert.equal((reply.json() as { connections: unknown[] }).connections.length, copies);
});
