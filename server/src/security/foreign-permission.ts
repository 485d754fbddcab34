/**
 * Without CAP_SYS_PTRACE another user's processes cannot even be looked at:
 * /proc/PID/fd is unreadable, so their sockets show no holder at all. That
 * must read as "not permitted", never as "no process holds it" or "the socket
 * is gone" — the socket is right there in the kernel's table.
 */
import type { Capabilities, ConnectionView, ErrorBody } from '@keepalive-dashboard/shared';

/** The error to show for a socket whose holders are hidden from us, or null when nothing is hidden. */
export function hiddenForeignSocket(view: ConnectionView, capabilities: Capabilities, euid = process.geteuid?.() ?? 0): ErrorBody | null {
  if (capabilities.sysPtrace || view.ownership !== 'foreign' || view.uid === euid) return null;
  return {
    code: 'EPERM',
    message:
      `socket inode ${view.inode} belongs to uid ${view.uid}, and this server (uid ${euid}) lacks CAP_SYS_PTRACE: ` +
      "reading or retuning another user's socket needs CAP_SYS_PTRACE (without it the processes holding it cannot even be seen in /proc)",
  };
}
