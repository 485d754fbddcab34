/** Lab connections go to loopback only unless the operator opts in (--lab-any-address). */
import net from 'node:net';

export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIPv4(a)) return a.startsWith('127.');
  if (net.isIPv6(a)) {
    const lower = a.toLowerCase();
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped !== null && (mapped[1] ?? '').startsWith('127.');
  }
  return false;
}

/** Resolves what the lab accepts as a host: an IP literal, or `localhost`. */
export function labHost(host: string): string | null {
  const trimmed = host.trim().replace(/^\[|\]$/g, '');
  if (trimmed === 'localhost') return '127.0.0.1';
  return net.isIP(trimmed) ? trimmed : null;
}
