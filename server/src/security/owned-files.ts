/**
 * Files a root process writes (the audit log, its lock, state files) must be
 * ones no other local user can forge, read, or swap. The policy, in the
 * spirit of OpenSSH's StrictModes:
 *
 * - the file's directory is created 0700 when missing; an existing one must be
 *   owned by our euid and not writable by group or others;
 * - every ancestor (of the path as given and of its real path) must be owned
 *   by root or our euid, and not writable by group/others unless sticky (/tmp):
 *   whoever can write an ancestor can rename the directory away and put their
 *   own in its place;
 * - the file itself is never a symlink (O_NOFOLLOW), is a regular file owned by
 *   our euid and not writable by group/others, and is created 0600.
 *
 * Node has no openat(2), so files are opened by full path: that is safe only
 * because no one else can change any directory on the way. Refusals carry an
 * errno-like `code` and a message naming the path and its owner.
 */
import { closeSync, constants, existsSync, fchmodSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface OwnedFileError extends Error {
  code: string;
  path: string;
}

/** The identity the checks hold files to; injectable so tests can play another user. */
export interface Owner {
  euid: number;
}

const currentOwner = (): Owner => ({ euid: process.geteuid?.() ?? 0 });

const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000; // S_ISVTX: only an entry's owner may rename or remove it
const ACCESSIBLE_BY_OTHERS = 0o077;

function refusal(code: string, path: string, message: string): OwnedFileError {
  return Object.assign(new Error(message), { code, path });
}

/** "uid 65534 (nobody)", or "uid 1234" when /etc/passwd does not name it. */
export function describeOwner(uid: number): string {
  let name: string | undefined;
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    name = line?.split(':')[0];
  } catch {
    // no passwd file (a container): the uid alone
  }
  return name ? `uid ${uid} (${name})` : `uid ${uid}`;
}

function modeText(stat: Stats): string {
  return (stat.mode & 0o7777).toString(8).padStart(4, '0');
}

/** The directories above `dir` (not `dir` itself), nearest first, up to `/`. */
function ancestorsOf(dir: string): string[] {
  const out: string[] = [];
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    out.push(parent);
    if (parent === dirname(parent)) return out;
  }
}

function checkAncestor(path: string, owner: Owner): void {
  const stat = lstatSync(path);
  // A symlink's own mode means nothing; the directory holding it is checked as the next ancestor.
  if (stat.isSymbolicLink()) return;
  if (stat.uid !== 0 && stat.uid !== owner.euid) {
    throw refusal('EPERM', path, `${path} is owned by ${describeOwner(stat.uid)}, who could swap what is below it: refusing to keep files there (it must be owned by root or ${describeOwner(owner.euid)})`);
  }
  const sticky = (stat.mode & STICKY) !== 0;
  if ((stat.mode & WRITABLE_BY_OTHERS) !== 0 && !sticky) {
    throw refusal('EPERM', path, `${path} (owned by ${describeOwner(stat.uid)}, mode ${modeText(stat)}) is writable by group or others without the sticky bit, so they could swap what is below it: refusing to keep files there`);
  }
}

/**
 * Makes sure `dir` is a directory only we can write: created 0700 (with any
 * missing parents) if absent, else checked; its ancestors checked too.
 */
