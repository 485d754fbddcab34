/**
 * One registry of API errors: a stable code, an HTTP status, and a message
 * template. Errors cross HTTP and the WebSocket as `{code, message}` only.
 */
export const ERRORS = {
  KA_ERR_UNAUTHORIZED: { status: 401, message: 'missing or wrong token: open the URL printed at start-up' },
  KA_ERR_BAD_ORIGIN: { status: 403, message: 'cross-origin request refused' },
  KA_ERR_BAD_HOST: { status: 421, message: 'this server does not answer to that Host' },
  KA_ERR_READ_ONLY: { status: 403, message: 'the server runs with --read-only: changes are refused' },
  KA_ERR_PERMISSION: { status: 403, message: 'permission denied' },
  KA_ERR_BAD_REQUEST: { status: 400, message: 'bad request' },
  KA_ERR_OUT_OF_RANGE: { status: 400, message: 'value out of range' },
  KA_ERR_NOT_FOUND: { status: 404, message: 'not found' },
  KA_ERR_SOCKET_GONE: { status: 404, message: 'the socket is gone' },
  KA_ERR_NOT_APPLICABLE: { status: 409, message: 'keepalive means nothing for this socket' },
  KA_ERR_CONFLICT: { status: 409, message: 'conflict' },
  KA_ERR_NO_HOLDER: { status: 409, message: 'no process holds this socket right now' },
  KA_ERR_RATE_LIMITED: { status: 429, message: 'too many requests' },
  KA_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'request too large' },
  KA_ERR_AUDIT_UNAVAILABLE: { status: 503, message: 'the audit log cannot be written, so changes are refused' },
  KA_ERR_UNAVAILABLE: { status: 503, message: 'not available on this host' },
  KA_ERR_PROMETHEUS: { status: 502, message: 'Prometheus did not answer' },
  KA_ERR_INTERNAL: { status: 500, message: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message ?? ERRORS[code].message);
    this.name = 'ApiError';
    this.status = ERRORS[code].status;
  }

  toBody(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Maps a system error (errno code) from the native layer onto the API registry. */
export function fromSystemError(error: unknown, what: string): ApiError {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'EPERM':
    case 'EACCES':
      return new ApiError('KA_ERR_PERMISSION', message);
    case 'ESRCH':
    case 'ENOENT':
    case 'EBADF':
    case 'ESTALE':
      return new ApiError('KA_ERR_SOCKET_GONE', `${what}: ${message}`);
    case 'EINVAL':
      return new ApiError('KA_ERR_OUT_OF_RANGE', message);
    case 'ELABFULL':
      return new ApiError('KA_ERR_CONFLICT', message);
    case 'ENOTSUP':
    case 'ERR_ADDON_NOT_FOUND':
      return new ApiError('KA_ERR_UNAVAILABLE', message);
    default:
      if (error instanceof RangeError) return new ApiError('KA_ERR_OUT_OF_RANGE', message);
      if (error instanceof TypeError) return new ApiError('KA_ERR_BAD_REQUEST', message);
      return new ApiError('KA_ERR_INTERNAL', `${what}: ${message}`);
  }
}
