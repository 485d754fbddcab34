/**
 * Reading a JSON-lines file by position, not whole: from its end backwards in
 * chunks (a page of the newest records costs a chunk or two however long the
 * log has grown), and one line at a byte offset (for a binary search by seq).
 *
 * A line is only what a newline ends: the bytes after the last newline are a
 * record still being written by another instance, or torn by a crash, and are
 * never handed out. Lines are joined as bytes before decoding, so a UTF-8
 * character split by a chunk boundary stays whole.
 */
import { readSync } from 'node:fs';

const CHUNK_BYTES = 64 * 1024;
/** Our records are a few KiB; a longer line is not one of them and is skipped rather than buffered. */
const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** Counts what a page read, so its cost can be reported and tested. */
export interface ReadCounter {
  bytes: number;
}

export interface Line {
  text: string;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just past its newline: where the next line starts. */
  end: number;
}

/** `length` bytes at `position` (fewer at the end of the file), a short read(2) finished. */
export function readAt(fd: number, position: number, length: number, counter: ReadCounter): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  counter.bytes += done;
  return done === length ? buffer : buffer.subarray(0, done);
}

/** The complete lines of bytes [0, end), last first. */
export function* linesBackward(fd: number, end: number, counter: ReadCounter): Generator<Line> {
  let position = end;
  // The newest line's bytes read so far (it began in an older chunk), oldest part first.
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let oversized = false;
  // Until the first newline is seen, the bytes are the torn tail.
  let lineEnd: number | null = null;
  while (position > 0) {
    const start = Math.max(0, position - CHUNK_BYTES);
    const chunk = readAt(fd, start, position - start, counter);
    let segmentEnd = chunk.length;
    for (let i = chunk.length - 1; i >= -1; i--) {
      // i = -1 stands for the file's start, which begins the first line.
      if (i >= 0 && chunk[i] !== NEWLINE) continue;
      if (i === -1 && start > 0) break;
      if (lineEnd !== null && !oversized) {
        const text = Buffer.concat([chunk.subarray(i + 1, segmentEnd), ...carry]).toString('utf8');
        yield { text, start: start + i + 1, end: lineEnd };
      }
      lineEnd = start + i + 1;
      carry = [];
      carryBytes = 0;
      oversized = false;
      segmentEnd = Math.max(i, 0);
    }
    if (lineEnd !== null && segmentEnd > 0) {
      carryBytes += segmentEnd;
      if (carryBytes > MAX_LINE_BYTES) oversized = true;
      else carry.unshift(chunk.subarray(0, segmentEnd));
    }
    position = start;
  }
}

/** The first complete line starting at or after `offset` and before `limit`; null when there is none. */
export function lineFrom(fd: number, offset: number, limit: number, counter: ReadCounter): Line | null {
  // A line starts at 0 or just after a newline: look one byte back to know whether `offset` is one.
  let position = Math.max(0, offset - 1);
  let start = offset === 0 ? 0 : -1;
  const parts: Buffer[] = [];
  let partBytes = 0;
  for (;;) {
    const chunk = readAt(fd, position, 4096, counter);
    if (chunk.length === 0) return null;
    let from = 0;
    if (start < 0) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline < 0) {
        position += chunk.length;
        continue;
      }
      start = position + newline + 1;
      if (start >= limit) return null;
      from = newline + 1;
    }
    const newline = chunk.indexOf(NEWLINE, from);
    if (newline >= 0) {
      parts.push(chunk.subarray(from, newline));
      return { text: Buffer.concat(parts).toString('utf8'), start, end: position + newline + 1 };
    }
    partBytes += chunk.length - from;
    // Too long to be ours: look for the next line instead.
    if (partBytes > MAX_LINE_BYTES) {
      start = -1;
      parts.length = 0;
      partBytes = 0;
    } else parts.push(chunk.subarray(from));
    position += chunk.length;
  }
}
