import { inProbePhase, keepaliveOn, type ConnectionView, type Totals } from '@keepalive-dashboard/shared';

export function computeTotals(views: Iterable<ConnectionView>): Totals {
  const totals: Totals = { connections: 0, byState: {}, keepaliveOn: 0, keepaliveOff: 0, probing: 0 };
  for (const view of views) {
    totals.connections++;
    totals.byState[view.state] = (totals.byState[view.state] ?? 0) + 1;
    if (view.state === 'ESTABLISHED' || view.state === 'LISTEN' || view.state === 'CLOSE_WAIT') {
      if (keepaliveOn(view)) totals.keepaliveOn++;
      else totals.keepaliveOff++;
    }
    if (inProbePhase(view)) totals.probing++;
  }
  return totals;
}
