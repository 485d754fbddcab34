/**
 * A real Prometheus (Debian's `prometheus`) on loopback for a test: a temp
 * config and storage dir, a free port picked here (it cannot listen on port 0
 * and say which), stopped by pid and its files removed when the test ends.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import { tempDir } from '../helpers/app.js';
import { spawnChild } from '../helpers/processes.js';

export interface ScrapeJob {
  job: string;
  target: string;
  /** The bearer token file Prometheus sends; none: scraped without a credential. */
  tokenFile?: string;
}

export interface RunningPrometheus {
  base: string;
  /** An instant query's result vector (throws on a PromQL error). */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  api<T>(path: string): Promise<T>;
  stderr(): string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function config(jobs: ScrapeJob[]): string {
  const scrape = jobs.map((j) =>
    [`  - job_name: ${j.job}`, '    scrape_interval: 1s', '    scrape_timeout: 1s', ...(j.tokenFile ? [`    bearer_token_file: ${j.tokenFile}`] : []), `    static_configs: [{ targets: ['${j.target}'] }]`].join('\n'),
  );
  return ['global: { scrape_interval: 1s, evaluation_interval: 1s }', 'scrape_configs:', ...scrape, ''].join('\n');
}

export async function startPrometheus(t: TestContext, jobs: ScrapeJob[]): Promise<RunningPrometheus> {
  const dir = tempDir(t, 'ka-prometheus-');
  writeFileSync(join(dir, 'prometheus.yml'), config(jobs));
  const port = await freePort();
  const args = [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`];
  const prometheus = spawnChild(t, 'prometheus', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  prometheus.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const base = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(base + path);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  const prom: RunningPrometheus = {
    base,
    api,
    stderr: () => stderr,
    query: async (expr) => (await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
  };
  await until(async () => (await fetch(`${base}/-/ready`).catch(() => null))?.ok === true, 60_000, () => `prometheus not ready; stderr: ${stderr}`);
  return prom;
}

/** Polls `check` every 500 ms until it holds, or fails with `why()` after `ms`. */
export async function until(check: () => Promise<boolean>, ms: number, why: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
