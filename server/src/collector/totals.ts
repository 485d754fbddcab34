import { inProbePhase, keepaliveOn, type ConnectionView, type Totals } from '@keepalive-dashboard/shared';

/** The totals of every row; `byNetns`, when given, also gets each namespace's row count (one pass over 100k rows, not two). */
export function computeTotals(views: Iterable<ConnectionView>, byNetns?: Map<number, number>): Totals {
  const totals: Totals = { connections: 0, byState: {}, keepaliveOn: 0, keepaliveOff: 0, probing: 0 };
  for (const view of views) {
    totals.connections++;
    if (byNetns && view.netns) byNetns.set(view.netns.inode, (byNetns.get(view.netns.inode) ?? 0) + 1);
    totals.byState[view.state] = (totals.byState[view.state] ?? 0) + 1;
    if (view.state === 'ESTABLISHED' || view.state === 'LISTEN' || view.state === 'CLOSE_WAIT') {
      if (keepaliveOn(view)) totals.keepaliveOn++;
      else totals.keepaliveOff++;
    }
    if (inProbePhase(view)) totals.probing++;
  }
  return totals;
}
