/**
 * Finding: two servers in one namespace toggling their lab black holes concurrently answered 500
 * and lost the namespace's `lookup local` rule — loopback dead for everything in it. Now each
 * instance owns an nftables table and touches no shared rule: two real CLIs in a namespace this
 * test creates toggle concurrently, one is killed -9 midway and restarted, while the rules and a
 * loopback connect are sampled. Nothing of theirs is left when both stop.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { tempDir } from '../helpers/app.js';
import { sleep } from '../helpers/loopback.js';
import { CLI_TOKEN } from '../server/faults/server-process.js';
import { createNetns, netnsClient, ourTables, runIn, startServerIn, type NetnsClient } from '../helpers/netns.js';

const ROUNDS = 30;

/** A real CLI in the namespace with a lab connection of its own; `toggle` black-holes it on or off and returns the status. */
async function instance(t: TestContext, ns: string, client: NetnsClient) {
  const server = await startServerIn(t, ns, ['--audit-log', join(tempDir(t), 'audit.jsonl')]);
  const call = (method: string, path: string, body?: object) => client.call(server.base, CLI_TOKEN, method, path, body);
  const listener = await call('POST', '/api/lab/listeners', { port: 0 });
  assert.ok(listener.status < 300, JSON.stringify(listener.body));
  const conn = (await call('POST', '/api/lab/connections', { host: '127.0.0.1', port: (listener.body.local as { port: number }).port })).body;
  const toggle = async (on: boolean) => (await call('POST', `/api/lab/connections/${String(conn.id)}/blackhole`, { on })).status;
  return { ...server, call, toggle };
}

/** Until stopped (at the latest when the test ends): local delivery as the namespace sees it. Collects each breakage. */
function sampleLocalDelivery(t: TestContext, ns: string, client: NetnsClient) {
  const broken: string[] = [];
  let samples = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const [v4, v6, connectError] = await Promise.all([runIn(ns, 'ip', ['-4', 'rule', 'show']), runIn(ns, 'ip', ['-6', 'rule', 'show']), client.connectLoopback()]);
      if (!/^0:\s+from all lookup local/m.test(v4)) broken.push(`ip -4 rule: ${v4}`);
      if (!/^0:\s+from all lookup local/m.test(v6)) broken.push(`ip -6 rule: ${v6}`);
      if (connectError) broken.push(`loopback connect: ${connectError}`);
      samples += 1;
      await sleep(20);
    }
  })().catch((error: Error) => broken.push(`sampling failed: ${error.message}`));
  const stop = async () => ((running = false), await done, samples);
  t.after(stop);
  return { broken, stop };
}

test('two instances toggling black holes, one killed -9 and restarted: local delivery never breaks, nothing is left', { timeout: 300_000 }, async (t) => {
  const ns = createNetns(t);
  const client = await netnsClient(t, ns);
  const a = await instance(t, ns, client);
  let b = await instance(t, ns, client);
  const sampler = sampleLocalDelivery(t, ns, client);
  const statuses: number[] = [];
  let bDone = false;
  let aToggles = 0;
  let aTogglesWhileBRestarted = 0;
  const runA = async () => {
    // Keeps toggling while b is killed and restarts, within the route's 120 a minute.
    for (let round = 0; round < 55 && (round < ROUNDS || !bDone); round += 1) {
      statuses.push(await a.toggle(true), await a.toggle(false));
      aToggles += 2;
    }
  };
  const runB = async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      statuses.push(await b.toggle(true));
      if (round === ROUNDS / 2) {
        const killed = b.pid;
        const before = aToggles;
        await b.stop('SIGKILL');
        assert.ok((await ourTables(ns)).some((name) => name.startsWith(`keepalive_dashboard_${killed}_`)), 'the crash left its table');
        b = await instance(t, ns, client);
        aTogglesWhileBRestarted = aToggles - before;
        assert.ok(!(await ourTables(ns)).some((name) => name.startsWith(`keepalive_dashboard_${killed}_`)), 'the restart reaped it');
        continue;
      }
      statuses.push(await b.toggle(false));
    }
    bDone = true;
  };
  const toggled = await Promise.allSettled([runA(), runB()]);
  const samples = await sampler.stop();
  assert.deepEqual(sampler.broken.slice(0, 5), [], 'local delivery held');
  for (const outcome of toggled) if (outcome.status === 'rejected') throw outcome.reason;
  assert.ok(samples >= 5, `sampled ${samples} times`);
  assert.ok(aTogglesWhileBRestarted > 0, 'a was toggling while b was killed and restarted: the race the test is for happened');
  assert.deepEqual(statuses.filter((s) => s !== 200), [], `every one of ${statuses.length} toggles answered 200`);
  await Promise.all([a.stop(), b.stop()]);
  assert.deepEqual(await ourTables(ns), [], 'nothing of theirs left');
});
