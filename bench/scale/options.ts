/** The scale benchmark's command line. Not strict: `npm run bench -- …` hands every bench the same argv. */
import { parseArgs } from 'node:util';

import { labelOption, positiveInt, serverRootOption, sizeList } from '../lib/options.js';

export interface Options {
  /** Idle loopback pairs per size, smallest first (the fleet only grows). */
  sizes: number[];
  quick: boolean;
  /** Length of each CPU and stream window, s. */
  windowSec: number;
  /** PATCHes in the retune phase. */
  patches: number;
  ssRepeat: number;
  /** How long to wait for the server's read-back of every socket, ms. */
  readBackCapMs: number;
  /** How long to let a server that reports no read-back settle before its steady window, s. */
  warmupSec: number;
  /** A checkout holding server/dist and web/dist: this repo, or another build to compare against. */
  serverRoot: string;
  /** Goes into the result file's name: scale-LABEL-DATE. */
  label: string | null;
}

export function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    options: {
      sizes: { type: 'string' },
      quick: { type: 'boolean' },
      'window-seconds': { type: 'string' },
      patches: { type: 'string' },
      'ss-repeat': { type: 'string' },
      'read-back-cap-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      'server-root': { type: 'string' },
      label: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const text = (name: string, full: string, short: string): string => (typeof values[name] === 'string' ? (values[name] as string) : quick ? short : full);
  const serverRoot = serverRootOption(values['server-root']);
  const label = labelOption(values.label);
  return {
    sizes: sizeList('sizes', text('sizes', '5000,25000,50000', '1000')),
    quick,
    windowSec: positiveInt('window-seconds', text('window-seconds', '15', '5')),
    patches: positiveInt('patches', text('patches', '24', '6')),
    ssRepeat: positiveInt('ss-repeat', text('ss-repeat', '5', '3')),
    readBackCapMs: positiveInt('read-back-cap-seconds', text('read-back-cap-seconds', '120', '30')) * 1000,
    warmupSec: positiveInt('warmup-seconds', text('warmup-seconds', '20', '5')),
    serverRoot,
    label,
  };
}
