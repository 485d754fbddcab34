/**
 * Crashes and black holes: a server killed with -9 leaves its nftables table behind; the next
 * start of any instance reaps the tables of owners that are gone (pid not running, or running
 * with another start time), and leaves live owners' tables alone. Each test runs real CLIs in
 * a network namespace of its own, so only its own instances are judged.
 */
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { Blackholes, nftRunner } from '@keepalive-dashboard/server/control/blackhole';

import { tempDir } from '../helpers/app.js';
import { CLI_TOKEN } from '../server/faults/server-process.js';
import { createNetns, netnsClient, ourTables, runIn, startServerIn, type NetnsClient } from '../helpers/netns.js';


async function startIn(t: TestContext, ns: string, client: NetnsClient) {
  const server = await startServerIn(t, ns, ['--audit-log', join(tempDir(t), 'audit.jsonl')]);
  const call = async (method: string, path: string, body?: object) => (await client.call(server.base, CLI_TOKEN, method, path, body)).body;
  return { ...server, call };
}

/** A lab connection to a lab listener, its peer black-holed; returns the peer's port. */
async function blackholedPair(server: Awaited<ReturnType<typeof startIn>>): Promise<number> {
  const listener = await server.call('POST', '/api/lab/listeners', { port: 0 });
  const conn = await server.call('POST', '/api/lab/connections', { host: '127.0.0.1', port: (listener.local as { port: number }).port });
  assert.equal((await server.call('POST', `/api/lab/connections/${String(conn.id)}/blackhole`, { on: true })).blackholed, true);
  return (conn.peer as { port: number }).port;
}

const tableOf = (tables: string[], pid: number) => tables.find((name) => name.startsWith(`keepalive_dashboard_${pid}_`));

test('kill -9 while a black hole is on: the next start removes its table and says so', { timeout: 120_000 }, async (t) => {
  const ns = createNetns(t);
  const client = await netnsClient(t, ns);
  const first = await startIn(t, ns, client);
  const peerPort = await blackholedPair(first);
  const table = tableOf(await ourTables(ns), first.pid) as string;
  assert.match(await runIn(ns, 'nft', ['list', 'table', 'inet', table]), new RegExp(`127\\.0\\.0\\.1 \\. ${peerPort} \\. 127\\.0\\.0\\.1`));
  await first.stop('SIGKILL');
  assert.ok((await ourTables(ns)).includes(table), 'left behind by the crash');
  const second = await startIn(t, ns, client);
  assert.ok(!(await ourTables(ns)).includes(table), 'removed at the next start');
  const events = (await second.call('GET', '/api/events')).events as { type: string; summary: string }[];
  assert.ok(events.some((e) => e.type === 'blackhole' && /crashed run/.test(e.summary) && e.summary.includes(`:${peerPort} `)), 'and it says so in the audit log');
});

test('a start reaps a table whose pid lives on with another start time, and keeps live owners’ tables', { timeout: 120_000 }, async (t) => {
  const ns = createNetns(t);
  const client = await netnsClient(t, ns);
  const live = await startIn(t, ns, client);
  await blackholedPair(live);
  const liveTable = tableOf(await ourTables(ns), live.pid) as string;
  const pidNs = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] as string;
  const reused = `keepalive_dashboard_${process.pid}_1_${pidNs}_1`; // our pid, but not our start time
  const otherPidNs = `keepalive_dashboard_1_1_${Number(pidNs) + 1}_1`; // a pid of another pid namespace: cannot be judged
  for (const name of [reused, otherPidNs]) await runIn(ns, 'nft', ['add', 'table', 'inet', name]);
  await startIn(t, ns, client);
  const tables = await ourTables(ns);
  assert.ok(!tables.includes(reused), 'a reused pid is not its owner');
  assert.ok(tables.includes(liveTable), 'a live instance keeps its table');
  assert.ok(tables.includes(otherPidNs), 'another pid namespace is left alone');
});

test('without nft: ENOENT naming the Debian package; nothing to recover', async () => {
  const blackholes = new Blackholes({ run: nftRunner('/nonexistent/nft') });
  await assert.rejects(blackholes.on('lab-1', { family: 4, from: '127.0.0.1', to: '127.0.0.1', sport: 1, dport: 2 }), (error: Error & { code?: string }) => error.code === 'ENOENT' && /nftables/.test(error.message));
  assert.deepEqual(await blackholes.recoverLeftovers(), []);
});
