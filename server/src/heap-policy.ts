/**
 * V8 grows its heap lazily: at 100k sockets the server's live data is
 * ~150 MB, yet with the default policy the heap settles at ~450 MB of RSS,
 * because every re-read wave and sweep leaves garbage the collector is in no
 * hurry to return. Favouring size and growing the heap by 25% instead of the
 * default factor (up to 2×) holds it near 250–275 MB at that size, for no CPU
 * cost measurable in `npm run bench -- --scale`. Imported first by main.ts, so it
 * runs before the app allocates; tests that build the app in their own
 * process keep Node's defaults.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--optimize-for-size');
setFlagsFromString('--heap-growing-percent=25');
