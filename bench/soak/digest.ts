/**
 * One short text for a whole table of views, the same whatever order the
 * views are in: a client host digests its model and the soak the server's
 * table, and the two are equal exactly when both hold the same ids with the
 * same JSON (up to a 64-bit sum of hashes). A client whose model drifted
 * from what the server holds — a lost delta, a fold that dropped a row — is
 * caught even when every frame it got looked consistent on its own.
 */
import { createHash } from 'node:crypto';

import type { ConnectionView } from '@keepalive-dashboard/shared';

const MASK_64 = (1n << 64n) - 1n;

export function tableDigest(views: Iterable<ConnectionView>): string {
  let sum = 0n;
  let count = 0;
  // JSON text, because that is what crossed the wire: the server's object and
  // the client's parsed copy stringify alike (undefined fields dropped on both).
  for (const view of views) {
    sum = (sum + createHash('sha256').update(JSON.stringify(view)).digest().readBigUInt64BE(0)) & MASK_64;
    count++;
  }
  return `${count} views #${sum.toString(16).padStart(16, '0')}`;
}
