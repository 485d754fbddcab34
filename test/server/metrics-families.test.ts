import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Metrics } from '@keepalive-dashboard/server/metrics';
import { aggregateViews } from '@keepalive-dashboard/server/metrics/aggregate';
import { MAX_CONNECTION_SERIES, MAX_NAMESPACE_LABELS } from '@keepalive-dashboard/server/metrics/caps';

import { AUTH, buildApp } from '../helpers/app.js';
import { syntheticView } from './metrics-views.js';

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('a death seen by the app counts under its cause; the other causes are there at 0', async (t) => {
  const fastify = await buildApp(t);
  fastify.ka.events.emit({ type: 'died', connectionId: null, summary: 'a peer vanished', actor: null, detail: { owned: false } });
  const text = (await fastify.inject({ url: '/metrics', headers: AUTH })).body;
  assert.equal(value(text, 'keepalive_deaths_total{cause="keepalive"}'), 1);
  assert.equal(value(text, 'keepalive_deaths_total{cause="user-timeout"}'), 0);
  assert.equal(value(text, 'keepalive_deaths_total{cause="retransmit-timeout"}'), 0);
});

test('the collector is behind after three sweep intervals without a sweep, and says how long', async () => {
  const metrics = new Metrics();
  let lastSweepAt = 1_000_000;
  metrics.readStore({ views: () => [], collector: () => ({ lastSweepAt, sweepIntervalMs: 6000 }), now: () => 1_020_000 });
  let text = await metrics.registry.metrics();
  assert.equal(value(text, 'keepalive_collector_behind'), 1);
  assert.equal(value(text, 'keepalive_collector_sweep_age_seconds'), 20);
  lastSweepAt = 1_019_000;
  text = await metrics.registry.metrics();
  assert.equal(value(text, 'keepalive_collector_behind'), 0);
});

test('kernel counters of more namespaces than the cap: the top ones by sockets keep their label, the rest add up under other', async () => {
  const metrics = new Metrics();
  const labels = Array.from({ length: 30 }, (_, i) => `ns-${String(i).padStart(2, '0')}`);
  metrics.observeNamespaces(new Map(labels.map((label, i) => [label, i + 1])));
  metrics.readKernelCounters(() => new Map(labels.map((label) => [label, { keepaliveProbes: 10, abortsOnTimeout: 1 }])));
  const text = await metrics.registry.metrics();
  const probes = text.split('\n').filter((l) => l.startsWith('keepalive_kernel_probes_total{'));
  assert.equal(probes.length, MAX_NAMESPACE_LABELS + 1);
  assert.equal(value(text, 'keepalive_kernel_probes_total{netns="ns-29"}'), 10, 'the namespace with the most sockets keeps its label');
  assert.equal(value(text, 'keepalive_kernel_probes_total{netns="other"}'), 10 * (30 - MAX_NAMESPACE_LABELS));
  assert.equal(value(text, 'keepalive_namespace_connections{netns="ns-00"}'), undefined, 'the fewest sockets: folded');
});

test('per-connection series: probing first, soonest death first, then the flagged; never more than the cap', () => {
  const now = Date.now();
  // Indices 0, 10, 20… probe; 5, 15, 25… are flagged only.
  const many = aggregateViews(Array.from({ length: 1000 }, (_, i) => syntheticView(i, now)));
  assert.equal(many.atRisk.length, MAX_CONNECTION_SERIES);
  assert.ok(many.atRisk.every((r) => r.risk === 'probing'));
  const deaths = many.atRisk.map((r) => r.view.derived?.deadAt ?? Infinity);
  assert.deepEqual(deaths, [...deaths].sort((a, b) => a - b));
  const few = aggregateViews(Array.from({ length: 200 }, (_, i) => syntheticView(i, now)));
  assert.equal(few.atRisk.filter((r) => r.risk === 'probing').length, 20);
  assert.equal(few.atRisk.filter((r) => r.risk === 'idle-exceeds-middlebox').length, 20, 'the flagged fill what is left (200 rows have 20)');
});

test('a command name with a quote, a backslash and a newline is escaped in its label', async () => {
  const metrics = new Metrics();
  const now = Date.now();
  // Index 1,000 probes and its holder's command is `we"ird\c<newline>md`.
  metrics.readStore({ views: () => [syntheticView(1000, now), syntheticView(1001, now)], collector: () => ({ lastSweepAt: now, sweepIntervalMs: 1000 }), now: () => now });
  const text = await metrics.registry.metrics();
  assert.match(text, /^keepalive_connection_at_risk_seconds\{id="ck:1000",[^\n]*comm="svc-0"/m);
  assert.match(text, /^keepalive_process_connections\{comm="we\\"ird\\\\c\\nmd"\} 1$/m);
});
