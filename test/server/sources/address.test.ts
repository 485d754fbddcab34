import assert from 'node:assert/strict';
import { test } from 'node:test';

import { canonicalAddress, formatIpv6, parseIpv6 } from '@keepalive-dashboard/server/sources/address';
import fc from 'fast-check';

const bytesOf = (text: string): number[] => {
  const bytes = parseIpv6(text);
  assert.ok(bytes, text);
  return bytes;
};

test('IPv6 in glibc inet_ntop form, as ss and netstat print it', () => {
  const cases: [string, string][] = [
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:7f00:1', '::ffff:127.0.0.1'],
    ['::1.2.3.4', '::1.2.3.4'], // IPv4-compatible: glibc still writes the dotted tail
    ['fe80:0:0:0:0:0:0:a', 'fe80::a'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero word stays
    ['1:0:0:0:0:0:0:0', '1::'],
    ['FD00:6B61::2', 'fd00:6b61::2'],
  ];
  for (const [input, expected] of cases) assert.equal(formatIpv6(bytesOf(input)), expected, input);
});

test('without an IPv4 tail, the form agrees with the WHATWG URL serializer, and parses back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
      const bytes = [...raw];
      const text = formatIpv6(bytes);
      assert.deepEqual(parseIpv6(text), bytes);
      if (!text.includes('.')) assert.equal(`[${text}]`, new URL(`http://[${text}]/`).hostname);
    }),
  );
});

test('canonicalAddress: the unspecified v6 address is *, garbage is null', () => {
  assert.equal(canonicalAddress('::', 6), '*');
  assert.equal(canonicalAddress('0:0::0', 6), '*');
  assert.equal(canonicalAddress('0.0.0.0', 4), '0.0.0.0');
  for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', '::g', ':1:2:3:4:5:6:7', '1.2.3', '256.1.1.1']) {
    assert.equal(canonicalAddress(bad, bad.includes(':') ? 6 : 4), null, bad);
  }
});
