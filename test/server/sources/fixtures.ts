/** Captured outputs under test/fixtures (made by test/fixtures/capture.sh) and lookups into parsed ones. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import { ConnectionSchema, type Connection } from '@keepalive-dashboard/shared';
import { Value } from '@sinclair/typebox/value';

const root = new URL('../../fixtures/', import.meta.url);

export const fixture = (name: string): string => readFileSync(new URL(name, root), 'utf8');

/** The one connection with this local port (and address, where a port is shared). */
export function byLocal(connections: Connection[], port: number, address?: string): Connection {
  const found = connections.filter((c) => c.local.port === port && (address === undefined || c.local.address === address));
  assert.equal(found.length, 1, `one connection on local :${port} ${address ?? ''}, got ${found.length}`);
  return found[0] as Connection;
}

/** The one socket of a live 4-tuple's ports on loopback: the host has other sockets, maybe on the same local port. */
export function byPorts(connections: Connection[], localPort: number, peerPort: number): Connection {
  const found = connections.filter((c) => c.local.port === localPort && c.peer.port === peerPort && c.state !== 'TIME_WAIT');
  assert.equal(found.length, 1, `one connection :${localPort} → :${peerPort}, got ${found.length}`);
  return found[0] as Connection;
}

export function assertSchema(connections: Connection[]): void {
  for (const c of connections) assert.ok(Value.Check(ConnectionSchema, c), `${JSON.stringify(c)}: ${[...Value.Errors(ConnectionSchema, c)].map((e) => `${e.path} ${e.message}`).join('; ')}`);
}

/** The inode of an fd of this process, from its /proc/self/fd link `socket:[N]`. */
export function inodeOfFd(fd: number): number {
  const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
  assert.ok(m, `fd ${fd} is a socket`);
  return Number(m[1]);
}

/** An empty directory, removed after the test: a PATH with no tools, a /proc/net with no files. */
export function emptyDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'ka-empty-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
