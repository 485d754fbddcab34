/**
 * Debian's Chromium, headless, with a fresh profile, as the end-to-end tests
 * launch it (test/e2e/harness.ts), the probe (./page-probe.ts) installed
 * before any page script runs, and a CDP session for the heap figures.
 */
import type { CDPSession, Page } from 'playwright-core';

import { launchFreshChromium } from '../lib/chromium.js';
import { PROBE_INIT_SCRIPT } from './page-probe.js';

export interface BenchBrowser {
  page: Page;
  cdp: CDPSession;
  /** Console errors and page errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

export async function openBenchBrowser(): Promise<BenchBrowser> {
  const { context, close } = await launchFreshChromium('ka-bench-chromium-', { colorScheme: 'dark' });
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

