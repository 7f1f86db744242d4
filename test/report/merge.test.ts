// The `results` run: shard result files merged into one report, or the problems that stop it.
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/model.ts';
import { mergeResults } from '../../src/report/merge.ts';
import { resultFileJson } from '../../src/report/outputs.ts';
import { TOPOLOGY_DIGEST, TOPOLOGY_PATH, appliedCreate, hubReport, twelveLinks, withVerdict } from '../fixtures/report/reports.ts';

const EXPECTED = { digest: TOPOLOGY_DIGEST, path: TOPOLOGY_PATH };

/** The report split into `n` shards, link by link (round robin), each a result file. */
function shardFiles(report: RunReport, n: number): { name: string; text: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const shard = withVerdict({
      ...report,
      links: report.links.filter((_l, j) => j % n === i),
      unmanaged: report.unmanaged.filter((_u, j) => j % n === i),
      shard: { index: i + 1, count: n },
    });
    return { name: `results/shard-${i + 1}/result.json`, text: resultFileJson(shard) };
  });
}

const codes = (r: { problems: readonly { code: string }[] }): string[] => r.problems.map((p) => p.code);

describe('round trip', () => {
  it('resultFileJson → merge → the same report', () => {
    for (const report of [twelveLinks(), twelveLinks('plan'), hubReport({ mode: 'plan', spokes: [5], kind: () => 'warn' })]) {
      const merged = mergeResults([{ name: 'result.json', text: resultFileJson(report) }], EXPECTED);
      expect(merged.problems).toEqual([]);
      expect(merged.report).toEqual({ ...report, shard: undefined });
    }
  });

  it('subnet scopes, text settings, estimates and run problems survive', () => {
    const base = hubReport({ mode: 'plan', spokes: [2], estimate: { writes: 4, seconds: 60, operationSeconds: 20, limitSeconds: 30 } });
    const scope = { complete: false, localSubnets: ['a'], remoteSubnets: ['b', 'c'], ipv6Only: true };
    const [first, ...rest] = base.links;
    if (!first) throw new Error('no link');
    const report: RunReport = {
      ...base,
      links: [
        {
          ...first,
          link: { ...first.link, kind: { kind: 'subnets', subnets: { a: ['a'], b: ['b', 'c'] }, ipv6Only: true } },
          sides: {
            a: { ...first.sides.a, scope, desiredScope: scope, settings: { allowVirtualNetworkAccess: 'odd', allowForwardedTraffic: false, allowGatewayTransit: false, useRemoteGateways: false } },
            b: first.sides.b,
          },
        },
        ...rest,
      ],
    };
    expect(mergeResults([{ name: 'r.json', text: resultFileJson(report) }], EXPECTED).report).toEqual({ ...report, shard: undefined });
  });

  it('three shards merge into the whole: links in file order, counts and verdict recomputed', () => {
    const whole = twelveLinks();
    const merged = mergeResults(shardFiles(whole, 3), EXPECTED);
    expect(merged.problems).toEqual([]);
    expect(merged.report.links).toEqual(whole.links);
    expect(merged.report.unmanaged).toEqual(expect.arrayContaining([...whole.unmanaged]));
    expect(merged.report.unmanaged).toHaveLength(whole.unmanaged.length);
    expect(merged.report).toMatchObject({ verdict: 'failed', changed: true, shard: undefined, mode: 'apply' });
    expect(merged.report.vnets).toEqual(whole.vnets);
  });

  it('healthy shards merge to repaired; a pending plan stays pending', () => {
    const applied = hubReport({ mode: 'apply', spokes: [9], kind: (i) => (i < 2 ? 'create' : 'in-sync') });
    expect(mergeResults(shardFiles(applied, 3), EXPECTED).report).toMatchObject({ verdict: 'repaired', changed: true });
    const plan = hubReport({ mode: 'plan', spokes: [9], kind: (i) => (i === 8 ? 'create' : 'in-sync') });
    expect(mergeResults(shardFiles(plan, 3), EXPECTED).report).toMatchObject({ verdict: 'pending', changed: true });
    const inSync = hubReport({ mode: 'apply', spokes: [9] });
    expect(mergeResults(shardFiles(inSync, 3), EXPECTED).report).toMatchObject({ verdict: 'in-sync', changed: false });
  });

  it('an empty shard is fine', () => {
    const report = hubReport({ mode: 'apply', spokes: [1] });
    const merged = mergeResults(shardFiles(report, 2), EXPECTED);
    expect(merged.problems).toEqual([]);
    expect(merged.report.links).toHaveLength(1);
  });

  it('an unsharded run’s result counts as 1/1', () => {
    const merged = mergeResults([{ name: 'whole.json', text: resultFileJson(hubReport({ mode: 'apply', spokes: [2] })) }], EXPECTED);
    expect(merged.problems).toEqual([]);
  });
});

