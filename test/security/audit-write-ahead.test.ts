/**
 * Write-ahead audit: a change is applied only once its intent is on disk; when
 * the intent cannot be written (a real full disk) the change is refused and not
 * made; the outcome follows; a torn tail left by a crash is cut, not appended onto.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { getKeepalive } from '@keepalive-dashboard/native';
import { nativeKiller } from '@keepalive-dashboard/server/control/native-control';
import type { FastifyInstance } from 'fastify';

import { AUTH, buildApp, labPair, tempDir } from '../helpers/app.js';

interface Record {
  seq: number;
  type: string;
  phase?: string;
  intentSeq?: number;
  connectionId: string | null;
  summary: string;
  after?: { idleSec?: number };
  detail?: { error?: { code: string } };
}

const linesOf = (path: string): Record[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record);
const eventsOf = async (fastify: FastifyInstance): Promise<Record[]> => ((await fastify.inject({ url: '/api/events', headers: AUTH })).json() as { events: Record[] }).events;

/** A 64 KiB tmpfs for the audit log; `fill()` takes every free byte. Lazily unmounted at the end, pass or fail. */
function smallDisk(t: TestContext): { dir: string; fill(): void; free(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ka-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir]);
  t.after(() => {
    // --lazy: the app's audit fd may still be open when this runs; the mount goes once it closes.
    execFileSync('umount', ['--lazy', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      try {
        writeFileSync(filler, Buffer.alloc(128 * 1024));
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'ENOSPC');
      }
    },
    free: () => rmSync(filler),
  };
}

/**
 * Tries `attempt(i)` until one is refused. The log's last page may still have
 * room for a record or two after the filler took the rest: those succeed.
 */
async function untilRefused(attempt: (i: number) => Promise<{ statusCode: number; body: string }>): Promise<{ refused: { statusCode: number; body: string }; lastApplied: number | null }> {
  let lastApplied: number | null = null;
  for (let i = 0; i < 30; i++) {
    const res = await attempt(i);
    if (res.statusCode !== 200) return { refused: res, lastApplied };
    lastApplied = i;
  }
  throw new Error('a full disk never refused a change');
}

test('disk full for real: a retune is refused with 503 naming ENOSPC and not applied; the log stays whole and writes on once there is room', async (t) => {
  const disk = smallDisk(t);
  const auditLogPath = join(disk.dir, 'audit.jsonl');
  const fastify = await buildApp(t, { auditLogPath });
  const { connectionId } = await labPair(fastify);
  const socket = fastify.ka.lab.handleForInode(fastify.ka.store.get(connectionId)?.inode ?? -1)?.handle;
  assert.ok(socket);
  const idleBefore = getKeepalive(socket).idleSec;
  disk.fill();
  const patch = (idleSec: number) => fastify.inject({ method: 'PATCH', url: `/api/connections/${connectionId}/keepalive`, headers: AUTH, payload: { idleSec } });
  const { refused, lastApplied } = await untilRefused((i) => patch(1000 + i));
  assert.equal(refused.statusCode, 503, refused.body);
  const body = JSON.parse(refused.body) as { code: string; message: string };
  assert.equal(body.code, 'KA_ERR_AUDIT_UNAVAILABLE');
  assert.match(body.message, /ENOSPC/);
  assert.equal(getKeepalive(socket).idleSec, lastApplied === null ? idleBefore : 1000 + lastApplied, 'the refused change was not applied');
  const health = (await fastify.inject({ url: '/api/health', headers: AUTH })).json() as { auditLog: { writable: boolean; lastWriteError: string } };
  assert.match(health.auditLog.lastWriteError, /^ENOSPC/);
  assert.ok(readFileSync(auditLogPath, 'utf8').endsWith('\n'), 'a write cut short by the full disk was cut back off');
  linesOf(auditLogPath); // every line parses
  disk.free();
  assert.equal((await patch(2000)).statusCode, 200, 'room again: changes go through');
  assert.equal((await eventsOf(fastify))[0]?.after?.idleSec, 2000);
});

test('disk full: PUT /api/sysctl (on fake sysctl files) is refused naming ENOSPC and writes nothing', async (t) => {
  const disk = smallDisk(t);
  const sysctlDir = tempDir(t);
  for (const [name, value] of [['tcp_keepalive_time', 7200], ['tcp_keepalive_intvl', 75], ['tcp_keepalive_probes', 9]] as const) writeFileSync(join(sysctlDir, name), `${value}\n`);
  const fastify = await buildApp(t, { auditLogPath: join(disk.dir, 'audit.jsonl'), sysctlDir });
  disk.fill();
  const { refused, lastApplied } = await untilRefused((i) => fastify.inject({ method: 'PUT', url: '/api/sysctl', headers: AUTH, payload: { keepaliveTimeSec: 100 + i } }));
  assert.equal(refused.statusCode, 503, refused.body);
  assert.match((JSON.parse(refused.body) as { message: string }).message, /ENOSPC/);
  assert.equal(readFileSync(join(sysctlDir, 'tcp_keepalive_time'), 'utf8'), `${lastApplied === null ? 7200 : 100 + lastApplied}\n`);
});

