/** Telling "this file no longer names the namespace" apart from an error about what is inside it. */
import { isNetnsEntryError, type NetnsTarget } from '@keepalive-dashboard/native';

import { EnterNetnsError } from '../sources/run-tool.js';

/** Errnos of a namespace file that is gone: its process exited, its mount went, or the pid was reused (ESTALE: another namespace now). */
const GONE = new Set(['ENOENT', 'ESRCH', 'ESTALE']);

/** Reaching the namespace failed (the addon's entry syscalls, or nsenter's own failure) — not something about a socket inside, whose ENOENT means the socket is gone. */
export function isNamespaceError(error: unknown): boolean {
  return isNetnsEntryError(error) || error instanceof EnterNetnsError;
}

export function isNamespaceFileGone(error: unknown): boolean {
  return isNamespaceError(error) && GONE.has(String((error as { code?: unknown }).code));
}

/**
 * Runs `fn` through the first file that still names the namespace: a
 * namespace is named by several (its mounts, its processes' ns files), and
 * any of them may go at any moment. Errors about what is inside are thrown
 * at once; `gone` is thrown when every file has gone.
 */
export function throughTargets<T>(targets: readonly NetnsTarget[], gone: () => Error, fn: (target: NetnsTarget) => T): T {
  let last: unknown = null;
  for (const target of targets) {
    try {
      return fn(target);
    } catch (error) {
      if (!isNamespaceFileGone(error)) throw error;
      last = error;
    }
  }
  throw last ?? gone();
}
