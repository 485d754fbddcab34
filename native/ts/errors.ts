/** An error from the kernel or the addon, with the errno name as `code` (EBADF, EINVAL, EPERM…). */
export interface SystemError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
}

export function systemError(code: string, message: string, syscall?: string): SystemError {
  const error = new Error(message) as SystemError;
  error.code = code;
  if (syscall !== undefined) error.syscall = syscall;
  return error;
}

export function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}
