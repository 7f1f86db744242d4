import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../src/config/topology.ts';
import type { Topology } from '../../src/model.ts';
import { holdsPeering, shardFor, shardOf, type Shard } from '../../src/plan/shard.ts';

const T = '11111111-1111-1111-1111-111111111111';
const SUB = 'aaaaaaaa-0000-0000-0000-000000000001';
const id = (name: string): string => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${name}`;

/**
 * A topology from words: `vnets` lists every VNet (aliases are the VNet names), each link is
 * "x-y", or "x~y" for ensure: absent.
 */
function topology(vnets: readonly string[], links: readonly string[]): Topology {
  const lines = [
    'version: 1',
    `tenants: { t: { tenant-id: ${T}, client-id: ${T} } }`,
    'vnets:',
    ...vnets.map((v) => `  ${v}: { id: ${id(v)}, tenant: t }`),
    'links:',
    ...links.map((l) => {
      const [a, b] = l.split(/[-~]/);
      return `  - { vnets: [${a}, ${b}]${l.includes('~') ? ', ensure: absent' : ''} }`;
    }),
    ...(links.length === 0 ? ['  []'] : []),
  ];
  const res = parseTopology(lines.join('\n'), { path: 'topology.yml' });
  if (!res.ok) throw new Error(res.problems.map((p) => p.message).join('\n'));
  return res.topology;
}

const names = (ids: readonly string[]): string[] => ids.map((i) => i.slice(i.lastIndexOf('/') + 1));

/** Each shard as "VNets | links", by VNet names and link pairs, for readable tables. */
function view(t: Topology, shards: readonly Shard[]): string[] {
  return shards.map((s) => {
    const links = s.links.map((i) => {
      const l = t.links[i];
      return l === undefined ? '?' : `${l.ends.a.alias}-${l.ends.b.alias}`;
    });
    return `${names(s.vnets).join(',')} | ${links.join(',')}`;
  });
}

// The VNets are named so that sorting their IDs sorts their names.
const HUB = ['h0', 'h1', 'h2', 'h3'];
const hubLinks = ['h0-h1', 'h0-h2', 'h0-h3'];

describe('shardOf', () => {
  it.each([
    {
      name: 'one shard holds everything',
      vnets: [...HUB, 'x0', 'x1', 'z0'],
      links: [...hubLinks, 'x0-x1'],
      count: 1,
      shards: ['h0,h1,h2,h3,x0,x1,z0 | h0-h1,h0-h2,h0-h3,x0-x1'],
    },
    {
      name: 'components stay whole; a VNet in no link is a component with no links',
      vnets: [...HUB, 'x0', 'x1', 'z0'],
      links: [...hubLinks, 'x0-x1'],
      count: 2,
      shards: ['h0,h1,h2,h3 | h0-h1,h0-h2,h0-h3', 'x0,x1,z0 | x0-x1'],
    },
    {
      name: 'absent links join components too (tear-down writes both VNets)',
      vnets: ['a0', 'a1', 'a2', 'b0', 'b1'],
      links: ['a0~a1', 'a1-a2', 'b0-b1'],
      count: 2,
      shards: ['a0,a1,a2 | a0-a1,a1-a2', 'b0,b1 | b0-b1'],
    },
    {
      name: 'largest first, each to the least-loaded shard: 5,4,3,3,2,1 over 3 shards is 6,6,6',
      vnets: ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0', 'b1', 'b2', 'b3', 'b4', 'c0', 'c1', 'c2', 'c3', 'd0', 'd1', 'd2', 'd3', 'e0', 'e1', 'e2', 'f0', 'f1'],
      links: ['a0-a1', 'a0-a2', 'a0-a3', 'a0-a4', 'a0-a5', 'b0-b1', 'b0-b2', 'b0-b3', 'b0-b4', 'c0-c1', 'c0-c2', 'c0-c3', 'd0-d1', 'd0-d2', 'd0-d3', 'e0-e1', 'e0-e2', 'f0-f1'],
      count: 3,
      shards: [
        'a0,a1,a2,a3,a4,a5,f0,f1 | a0-a1,a0-a2,a0-a3,a0-a4,a0-a5,f0-f1',
        'b0,b1,b2,b3,b4,e0,e1,e2 | b0-b1,b0-b2,b0-b3,b0-b4,e0-e1,e0-e2',
        'c0,c1,c2,c3,d0,d1,d2,d3 | c0-c1,c0-c2,c0-c3,d0-d1,d0-d2,d0-d3',
      ],
    },
    {
      name: 'components with as many links go by their smallest VNet ID',
      vnets: ['q0', 'q1', 'p0', 'p1', 'r0', 'r1'],
      links: ['q0-q1', 'r0-r1', 'p0-p1'],
      count: 3,
      shards: ['p0,p1 | p0-p1', 'q0,q1 | q0-q1', 'r0,r1 | r0-r1'],
    },
    {
      name: 'more shards than components leaves shards empty; lone VNets go to the least-loaded',
      vnets: [...HUB, 'x0', 'x1', 'z0', 'z1'],
      links: [...hubLinks, 'x0-x1'],
      count: 5,
      shards: ['h0,h1,h2,h3 | h0-h1,h0-h2,h0-h3', 'x0,x1 | x0-x1', 'z0,z1 | ', ' | ', ' | '],
    },
    {
      name: 'a file with no links: every VNet in the first shard',
      vnets: ['a0', 'a1'],
      links: [],
      count: 2,
      shards: ['a0,a1 | ', ' | '],
    },
  ])('$name', ({ vnets, links, count, shards }) => {
    const t = topology(vnets, links);
    const result = shardOf(t, count);
    expect(result.map((s) => s.index)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(view(t, result)).toEqual(shards);
  });

  it('the same file in another order gives the same shards (VNets and pairs)', () => {
    const vnets = [...HUB, 'x0', 'x1', 'y0', 'y1', 'y2', 'z0'];
    const links = [...hubLinks, 'x0-x1', 'y0-y1', 'y1~y2'];
    const pairs = (t: Topology, s: Shard): string[] => s.links.map((i) => t.links[i]?.key ?? '?').sort();
    const reference = topology(vnets, links);
    const expected = shardOf(reference, 3).map((s) => ({ vnets: s.vnets, pairs: pairs(reference, s) }));
    const shuffled = topology([...vnets].reverse(), ['y2~y1', 'x1-x0', ...[...hubLinks].reverse(), 'y1-y0']);
    expect(shardOf(shuffled, 3).map((s) => ({ vnets: s.vnets, pairs: pairs(shuffled, s) }))).toEqual(expected);
    // Link indices follow the file they came from.
    expect(view(shuffled, shardOf(shuffled, 3))).toEqual([
      'h0,h1,h2,h3 | h0-h3,h0-h2,h0-h1',
      'y0,y1,y2 | y2-y1,y1-y0',
      'x0,x1,z0 | x1-x0',
    ]);
  });

  it('every link and VNet is in exactly one shard, with both ends of each link there', () => {
    // A fixed pseudo-random estate: same numbers on every run.
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const vnets = Array.from({ length: 30 }, (_, i) => `v${String(i).padStart(2, '0')}`);
      const seen = new Set<string>();
      const links: string[] = [];
      for (let k = 0; k < 25; k++) {
        const [a, b] = [next(30), next(30)].sort((x, y) => x - y);
        if (a === b || a === undefined || b === undefined || seen.has(`${a}-${b}`)) continue;
        seen.add(`${a}-${b}`);
        links.push(`${vnets[a]}${next(5) === 0 ? '~' : '-'}${vnets[b]}`);
      }
      const t = topology(vnets, links);
      const count = 1 + next(8);
      const shards = shardOf(t, count);
      expect(shards.flatMap((s) => s.links).sort((x, y) => x - y)).toEqual(t.links.map((_, i) => i));
      expect(shards.flatMap((s) => s.vnets).sort()).toEqual(t.vnets.map((v) => v.vnet.id.toLowerCase()).sort());
      for (const s of shards) {
        for (const i of s.links) {
          const l = t.links[i];
          expect(l !== undefined && holdsPeering(s, l.ends.a.vnet.id, l.ends.b.vnet.id)).toBe(true);
        }
      }
    }
  });

  it('refuses a count that is not from 1 to 256', () => {
    const t = topology(['a0', 'a1'], ['a0-a1']);
    for (const bad of [0, 257, 1.5, Number.NaN]) expect(() => shardOf(t, bad)).toThrow(RangeError);
    expect(shardOf(t, 256)).toHaveLength(256);
  });
});

describe('shardFor and holdsPeering', () => {
  const t = topology([...HUB, 'x0', 'x1'], [...hubLinks, 'x0-x1']);

  it('shard K of N', () => {
    expect(view(t, [shardFor(t, { index: 2, count: 2 })])).toEqual(['x0,x1 | x0-x1']);
    expect(() => shardFor(t, { index: 3, count: 2 })).toThrow(RangeError);
  });

  it('a peering is held when both VNets are in the shard, compared as Azure compares IDs', () => {
    const [first, second] = shardOf(t, 2);
    if (first === undefined || second === undefined) throw new Error('two shards expected');
    // An undeclared peering between two spokes of the hub: the hub's shard may prune it.
    expect(holdsPeering(first, id('h1'), id('h2'))).toBe(true);
    expect(holdsPeering(first, id('H1').toUpperCase(), `${id('h3')}/`)).toBe(true);
    // Between two shards' VNets: neither shard holds it.
    expect(holdsPeering(first, id('h1'), id('x0'))).toBe(false);
    expect(holdsPeering(second, id('h1'), id('x0'))).toBe(false);
    // A VNet outside the file.
    expect(holdsPeering(second, id('x0'), id('elsewhere'))).toBe(false);
  });
});
