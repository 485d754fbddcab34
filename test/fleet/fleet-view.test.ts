/**
 * The fleet view from a real Prometheus: real agents (the CLI) scraped with
 * the bearer token, GET /api/fleet lists them riskiest first, each with its
 * dashboard URL; a host whose agent stops is listed first, as down.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';

import type { Fleet } from '@keepalive-dashboard/shared';

import { parseCli } from '../../server/src/cli.js';
import { rankHosts } from '../../server/src/fleet/fleet.js';
import { PrometheusClient } from '../../server/src/fleet/prometheus.js';
import { AUTH, buildApp, tempDir } from '../helpers/app.js';
import { CLI_TOKEN, startServer } from '../server/faults/server-process.js';
import { startPrometheus, until } from './prometheus-process.js';

test('the fleet view lists every scraped agent from Prometheus, riskiest first, and a stopped one first as down', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t, 'ka-fleet-view-');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${CLI_TOKEN}\n`, { mode: 0o600 });
  const agents = await Promise.all(['a', 'b'].map((name) => startServer(t, ['--read-only', '--audit-log', join(dir, `${name}.jsonl`)])));
  const [a, b] = agents.map((agent) => new URL(agent.base).host) as [string, string];
  const prom = await startPrometheus(t, [{ job: 'keepalive', target: a, tokenFile }, { job: 'keepalive-b', target: b, tokenFile }]);
  const view = await buildApp(t, { prometheusUrl: prom.base });
  const fleet = async (): Promise<Fleet> => (await view.inject({ method: 'GET', url: '/api/fleet', headers: AUTH })).json() as Fleet;

  await until(async () => (await fleet()).hosts.filter((h) => h.up).length === 2, 90_000, () => `fleet: ${JSON.stringify(prom.stderr().slice(-1000))}`);
  const both = await fleet();
  assert.equal(both.prometheus, `${prom.base}/`);
  assert.deepEqual(both.hosts.map((h) => h.instance).sort(), [a, b].sort());
  assert.deepEqual(both.hosts, rankHosts(both.hosts));
  for (const host of both.hosts) {
    assert.equal(host.dashboardUrl, `http://${host.instance}/`);
    assert.ok(host.connections > 0, `${host.instance} counts the loopback connections Prometheus holds to it`);
  }

  await agents[1]?.stop();
  await until(async () => (await fleet()).hosts[0]?.up === false, 60_000, () => 'the stopped agent is not listed first as down');
  const after = await fleet();
  assert.deepEqual(after.hosts.map((h) => [h.instance, h.up]), [[b, false], [a, true]]);
});

test('without --prometheus the fleet route says it has none (200: a 503 would be a console error on every page); an unreachable Prometheus is a 502 naming it', async (t) => {
  const alone = await buildApp(t);
  const res = await alone.inject({ method: 'GET', url: '/api/fleet', headers: AUTH });
  assert.deepEqual([res.statusCode, res.json().configured, res.json().prometheus, res.json().hosts], [200, false, null, []]);
  const closed = await buildApp(t, { prometheusUrl: 'http://127.0.0.1:1' });
  const down = await closed.inject({ method: 'GET', url: '/api/fleet', headers: AUTH });
  assert.equal(down.statusCode, 502);
  assert.equal(down.json().code, 'KA_ERR_PROMETHEUS');
  assert.match(down.json().message, /^Prometheus at http:\/\/127\.0\.0\.1:1\/ did not answer/);
});

test('credentials in --prometheus go as basic auth, never into shown URLs; the flag takes only http(s)', async (t) => {
  let authorization: string | undefined;
  const fake = createServer((req, res) => {
    authorization = req.headers.authorization;
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { instance: 'h:1' }, value: [0, '3'] }] } }));
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  t.after(() => fake.close());
  const port = (fake.address() as { port: number }).port;
  const client = new PrometheusClient(`http://ops:s%40cret@127.0.0.1:${port}/prom`);
  assert.equal(client.shownUrl, `http://127.0.0.1:${port}/prom/`);
  assert.deepEqual(await client.query('up'), [{ labels: { instance: 'h:1' }, value: 3 }]);
  assert.equal(authorization, `Basic ${Buffer.from('ops:s@cret').toString('base64')}`);
  assert.throws(() => parseCli(['--prometheus', 'prometheus:9090'], {}), { code: 'KA_ERR_USAGE' });
  assert.equal(parseCli(['--prometheus', 'http://prometheus:9090'], {}).prometheus, 'http://prometheus:9090');
});

test('ranking: down first, then deaths, probing, advisories, then by name', () => {
  const host = (instance: string, up: boolean, deathsLastHour: number, probing: number, advisories: number) => ({ instance, up, deathsLastHour, probing, advisories, connections: 1, dashboardUrl: '' });
  const ranked = rankHosts([host('e', true, 0, 0, 0), host('d', true, 0, 0, 5), host('c', true, 0, 2, 0), host('b', true, 1, 0, 0), host('a', false, 0, 0, 0), host('f', true, 0, 0, 0)]);
  assert.deepEqual(ranked.map((h) => h.instance), ['a', 'b', 'c', 'd', 'e', 'f']);
});
