/** The four host-wide sources by name. */
import type { SourceName } from '@keepalive-dashboard/shared';

import { createNetlinkSource } from './netlink.js';
import { createNetstatSource } from './netstat.js';
import { createProcSource } from './proc.js';
import type { SourceFactories } from './select.js';
import { createSsSource } from './ss.js';
import type { Source } from './types.js';

export const SOURCE_FACTORIES: SourceFactories = {
  netlink: () => createNetlinkSource(),
  ss: () => createSsSource(),
  netstat: () => createNetstatSource(),
  proc: () => createProcSource(),
};

export function createSource(name: SourceName): Source {
  return SOURCE_FACTORIES[name]();
}

export { selectSource, AUTO_ORDER, type SelectedSource, type SourceRequest } from './select.js';
export type { Source } from './types.js';
