import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { getKeepalive, setKeepalive } from '@keepalive-dashboard/native';
import { parseSsDuration } from '@keepalive-dashboard/server/sources/ss-duration';

import { openPair } from '../helpers/loopback.js';

function ssTimer(localPort: number): { kind: string; ms: number; resolutionMs: number; probes: number } {
  const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${localPort} )`], { encoding: 'utf8' });
  const m = /timer:\((\w+),([^,]*),(\d+)\)/.exec(out);
  assert.ok(m, `ss shows a timer for :${localPort}: ${JSON.stringify(out)}`);
  const duration = parseSsDuration(m[2] ?? '');
  assert.ok(duration, `ss duration ${m[2]} parses`);
  return { kind: m[1] ?? '', ms: duration.ms, resolutionMs: duration.resolutionMs, probes: Number(m[3]) };
}

test('the kernel agrees: after TCP_KEEPIDLE on an idle socket, ss shows the new keepalive timer', async (t) => {
  const { client } = await openPair(t);
  setKeepalive(client, { enabled: true, idleSec: 7200 });
  const before = ssTimer(client.localPort ?? 0);
  assert.equal(before.kind, 'keepalive');
  assert.ok(before.ms > 100 * 60_000, `default-ish timer ${before.ms} ms`);

  for (const idleSec of [300, 45, 8]) {
    setKeepalive(client, { idleSec });
    assert.equal(getKeepalive(client).idleSec, idleSec);
    const timer = ssTimer(client.localPort ?? 0);
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
  assert.equal(ssTimer(client.localPort ?? 0).kind, 'keepalive');
  setKeepalive(client, { enabled: false });
  const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${client.localPort} )`], { encoding: 'utf8' });
  assert.doesNotMatch(out, /timer:\(keepalive/);
});
