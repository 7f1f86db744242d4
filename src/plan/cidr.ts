// Address prefix arithmetic for the pre-flight overlap check (IPv4 and IPv6).

interface Range {
  readonly v6: boolean;
  readonly start: bigint;
  readonly end: bigint;
}

function parseV4(addr: string): bigint | undefined {
  const parts = addr.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(addr: string): bigint | undefined {
  const halves = addr.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    n = (n << 16n) | BigInt(`0x${g}`);
  }
  return n;
}

export function parsePrefix(prefix: string): Range | undefined {
  const [addr = '', lenText = ''] = prefix.trim().split('/');
  const v6 = addr.includes(':');
  const bits = v6 ? 128 : 32;
  const base = v6 ? parseV6(addr) : parseV4(addr);
  const len = lenText === '' ? bits : Number(lenText);
  if (base === undefined || !Number.isInteger(len) || len < 0 || len > bits) return undefined;
  const size = 1n << BigInt(bits - len);
  const start = (base / size) * size;
  return { v6, start, end: start + size - 1n };
}

/** Pairs of prefixes, one from each list, that share addresses. */
export function overlappingPrefixes(a: readonly string[], b: readonly string[]): [string, string][] {
  const found: [string, string][] = [];
  for (const pa of a) {
    const ra = parsePrefix(pa);
    if (!ra) continue;
    for (const pb of b) {
      const rb = parsePrefix(pb);
      if (rb && ra.v6 === rb.v6 && ra.start <= rb.end && rb.start <= ra.end) found.push([pa, pb]);
    }
  }
  return found;
}

/** Same set of prefixes, whatever the order and spelling of case. */
export function samePrefixes(a: readonly string[], b: readonly string[]): boolean {
  const norm = (l: readonly string[]): string[] => [...new Set(l.map((p) => p.trim().toLowerCase()))].sort();
  const x = norm(a);
  const y = norm(b);
  return x.length === y.length && x.every((p, i) => p === y[i]);
}
