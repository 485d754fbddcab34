/**
 * Churn: about 1,000 loopback connections opened and closed per second for
 * 60 s by a child process (./helpers/churner.ts), the real server in this
 * process collecting every second, one stream client applying the snapshot
 * and every delta to its model. Halfway and after the churn stops (and one
 * more collection), the model must equal a fresh snapshot of the same seq.
 * A second client stops reading twice for a few seconds, so the server has
 * to catch it up; after the churn its model must equal a fresh snapshot too.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import type { ConnectionView } from '@keepalive-dashboard/shared';

import { startServer } from '../../bench/server/start-server.js';
import { Churner } from './helpers/churn.js';
import { compareWithFreshSnapshot, openModelStream, type ModelComparison } from './helpers/stream.js';

// Far from the holders' 127.0.0.2, .3, … and from bench/server's churn holder (.250).
const CHURN_ADDRESS = '127.0.0.240';
const RATE = 1000;
const SECONDS = 60;
const MAX_OPEN = 4000;
// Long enough for the deltas it does not read to fill the loopback socket
// buffers and the server's high-water mark (~14 MB together, at ~1 MB/s of
// churn deltas: 15 s was too close to call), and past the half stall time
// (15 s) after which a client taking nothing is owed the whole state instead.
const SLOW_PAUSE_MS = 25_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const isChurn = (v: ConnectionView): boolean => v.local.address === CHURN_ADDRESS || v.peer.address === CHURN_ADDRESS;

function describe(c: ModelComparison): string {
  return (
    `seq ${c.seq} (try ${c.attempts}): model ${c.modelSize}, snapshot ${c.snapshotSize}; ` +
    `only in model ${c.onlyInModel.length}, only in snapshot ${c.onlyInSnapshot.length}, essentials differ ${c.differingCount}, ` +
    `not deep-equal in every field ${c.notFullyEqual}`
  );
}

function assertSame(c: ModelComparison, when: string): void {
  assert.deepEqual(c.onlyInModel.slice(0, 10), [], `${when}: ids in the model but not in the snapshot (${describe(c)})`);
  assert.deepEqual(c.onlyInSnapshot.slice(0, 10), [], `${when}: ids in the snapshot but not in the model (${describe(c)})`);
  assert.deepEqual(c.differing, [], `${when}: same id, different view (${describe(c)})`);
}

test(`${RATE} connections opened and closed per second for ${SECONDS} s: the streamed model equals a fresh snapshot`, { timeout: 180_000 }, async (t) => {
  const server = await startServer(1000);
  t.after(() => server.close());
  const stream = await openModelStream(server.url, server.token);
  t.after(() => stream.close());
  // A second client that stops reading for a while, twice: the server finds
  // it behind and catches it up (a folded delta, or the whole state again).
  const slow = await openModelStream(server.url, server.token);
  t.after(() => slow.close());
  const pauses = [5_000, 32_000].map((at) =>
    sleep(at).then(async () => {
      slow.socket.pause();
      await sleep(SLOW_PAUSE_MS);
      slow.socket.resume();
    }),
  );

  // Added and removed views of churn connections, as the client saw them.
  const seen = { added: 0, removed: 0, changed: 0, states: new Set<string>() };
  const churnIds = new Set<string>();
  stream.model.onApplied((frame) => {
    if (frame.type !== 'delta') return;
    for (const v of frame.added.filter(isChurn)) {
      seen.added++;
      seen.states.add(v.state);
      churnIds.add(v.id);
    }
    for (const v of frame.changed.filter(isChurn)) {
      seen.changed++;
      seen.states.add(v.state);
    }
    for (const id of frame.removed) if (churnIds.delete(id)) seen.removed++;
  });

  const churner = await Churner.start(t, ['--rate', String(RATE), '--address', CHURN_ADDRESS, '--max-open', String(MAX_OPEN)]);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  churner.begin();

  await sleep((SECONDS / 2) * 1000);
  const midway = await compareWithFreshSnapshot(stream, server.url, server.token);
  t.diagnostic(`midway, churning: ${describe(midway)}`);
  const elapsed = performance.now() - wallBefore;
  await sleep(Math.max(0, SECONDS * 1000 - elapsed));

  const totals = await churner.stop();
  const seconds = churner.seconds;
  const stoppedAt = Date.now();
  const churnWallSec = (performance.now() - wallBefore) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const lastBefore = stream.model.seq;
  // One more collection, one that started after every churn socket was gone
  // (a delta's serverTime is when its collection started).
  while ((await stream.nextApplied()).serverTime <= stoppedAt);
  const atEnd = await compareWithFreshSnapshot(stream, server.url, server.token);
  await Promise.all(pauses);
  const slowAtEnd = await compareWithFreshSnapshot(slow, server.url, server.token);
  const model = stream.model.stats();
  const slowModel = slow.model.stats();
  const leftover = [...stream.model.views.values()].filter((v) => isChurn(v) && v.state !== 'LISTEN');
  // The kernel's own count beside it (a second later some TIME_WAIT may have expired).
  const ss = spawnSync('ss', ['-tanH', 'state', 'time-wait', 'src', CHURN_ADDRESS], { encoding: 'utf8' });
  const kernelTimeWait = ss.status === 0 ? ss.stdout.split('\n').filter(Boolean).length : null;

  const opened = seconds.map((s) => s.opened);
  t.diagnostic(
    `churner: ${totals.opened} opened, ${totals.closed} closed, ${totals.failed} failed to connect, ${totals.capped} not opened (at the ${MAX_OPEN}-open cap) in ${totals.seconds.toFixed(1)} s; ` +
      `per second opened min ${Math.min(...opened)}, max ${Math.max(...opened)}; open at once up to ${Math.max(...seconds.map((s) => s.open))}; ` +
      `closes: ${totals.rst} RST by the client, ${totals.fin} FIN from the listener then RST, ${totals.graceful} FIN both ways (TIME_WAIT on the listener's side)`,
  );
  t.diagnostic(
    `stream client saw: ${seen.added} churn connections added, ${seen.changed} changed, ${seen.removed} removed (states: ${[...seen.states].sort().join(', ')}); ` +
      `${model.deltas} deltas, ${model.snapshots} snapshot(s), seq ${lastBefore} when the churn stopped, ${model.seq} at the end`,
  );
  t.diagnostic(`CPU of this process (process.cpuUsage: the server and both stream clients; the churner is another process) over the ${churnWallSec.toFixed(1)} s of churn: ${((cpu.user + cpu.system) / 1000 / churnWallSec).toFixed(0)} ms/s`);
  t.diagnostic(
    `after the churn stopped: ${describe(atEnd)}; churn connections (not the listener) left in the model: ${leftover.length} (${[...new Set(leftover.map((v) => v.state))].join(', ') || 'none'}); ` +
      `ss -tan state time-wait src ${CHURN_ADDRESS} right after: ${kernelTimeWait ?? 'ss failed'}`,
  );

  t.diagnostic(
    `slow client (stopped reading for ${SLOW_PAUSE_MS / 1000} s twice): ${slowModel.snapshots} snapshot(s), ${slowModel.deltas} deltas of which ${slowModel.foldedDeltas} folded ` +
      `(spanning ${slowModel.seqsFolded} collections); after the churn: ${describe(slowAtEnd)}`,
  );

  assertSame(midway, 'midway');
  assertSame(atEnd, 'after the churn');
  assertSame(slowAtEnd, 'the slow client, after the churn');
  assert.ok(slowModel.snapshots > 1 || slowModel.foldedDeltas > 0, 'the slow client was never caught up: the test did not test catching up');
  for (const m of [model, slowModel]) {
    assert.equal(m.inconsistencies, 0, m.problems.join('; '));
    assert.equal(m.sizeMismatches, 0, m.problems.join('; '));
  }
  // The churn really happened, and really went through the stream.
  assert.ok(totals.opened >= RATE * SECONDS * 0.8, `only ${totals.opened} connections opened in ${SECONDS} s`);
  assert.ok(seen.added >= 1000 && seen.removed >= 1000, `the stream carried only ${seen.added} churn additions and ${seen.removed} removals`);
  // Every churn connection is closed: what is left of them (the listener aside) is TIME_WAIT only.
  assert.deepEqual([...new Set(leftover.map((v) => v.state))].filter((s) => s !== 'TIME_WAIT'), []);
});
