// The same sockets, captured through ss, netstat and /proc within a second of each other, must read the same.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Connection } from '@keepalive-dashboard/shared';
import { parseNetstat } from '@keepalive-dashboard/server/sources/netstat';
import { parseProcNetTcp } from '@keepalive-dashboard/server/sources/proc';
import { parseSs } from '@keepalive-dashboard/server/sources/ss';

import { fixture } from './fixtures.js';

/** Everything the three sources share; ss alone knows the scope and a listener's backlog limit (its Send-Q). */
const shared = (c: Connection): string =>
  JSON.stringify([c.family, c.state, c.local.address.replace(/%.*/, ''), c.local.port, c.peer, c.inode, c.uid, c.recvQ,
    c.state === 'LISTEN' ? 0 : c.sendQ, c.timer.kind, c.timer.count]);

for (const capture of ['steady-client', 'steady-server', 'probing-client']) {
  test(`${capture}: ss, netstat and /proc agree`, () => {
    const ss = parseSs(fixture(`ss/${capture}-tanoie.txt`)).connections;
    const netstat = parseNetstat(fixture(`netstat/${capture}.txt`)).connections;
    const proc = [
      ...parseProcNetTcp(fixture(`proc/${capture}-tcp.txt`), 4, 100, { littleEndian: true }).connections,
      ...parseProcNetTcp(fixture(`proc/${capture}-tcp6.txt`), 6, 100, { littleEndian: true }).connections,
    ];
    assert.deepEqual(netstat.map(shared).sort(), ss.map(shared).sort());
    assert.deepEqual(proc.map(shared).sort(), ss.map(shared).sort());
    // netstat and /proc read the same ticks; ss prints them with a coarser, different resolution.
    for (const c of netstat) {
      const p = proc.find((x) => x.id === c.id);
      assert.ok(p && Math.abs(p.timer.remainingMs - c.timer.remainingMs) < 1000, `${c.id}: ${c.timer.remainingMs} vs ${p?.timer.remainingMs}`);
    }
  });
}
