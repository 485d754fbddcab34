/**
 * With nothing changing on the server, the page lays out about once a second
 * (its countdowns' tick), not every frame: a clock writing text each frame
 * re-laid the page ~30 times a second at rest (issue 13, "Browser cost").
 * The source is a fake one of a few sockets at fixed moments, some counting
 * down in tenths of a second, so only time moves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fakeSourceFactories } from '../helpers/fake-source.js';
import { ensureWebBuild, openBrowser, requireChromium, startServer } from './harness.js';

const WINDOW_MS = 3_000;
// Measured: ~4 a second (the tick's one, ~3 for each stream update); a clock writing text every
// frame gave 24 a second (73 in 3 s at ~55 fps). Half-way in ratio, with room for a slow machine.
const MAX_LAYOUTS_PER_SEC = 8;

// Animation frames over the window, counted in the page (a string: tsx's helpers do not exist there).
const COUNT_FRAMES = `new Promise((resolve) => {
  let frames = 0;
  const t0 = performance.now();
  const step = () => (performance.now() - t0 < ${WINDOW_MS} ? (frames++, requestAnimationFrame(step)) : resolve(frames));
  requestAnimationFrame(step);
})`;

test('at rest the page lays out about once a second, not every frame', { timeout: 120_000 }, async (t) => {
  requireChromium();
  ensureWebBuild();
  const server = await startServer(t, { source: 'netlink', sourceFactories: fakeSourceFactories(12), intervalMs: 1000, processIntervalMs: 600_000 });
  const { context, page, problems } = await openBrowser(t);
  await page.goto(server.loginUrl());
  // A countdown under a minute, shown in tenths: it changes ten times a second.
  await page.locator('table.connections tbody td.c-next').filter({ hasText: /^\d+\.\d s$/ }).first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(1_500);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const layouts = async (): Promise<number> => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'LayoutCount')?.value ?? NaN;
  const before = await layouts();
  const frames = (await page.evaluate(COUNT_FRAMES)) as number;
  const delta = (await layouts()) - before;
  t.diagnostic(`${delta} layouts in ${frames} frames over ${WINDOW_MS} ms`);
  assert.ok(delta <= (MAX_LAYOUTS_PER_SEC * WINDOW_MS) / 1000, `${delta} layouts in ${frames} frames over ${WINDOW_MS} ms at rest`);
  assert.deepEqual(problems, []);
});
