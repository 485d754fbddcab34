/** Connection filters, applied the same way by the REST API, the stream and the table. */
import type { ConnectionFilter, ConnectionView } from './protocol.js';

export function keepaliveOn(view: ConnectionView): boolean {
  if (view.keepalive) return view.keepalive.enabled;
  return view.timer.kind === 'keepalive';
}

export function inProbePhase(view: ConnectionView): boolean {
  if (view.derived) return view.derived.phase === 'probing';
  return view.timer.kind === 'keepalive' && view.timer.count > 0;
}

export function matchesFilter(view: ConnectionView, filter: ConnectionFilter): boolean {
  if (filter.state) {
    const states = filter.state.toUpperCase().replace(/-/g, '_').split(',').map((s) => s.trim()).filter(Boolean);
    if (states.length > 0 && !states.includes(view.state)) return false;
  }
  if (filter.port !== undefined && view.local.port !== filter.port && view.peer.port !== filter.port) return false;
  if (filter.address && !view.local.address.includes(filter.address) && !view.peer.address.includes(filter.address)) return false;
  if (filter.pid !== undefined && !view.holders.some((h) => h.pid === filter.pid)) return false;
  if (filter.command) {
    const needle = filter.command.toLowerCase();
    if (!view.holders.some((h) => h.comm.toLowerCase().includes(needle))) return false;
  }
  if (filter.keepalive !== undefined && keepaliveOn(view) !== (filter.keepalive === 'on')) return false;
  if (filter.probing !== undefined && inProbePhase(view) !== filter.probing) return false;
  if (filter.owned !== undefined && (view.ownership === 'owned') !== filter.owned) return false;
  if (filter.netns !== undefined && view.netns?.inode !== filter.netns) return false;
  return true;
}

export function isEmptyFilter(filter: ConnectionFilter): boolean {
  return Object.values(filter).every((v) => v === undefined || v === '');
}
