/**
 * keepalive-dashboard's native layer: tcp_info and keepalive options on a
 * socket this process holds. Linux only; elsewhere every call throws ENOTSUP.
 */
import { systemError } from './errors.js';
import { fdOf, type SocketTarget } from './fd.js';
import { loadAddon, throwingAddon } from './loader.js';
import type { RawAddon } from './native.js';
import { nameTcpInfo, type TcpInfo } from './tcp-info.js';
import { validateKeepalive, type KeepaliveSettings } from './validate.js';

export { fdOf, type SocketTarget } from './fd.js';
export { isSystemError, systemError, type SystemError } from './errors.js';
export { defaultAddonPaths, loadAddon, type RequireFn } from './loader.js';
export { CA_STATE_NAMES, TCP_STATE_NAMES, type TcpInfo } from './tcp-info.js';
export { KEEPALIVE_BOUNDS, validateKeepalive, type KeepaliveNumberField, type KeepaliveSettings } from './validate.js';

export interface NativeApi {
  /** The kernel's struct tcp_info for the socket. */
  getTcpInfo(target: SocketTarget): TcpInfo;
  /** SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and TCP_USER_TIMEOUT as the kernel reports them. */
  getKeepalive(target: SocketTarget): KeepaliveSettings;
  /** Applies only the fields given; validates first (RangeError/TypeError naming the bound). */
  setKeepalive(target: SocketTarget, partial: Partial<KeepaliveSettings>): void;
}

export interface NativeOptions {
  /** Defaults to process.platform; injectable so the non-Linux path is testable on Linux. */
  platform?: NodeJS.Platform;
  /** Defaults to loading the built addon. */
  load?: () => RawAddon;
}

/** Builds the API over an addon; the addon is loaded on first use, so importing never throws. */
export function createNative(options: NativeOptions = {}): NativeApi {
  const platform = options.platform ?? process.platform;
  let addon: RawAddon | undefined;
  const raw = (): RawAddon => {
    if (addon) return addon;
    if (platform !== 'linux') {
      // macOS could follow with TCP_KEEPALIVE (0x10), TCP_KEEPINTVL (0x101) and
      // TCP_KEEPCNT (0x102); Windows with WSAIoctl(SIO_KEEPALIVE_VALS).
      addon = throwingAddon(systemError('ENOTSUP', `keepalive-dashboard's native layer supports Linux only, not ${platform}`));
    } else {
      try {
        addon = (options.load ?? loadAddon)();
      } catch (error) {
        addon = throwingAddon(error as Error);
      }
    }
    return addon;
  };
  return {
    getTcpInfo: (target) => nameTcpInfo(raw().getTcpInfo(fdOf(target))),
    getKeepalive: (target) => raw().getKeepalive(fdOf(target)),
    setKeepalive(target, partial) {
      const change = validateKeepalive(partial);
      const fd = fdOf(target);
      const skip = (value: number | undefined): number => value ?? -1;
      raw().setKeepalive(
        fd,
        change.enabled === undefined ? -1 : Number(change.enabled),
        skip(change.idleSec),
        skip(change.intervalSec),
        skip(change.count),
        skip(change.userTimeoutMs),
      );
    },
  };
}

const native = createNative();

export const getTcpInfo = native.getTcpInfo;
export const getKeepalive = native.getKeepalive;
export const setKeepalive = native.setKeepalive;
