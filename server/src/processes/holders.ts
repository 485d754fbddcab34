/** Comparing holder lists (pid, fd, comm in the process map's order). */
import type { Holder } from '@keepalive-dashboard/shared';

/** The same fds of the same processes: what a foreign read goes through. */
export function sameHolderFds(a: readonly Holder[], b: readonly Holder[]): boolean {
  return a === b || (a.length === b.length && a.every((h, i) => h.pid === b[i]?.pid && h.fd === b[i]?.fd));
}

/** …and the same command names: what a viewer sees. */
export function sameHolders(a: readonly Holder[], b: readonly Holder[]): boolean {
  return sameHolderFds(a, b) && a.every((h, i) => h.comm === b[i]?.comm);
}
