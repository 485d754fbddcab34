/**
 * What this process may do, from its effective capability set
 * (/proc/self/status CapEff) — so a non-root run can say what is missing.
 */
import { accessSync, constants, readFileSync } from 'node:fs';

import type { Capabilities } from '@keepalive-dashboard/shared';

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;
const CAP_SYS_PTRACE = 19;
const CAP_SYS_ADMIN = 21;

export function effectiveCapabilities(statusText?: string): bigint {
  const text = statusText ?? readFileSync('/proc/self/status', 'utf8');
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(text);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

const has = (caps: bigint, bit: number): boolean => (caps & (1n << BigInt(bit))) !== 0n;

export function detectCapabilities(nativeLoaded: boolean, statusText?: string): Capabilities {
  const caps = effectiveCapabilities(statusText);
  const netAdmin = has(caps, CAP_NET_ADMIN);
  const sysPtrace = has(caps, CAP_SYS_PTRACE);
  const sysAdmin = has(caps, CAP_SYS_ADMIN);
  const netRaw = has(caps, CAP_NET_RAW);
  let sysctlWrite: boolean;
  try {
    accessSync('/proc/sys/net/ipv4/tcp_keepalive_time', constants.W_OK);
    sysctlWrite = true;
  } catch {
    sysctlWrite = false;
  }
  const missing: string[] = [];
  if (!nativeLoaded) missing.push('native addon not loaded: netlink source, retuning and kills are unavailable');
  if (!netAdmin) missing.push('CAP_NET_ADMIN: needed to kill connections and black-hole lab peers');
  if (!sysPtrace) missing.push("CAP_SYS_PTRACE: needed to read and retune other processes' sockets (same-uid processes still work)");
  if (!sysctlWrite) missing.push('root: needed to change net.ipv4.tcp_keepalive_* sysctls');
  if (!sysAdmin) missing.push("CAP_SYS_ADMIN: needed to enter other network namespaces (containers' sockets are then read from /proc/PID/net where visible, without tcp_info)");
  if (!netRaw) missing.push("CAP_NET_RAW: probes on the wire need CAP_NET_RAW; the kernel's counters are shown instead");
  return { netAdmin, sysPtrace, sysctlWrite, sysAdmin, netRaw, native: nativeLoaded, missing };
}
