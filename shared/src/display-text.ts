/**
 * Text from the host (process names, command lines, unit names) shown as
 * text, never as instructions to the renderer. Any process can name itself
 * `pay\u202Egnp.exe`: a right-to-left override makes it read "payexe.png",
 * and a bidi control in a table cell can reorder the cells beside it too.
 * Control and invisible format characters are therefore shown as escapes.
 */

/**
 * C0, DEL, C1 (Cc); format characters (Cf: the bidi embeddings, overrides,
 * isolates and marks U+061C, U+200E–200F, U+202A–202E, U+2066–2069, zero
 * widths, soft hyphen, BOM, tags); line and paragraph separators (Zl, Zp);
 * lone surrogates (Cs), which have no glyph.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const escape = (char: string): string => `\\u{${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}}`;

/** `text` with each control or invisible format character as `\u{202E}`; everything else unchanged. */
export function escapeControl(text: string): string {
  return text.replace(HIDDEN, escape);
}
