import assert from 'node:assert/strict';
import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import type { DashboardEvent, EventPage } from '@keepalive-dashboard/shared';
import type { FastifyInstance } from 'fastify';

import { AuditLog } from '../../server/src/audit/audit-log.js';
import { eventPage } from '../../server/src/audit/event-page.js';
import { EventBus } from '../../server/src/events.js';
import { AUTH, buildApp, labPair, tempDir } from '../helpers/app.js';

/** A log of `count` records as the server writes them: every third an intent, pids and connections cycling. */
function writeLog(path: string, count: number): void {
  const lines: string[] = [];
  for (let seq = 1; seq <= count; seq++) {
    // Each intent's outcome follows it: no dangling intent for the log to close at start.
    const phase = seq % 3 === 0 ? 'intent' : 'applied';
    const intentSeq = seq % 3 === 1 && seq > 1 ? { intentSeq: seq - 1 } : {};
    lines.push(JSON.stringify({ seq, at: seq, type: seq % 2 ? 'retuned' : 'killed', phase, ...intentSeq, connectionId: `c${seq % 50}`, summary: `record ${seq} ${'x'.repeat(80)}`, actor: '127.0.0.1', detail: { pids: [seq % 7] } }));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function openLog(t: TestContext, path: string): AuditLog {
  const audit = new AuditLog(path);
  t.after(() => audit.close());
  return audit;
}

const all = () => true;
const get = async (fastify: FastifyInstance, query: string): Promise<EventPage> => {
  const res = await fastify.inject({ url: `/api/events?${query}`, headers: AUTH });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as EventPage;
};

test('a 50k-record log pages newest first from its end: a page of 100 reads a few chunks, not the file', async (t) => {
  const path = join(tempDir(t), 'audit.jsonl');
  writeLog(path, 50_000);
  const audit = openLog(t, path);
  const newest = audit.page({ limit: 100, match: all });
  assert.deepEqual(newest.events.map((e) => e.seq).slice(0, 3), [50_000, 49_999, 49_997], 'the intent 49,998 is left out');
  assert.equal(newest.events.length, 100);
  assert.ok(newest.events.every((e) => e.phase !== 'intent'));
  const middle = audit.page({ before: 25_001, limit: 100, match: all });
  assert.equal(middle.events[0]?.seq, 25_000);
  const fileBytes = statSync(path).size;
  for (const page of [newest, middle]) assert.ok(page.bytesRead < 256 * 1024, `${page.bytesRead} bytes read of ${fileBytes}`);
});

test('a rare filter gives short pages within the budget and a next that leads to the match', async (t) => {
  const path = join(tempDir(t), 'audit.jsonl');
  writeLog(path, 50_000);
  const audit = openLog(t, path);
  const bus = new EventBus(audit);
  let before: number | undefined;
  let found: DashboardEvent | undefined;
  for (let pages = 0; pages < 100 && !found; pages++) {
    const page = eventPage(audit, bus, { limit: 10, observed: false, connectionId: 'c1', pid: 1, ...(before === undefined ? {} : { before }) });
    assert.ok(page.bytesRead <= 4 * 1024 * 1024 + 128 * 1024, `page read ${page.bytesRead} bytes`);
    found = page.events[0];
    assert.ok(page.next !== null || found, 'a next until the match');
    before = page.next ?? undefined;
  }
  // seq ≡ 1 (mod 350) and not an intent (≢ 0 mod 3): 49,701 is one, so 49,351.
  assert.equal(found?.seq, 49_351);
});

test('a torn last line (another instance mid-write) and a torn line inside are skipped', async (t) => {
  const path = join(tempDir(t), 'audit.jsonl');
  writeLog(path, 10);
  appendFileSync(path, '{"seq":11,"at":11,"type":"died","connec\n');
  writeFileSync(path, `${'{"seq":12,"at":12,"type":"died","connectionId":null,"summary":"after","actor":null}\n'}{"seq":13,"at"`, { flag: 'a' });
  const writer = openLog(t, path);
  assert.match(writer.status().repaired ?? '', /torn/, 'the writer cut its own torn tail');
  appendFileSync(path, '{"seq":14,"at":14,"ty');
  // A second instance only reads (the writer holds the lock) and sees the other's half-written record.
  const reader = openLog(t, path);
  assert.equal(reader.writable, false);
  // 11 was torn, 9 and 6 are intents.
  assert.deepEqual(reader.page({ limit: 5, match: all }).events.map((e) => e.seq), [12, 10, 8, 7, 5]);
  assert.deepEqual(reader.page({ before: 12, limit: 2, match: all }).events.map((e) => e.seq), [10, 8]);
});

test('filters: type list, connection, pid, netns; unknown types and unaudited ones without include=observed refused', async (t) => {
  const fastify = await buildApp(t);
  const netns = { inode: 4026531840, label: 'host', own: true };
  fastify.ka.events.emit({ type: 'died', connectionId: 'a', netns, summary: 'a died', actor: null, detail: { pids: [41, 42] } });
  fastify.ka.events.emit({ type: 'died', connectionId: 'b', summary: 'b died', actor: null, detail: { pids: [43] } });
  fastify.ka.events.emit({ type: 'appeared', connectionId: 'a', netns, summary: 'a appeared', actor: null, detail: { pids: [42] } });
  const summaries = async (query: string) => (await get(fastify, query)).events.map((e) => e.summary);
  assert.deepEqual(await summaries('type=died,killed'), ['b died', 'a died']);
  assert.deepEqual(await summaries('connection=a'), ['a died']);
  assert.deepEqual(await summaries('connection=a&include=observed'), ['a appeared', 'a died']);
  assert.deepEqual(await summaries('pid=42&include=observed'), ['a appeared', 'a died']);
  assert.deepEqual(await summaries(`netns=${netns.inode}&type=died`), ['a died']);
  assert.deepEqual(await summaries('type=appeared&include=observed'), ['a appeared']);
  for (const [query, message] of [['type=died,nope', /unknown event type "nope"/], ['type=closed', /include=observed/], ['include=all', /include/]] as const) {
    const res = await fastify.inject({ url: `/api/events?${query}`, headers: AUTH });
    assert.equal(res.statusCode, 400, query);
    assert.match((res.json() as { message: string }).message, message);
  }
});

test('with include=observed the cursor never repeats or skips while events are appended between pages', async (t) => {
  const fastify = await buildApp(t);
  const bus = fastify.ka.events;
  const emitThree = (i: number) => [
    bus.emit({ type: 'died', connectionId: `d${i}`, summary: `died ${i}`, actor: null }),
    bus.emit({ type: 'closed', connectionId: `c${i}`, summary: `closed ${i}`, actor: null }),
    bus.emit({ type: 'appeared', connectionId: `a${i}`, summary: `appeared ${i}`, actor: null }),
  ];
  const before = Array.from({ length: 10 }, (_, i) => emitThree(i)).flat().reverse();
  const seen: DashboardEvent[] = [];
  let page = await get(fastify, 'include=observed&limit=4');
  let appended = 0;
  for (let i = 10; ; i++) {
    seen.push(...page.events);
    appended += emitThree(i).length;
    if (page.next === null) break;
    page = await get(fastify, `include=observed&limit=4&before=${page.next}`);
  }
  assert.deepEqual(seen.map((e) => e.summary), before.map((e) => e.summary), 'exactly the events before the first page, newest first');
  const newer = await get(fastify, `include=observed&after=${before[0]?.seq}&limit=1000`);
  assert.equal(newer.events.length, appended, 'after= gives every event appended since');
  assert.equal(newer.events.at(-1)?.summary, 'died 10');
  assert.equal(newer.next, null);
});

test('a cursor naming an observed event that left the ring still pages on from its place', (t) => {
  const audit = openLog(t, join(tempDir(t), 'audit.jsonl'));
  const bus = new EventBus(audit);
  const oldDeath = bus.emit({ type: 'died', connectionId: 'x', summary: 'old death', actor: null });
  const evicted = bus.emit({ type: 'closed', connectionId: 'y', summary: 'evicted', actor: null });
  bus.emit({ type: 'died', connectionId: 'z', summary: 'new death', actor: null });
  for (let i = 0; i < 1100; i++) bus.emit({ type: 'appeared', connectionId: null, summary: `appeared ${i}`, actor: null });
  assert.ok(!bus.observedEvents().some((o) => o.event.seq === evicted.seq));
  const page = eventPage(audit, bus, { before: evicted.seq, limit: 10, observed: true });
  assert.deepEqual(page.events.map((e) => e.summary), [oldDeath.summary], 'the death after it is not repeated');
  assert.equal(page.next, null);
});

test('connection events carry their holders pids: a lab pair retuned and killed, found by the server pid', async (t) => {
  const fastify = await buildApp(t);
  const { connectionId } = await labPair(fastify);
  await fastify.ka.processMap.refresh();
  await fastify.ka.store.collect();
  const patched = await fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { idleSec: 33 } });
  assert.equal(patched.statusCode, 200, patched.body);
  const killed = await fastify.inject({ method: 'DELETE', url: `/api/connections/${connectionId}`, headers: AUTH });
  assert.equal(killed.statusCode, 200, killed.body);
  const page = await get(fastify, `include=observed&connection=${connectionId}&pid=${process.pid}`);
  const types = page.events.map((e) => e.type);
  assert.ok(types.includes('killed') && types.includes('retuned'), types.join());
  assert.equal((await get(fastify, `include=observed&connection=${connectionId}&pid=1`)).events.length, 0);
});
