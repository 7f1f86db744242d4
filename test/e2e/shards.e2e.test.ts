// The committed bundle against the emulator: one topology over several jobs (shard K/N), then one
// merge run that reads their result files, touches no cloud, and reports and comments once.
import { afterEach, describe, expect, it } from 'vitest';
import { topologyHarness, topologyResult, type TopologyHarness } from '../support/e2e.ts';
import { topologyYaml } from '../support/topology-files.ts';
import type { ActionRun } from '../support/run-action.ts';

let h: TopologyHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Three hubs with their spokes and a mesh: four components of the link graph. */
async function estate(): Promise<TopologyHarness> {
  const th = await topologyHarness({ tenants: 2, hubs: 3, spokesPerHub: [3, 2, 2], mesh: 3 });
  th.write(topologyYaml(th.g, { mesh: true }));
  return th;
}

const keys = (run: ActionRun): string[] => topologyResult(run).links.map((l) => l.key).sort();
const outsideCloud = (th: TopologyHarness) => th.emu.requests.filter((r) => r.service === 'arm' || r.service === 'login' || r.service === 'oidc');

describe('shards', () => {
  it('1/3, 2/3 and 3/3 end with every link healthy, each writing only its own components; the merge reports all and comments once', async () => {
    h = await estate();
    const runs: ActionRun[] = [];
    for (const k of [1, 2, 3]) {
      h.emu.clearRequests();
      const run = await h.run({ shard: `${k}/3` });
      expect(run.exitCode, run.stdout).toBe(0);
      const mine = new Set(topologyResult(run).links.flatMap((l) => l.vnets.map((v) => v.toLowerCase())));
      // Every write of this shard is on a VNet of its own links.
      for (const w of h.armWrites()) expect([...mine].some((v) => w.path.toLowerCase().startsWith(v))).toBe(true);
      const file = JSON.parse(run.resultFile ?? '{}');
      expect(file.shard).toBe(`${k}/3`);
      expect(file.topologyDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      // A shard never comments: the merge does.
      expect(h.emu.comments('contoso/network', 7)).toEqual([]);
      runs.push(run);
      h.ws.write(`results/shard-${k}.json`, run.resultFile ?? '');
    }
    const all = runs.flatMap(keys);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(3 + 2 + 2 + 3);
    // A component stays whole: the mesh's three links are in one shard.
    expect(runs.filter((r) => topologyResult(r).links.some((l) => l.entry.startsWith('meshes'))).length).toBe(1);

    h.emu.clearRequests();
    const merged = await h.run({ results: 'results/*.json' }, { env: { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' } });
    expect(merged.exitCode, merged.stdout).toBe(0);
    expect(outsideCloud(h)).toEqual([]);
    expect(topologyResult(merged)).toMatchObject({ verdict: 'repaired', counts: { links: 10, healthy: 10 } });
    expect(keys(merged)).toEqual([...all].sort());
    expect(h.emu.comments('contoso/network', 7)).toHaveLength(1);
    expect(merged.summary.split('\n')[0]).toMatch(/10 links/);
  });

  it('the same file gives the same shards on every run, whatever Azure holds', async () => {
    h = await estate();
    const first = keys(await h.run({ shard: '2/3', mode: 'plan' }));
    await h.run({ shard: '1/3' });
    const again = keys(await h.run({ shard: '2/3', mode: 'plan' }));
    expect(again).toEqual(first);
    expect(first.length).toBeGreaterThan(0);
  });

  it('an empty shard succeeds with nothing to do', async () => {
    h = await estate();
    h.emu.clearRequests();
    const run = await h.run({ shard: '6/6' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(topologyResult(run).counts.links).toBe(0);
    expect(h.armWrites()).toEqual([]);
  });

  it('the merge fails naming a missing shard, and a shard made from another version of the file', async () => {
    h = await estate();
    for (const k of [1, 2]) h.ws.write(`results/shard-${k}.json`, (await h.run({ shard: `${k}/3`, mode: 'plan' })).resultFile ?? '');
    const missing = await h.run({ results: 'results/*.json' });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors.join('\n')).toMatch(/ShardResultMissing.*3\/3|shard 3 of 3/i);

    h.ws.write('results/shard-3.json', (await h.run({ shard: '3/3', mode: 'plan' })).resultFile ?? '');
    // The file changes after the shards ran: their results describe another version.
    h.write(`${topologyYaml(h.g, { mesh: true })}# edited\n`);
    const stale = await h.run({ results: `${h.ws.dir}/results/*.json` });
    expect(stale.exitCode).toBe(1);
    expect(stale.errors.join('\n')).toMatch(/TopologyDigestMismatch/);
    expect(stale.errors.join('\n')).toMatch(/shard-1\.json/);
  });
});
