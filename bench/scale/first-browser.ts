/**
 * A new browser on the dashboard: Debian's Chromium, headless, a fresh
 * profile, logging in through the link the CLI printed. Measures what the
 * issue's user feels: WebSocket payload bytes received in the first 5 s
 * (CDP Network.webSocketFrameReceived) and the time until the connection
 * table shows a row. The page stays open for the caller's CPU window.
 */
import type { Page } from 'playwright-core';

import { launchFreshChromium } from '../lib/chromium.js';

export const FIRST_BYTES_WINDOW_SEC = 5;
const ROWS_TIMEOUT_MS = 120_000;

export interface FirstBrowser {
  /** WebSocket payload bytes received within FIRST_BYTES_WINDOW_SEC of navigation start. */
  firstWindowBytes: number;
  firstWindowFrames: number;
  /** Navigation start (the login link, before its redirect) to a table row on screen, by the page's clock. */
  rowsShownMs: number | null;
  /** The same seen from here: page.goto to the poll that found it (CDP round trips and the poll interval included). */
  rowsShownWallMs: number | null;
  problems: string[];
  close(): Promise<void>;
}

/**
 * Installed before any page script (the browser injects it, so the page's
 * CSP, which forbids eval and so page.waitForFunction, does not apply): on
 * every animation frame, looks for a row of the connections table that shows
 * a connection — inside a <tbody>, not a virtualizer spacer (aria-hidden) or a
 * placeholder without an address:port, on screen — and records when it first
 * saw one. Only structure and text: the UI is being reworked.
 */
const FIRST_ROW_PROBE = `(() => {
  const look = () => {
    for (const row of document.querySelectorAll('table tbody tr')) {
      if (row.getAttribute('aria-hidden') === 'true') continue;
      if (!/(\\d{1,3}\\.){3}\\d{1,3}:\\d+|\\]:\\d+/.test(row.textContent ?? '')) continue;
      const box = row.getBoundingClientRect();
      if (box.height > 0 && box.bottom > 0 && box.top < window.innerHeight) {
        window.__kaFirstRowAt = performance.now();
        return;
      }
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();`;
const READ_FIRST_ROW = 'window.__kaFirstRowAt ?? null';
const POLL_MS = 50;

function base64Bytes(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

export async function openFirstBrowser(loginUrl: string): Promise<FirstBrowser> {
  const { context, close } = await launchFreshChromium('ka-bench-scale-chromium-');
  try {
    const page: Page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text().slice(0, 300)}`);
    });
    await page.addInitScript({ content: FIRST_ROW_PROBE });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    // CDP timestamps are monotonic seconds: the first request of the navigation is time zero.
    let navigationStartSec: number | null = null;
    const frames: { atSec: number; bytes: number }[] = [];
    cdp.on('Network.requestWillBeSent', (event) => {
      navigationStartSec ??= event.timestamp;
    });
    cdp.on('Network.webSocketFrameReceived', (event) => {
      const { opcode, payloadData } = event.response;
      // Binary payloads come base64-encoded; text ones as the text.
      const bytes = opcode === 2 ? base64Bytes(payloadData) : Buffer.byteLength(payloadData, 'utf8');
      frames.push({ atSec: event.timestamp, bytes });
    });

    const started = performance.now();
    await page.goto(loginUrl, { waitUntil: 'commit' });
    let rowsShownMs: number | null = null;
    let rowsShownWallMs: number | null = null;
    while (performance.now() - started < ROWS_TIMEOUT_MS) {
      rowsShownMs = (await page.evaluate(READ_FIRST_ROW)) as number | null;
      if (rowsShownMs !== null) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    if (rowsShownMs === null) problems.push(`no table row within ${ROWS_TIMEOUT_MS} ms`);
    else rowsShownWallMs = performance.now() - started;
    const windowEnd = started + FIRST_BYTES_WINDOW_SEC * 1000 + 500;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, windowEnd - performance.now())));
    const origin = navigationStartSec ?? frames[0]?.atSec ?? 0;
    const early = frames.filter((f) => f.atSec - origin <= FIRST_BYTES_WINDOW_SEC);
    return {
      firstWindowBytes: early.reduce((sum, f) => sum + f.bytes, 0),
      firstWindowFrames: early.length,
      rowsShownMs,
      rowsShownWallMs,
      problems,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