test('a torn last line is cut back at start and reported; the next entry is readable by /api/events', async (t) => {
  const auditLogPath = join(tempDir(t), 'audit.jsonl');
  const torn = '{"type":"retuned","seq":6,"at":2,"connectionId":"x","summ';
  writeFileSync(auditLogPath, `${JSON.stringify({ type: 'lab', seq: 5, at: 1, connectionId: null, summary: 'lab listener lab-1 on 127.0.0.1:1', actor: null })}\n${torn}`);
  const logged: string[] = [];
  const fastify = await buildApp(t, { auditLogPath, log: (m) => logged.push(m) });
  const health = (await fastify.inject({ url: '/api/health', headers: AUTH })).json() as { auditLog: { repaired: string } };
  assert.equal(health.auditLog.repaired, `cut ${torn.length} bytes of a torn last line`);
  assert.ok(logged.some((m) => m.includes(`cut ${torn.length} bytes`)), logged.join('\n'));
  await fastify.inject({ method: 'POST', url: '/api/lab/listeners', headers: AUTH, payload: { port: 0 } });
  const [newest] = await eventsOf(fastify);
  assert.match(newest?.summary ?? '', /^lab listener lab-\d+ on 127\.0\.0\.1:\d+$/);
  assert.ok((newest?.seq ?? 0) > 5);
  assert.deepEqual(linesOf(auditLogPath).map((r) => r.phase ?? null), [null, 'intent', 'applied'], 'every line whole');
});

test('the intent is on disk before the change is applied; the outcome follows and is the one event shown', async (t) => {
  const auditLogPath = join(tempDir(t), 'audit.jsonl');
  let onDiskWhenApplied: Record | undefined;
  const real = nativeKiller();
  const fastify = await buildApp(t, {
    auditLogPath,
    killer: {
      destroy(view) {
        onDiskWhenApplied = linesOf(auditLogPath).at(-1);
        real.destroy(view);
      },
    },
  });
  const { connectionId } = await labPair(fastify);
  const res = await fastify.inject({ method: 'DELETE', url: `/api/connections/${connectionId}`, headers: AUTH });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(onDiskWhenApplied?.phase, 'intent');
  assert.equal(onDiskWhenApplied?.type, 'killed');
  assert.equal(onDiskWhenApplied?.connectionId, connectionId);
  const shown = (await eventsOf(fastify)).filter((e) => e.type === 'killed');
  assert.equal(shown.length, 1, 'one event per change');
  assert.equal(shown[0]?.phase, 'applied');
  assert.equal(shown[0]?.intentSeq, onDiskWhenApplied?.seq);
});

test('a change that fails after its intent: the outcome says failed with the error code; the API answers that error', async (t) => {
  const auditLogPath = join(tempDir(t), 'audit.jsonl');
  const refuse = (): never => {
    throw Object.assign(new Error('SOCK_DESTROY: Operation not permitted'), { code: 'EPERM' });
  };
  const fastify = await buildApp(t, { auditLogPath, killer: { destroy: refuse } });
  const { connectionId } = await labPair(fastify);
  const res = await fastify.inject({ method: 'DELETE', url: `/api/connections/${connectionId}`, headers: AUTH });
  assert.equal(res.statusCode, 403, res.body);
  const [shown] = await eventsOf(fastify);
  assert.equal(shown?.phase, 'failed');
  assert.equal(shown?.detail?.error?.code, 'EPERM');
  const onDisk = linesOf(auditLogPath);
  assert.equal(onDisk.at(-2)?.phase, 'intent');
  assert.equal(shown?.intentSeq, onDisk.at(-2)?.seq);
  const seqs = onDisk.map((r) => r.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => (seqs[0] ?? 0) + i), 'one writer: every record its own seq, in order');
});

test('an intent a crashed run left without an outcome is closed at start as interrupted', async (t) => {
  const auditLogPath = join(tempDir(t), 'audit.jsonl');
  const intent = { type: 'sysctl', phase: 'intent', seq: 9, at: 1, connectionId: null, actor: '127.0.0.1', summary: 'set net.ipv4.tcp_keepalive_* (keepaliveProbes → 5): requested' };
  writeFileSync(auditLogPath, `${JSON.stringify(intent)}\n`);
  const fastify = await buildApp(t, { auditLogPath });
  const [shown] = await eventsOf(fastify);
  assert.equal(shown?.phase, 'interrupted');
  assert.equal(shown?.intentSeq, 9);
  assert.equal(shown?.seq, 10);
  assert.match(shown?.summary ?? '', /outcome unknown/);
});
