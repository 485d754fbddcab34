// Builds the addon with node-gyp. On Linux only: elsewhere the TypeScript face
// answers every call with ENOTSUP, so there is nothing to compile.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));

if (process.platform !== 'linux') {
  console.log(`keepalive-dashboard native: skipping build on ${process.platform} (Linux only for now)`);
  process.exit(0);
}

const require = createRequire(import.meta.url);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const args = [gyp, 'rebuild'];
// Machines without internet carry Node's headers beside the binary
// (e.g. /usr/include/node); use them instead of downloading a tarball.
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const result = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
process.exit(result.status ?? 1);
