/** The table's free-text search, one definition for the server's window and a capture shown in the browser. */
import { formatEndpoint } from './connection.js';
import type { ConnectionView } from './protocol.js';

/** Matches state, endpoints, commands, pids, id, inode, namespace label; blank matches everything. */
export function matchesSearch(view: ConnectionView, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (!needle) return true;
  if (view.state.toLowerCase().includes(needle) || view.id.toLowerCase().includes(needle)) return true;
  if (formatEndpoint(view.local).toLowerCase().includes(needle) || formatEndpoint(view.peer).toLowerCase().includes(needle)) return true;
  if (view.inode > 0 && String(view.inode) === needle) return true;
  if (view.netns && (view.netns.label.toLowerCase().includes(needle) || String(view.netns.inode) === needle)) return true;
  return view.holders.some((h) => h.comm.toLowerCase().includes(needle) || String(h.pid) === needle || h.cmdline.toLowerCase().includes(needle));
}
