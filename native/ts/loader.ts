import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { RawAddon } from './native.js';

const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/** Where node-gyp puts the addon, in the order we try them. */
export const defaultAddonPaths: readonly string[] = [
  join(packageRoot, 'build', 'Release', 'keepalive.node'),
  join(packageRoot, 'build', 'Debug', 'keepalive.node'),
];

export type RequireFn = (path: string) => unknown;

/**
 * Loads the first addon that loads; on failure the error lists every path
 * tried and why each failed, so a broken build is diagnosable from one message.
 */
export function loadAddon(paths: readonly string[] = defaultAddonPaths, load: RequireFn = createRequire(import.meta.url)): RawAddon {
  const failures: string[] = [];
  for (const path of paths) {
    try {
      return load(path) as RawAddon;
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      failures.push(`  ${path}: ${reason}`);
    }
  }
  const error = new Error(
    `keepalive-dashboard native addon could not be loaded; tried:\n${failures.join('\n')}\n` +
      'Build it with `npm run build --workspace native` (needs python3, make and a C++ compiler).',
  ) as Error & { code: string; tried: string[] };
  error.code = 'ERR_ADDON_NOT_FOUND';
  error.tried = [...paths];
  throw error;
}

/** An addon whose every call throws `error`: used when loading failed or the platform is not Linux. */
export function throwingAddon(error: Error): RawAddon {
  const fail = (): never => {
    throw error;
  };
  return { getTcpInfo: fail, getKeepalive: fail, setKeepalive: fail };
}
