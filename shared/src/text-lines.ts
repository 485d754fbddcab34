/**
 * Calls `visit` with each line of `text` (without its `\n` or `\r\n`) and its
 * number from 1, until it returns true. indexOf rather than split: no array
 * of a million lines outlives its first use, which with split made a 1 MB
 * parse cost GC more than ten times a 100 KB one. Used by the server's text
 * parsers and by the browser's capture sniffer.
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
