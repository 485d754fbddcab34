/** Comparing holder lists (pid, fd, comm and who the process is, in the process map's order). */
import type { Holder } from '@keepalive-dashboard/shared';

/** The same fds of the same processes: what a foreign read goes through. */
export function sameHolderFds(a: readonly Holder[], b: readonly Holder[]): boolean {
  return a === b || (a.length === b.length && a.every((h, i) => h.pid === b[i]?.pid && h.fd === b[i]?.fd));
}

/** …and the same names, command lines, users and units: what a viewer sees. */
export function sameHolders(a: readonly Holder[], b: readonly Holder[]): boolean {
  return (
    sameHolderFds(a, b) &&
    a.every((h, i) => {
      const o = b[i] as Holder;
      return h.comm === o.comm && h.cmdline === o.cmdline && h.uid === o.uid && h.user === o.user && h.unit === o.unit;
    })
  );
}
