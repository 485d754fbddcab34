/**
 * The shipped Prometheus files as Prometheus itself reads them: promtool
 * (Debian's `prometheus` package) checks the rules and runs their unit tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { REPO_ROOT } from '../helpers/processes.js';

const DEPLOY = `${REPO_ROOT}deploy/prometheus/`;

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: DEPLOY, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: run.stdout + run.stderr };
}

test('promtool: the alert rules are valid and name every alert the brief asks for', () => {
  const check = promtool('check', 'rules', 'alerts.yml');
  assert.equal(check.status, 0, check.output);
  assert.match(check.output, /SUCCESS: 5 rules found/);
});

test('promtool: the alert rules’ unit tests pass (each alert fires on trouble, stays quiet when healthy)', () => {
  const run = promtool('test', 'rules', 'alerts.test.yml');
  assert.equal(run.status, 0, run.output);
  assert.match(run.output, /SUCCESS/);
});

test('promtool: the example scrape config is valid (bearer token from a file)', () => {
  const check = promtool('check', 'config', '--syntax-only', 'scrape.yml');
  assert.equal(check.status, 0, check.output);
});
