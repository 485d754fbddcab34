import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createNative, defaultAddonPaths, loadAddon } from '@keepalive-dashboard/native';

test('the loader finds the built addon', () => {
  const addon = loadAddon();
  assert.equal(typeof addon.getTcpInfo, 'function');
  assert.ok(defaultAddonPaths.some((p) => p.endsWith('build/Release/keepalive.node')));
});

test('a failed load lists every path tried and why', () => {
  const paths = ['/nonexistent/a/keepalive.node', '/nonexistent/b/keepalive.node'];
  assert.throws(
    () => loadAddon(paths),
    (error: Error & { code?: string; tried?: string[] }) => {
      assert.equal(error.code, 'ERR_ADDON_NOT_FOUND');
      assert.deepEqual(error.tried, paths);
      for (const path of paths) assert.match(error.message, new RegExp(`${path}: Cannot find module`));
      return true;
    },
  );
});

test('a load error surfaces on each call, not at import', () => {
  const native = createNative({
    load: () => loadAddon(['/nonexistent/keepalive.node'], () => {
      throw new Error('invalid ELF header');
    }),
  });
  assert.throws(() => native.getKeepalive(3), { code: 'ERR_ADDON_NOT_FOUND', message: /invalid ELF header/ });
});

for (const platform of ['darwin', 'win32', 'freebsd'] as const) {
  test(`on ${platform} every call throws ENOTSUP`, () => {
    const native = createNative({ platform });
    assert.throws(() => native.getTcpInfo(3), { code: 'ENOTSUP', message: new RegExp(`Linux only, not ${platform}`) });
    assert.throws(() => native.getKeepalive(3), { code: 'ENOTSUP' });
    assert.throws(() => native.setKeepalive(3, { idleSec: 10 }), { code: 'ENOTSUP' });
  });
}
