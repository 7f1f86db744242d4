import { describe, expect, it } from 'vitest';
import { overlappingPrefixes, parsePrefix, samePrefixes } from '../../src/plan/cidr.ts';

describe('parsePrefix', () => {
  it('reads IPv4 prefixes and aligns host bits to the network', () => {
    expect(parsePrefix('10.0.0.0/16')).toEqual({ v6: false, start: 0x0a000000n, end: 0x0a00ffffn });
    expect(parsePrefix('10.0.5.7/16')).toEqual({ v6: false, start: 0x0a000000n, end: 0x0a00ffffn });
    expect(parsePrefix(' 192.168.1.1 ')).toEqual({ v6: false, start: 0xc0a80101n, end: 0xc0a80101n });
    expect(parsePrefix('0.0.0.0/0')).toEqual({ v6: false, start: 0n, end: 0xffffffffn });
  });

  it('reads IPv6 prefixes, compressed or full, in any case', () => {
    const full = parsePrefix('2001:0DB8:0000:0000:0000:0000:0000:0000/32');
    expect(full).toEqual(parsePrefix('2001:db8::/32'));
    expect(full?.v6).toBe(true);
    expect(parsePrefix('::/0')).toEqual({ v6: true, start: 0n, end: (1n << 128n) - 1n });
    expect(parsePrefix('fd00::1')?.start).toBe((0xfd00n << 112n) | 1n);
  });

  it.each([
    '10.0.0.256/8',
    '10.0.0/8',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/x',
    'a::b::c/64',
    '1:2:3:4:5:6:7:8::/64',
    '1:2:3:4:5:6:7/64',
    'fd00::/129',
    'zz00::/8',
    '',
  ])('rejects %j', (prefix) => {
    expect(parsePrefix(prefix)).toBeUndefined();
  });
});

describe('overlappingPrefixes', () => {
  it.each<[string, string]>([
    ['10.0.0.0/16', '10.0.255.0/24'],
    ['10.0.0.0/8', '10.255.255.255/32'],
    ['10.1.0.0/16', '10.0.0.0/8'],
    ['0.0.0.0/0', '172.16.0.0/12'],
    ['10.0.0.127/25', '10.0.0.0/32'],
    ['fd00::/8', 'fd12:3456::/32'],
    ['2001:db8::/32', '2001:db8:ffff:ffff::/64'],
  ])('%s and %s overlap', (x, y) => {
    expect(overlappingPrefixes([x], [y])).toEqual([[x, y]]);
    expect(overlappingPrefixes([y], [x])).toEqual([[y, x]]);
  });

  it.each<[string, string]>([
    ['10.0.0.0/16', '10.1.0.0/16'],
    ['10.0.0.0/25', '10.0.0.128/25'],
    ['192.168.0.0/24', '192.168.1.0/24'],
    ['fd00:0:0:1::/64', 'fd00:0:0:2::/64'],
    ['2001:db8::/32', '2001:db9::/32'],
    ['0.0.0.0/0', '::/0'],
    ['10.0.0.0/8', '::ffff:0:0/96'],
  ])('%s and %s do not overlap', (x, y) => {
    expect(overlappingPrefixes([x], [y])).toEqual([]);
  });

  it('lists every overlapping pair and skips prefixes it cannot read', () => {
    const found = overlappingPrefixes(
      ['10.0.0.0/16', 'garbage', '10.2.0.0/16', 'fd00::/16'],
      ['10.0.1.0/24', '10.2.128.0/17', '10.9.0.0/16', 'fd00:1::/32', 'nope/8'],
    );
    expect(found).toEqual([
      ['10.0.0.0/16', '10.0.1.0/24'],
      ['10.2.0.0/16', '10.2.128.0/17'],
      ['fd00::/16', 'fd00:1::/32'],
    ]);
  });

  it('finds nothing when either side is empty', () => {
    expect(overlappingPrefixes([], ['10.0.0.0/8'])).toEqual([]);
    expect(overlappingPrefixes(['10.0.0.0/8'], [])).toEqual([]);
  });
});

describe('samePrefixes', () => {
  it('ignores order, case, surrounding space and repeats', () => {
    expect(samePrefixes(['10.1.0.0/16', '10.2.0.0/16'], ['10.2.0.0/16', '10.1.0.0/16'])).toBe(true);
    expect(samePrefixes(['FD00::/8'], [' fd00::/8 '])).toBe(true);
    expect(samePrefixes(['10.1.0.0/16', '10.1.0.0/16'], ['10.1.0.0/16'])).toBe(true);
    expect(samePrefixes([], [])).toBe(true);
  });

  it('tells different sets apart', () => {
    expect(samePrefixes(['10.1.0.0/16'], ['10.1.0.0/16', '10.3.0.0/16'])).toBe(false);
    expect(samePrefixes(['10.1.0.0/16'], ['10.1.0.0/17'])).toBe(false);
    expect(samePrefixes(['10.1.0.0/16'], [])).toBe(false);
  });
});
