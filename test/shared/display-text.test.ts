import assert from 'node:assert/strict';
import { test } from 'node:test';

import { escapeControl } from '@keepalive-dashboard/shared';

test('a right-to-left override in a process name is shown as an escape, not obeyed', () => {
  assert.equal(escapeControl('pay\u202egnp.exe'), 'pay\\u{202E}gnp.exe');
});

test('every bidi control is escaped: marks, embeddings, overrides, isolates, the Arabic letter mark', () => {
  const bidi = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
  for (const code of bidi) {
    const hex = code.toString(16).toUpperCase().padStart(4, '0');
    assert.equal(escapeControl(`a${String.fromCodePoint(code)}b`), `a\\u{${hex}}b`);
  }
});

test('C0, DEL and C1 controls and invisible format characters are escaped too', () => {
  assert.equal(escapeControl('a\u0000b\tc\nd\u001be'), 'a\\u{0000}b\\u{0009}c\\u{000A}d\\u{001B}e');
  assert.equal(escapeControl('\u007f\u0085\u009b'), '\\u{007F}\\u{0085}\\u{009B}');
  assert.equal(escapeControl('zero\u200bwidth\ufeff\u2028'), 'zero\\u{200B}width\\u{FEFF}\\u{2028}');
  assert.equal(escapeControl('tag\u{E0041}'), 'tag\\u{E0041}');
});

test('ordinary text, other scripts and emoji pass unchanged', () => {
  for (const text of ['python3 /srv/app.py --port 8080', 'nginx: worker process', 'שלום', 'مرحبا', 'naïve 日本語 🙂', '']) {
    assert.equal(escapeControl(text), text);
  }
});
