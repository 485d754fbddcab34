/**
 * Debian's Chromium, headless, with a fresh profile in a temporary directory,
 * launched as the end-to-end tests launch it (test/e2e/harness.ts). close()
 * ends the browser and removes the profile; a failed launch removes it too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type BrowserContext } from 'playwright-core';

import { CHROMIUM } from '../../test/e2e/harness.js';

export interface FreshChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** profilePrefix names the temporary directory (mkdtemp adds six characters). */
export async function launchFreshChromium(profilePrefix: string, extra: { colorScheme?: 'dark' | 'light' } = {}): Promise<FreshChromium> {
  const profile = mkdtempSync(join(tmpdir(), profilePrefix));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
      ...extra,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const close = async (): Promise<void> => {
    try {
      await context.close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  return { context, close };
}
