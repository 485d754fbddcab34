/**
 * V8 grows its heap lazily: at 100k sockets the server's live data is
 * ~150 MB, yet with the default policy the heap settles at ~450 MB of RSS,
 * because every re-read wave and sweep leaves garbage the collector is in no
 * hurry to return. Favouring size and growing the heap by 25% instead of the
 * default factor (up to 2×) holds it lower and, with smaller heaps to mark,
 * costs less CPU too: at 100k sockets, 40 s after start-up settled, one run
 * each, 290 vs 476 MB of RSS and 88 vs 158 ms of CPU per second (the
 * reproducible figures: `npm run bench -- --scale`). Imported first by main.ts, so it
 * runs before the app allocates; tests that build the app in their own
 * process keep Node's defaults.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--optimize-for-size');
setFlagsFromString('--heap-growing-percent=25');
