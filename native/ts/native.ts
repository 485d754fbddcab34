// The raw addon's interface, exactly as the C++ exports it. Applied at the one
// place the .node file is loaded (loader.ts); everything else uses index.ts.

/** struct tcp_info as decoded by the addon; a field the kernel did not return is absent. */
export interface RawTcpInfo {
  length: number;
  [field: string]: number | boolean | undefined;
}

export interface RawKeepalive {
  enabled: boolean;
  idleSec: number;
  intervalSec: number;
  count: number;
  userTimeoutMs: number;
}

export interface RawAddon {
  getTcpInfo(fd: number): RawTcpInfo;
  getKeepalive(fd: number): RawKeepalive;
  /** -1 leaves an option as it is; `enabled` is 0 or 1. */
  setKeepalive(fd: number, enabled: number, idleSec: number, intervalSec: number, count: number, userTimeoutMs: number): void;
}
