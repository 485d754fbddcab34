/**
 * Walking a capture's lines, for every text parser. A real `ss -tanoei` line
 * is under 2 KB and a /proc/net/tcp line about 150 bytes, so a line over
 * MAX_LINE_CHARS is not a capture of a tool we know: it becomes an issue
 * before any regex sees it, which bounds the work per line and the size of
 * what an issue quotes back.
 */
import type { ParseIssue } from './types.js';

export const MAX_LINE_CHARS = 64 * 1024;

/** How much of an over-long line its issue quotes. */
const QUOTED_CHARS = 200;

/**
 * Calls `visit` with each line of `text` (without its `\n` or `\r\n`) and its
 * number from 1, until it returns true. indexOf rather than split: no array
 * of a million lines outlives its first use, which with split made a 1 MB
 * parse cost GC more than ten times a 100 KB one.
 */
export function eachLine(text: string, visit: (line: string, lineNumber: number) => boolean | void): void {
  for (let start = 0, lineNumber = 1; start <= text.length; lineNumber++) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (visit(text.slice(start, lineEnd), lineNumber) === true) return;
    start = end + 1;
  }
}

/** The issue for a line longer than MAX_LINE_CHARS, or null when the line is short enough to parse. */
export function overlongLine(line: number, text: string): ParseIssue | null {
  if (text.length <= MAX_LINE_CHARS) return null;
  return {
    line,
    message: `line is ${text.length} characters, over the ${MAX_LINE_CHARS} of any ss, netstat or /proc line: skipped`,
    text: `${text.slice(0, QUOTED_CHARS)}…`,
  };
}
