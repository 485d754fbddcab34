/**
 * The fleet path end to end: the real CLI, a real Prometheus scraping it with
 * the bearer token file, and every Grafana panel's PromQL answered from what
 * Prometheus stored. A lab connection with idle above the middlebox timeout
 * gives the risk panels something to show.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { tempDir } from '../helpers/app.js';
import { REPO_ROOT } from '../helpers/processes.js';
import { CLI_TOKEN, startServer } from '../server/faults/server-process.js';
import { startPrometheus, until } from './prometheus-process.js';

interface Panel {
  title: string;
  links: Array<{ url: string }>;
  targets: Array<{ expr: string }>;
}
const dashboard = JSON.parse(readFileSync(`${REPO_ROOT}deploy/grafana/keepalive-dashboard.json`, 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; definition?: string }> };
};
// Grafana's own variables, as Grafana would fill them for a 1 s scrape.
const promql = (expr: string, instance: string): string => expr.replaceAll('$host', instance).replaceAll('$__rate_interval', '15s');

test('prometheus scrapes a live server with the bearer token file; every Grafana panel’s query returns data', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t, 'ka-fleet-');
  const server = await startServer(t, ['--audit-log', join(dir, 'audit.jsonl'), '--middlebox-timeout', '30']);
  const instance = new URL(server.base).host;
  const listener = await server.call('POST', '/api/lab/listeners', { port: 0 });
  const conn = await server.call('POST', '/api/lab/connections', { host: '127.0.0.1', port: (listener.body.local as { port: number }).port });
  const id = String(conn.body.connectionId);
  assert.equal((await server.call('PATCH', `/api/connections/${id}/keepalive`, { enabled: true, idleSec: 45 })).status, 200);
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${CLI_TOKEN}\n`, { mode: 0o600 });
  const prom = await startPrometheus(t, [
    { job: 'keepalive', target: instance, tokenFile },
    { job: 'keepalive-no-token', target: instance },
  ]);

  await t.test('the target is up with the token, and refused without it', async () => {
    type Targets = { activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }> };
    const health = async (): Promise<Record<string, { health: string; lastError: string }>> =>
      Object.fromEntries((await prom.api<Targets>('/api/v1/targets')).activeTargets.map((a) => [a.labels.job, a]));
    await until(async () => (await health()).keepalive?.health === 'up' && (await health())['keepalive-no-token']?.health === 'down', 60_000, () => `targets never up with the token and down without it; prometheus: ${prom.stderr().slice(-2000)}`);
    assert.match((await health())['keepalive-no-token']?.lastError ?? '', /401/);
  });

  await t.test('the host variable lists the scraped instance', async () => {
    const definition = dashboard.templating.list.find((v) => v.name === 'host')?.definition ?? '';
    const metric = /^label_values\((\w+), instance\)$/.exec(definition)?.[1];
    assert.ok(metric, `host variable: ${definition}`);
    assert.ok((await prom.api<string[]>(`/api/v1/label/instance/values?match[]=${metric}{job="keepalive"}`)).includes(instance));
  });

  await t.test('every panel’s query returns data for the host, and every panel links to its dashboard', async () => {
    for (const panel of dashboard.panels) {
      assert.ok(panel.links.some((l) => l.url === '${scheme}://${host}/'), `${panel.title}: link to the host`);
      for (const { expr } of panel.targets) {
        const q = promql(expr, instance);
        await until(async () => (await prom.query(q)).length > 0, 60_000, () => `${panel.title}: no data for ${q}`);
      }
    }
  });

  await t.test('every series the alert rules read is scraped from the host, and each rule evaluates', async () => {
    const rules = readFileSync(`${REPO_ROOT}deploy/prometheus/alerts.yml`, 'utf8');
    const exprs = [...rules.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1] as string);
    assert.equal(exprs.length, 5);
    for (const name of new Set(exprs.flatMap((e) => e.match(/\bkeepalive_\w+/g) ?? []))) {
      assert.ok((await prom.query(`group(${name}{instance="${instance}"})`)).length > 0, `${name} is not on /metrics`);
    }
    for (const expr of exprs) await prom.query(expr);
  });

  await t.test('the lab connection is counted at risk, and named by its id', async () => {
    const at = (q: string) => prom.query(promql(q, instance));
    await until(async () => Number((await at('keepalive_connections_advisory{instance="$host",kind="idle-exceeds-middlebox"}'))[0]?.value[1]) >= 1, 60_000, () => 'advisory not counted');
    const rows = await at('keepalive_connection_at_risk_seconds{instance="$host"}');
    assert.ok(rows.some((r) => r.metric.id === id), `at-risk series: ${JSON.stringify(rows.map((r) => r.metric))}`);
  });
});
