/**
 * `npm run bench`: benchmarks, not tests. They print figures and assert
 * nothing about speed. Each benchmark is a module under bench/ exporting run().
 */
import { run as browser } from './browser.js';
import { run as hostWide } from './host-wide.js';
import { run as metrics } from './metrics.js';
import { run as namespaces } from './namespaces.js';
import { run as nativeCalls } from './native-calls.js';
import { run as scale } from './scale.js';
import { run as serverUnderLoad } from './server.js';
import { printSummary } from './summary.js';
import { run as ui } from './ui.js';

const benches: [string, () => Promise<void>][] = [
  ['native calls', nativeCalls],
  ['host-wide collection', hostWide],
  ['server under load', serverUnderLoad],
  ['UI in headless Chromium', () => ui()],
];

// --scale is the issue-11 benchmark alone: it loads the machine for minutes and has its own table.
if (process.argv.includes('--scale')) {
  await scale(process.argv.slice(2));
} else if (process.argv.includes('--browser')) {
  // Issue 13's browser cost: real sockets, the real CLI, Chromium's own counters at rest and scrolling.
  await browser(process.argv.slice(2));
} else if (process.argv.includes('--metrics')) {
  // Issue 15's: /metrics at 100k sockets in 20 namespaces, series against the stated bound.
  await metrics(process.argv.slice(2));
} else if (process.argv.includes('--namespaces')) {
  // Issue 12's: one namespace against fifty with the same sockets, inside private namespaces of its own.
  await namespaces(process.argv.slice(2));
} else {
  const started = Date.now();
  for (const [name, bench] of benches) {
    console.log(`\n## ${name}`);
    await bench();
  }
  printSummary(started - 1000);
}
