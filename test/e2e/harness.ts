/**
 * What the browser tests stand on: the real server (real sources, real
 * kernel) listening on 127.0.0.1:0 and serving web/dist, Debian's Chromium
 * driven by playwright-core with a fresh profile, and the web build made if
 * it is missing or older than its sources.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { app, type AppOptions } from '@keepalive-dashboard/server';
import { serverOptions } from '@keepalive-dashboard/server/server-options';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const WEB_DIST = join(ROOT, 'web/dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const CHROMIUM = process.env.KA_CHROMIUM ?? '/usr/bin/chromium';
export const TOKEN = 'e2e-token-0123456789abcdef';

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Builds web/dist when it is missing or older than web/src (a stale build would test old code). */
export function ensureWebBuild(): void {
  const index = join(WEB_DIST, 'index.html');
  const sources = [join(ROOT, 'web/src'), join(ROOT, 'web/index.html'), join(ROOT, 'web/vite.config.ts')];
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  const result = spawnSync('npm', ['run', 'build', '--workspace', 'web'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0 || !existsSync(index)) {
    throw new Error(`the web build is missing and \`npm run build --workspace web\` failed (status ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** Fails with what to do when Chromium is not installed. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or point KA_CHROMIUM at one`);
  }
}

export interface RunningServer {
  fastify: FastifyInstance;
  base: string;
  port: number;
  /** Stops the server now, as a crash would for its browsers (t.after would only at the end). */
  stop(): Promise<void>;
  /** A fresh one-time login link, as the server prints them. */
  loginUrl(): string;
  /** Authenticated JSON call, as a script would make it. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** Where and as whom: a fixed port and a new token make a restart as `npm start` would; `requests` logs each path, in order. */
export interface ServeAs {
  port?: number;
  token?: string;
  requests?: string[];
}

export async function startServer(t: TestContext, options: AppOptions = {}, as: ServeAs = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ka-e2e-'));
  const fastify = Fastify(serverOptions());
  const token = as.token ?? TOKEN;
  const requests = as.requests;
  if (requests) fastify.addHook('onRequest', async (request) => void requests.push(request.url.split('?')[0] ?? ''));
  t.after(async () => {
    // The browser may still hold a preconnected socket that never sent a byte: do not wait for it.
    const closing = fastify.close();
    fastify.server.closeAllConnections();
    await closing;
    rmSync(dir, { recursive: true, force: true });
  });
  await fastify.register(app, {
    token,
    collect: true,
    intervalMs: 500,
    webRoot: WEB_DIST,
    auditLogPath: join(dir, 'audit.jsonl'),
    // Tests pick their sockets by port: other namespaces (other tests') repeat ports. Namespace tests ask for all.
    namespaces: 'own',
    log: () => {},
    ...options,
  });
  await fastify.listen({ host: '127.0.0.1', port: as.port ?? 0 });
  const address = fastify.server.address();
  if (!address || typeof address !== 'object') throw new Error('server has no address');
  const base = `http://127.0.0.1:${address.port}`;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const loginUrl = (): string => `${base}/login?code=${fastify.ka.auth.sessions.issueCode()}`;
  const stop = async (): Promise<void> => {
    const closing = fastify.close();
    fastify.server.closeAllConnections();
    await closing;
  };
  return { fastify, base, port: address.port, api, loginUrl, stop };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
}

export async function openBrowser(t: TestContext, extraArgs: string[] = []): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'ka-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
    viewport: { width: 1440, height: 900 },
    colorScheme: 'dark',
  });
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // Injected by the browser, not the page, so the page's CSP does not apply to it.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI));`,
  });
  return { context, page, problems };
}

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Polls `check` until it holds, or fails with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
