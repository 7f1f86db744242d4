// The committed bundle against the emulator: tear-down, prune and subnet-level peering, for the pair
// inputs and for a topology file.
import { afterEach, describe, expect, it } from 'vitest';
import { harness, IDS, result, topologyHarness, topologyResult, type Harness, type TopologyHarness } from '../support/e2e.ts';
import { topologyYaml } from '../support/topology-files.ts';

let h: Harness | undefined;
let t: TopologyHarness | undefined;
afterEach(async () => {
  await h?.emu.stop();
  await t?.stop();
  h = undefined;
  t = undefined;
});

const HUB_SIDE = 'vnet-hub-to-vnet-spoke';
const SPOKE_SIDE = 'vnet-spoke-to-vnet-hub';
const name = (id: string): string => id.split('/').pop() ?? id;

describe('tear-down with the pair inputs', () => {
  it('deletes both directions of a healthy pair, touches nothing else; a rerun writes nothing', async () => {
    h = await harness();
    expect((await h.run()).exitCode).toBe(0);
    // Something else peered with the hub: it must survive.
    h.emu.createPeering(IDS.vnets.hub, 'hub-to-app', { remoteVnetId: IDS.vnets.app });
    const plan = await h.run({ ensure: 'absent', mode: 'plan' });
    expect(plan.exitCode).toBe(0);
    expect(plan.outputs).toMatchObject({ 'action-a': 'delete', 'action-b': 'delete', changed: 'true' });
    expect(plan.summary.split('\n')[0]).toMatch(/delete.*2 peerings|2 peerings.*delete/i);
    h.emu.clearRequests();
    const run = await h.run({ ensure: 'absent' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'action-a': 'delete', 'action-b': 'delete', 'state-a': 'Missing', 'state-b': 'Missing', changed: 'true' });
    expect(h.emu.peering(IDS.vnets.hub, HUB_SIDE)).toBeUndefined();
    expect(h.emu.peering(IDS.vnets.spoke, SPOKE_SIDE)).toBeUndefined();
    expect(h.emu.peering(IDS.vnets.hub, 'hub-to-app')).toBeDefined();
    expect(h.armWrites().map((w) => w.method)).toEqual(['DELETE', 'DELETE']);
    h.emu.clearRequests();
    const again = await h.run({ ensure: 'absent' });
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({ 'action-a': 'none', 'action-b': 'none', changed: 'false' });
    expect(h.armWrites()).toEqual([]);
  });

  it('one side already gone, the other Disconnected: deletes what is left, under whatever name', async () => {
    h = await harness();
    h.emu.createPeering(IDS.vnets.hub, 'legacy-name', { remoteVnetId: IDS.vnets.spoke });
    h.emu.createPeering(IDS.vnets.spoke, SPOKE_SIDE, { remoteVnetId: IDS.vnets.hub });
    h.emu.deletePeering(IDS.vnets.spoke, SPOKE_SIDE);
    expect(h.emu.peering(IDS.vnets.hub, 'legacy-name')?.properties.peeringState).toBe('Disconnected');
    const run = await h.run({ ensure: 'absent' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'action-a': 'delete', 'action-b': 'none', 'state-a': 'Missing', 'state-b': 'Missing' });
    expect(h.emu.peerings(IDS.vnets.hub)).toEqual([]);
  });

  it('a named peering that points at another VNet is reported, never deleted', async () => {
    h = await harness();
    h.emu.createPeering(IDS.vnets.hub, 'mine', { remoteVnetId: IDS.vnets.app });
    const run = await h.run({ ensure: 'absent', 'peering-name-a': 'mine' });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toContain('PeeringNameConflict');
    expect(h.emu.peering(IDS.vnets.hub, 'mine')).toBeDefined();
    expect(h.armWrites()).toEqual([]);
  });
});

