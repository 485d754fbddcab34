import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';

import { getKeepalive, setKeepalive } from '@keepalive-dashboard/native';

import { openPair } from '../helpers/loopback.js';
import { ssLine, ssTimer } from '../helpers/ss.js';

const ends = (c: Socket) => [{ address: c.localAddress ?? '', port: c.localPort ?? 0 }, { address: c.remoteAddress ?? '', port: c.remotePort ?? 0 }] as const;

test('the kernel agrees: after TCP_KEEPIDLE on an idle socket, ss shows the new keepalive timer', async (t) => {
  const { client } = await openPair(t);
  setKeepalive(client, { enabled: true, idleSec: 7200 });
  const before = ssTimer(...ends(client));
  assert.equal(before.kind, 'keepalive');
  assert.ok(before.ms > 100 * 60_000, `default-ish timer ${before.ms} ms`);

  for (const idleSec of [300, 45, 8]) {
    setKeepalive(client, { idleSec });
    assert.equal(getKeepalive(client).idleSec, idleSec);
    const timer = ssTimer(...ends(client));
    assert.equal(timer.kind, 'keepalive');
    assert.equal(timer.probes, 0);
    // The timer was just re-armed to idle − elapsed; ss truncates to its print resolution.
    assert.ok(timer.ms <= idleSec * 1000, `${timer.ms} ≤ ${idleSec * 1000}`);
    assert.ok(timer.ms + timer.resolutionMs >= idleSec * 1000 - 1500, `${timer.ms} (+${timer.resolutionMs}) ≈ ${idleSec * 1000}`);
  }
});

test('turning keepalive off removes the keepalive timer', async (t) => {
  const { client } = await openPair(t);
  setKeepalive(client, { enabled: true, idleSec: 60 });
  assert.equal(ssTimer(...ends(client)).kind, 'keepalive');
  setKeepalive(client, { enabled: false });
  assert.doesNotMatch(ssLine(...ends(client)), /timer:\(keepalive/);
});
