import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { computeTotals } from '@keepalive-dashboard/server/collector/totals';
import { Metrics } from '@keepalive-dashboard/server/metrics';
import { MAX_COMM_LABELS, MAX_CONNECTION_SERIES, MAX_NAMESPACE_LABELS, seriesBound } from '@keepalive-dashboard/server/metrics/caps';

import { AUTH, buildApp } from '../helpers/app.js';
import { createNetns } from '../helpers/netns.js';
import { REPO_ROOT, spawnChild } from '../helpers/processes.js';
import { syntheticView } from './metrics-views.js';

const series = (text: string): string[] => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
const familyOf = (line: string): string => (/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? '').replace(/_(bucket|sum|count)$/, '');

/** promtool's verdict on the exposition (lint included); skipped where promtool is not installed. */
function promtoolCheck(text: string): void {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') return;
  assert.equal(run.status, 0, `promtool check metrics: ${run.stdout}${run.stderr}`);
}

function assertBounded(text: string): void {
  const lines = series(text);
  assert.ok(lines.length <= seriesBound(), `${lines.length} series > bound ${seriesBound()}`);
  for (const family of new Set(lines.map(familyOf))) {
    const base = text.includes(`# TYPE ${family} `) ? family : family.replace(/_(bucket|sum|count)$/, '');
    assert.match(text, new RegExp(`^# HELP ${base} .+$`, 'm'), `HELP of ${family}`);
    assert.match(text, new RegExp(`^# TYPE ${base} (gauge|counter|histogram)$`, 'm'), `TYPE of ${family}`);
  }
  promtoolCheck(text);
}

test('100k synthetic views in 20 namespaces and 1,000 commands: series stay within the stated bound, capped per family, valid exposition', async () => {
  const now = Date.now();
  const views = Array.from({ length: 100_000 }, (_, i) => syntheticView(i, now));
  const metrics = new Metrics();
  metrics.readStore({ views: () => views, collector: () => ({ lastSweepAt: now, sweepIntervalMs: 6000 }), now: () => now });
  const byNetns = new Map<string, number>();
  for (const v of views) byNetns.set(v.netns?.label ?? '', (byNetns.get(v.netns?.label ?? '') ?? 0) + 1);
  metrics.observe(computeTotals(views), views, 'netlink', 250);
  metrics.observeNamespaces(byNetns);
  metrics.readKernelCounters(() => new Map([...byNetns.keys(), 'ns-extra-1', 'ns-extra-2'].map((label) => [label, { keepaliveProbes: 5, abortsOnTimeout: 1 }])));
  const text = await metrics.registry.metrics();
  assertBounded(text);
  const lines = series(text);
  assert.equal(lines.filter((l) => l.startsWith('keepalive_connection_at_risk_seconds{')).length, MAX_CONNECTION_SERIES);
  assert.equal(lines.filter((l) => l.startsWith('keepalive_process_connections{')).length, MAX_COMM_LABELS + 1);
  assert.ok(lines.filter((l) => l.startsWith('keepalive_kernel_probes_total{')).length <= MAX_NAMESPACE_LABELS + 1);
  assert.match(text, /^keepalive_process_connections\{comm="other"\} \d+$/m);
  assert.match(text, /^keepalive_connection_at_risk_seconds\{id="ck:\d+",netns="[^"]+",local="10\.0\.[0-9.]+:\d+",peer="\[::1\]:443",comm="[^"]*",risk="probing"\} [0-9.]+$/m);
  // The sum of the folded families is still every connection.
  const total = lines.filter((l) => l.startsWith('keepalive_process_connections{')).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  assert.equal(total, 100_000);
});

test('the README states the bound seriesBound() computes', () => {
  const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
  assert.ok(readme.includes(`at most **${seriesBound()}** series`), `README: "at most **${seriesBound()}** series"`);
});

test('2,000 real loopback pairs held by processes in 20 namespaces: /metrics stays within the bound and passes promtool', { timeout: 180_000 }, async (t) => {
  const namespaces = Array.from({ length: 20 }, () => createNetns(t));
  const farms = namespaces.map((ns) => spawnChild(t, 'ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'test/helpers/pair-farm.ts', '--pairs', '100']));
  const ready = (await Promise.all(farms.map((f) => f.nextLine()))).map((line) => JSON.parse(line) as { pairs: number });
  assert.equal(ready.reduce((sum, r) => sum + r.pairs, 0), 2000, 'pairs held (4,000 sockets, plus listeners)');
  const fastify = await buildApp(t, { namespaces: 'all' });
  await fastify.ka.store.collect();
  const response = await fastify.inject({ url: '/metrics', headers: AUTH });
  assert.equal(response.statusCode, 200);
  const labels = [...response.body.matchAll(/^keepalive_namespace_connections\{netns="([^"]+)"\} \d+$/gm)].map((m) => m[1]);
  assert.ok(labels.length <= MAX_NAMESPACE_LABELS + 1, `${labels.length} namespace series`);
  // Each namespace of ours is counted under its own name or, past the cap, under "other".
  for (const ns of namespaces) assert.ok(labels.includes(ns) || labels.includes('other'), `${ns} in ${labels.join(', ')}`);
  assertBounded(response.body);
});
