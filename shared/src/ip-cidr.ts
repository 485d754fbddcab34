/**
 * IPv4 and IPv6 addresses and CIDR prefixes, for filters. Every address is
 * held as eight 16-bit words, IPv4 in its v4-mapped form (::ffff:a.b.c.d):
 * a dual-stack socket shows a v4 peer as `::ffff:127.0.0.1`, and a person
 * asking for 127.0.0.0/8 means that peer too.
 */

export interface IpAddress {
  words: readonly number[];
  /** How it was written: 4 for dotted quads, 6 for IPv6 text (v4-mapped included). */
  family: 4 | 6;
  /** An IPv4 address, written as one or v4-mapped. */
  v4: boolean;
}

export interface Cidr {
  words: readonly number[];
  /** Prefix length in the 128-bit space: a v4 /8 is 96 + 8. */
  bits: number;
  /** Written as IPv4: matches v4 and v4-mapped addresses only. */
  v4: boolean;
}

function parseV4Words(text: string): [number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  const [a, b, c, d] = octets as [number, number, number, number];
  return [(a << 8) | b, (c << 8) | d];
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const words: number[] = [];
  const groups = text.split(':');
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as string;
    if (i === groups.length - 1 && group.includes('.')) {
      const v4 = parseV4Words(group);
      if (!v4) return null;
      words.push(...v4);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      words.push(parseInt(group, 16));
    } else {
      return null;
    }
  }
  return words;
}

function parseV6Words(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] as string);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const zeros = 8 - head.length - tail.length;
  // "::" stands for at least one zero group.
  if (zeros < 1) return null;
  return [...head, ...new Array<number>(zeros).fill(0), ...tail];
}

const isMapped = (w: readonly number[]): boolean => w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff;

/** An address as a source writes it: dotted quad, IPv6 text, `%scope` ignored. Null when it is not one (`*`, a name). */
export function parseIp(text: string): IpAddress | null {
  const bare = text.replace(/%[^%]*$/, '');
  const v4 = parseV4Words(bare);
  if (v4) return { words: [0, 0, 0, 0, 0, 0xffff, ...v4], family: 4, v4: true };
  if (!bare.includes(':')) return null;
  const words = parseV6Words(bare);
  return words ? { words, family: 6, v4: isMapped(words) } : null;
}

/** `10.0.0.0/8`, `::1/128`, `::ffff:10.0.0.0/104`, or a single address (a full-length prefix). Null when it is none. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!address) return null;
  const max = address.family === 4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const raw = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(raw) || Number(raw) > max) return null;
    bits = Number(raw);
  }
  return { words: address.words, bits: address.family === 4 ? 96 + bits : bits, v4: address.family === 4 };
}

export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  // A v4 prefix means v4 peers however written; a v6 prefix, sockets that speak v6.
  if (cidr.v4 ? !address.v4 : address.family !== 6) return false;
  for (let i = 0; i < 8; i++) {
    const bitsHere = Math.min(16, Math.max(0, cidr.bits - 16 * i));
    if (bitsHere === 0) return true;
    const mask = (0xffff << (16 - bitsHere)) & 0xffff;
    if (((cidr.words[i] as number) & mask) !== ((address.words[i] as number) & mask)) return false;
  }
  return true;
}

/** Rows repeat a few addresses many times: parse each once. Bounded, emptied when full. */
const parsed = new Map<string, IpAddress | null>();
const PARSED_CAP = 8192;

function addressOf(text: string): IpAddress | null {
  let address = parsed.get(text);
  if (address === undefined) {
    if (parsed.size >= PARSED_CAP) parsed.clear();
    address = parseIp(text);
    parsed.set(text, address);
  }
  return address;
}

/** Whether a row's address text (`127.0.0.1`, `::ffff:10.0.0.1`, `*`) is in the prefix; text that is no address is in none. */
export function cidrContainsText(cidr: Cidr, text: string): boolean {
  const address = addressOf(text);
  return address !== null && cidrContains(cidr, address);
}
