/**
 * IP addresses as every text source must spell them, so ids and comparisons
 * agree across ss, netstat and /proc: glibc inet_ntop's form (what ss and
 * netstat print), with one normalization on top — the IPv6 unspecified
 * address is `*`, as ss ≥ 4.17 writes a dual-stack listener (the v4 one stays
 * `0.0.0.0`). netstat and /proc cannot tell a v6only socket, so ss's `[::]`
 * becomes `*` too. A scope (`%iface`) follows the address.
 */

export type Family = 4 | 6;

export const ANY6 = '*';

export function formatIpv4(bytes: ArrayLike<number>, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** glibc inet_ntop6: longest run (≥ 2) of zero words becomes `::`, the first on a tie; IPv4 tail for `::a.b.c.d` and `::ffff:a.b.c.d`. */
export function formatIpv6(bytes: ArrayLike<number>): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIpv4(bytes, 12);
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number[] | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/** Any valid textual IPv6 address (RFC 4291 §2.2, without scope) → 16 bytes. */
export function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const words: number[] = [];
  const all = [...head, ...tail];
  let v4: number[] | null = null;
  if (all.length > 0 && all[all.length - 1]?.includes('.')) {
    v4 = parseIpv4(all[all.length - 1] ?? '');
    if (!v4) return null;
    if (tail.length > 0) tail.pop();
    else head.pop();
  }
  const toWords = (list: string[]): boolean =>
    list.every((g) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      words.push(parseInt(g, 16));
      return true;
    });
  if (!toWords(head)) return null;
  const headWords = words.length;
  if (!toWords(tail)) return null;
  const total = words.length + (v4 ? 2 : 0);
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const zeros = new Array<number>(8 - total).fill(0);
  const full = [...words.slice(0, headWords), ...zeros, ...words.slice(headWords)];
  if (v4) full.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
  return full.flatMap((w) => [w >> 8, w & 0xff]);
}

// A dump repeats the same few local addresses thousands of times.
const canonicalCache = new Map<string, string | null>();

/** The longest spelling cached: `ffff:…:255.255.255.255` is 45; a longer key would only pin a slice of a hostile capture. */
const MAX_CACHED_CHARS = 64;

/** The canonical spelling of a textual address (`*` for either unspecified v6 spelling), or null if it is none. */
export function canonicalAddress(text: string, family: Family): string | null {
  if (text.length > MAX_CACHED_CHARS) return canonicalize(text, family);
  const key = `${family}${text}`;
  let canonical = canonicalCache.get(key);
  if (canonical === undefined) {
    canonical = canonicalize(text, family);
    if (canonicalCache.size >= 4096) canonicalCache.clear();
    canonicalCache.set(key, canonical);
  }
  return canonical;
}

function canonicalize(text: string, family: Family): string | null {
  if (family === 4) {
    const bytes = parseIpv4(text);
    return bytes ? formatIpv4(bytes) : null;
  }
  if (text === ANY6) return ANY6;
  const bytes = parseIpv6(text);
  if (!bytes) return null;
  return bytes.every((b) => b === 0) ? ANY6 : formatIpv6(bytes);
}

/** `address` then `%scope` if any: the Endpoint.address form. */
export function withScope(address: string, scope: string | undefined): string {
  return scope ? `${address}%${scope}` : address;
}

/** A port column: decimal 0–65535, or `*` (0, as ss and netstat print an unset peer port). */
export function parsePort(text: string): number | null {
  if (text === '*') return 0;
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}
