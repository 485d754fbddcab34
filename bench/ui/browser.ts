/**
 * Debian's Chromium, headless, with a fresh profile, as the end-to-end tests
 * launch it (test/e2e/harness.ts), the probe (./page-probe.ts) installed
 * before any page script runs, and a CDP session for the heap figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type CDPSession, type Page } from 'playwright-core';

import { CHROMIUM } from '../../test/e2e/harness.js';
import { PROBE_INIT_SCRIPT } from './page-probe.js';

export interface BenchBrowser {
  page: Page;
  cdp: CDPSession;
  /** Console errors and page errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

export async function openBenchBrowser(): Promise<BenchBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'ka-bench-chromium-'));
  const context = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
      colorScheme: 'dark',
    })
    .catch((error: unknown) => {
      rmSync(profile, { recursive: true, force: true });
      throw error;
    });
  const close = async (): Promise<void> => {
    try {
      await context.close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // Injected by the browser, not the page, so the page's CSP does not apply to it.
    await page.addInitScript({ content: PROBE_INIT_SCRIPT });
    const cdp = await context.newCDPSession(page);
    return { page, cdp, problems, close };
  } catch (error) {
    await close();
    throw error;
  }
}

