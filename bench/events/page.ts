/**
 * A page of 100 events from a 200 MB audit log: the whole-file read that
 * page() did before (readAll, filter, slice) against the read from the end.
 * Prints figures; asserts nothing about speed.
 * Usage: npx tsx bench/events/page.ts [megabytes]
 */
import { mkdtempSync, rmSync, writeSync, openSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AuditLog, type AuditPageQuery } from '../../server/src/audit/audit-log.js';

const megabytes = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'ka-bench-events-'));
try {
  const path = join(dir, 'audit.jsonl');
  const fd = openSync(path, 'w', 0o600);
  let seq = 0;
  for (let written = 0; written < megabytes * 1024 * 1024; ) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      seq++;
      lines.push(JSON.stringify({ seq, at: seq, type: 'retuned', phase: 'applied', connectionId: `c${seq % 500}`, summary: `ESTABLISHED 127.0.0.1:${seq % 60000} → 127.0.0.1:80 retuned: idleSec 7200 → 30`, actor: '127.0.0.1', detail: { pids: [seq % 97] } }));
    }
    written += writeSync(fd, `${lines.join('\n')}\n`);
  }
  closeSync(fd);
  const audit = new AuditLog(path);
  /** `run` returns what it found, and for a page the bytes it read (printed on the same line). */
  const time = (label: string, run: () => { count: number; bytesRead?: number }) => {
    const start = process.hrtime.bigint();
    const { count, bytesRead } = run();
    const read = bytesRead === undefined ? '' : `, ${bytesRead} bytes read`;
    console.log(`${label}: ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1)} ms, ${count} events${read}`);
  };
  console.log(`log: ${(statSync(path).size / 1024 / 1024).toFixed(0)} MB, ${seq} records`);
  time('before (readAll, filter, last 100)', () => ({ count: audit.readAll().filter((e) => e.phase !== 'intent').slice(-100).reverse().length }));
  const page = (query: Omit<AuditPageQuery, 'limit'>) => {
    const { events, bytesRead } = audit.page({ limit: 100, ...query });
    return { count: events.length, bytesRead };
  };
  time('after: newest 100', () => page({ match: () => true }));
  time('after: 100 before the middle', () => page({ match: () => true, before: Math.floor(seq / 2) }));
  time('after: a filter no record matches (one page, budget-bound)', () => page({ match: () => false }));
  audit.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
