/**
 * What the filter parsers throw: where (1-based column in the text given)
 * and what was expected, so a form can point at the character and the REST
 * API and the stream can hand the message on as it is.
 */
export class FilterParseError extends Error {
  /** The server answers it as a bad request: the person's input, not a fault. */
  readonly code = 'KA_ERR_BAD_REQUEST';

  constructor(
    /** 1-based column of the offending text. */
    readonly column: number,
    /** What the parser wanted there, e.g. "a port like :443". */
    readonly expected: string,
    /** What it found: the token, or null at the end of the input. */
    readonly found: string | null,
    /** The filter field the text came from (`port`, `expr`), named first in the message. */
    readonly field: string | null = null,
  ) {
    super(`${field === null ? '' : `${field}: `}at ${column}: expected ${expected}, got ${found === null ? 'end of input' : `'${found.slice(0, 40)}'`}`);
    this.name = 'FilterParseError';
  }
}
