// IPv4 and IPv6 prefix arithmetic for address-space rules. Text that parses as neither compares by
// exact text only, which is enough for the worlds the emulator serves.

export interface Prefix {
  readonly text: string;
  readonly family: 4 | 6;
  /** First address. */
  readonly start: bigint;
  readonly bits: number;
}

/** An IPv4 prefix with its first address as a plain number (kept for sub-prefix arithmetic). */
export interface Ipv4Prefix {
  readonly text: string;
  readonly start: number;
  readonly bits: number;
}

export function parseIpv4Prefix(text: string): Ipv4Prefix | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = [m[1], m[2], m[3], m[4]].map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { text, start: address - (address % size), bits };
}

/** `fd00:db8::/64` and friends: eight groups of hex, one `::` allowed, an optional dotted IPv4 tail. */
function parseIpv6Address(text: string): bigint | undefined {
  let s = text.toLowerCase();
  const v4 = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4?.[1]) {
    const o = [v4[2], v4[3], v4[4], v4[5]].map(Number);
    if (o.some((x) => x > 255)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = o;
    s = `${v4[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string | undefined) => (h === undefined || h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return value;
}

export function parsePrefix(text: string): Prefix | undefined {
  const v4 = parseIpv4Prefix(text);
  if (v4) return { text, family: 4, start: BigInt(v4.start), bits: v4.bits };
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m?.[1] || !m[2] || !m[1].includes(':')) return undefined;
  const bits = Number(m[2]);
  const address = parseIpv6Address(m[1]);
  if (address === undefined || bits > 128) return undefined;
  const size = 1n << BigInt(128 - bits);
  return { text, family: 6, start: address - (address % size), bits };
}

export function isIpv6(text: string): boolean {
  return parsePrefix(text)?.family === 6;
}

function size(p: Prefix): bigint {
  return 1n << BigInt((p.family === 4 ? 32 : 128) - p.bits);
}

export function prefixesOverlap(a: string, b: string): boolean {
  const pa = parsePrefix(a);
  const pb = parsePrefix(b);
  if (!pa || !pb) return a.trim().toLowerCase() === b.trim().toLowerCase();
  if (pa.family !== pb.family) return false;
  return pa.start < pb.start + size(pb) && pb.start < pa.start + size(pa);
}

/** The prefixes of `a` and of `b` that take part in an overlap, in order, without repeats. */
export function overlappingPrefixes(a: readonly string[], b: readonly string[]): string[] {
  const found: string[] = [];
  for (const x of a) {
    for (const y of b) {
      if (prefixesOverlap(x, y)) {
        if (!found.includes(x)) found.push(x);
        if (!found.includes(y)) found.push(y);
      }
    }
  }
  return found;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/**
 * A sub-prefix of the given length inside an IPv4 `prefix`: the first, the last, or the `index`-th
 * from the end (0 = last). The prefix itself when it is not bigger than asked.
 */
export function subPrefix(prefix: string, bits: number, which: 'first' | 'last' | { fromEnd: number }): string | undefined {
  const p = parseIpv4Prefix(prefix);
  if (!p) return undefined;
  if (bits <= p.bits) return `${formatIpv4(p.start)}/${p.bits}`;
  const step = 2 ** (32 - bits);
  const end = p.start + 2 ** (32 - p.bits);
  const start = which === 'first' ? p.start : end - step * (1 + (which === 'last' ? 0 : which.fromEnd));
  if (start < p.start) return undefined;
  return `${formatIpv4(start)}/${bits}`;
}

export function sameAddressSpace(a: readonly string[], b: readonly string[]): boolean {
  const norm = (l: readonly string[]) => [...new Set(l.map((s) => s.trim().toLowerCase()))].sort();
  const x = norm(a);
  const y = norm(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
