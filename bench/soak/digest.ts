/**
 * One short text for a whole table of views, whatever order they are held
 * in: a client host digests its model and the soak the server's table, and
 * the two are equal exactly when both hold the same ids with the same JSON.
 * A client whose model drifted from the server's — a lost delta, a fold that
 * dropped a row — is caught even when every frame it got looked consistent
 * on its own.
 */
import { createHash } from 'node:crypto';

import type { ConnectionView } from '@keepalive-dashboard/shared';

export function tableDigest(views: Iterable<ConnectionView>): string {
  // One hash over the views sorted by id: a hash object per view cost ~20 s
  // for a host of ten 11k-view models on loaded cores.
  const sorted = [...views].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const hash = createHash('sha256');
  // JSON text, because that is what crossed the wire: the server's object and
  // the client's parsed copy stringify alike (undefined fields dropped on both).
  for (const view of sorted) hash.update(JSON.stringify(view)).update('\n');
  return `${sorted.length} views #${hash.digest('hex').slice(0, 16)}`;
}
