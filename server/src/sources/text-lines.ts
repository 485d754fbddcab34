/**
 * Over-long lines, for every text parser (the walk itself, eachLine, is in shared/). A real `ss -tanoei` line
 * is under 2 KB and a /proc/net/tcp line about 150 bytes, so a line over
 * MAX_LINE_CHARS is not a capture of a tool we know: it becomes an issue
 * before any regex sees it, which bounds the work per line and the size of
 * what an issue quotes back.
 */
import type { ParseIssue } from './types.js';

export const MAX_LINE_CHARS = 64 * 1024;

/** How much of an over-long line its issue quotes. */
const QUOTED_CHARS = 200;

/** The issue for a line longer than MAX_LINE_CHARS, or null when the line is short enough to parse. */
export function overlongLine(line: number, text: string): ParseIssue | null {
  if (text.length <= MAX_LINE_CHARS) return null;
  return {
    line,
    message: `line is ${text.length} characters, over the ${MAX_LINE_CHARS} of any ss, netstat or /proc line: skipped`,
    text: `${text.slice(0, QUOTED_CHARS)}…`,
  };
}
