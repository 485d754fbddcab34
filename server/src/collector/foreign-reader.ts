/**
 * The ForeignBatchReader over the addon: readForeignKeepaliveBatch (one
 * pidfd_open per process, then getfd + inode check + getsockopt per socket;
 * ~9 µs a socket measured, 7 of them kernel), else — a built addon older than
 * the batch — one withSocket per socket: the same answers at 30–50 µs each.
 */
import { getKeepalive, readForeignKeepaliveBatch } from '@keepalive-dashboard/native';
import type { KeepaliveSettings } from '@keepalive-dashboard/shared';

import type { ForeignAccess } from '../control/socket-control.js';
import type { ForeignBatchItem, ForeignBatchReader, ForeignBatchResult } from './foreign-settings.js';

type BatchFn = (pid: number, items: readonly ForeignBatchItem[]) => ForeignBatchResult[];

/** Per-socket errors that are really the process's: every other socket of it would fail the same way. */
const PROCESS_CODES = new Set(['ESRCH', 'EPERM', 'EINVAL', 'ENOSYS']);

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
};

/** Reads one socket at a time through `access` (the path before the addon had batches). */
export function perSocketReader(access: ForeignAccess, getKeepalive: (fd: number) => KeepaliveSettings): ForeignBatchReader {
  return {
    readBatch(pid, items) {
      return items.map(({ fd, inode }): ForeignBatchResult => {
        try {
          return { settings: access.withSocket(pid, fd, inode, getKeepalive) };
        } catch (error) {
          // The contract: a process that can't be opened throws, instead of failing its 50k sockets one by one.
          if (PROCESS_CODES.has(codeOf(error))) throw error;
          return { error: { code: codeOf(error), message: error instanceof Error ? error.message : String(error) } };
        }
      });
    },
  };
}

/** The addon's batch; one socket at a time through `access` once the built addon turns out to predate it (ERR_ADDON_STALE). */
export function createForeignReader(access: ForeignAccess, batch: BatchFn = readForeignKeepaliveBatch): ForeignBatchReader {
  const fallback = perSocketReader(access, (fd) => getKeepalive(fd));
  let useBatch = true;
  return {
    readBatch(pid, items) {
      if (useBatch) {
        try {
          return batch(pid, items);
        } catch (error) {
          if (codeOf(error) !== 'ERR_ADDON_STALE') throw error;
          useBatch = false;
        }
      }
      return fallback.readBatch(pid, items);
    },
  };
}
