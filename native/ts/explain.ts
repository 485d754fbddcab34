import { isSystemError, type SystemError } from './errors.js';

/**
 * The same error (code, errno, syscall kept, the original as `cause`) with a
 * message that says what it means for the caller; non-system errors pass through.
 */
export function explain(error: unknown, message: string): unknown {
  if (!isSystemError(error)) return error;
  const explained = new Error(message, { cause: error }) as SystemError;
  explained.code = error.code;
  if (error.errno !== undefined) explained.errno = error.errno;
  if (error.syscall !== undefined) explained.syscall = error.syscall;
  return explained;
}

export function codeOf(error: unknown): string | undefined {
  return isSystemError(error) ? error.code : undefined;
}
