/**
 * Both families from one walk of the kernel's TCP hash tables (the legacy
 * TCPDIAG_GETSOCK dump, AF_UNSPEC inside the kernel), not one dump per family.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import { createTcpSocketDiffer, dumpTcpSockets, type DiagSocket, type TcpSocketTable } from '@keepalive-dashboard/native';

import { live, onListenerPort } from '../helpers/diag.js';
import { openPair } from '../helpers/loopback.js';

type Row = DiagSocket & { at: number };

/** A listening pair on 127.0.0.1 and one on ::1: their listener ports. */
async function pairOfEach(t: TestContext): Promise<number[]> {
  const v4 = await openPair(t, '127.0.0.1');
  const v6 = await openPair(t, '::1');
  return [v4.port, v6.port];
}

/** Our rows, each with its position in the dump. */
function rowsOn(ports: number[], table: TcpSocketTable): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < table.length; i++) {
    if (ports.includes(table.localPort(i)) || ports.includes(table.peerPort(i))) rows.push({ ...table.at(i), at: i });
  }
  return live(rows).filter((r) => ports.some((port) => onListenerPort(port, [r]).length === 1));
}

// Each of the six sockets once, and in one walk's order: the kernel lists the
// listening hash (both families), then the established one; a dump per family
// would put the v4 connections before the v6 listener.
function assertOneWalk(rows: Row[]): void {
  assert.equal(rows.length, 6);
  assert.equal(new Set(rows.map((r) => r.cookie)).size, 6);
  assert.deepEqual(rows.map((r) => r.family).sort(), [4, 4, 4, 6, 6, 6]);
  const listeners = rows.filter((r) => r.state === 'LISTEN').map((r) => r.at);
  const connections = rows.filter((r) => r.state === 'ESTABLISHED').map((r) => r.at);
  assert.equal(listeners.length, 2);
  assert.ok(Math.max(...listeners) < Math.min(...connections), `listeners at ${listeners}, connections at ${connections}`);
}

test('one dump holds a 127.0.0.1 and a ::1 pair, each socket once by cookie, from one walk', async (t) => {
  assertOneWalk(rowsOn(await pairOfEach(t), dumpTcpSockets()));
});

test('a sweep reports both pairs from one walk, each socket once, and a second sweep none of them', async (t) => {
  const ports = await pairOfEach(t);
  const differ = createTcpSocketDiffer();
  t.after(() => differ.close());
  assertOneWalk(rowsOn(ports, (await differ.sweep(200)).changed));
  assert.equal(rowsOn(ports, (await differ.sweep(200)).changed).length, 0);
});