describe('subnet peering with the pair inputs', () => {
  const subnets = { 'subnets-a': 'default', 'subnets-b': 'default' };

  it('creates it, reruns with no writes, updates changed lists, switches to whole-VNet (replace) and back', async () => {
    h = await harness();
    h.emu.setSubnets(IDS.vnets.spoke, [
      { name: 'default', addressPrefix: '10.1.0.0/24' },
      { name: 'data', addressPrefix: '10.1.1.0/24' },
    ]);
    const created = await h.run(subnets);
    expect(created.exitCode, created.stdout).toBe(0);
    expect(h.emu.peering(IDS.vnets.hub, HUB_SIDE)?.properties).toMatchObject({ peerCompleteVnets: false, localSubnetNames: ['default'], remoteSubnetNames: ['default'], peeringState: 'Connected' });
    expect(h.emu.peering(IDS.vnets.spoke, SPOKE_SIDE)?.properties).toMatchObject({ peerCompleteVnets: false, localSubnetNames: ['default'], remoteSubnetNames: ['default'] });

    h.emu.clearRequests();
    expect((await h.run(subnets)).outputs.changed).toBe('false');
    expect(h.armWrites()).toEqual([]);

    const lists = await h.run({ 'subnets-a': 'default', 'subnets-b': 'default, data' });
    expect(lists.exitCode, lists.stdout).toBe(0);
    expect(lists.outputs).toMatchObject({ 'action-a': 'update', 'action-b': 'update' });
    expect(h.emu.peering(IDS.vnets.hub, HUB_SIDE)?.properties.remoteSubnetNames).toEqual(['default', 'data']);
    expect(h.armWrites().filter((w) => w.method === 'DELETE')).toEqual([]);

    h.emu.clearRequests();
    const whole = await h.run({ 'subnets-a': '*', 'subnets-b': '*' });
    expect(whole.exitCode, whole.stdout).toBe(0);
    expect(whole.outputs).toMatchObject({ 'action-a': 'replace', 'action-b': 'replace', 'state-a': 'Connected', 'state-b': 'Connected' });
    expect(h.emu.peering(IDS.vnets.hub, HUB_SIDE)?.properties.peerCompleteVnets).not.toBe(false);
    expect(h.armWrites().map((w) => w.method)).toEqual(['DELETE', 'DELETE', 'PUT', 'PUT']);

    const back = await h.run(subnets);
    expect(back.outputs).toMatchObject({ 'action-a': 'replace', 'action-b': 'replace', 'state-a': 'Connected' });
    expect(h.emu.peering(IDS.vnets.spoke, SPOKE_SIDE)?.properties.peerCompleteVnets).toBe(false);

    // Without subnet inputs the kind is not managed: the subnet peering stays as it is.
    h.emu.clearRequests();
    const unmanaged = await h.run();
    expect(unmanaged.exitCode).toBe(0);
    expect(h.armWrites()).toEqual([]);
    expect(h.emu.peering(IDS.vnets.spoke, SPOKE_SIDE)?.properties.peerCompleteVnets).toBe(false);
  });

  it('an unknown subnet name fails before any write, in plan and apply mode', async () => {
    h = await harness();
    for (const mode of ['plan', 'apply']) {
      const run = await h.run({ 'subnets-a': 'default', 'subnets-b': 'nope', mode });
      expect(run.exitCode).toBe(1);
      expect(run.errors.join('\n')).toMatch(/SubnetNotFound.*nope/);
      expect(result(run).b.action).toBe('create');
    }
    expect(h.armWrites()).toEqual([]);
  });
});

