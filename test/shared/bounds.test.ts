import assert from 'node:assert/strict';
import { test } from 'node:test';

import { KEEPALIVE_BOUNDS as nativeBounds } from '@keepalive-dashboard/native';
import { checkKeepaliveValue, KEEPALIVE_BOUNDS } from '@keepalive-dashboard/shared';

test('shared and native agree on the bounds', () => {
  assert.deepEqual(KEEPALIVE_BOUNDS, nativeBounds);
});

test('checkKeepaliveValue names the bound', () => {
  assert.equal(checkKeepaliveValue('idleSec', 1), null);
  assert.equal(checkKeepaliveValue('idleSec', 0)?.message, 'idle must be 1–32767 s, got 0');
  assert.equal(checkKeepaliveValue('count', 128)?.message, 'count must be 1–127, got 128');
  assert.equal(checkKeepaliveValue('userTimeoutMs', 1.5)?.message, 'user timeout must be an integer 0–2147483647 ms');
  assert.equal(checkKeepaliveValue('intervalSec', 'x')?.field, 'intervalSec');
});