describe('problems, each naming the file and shard', () => {
  const files = shardFiles(twelveLinks(), 3);
  const [one, two, three] = files;
  if (!one || !two || !three) throw new Error('no files');

  it('a shard missing', () => {
    const merged = mergeResults([one, three], EXPECTED);
    expect(codes(merged)).toEqual(['ShardResultMissing']);
    expect(merged.problems[0]?.message).toBe('No result file for shard 2/3 of network/topology.yml.');
    expect(merged.report.verdict).toBe('failed');
    expect(merged.report.problems[0]?.code).toBe('ShardResultMissing');
    // What the other shards did is still reported.
    expect(merged.report.links.length).toBeGreaterThan(0);
  });

  it('a shard twice', () => {
    const merged = mergeResults([one, two, three, { ...two, name: 'results/again/result.json' }], EXPECTED);
    expect(codes(merged)).toEqual(['ShardResultDuplicated']);
    expect(merged.problems[0]?.message).toBe('Shard 2/3 has two result files: results/again/result.json and results/shard-2/result.json; the first is used.');
    expect(merged.report.links).toHaveLength(12);
  });

  it('shards of another N', () => {
    const odd = shardFiles(twelveLinks(), 4)[3];
    if (!odd) throw new Error('no file');
    const merged = mergeResults([one, two, three, { ...odd, name: 'results/x/result.json' }], EXPECTED);
    expect(codes(merged)).toEqual(['ShardCountMismatch']);
    expect(merged.problems[0]?.message).toBe('results/x/result.json is shard 4/4, but the other result files are shards of 3.');
  });

  it('a file made from another version of the topology', () => {
    const stale = { ...two, text: two.text.replace(TOPOLOGY_DIGEST, `sha256:${'cd'.repeat(32)}`) };
    const merged = mergeResults([one, stale, three], EXPECTED);
    expect(codes(merged)).toEqual(['TopologyDigestMismatch']);
    expect(merged.problems[0]?.message).toContain('results/shard-2/result.json (shard 2/3) was made from another version of network/topology.yml');
    expect(merged.report.verdict).toBe('failed');
  });

  it('a file that is not a result file, or not JSON, or a pair’s', () => {
    const merged = mergeResults(
      [one, two, three, { name: 'notes.json', text: '{"hello": 1}' }, { name: 'junk.txt', text: 'not json' }, { name: 'pair.json', text: resultFileJson(appliedCreate()) }],
      EXPECTED,
    );
    expect(codes(merged)).toEqual(['ResultFileInvalid', 'ResultFileInvalid', 'ResultFileInvalid']);
    expect(merged.problems.map((p) => p.message)).toEqual([
      'junk.txt cannot be merged: it is not JSON.',
      'notes.json cannot be merged: it is not a result file of this action (no "format" field).',
      'pair.json cannot be merged: it is the result of a run with the pair inputs, not with a topology file.',
    ]);
  });

  it('a damaged result file says which field', () => {
    const damaged = { ...two, text: two.text.replace('"state": "Connected"', '"state": "Sideways"') };
    const merged = mergeResults([one, damaged, three], EXPECTED);
    expect(merged.problems[0]?.message).toMatch(/^results\/shard-2\/result\.json cannot be merged: links\[\d+\]\.[ab]\.state is not one of Connected, Initiated, Disconnected, Missing\.$/);
    // Its shard is then missing too.
    expect(codes(merged)).toEqual(['ResultFileInvalid', 'ShardResultMissing']);
  });

  it('shards run in different modes', () => {
    const planned = shardFiles(twelveLinks('plan'), 3)[1];
    if (!planned) throw new Error('no file');
    const merged = mergeResults([one, planned, three], EXPECTED);
    expect(codes(merged)).toEqual(['ShardModeMismatch']);
    expect(merged.problems[0]?.message).toBe('results/shard-2/result.json (shard 2/3) ran in plan mode, the others in apply mode.');
  });

  it('no file at all', () => {
    const merged = mergeResults([], { ...EXPECTED, mode: 'plan' });
    expect(codes(merged)).toEqual(['ShardResultMissing']);
    expect(merged.report).toMatchObject({ mode: 'plan', verdict: 'failed', links: [], source: { kind: 'file', path: TOPOLOGY_PATH, digest: TOPOLOGY_DIGEST } });
  });
});
