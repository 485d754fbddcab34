/** The namespaces benchmark's command line. Not strict: `npm run bench -- …` hands every bench the same argv. */
import { parseArgs } from 'node:util';

import { labelOption, positiveInt, serverRootOption } from '../lib/options.js';

export interface Options {
  /** Sockets in each layout (both ends of each loopback pair count). */
  sockets: number;
  /** Namespaces in layout B; layout A is always one. */
  namespaceCount: number;
  quick: boolean;
  /** Length of each steady CPU window, s. */
  windowSec: number;
  ssRepeat: number;
  /** How long to wait for the server to list every socket and read each one's settings, ms. */
  settleCapMs: number;
  /** A checkout holding server/dist: this repo, or another build to compare against. */
  serverRoot: string;
  /** Goes into the result file's name: namespaces-LABEL-DATE. */
  label: string | null;
  /**
   * net.ipv4.tcp_child_ehash_entries for the namespaces the run creates: null leaves the kernel's
   * default (0: every namespace shares the host's one TCP hash, as Docker's and Kubernetes' do).
   */
  childEhashEntries: number | null;
}

export function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    options: {
      sockets: { type: 'string' },
      'namespace-count': { type: 'string' },
      quick: { type: 'boolean' },
      'window-seconds': { type: 'string' },
      'ss-repeat': { type: 'string' },
      'settle-cap-seconds': { type: 'string' },
      'server-root': { type: 'string' },
      label: { type: 'string' },
      'child-ehash-entries': { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const text = (name: string, full: string, short: string): string => (typeof values[name] === 'string' ? (values[name] as string) : quick ? short : full);
  const serverRoot = serverRootOption(values['server-root']);
  const label = labelOption(values.label);
  const sockets = positiveInt('sockets', text('sockets', '50000', '1000'));
  const namespaceCount = positiveInt('namespace-count', text('namespace-count', '50', '5'));
  // Every namespace holds whole pairs, the same number in each.
  if (sockets % (2 * namespaceCount) !== 0) throw new RangeError(`--sockets must split into whole pairs over ${namespaceCount} namespaces (a multiple of ${2 * namespaceCount}), got ${sockets}`);
  const ehashText = values['child-ehash-entries'];
  const childEhashEntries = typeof ehashText === 'string' ? positiveInt('child-ehash-entries', ehashText) : null;
  // The kernel rounds up to a power of two and caps it at 16M buckets; say so rather than measure something else.
  if (childEhashEntries !== null && (childEhashEntries & (childEhashEntries - 1)) !== 0) throw new RangeError(`--child-ehash-entries must be a power of two, got ${childEhashEntries}`);
  return {
    sockets,
    namespaceCount,
    quick,
    // 60 s: B sweeps every ~6 s at 50k, and a sweep is most of its CPU; in 20 s one sweep more or less moved the mean ±30 %.
    windowSec: positiveInt('window-seconds', text('window-seconds', '60', '5')),
    ssRepeat: positiveInt('ss-repeat', text('ss-repeat', '5', '3')),
    settleCapMs: positiveInt('settle-cap-seconds', text('settle-cap-seconds', '180', '60')) * 1000,
    serverRoot,
    label,
    childEhashEntries,
  };
}
