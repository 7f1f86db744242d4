// IPv4 prefix arithmetic for address-space rules. Prefixes that do not parse as IPv4 (IPv6, typos)
// compare by exact text only, which is enough for the worlds the emulator serves.

export interface Ipv4Prefix {
  readonly text: string;
  readonly start: number; // first address as an unsigned 32-bit number
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

function size(p: Ipv4Prefix): number {
  return 2 ** (32 - p.bits);
}

export function prefixesOverlap(a: string, b: string): boolean {
  const pa = parseIpv4Prefix(a);
  const pb = parseIpv4Prefix(b);
  if (!pa || !pb) return a.trim().toLowerCase() === b.trim().toLowerCase();
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

/** The first or last sub-prefix of the given length inside `prefix` (the prefix itself when it is smaller). */
export function subPrefix(prefix: string, bits: number, which: 'first' | 'last'): string | undefined {
  const p = parseIpv4Prefix(prefix);
  if (!p) return undefined;
  if (bits <= p.bits) return `${formatIpv4(p.start)}/${p.bits}`;
  const start = which === 'first' ? p.start : p.start + size(p) - 2 ** (32 - bits);
  return `${formatIpv4(start)}/${bits}`;
}

export function sameAddressSpace(a: readonly string[], b: readonly string[]): boolean {
  const norm = (l: readonly string[]) => [...new Set(l.map((s) => s.trim().toLowerCase()))].sort();
  const x = norm(a);
  const y = norm(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