export function ensurePrivateDirectory(dir: string, owner: Owner = currentOwner()): void {
  const path = resolve(dir);
  // Nothing is created under a directory someone else could swap: check what exists first.
  let existing = path;
  while (!existsSync(existing)) existing = dirname(existing);
  if (existing !== path) {
    for (const ancestor of new Set([existing, realpathSync(existing), ...ancestorsOf(existing), ...ancestorsOf(realpathSync(existing))])) checkAncestor(ancestor, owner);
  }
  // One level at a time, not { recursive: true }: where a parent exists but refuses the child with
  // ENOENT (procfs, sysfs), Node's recursive mkdir retries the two forever.
  const missing: string[] = [];
  for (let p = path; p !== existing; p = dirname(p)) missing.unshift(p);
  for (const p of missing) mkdirSync(p, { mode: 0o700 });
  for (const ancestor of new Set([...ancestorsOf(path), ...ancestorsOf(realpathSync(path))])) checkAncestor(ancestor, owner);
  const stat = statSync(path);
  if (!stat.isDirectory()) throw refusal('ENOTDIR', path, `${path} is not a directory`);
  if (stat.uid !== owner.euid) {
    throw refusal('EPERM', path, `${path} is owned by ${describeOwner(stat.uid)}, not by ${describeOwner(owner.euid)} that runs the server: refusing to keep files there (that user could read, forge or swap them)`);
  }
  if ((stat.mode & WRITABLE_BY_OTHERS) !== 0) {
    throw refusal('EPERM', path, `${path} (owned by ${describeOwner(stat.uid)}, mode ${modeText(stat)}) is writable by group or others: refusing to keep files there (chmod 700 it)`);
  }
}

/** Refuses an existing `path` that is not a regular file owned by us and writable by us alone; null when absent. */
export function checkPrivateFile(path: string, owner: Owner = currentOwner()): Stats | null {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (stat.isSymbolicLink()) throw refusal('ELOOP', path, `${path} is a symbolic link: files are never written through one (give the real path)`);
  if (stat.isDirectory()) throw refusal('EISDIR', path, `${path} is a directory, not a file`);
  if (!stat.isFile()) throw refusal('EINVAL', path, `${path} is not a regular file (a device, socket or FIFO): refusing to use it`);
  if (stat.uid !== owner.euid) {
    throw refusal('EPERM', path, `${path} is owned by ${describeOwner(stat.uid)}, not by ${describeOwner(owner.euid)} that runs the server: refusing it (its owner could forge or read what is written there)`);
  }
  if ((stat.mode & WRITABLE_BY_OTHERS) !== 0) {
    throw refusal('EPERM', path, `${path} (owned by ${describeOwner(stat.uid)}, mode ${modeText(stat)}) is writable by group or others: refusing it`);
  }
  return stat;
}

export interface OpenedPrivateFile {
  fd: number;
  /** False when the file existed before (its content is someone's earlier run, or not ours at all). */
  created: boolean;
  /** True when an existing file was readable by group/others: call restrictToOwner once it is accepted. */
  tooOpen: boolean;
}

/**
 * Opens `path` (created 0600 if absent) in a directory that ensurePrivateDirectory
 * accepts. `flags` are the access flags (O_RDWR | O_APPEND …); O_CREAT and
 * O_NOFOLLOW are added (libuv adds O_CLOEXEC to every open: no child inherits it). A file swapped in between the check
 * and the open is refused.
 */
export function openPrivateFile(path: string, flags: number, owner: Owner = currentOwner()): OpenedPrivateFile {
  const full = resolve(path);
  ensurePrivateDirectory(dirname(full), owner);
  const existing = checkPrivateFile(full, owner);
  // O_NOFOLLOW: a symlink put there after the check fails with ELOOP instead of being followed.
  const fd = openSync(full, flags | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  const opened = fstatSync(fd);
  const swapped = existing ? opened.dev !== existing.dev || opened.ino !== existing.ino : opened.uid !== owner.euid;
  if (!opened.isFile() || swapped) {
    closeSync(fd);
    throw refusal('EEXIST', full, `${full} changed while it was being opened: refusing it`);
  }
  return { fd, created: existing === null, tooOpen: (opened.mode & ACCESSIBLE_BY_OTHERS) !== 0 };
}

/** Takes group/other access off a file we own and have accepted: 0600, as if we had created it. */
export function restrictToOwner(fd: number): void {
  fchmodSync(fd, 0o600);
}

/** fsync(2) on a directory, so that a file just created in it survives a crash. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