describe('tear-down, prune and subnets in a topology', () => {
  it('prune deletes undeclared peerings between file VNets, never one to a VNet outside; without it they are listed', async () => {
    t = await topologyHarness({ tenants: 2, hubs: 1, spokesPerHub: 4 });
    const hub = t.g.ids.hubs[0] ?? '';
    const [s0 = '', s1 = '', s2 = '', s3 = ''] = t.g.ids.spokes[0] ?? [];
    // Built by hand: s0 ⇄ s1 (both in the file, no link) and s2 ⇄ s3 (s3 outside the file).
    t.emu.createPeering(s0, 'manual-0-1', { remoteVnetId: s1 });
    t.emu.createPeering(s1, 'manual-1-0', { remoteVnetId: s0 });
    t.emu.createPeering(s2, 'manual-2-3', { remoteVnetId: s3 });
    const g = t.g;
    const file = (prune: boolean): string => topologyYaml(g, { hubs: [{ index: 0, spokes: 3 }], extra: { prune } });
    t.write(file(false));
    const kept = await t.run();
    expect(kept.exitCode, kept.stdout).toBe(0);
    expect(topologyResult(kept).unmanaged.map((u) => `${u.peeringName}:${u.action}`).sort()).toEqual(['manual-0-1:none', 'manual-1-0:none']);
    expect(t.emu.peering(s0, 'manual-0-1')).toBeDefined();

    t.write(file(true));
    const plan = await t.run({ mode: 'plan' });
    expect(plan.summary.split('\n')[0]).toMatch(/delete|prune/i);
    expect(plan.summary).toContain('manual-0-1');
    const pruned = await t.run();
    expect(pruned.exitCode, pruned.stdout).toBe(0);
    expect(topologyResult(pruned).counts.pruned).toBe(2);
    expect(t.emu.peering(s0, 'manual-0-1')).toBeUndefined();
    expect(t.emu.peering(s1, 'manual-1-0')).toBeUndefined();
    expect(t.emu.peering(s2, 'manual-2-3')).toBeDefined();
  });

  it('a link with ensure: absent is torn down on both sides, the hub’s other links untouched', async () => {
    t = await topologyHarness({ tenants: 2, hubs: 1, spokesPerHub: 3 });
    const g = t.g;
    const hub = g.ids.hubs[0] ?? '';
    const s0 = g.ids.spokes[0]?.[0] ?? '';
    t.write(topologyYaml(g));
    expect((await t.run()).exitCode).toBe(0);
    const without = topologyYaml(g, { hubs: [{ index: 0, spokes: 3 }] }).replace(`      - ${name(s0)}\n`, '');
    t.write(`${without}links:\n  - vnets: [${name(hub)}, ${name(s0)}]\n    ensure: absent\n`);
    t.emu.clearRequests();
    const run = await t.run();
    expect(run.exitCode, run.stdout).toBe(0);
    const r = topologyResult(run);
    expect(r.links.find((l) => l.ensure === 'absent')).toMatchObject({ a: { action: 'delete', state: 'Missing' }, b: { action: 'delete', state: 'Missing' } });
    expect(r.counts).toMatchObject({ links: 3, healthy: 3 });
    expect(t.armWrites().map((w) => w.method)).toEqual(['DELETE', 'DELETE']);
    expect(t.emu.peerings(hub)).toHaveLength(2);
    expect(t.emu.peerings(s0)).toEqual([]);
  });

  it('subnet lists in the file: created on both directions, and an unknown one fails before writing', async () => {
    t = await topologyHarness({ tenants: 2, hubs: 2, spokesPerHub: 0 });
    const [h0 = '', h1 = ''] = t.g.ids.hubs;
    const base = topologyYaml(t.g, { hubs: [], alsoDeclare: [h0, h1] });
    t.write(`${base}links:\n  - vnets: [${name(h0)}, ${name(h1)}]\n    subnets: [[app], [default, app]]\n`);
    const run = await t.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(t.emu.peering(h0, `${name(h0)}-to-${name(h1)}`)?.properties).toMatchObject({ peerCompleteVnets: false, localSubnetNames: ['app'], remoteSubnetNames: ['default', 'app'] });
    t.write(`${base}links:\n  - vnets: [${name(h0)}, ${name(h1)}]\n    subnets: [[app], [nope]]\n`);
    t.emu.clearRequests();
    const bad = await t.run();
    expect(bad.exitCode).toBe(1);
    expect(bad.errors.join('\n')).toContain('SubnetNotFound');
    expect(t.armWrites()).toEqual([]);
  });
});
