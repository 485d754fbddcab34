/**
 * Child process for the hand-off benchmark: holds `--pairs` idle loopback
 * pairs to its own listener on `--address` (one 127.0.0.x per farm keeps each
 * farm within the ephemeral port range), prints {pid, port, pairs}, and exits
 * when its stdin closes.
 */
import { parseArgs } from 'node:util';

import { openManyPairs } from './many-pairs.js';

const { values } = parseArgs({ options: { pairs: { type: 'string' }, address: { type: 'string' } } });
const pairs = await openManyPairs(Number(values.pairs ?? 1000), values.address ?? '127.0.0.1');
console.log(JSON.stringify({ pid: process.pid, port: pairs.port, pairs: pairs.clients.length }));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
