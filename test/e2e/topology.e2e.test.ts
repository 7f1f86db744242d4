// The committed bundle against the emulator, with a topology file: a whole estate in one run.
import { afterEach, describe, expect, it } from 'vitest';
import { topologyHarness, topologyResult, type TopologyHarness } from '../support/e2e.ts';
import { topologyYaml } from '../support/topology-files.ts';

let h: TopologyHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const name = (id: string): string => id.split('/').pop() ?? id;
const connected = (th: TopologyHarness, vnet: string, peering: string) => th.emu.peering(vnet, peering)?.properties;

describe('a hub with spokes across two tenants', () => {
  it('creates every link, signs in once per identity, reads each VNet once; a second run writes nothing', async () => {
    h = await topologyHarness({ tenants: 2, hubs: 1, spokesPerHub: 6 });
    const { hubs, spokes } = h.g.ids;
    const hub = hubs[0] ?? '';
    h.write(topologyYaml(h.g, { hubs: [{ index: 0, useHubGateway: true }] }));
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    const r = topologyResult(run);
    expect(r).toMatchObject({ mode: 'apply', verdict: 'repaired', changed: true, counts: { links: 6, healthy: 6, changed: 6, failed: 0 } });
    for (const spoke of spokes[0] ?? []) {
      expect(connected(h, hub, `${name(hub)}-to-${name(spoke)}`)).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync', allowGatewayTransit: true });
      expect(connected(h, spoke, `${name(spoke)}-to-${name(hub)}`)).toMatchObject({ peeringState: 'Connected', useRemoteGateways: true });
    }
    // One token per tenant (one app, two tenants), and each VNet read once before planning.
    const tokens = h.emu.requests.filter((q) => q.service === 'login' && q.method === 'POST');
    expect(tokens).toHaveLength(2);
    const firstWrite = h.emu.requests.find((q) => q.service === 'arm' && q.method === 'PUT')?.startedAt ?? Infinity;
    const readsBefore = h.emu.requests.filter((q) => q.service === 'arm' && q.method === 'GET' && /virtualNetworks\/[^/]+$/.test(q.path) && q.startedAt < firstWrite);
    expect(readsBefore).toHaveLength(7);
    expect(new Set(readsBefore.map((q) => q.path.toLowerCase())).size).toBe(7);
    // Each write was signed in its VNet's tenant and carried the remote tenant's token when it differs.
    const th = h;
    const tenantOfName = new Map(th.g.world.vnets.map((v) => [name(v.id), th.g.world.subscriptions.find((sub) => v.id.includes(sub.id))?.tenantId]));
    const puts = h.emu.requests.filter((q) => q.service === 'arm' && q.method === 'PUT');
    expect(puts).toHaveLength(12);
    for (const put of puts) {
      const [local = '', remote = ''] = (put.path.split('/virtualNetworkPeerings/')[1] ?? '').split('-to-');
      expect(put.tenant).toBe(tenantOfName.get(local));
      const far = tenantOfName.get(remote);
      expect(put.auxTenants).toEqual(far === put.tenant ? [] : [far]);
    }
    expect(run.outputs['state-a']).toBe('');
    expect(run.summary.split('\n')[0]).toMatch(/✅ Applied/);
    expect(run.summary).toContain('```mermaid');

    h.emu.clearRequests();
    const again = await h.run();
    expect(again.exitCode).toBe(0);
    expect(topologyResult(again)).toMatchObject({ verdict: 'in-sync', changed: false });
    expect(h.armWrites()).toEqual([]);
  });

  it('repairs only what broke: a deleted spoke side, drift, a resized hub', async () => {
    h = await topologyHarness({ tenants: 2, hubs: 1, spokesPerHub: 5 });
    const hub = h.g.ids.hubs[0] ?? '';
    const spokes = h.g.ids.spokes[0] ?? [];
    h.write(topologyYaml(h.g));
    expect((await h.run()).exitCode).toBe(0);
    const [s0, s1] = spokes;
    h.emu.deletePeering(s0 ?? '', `${name(s0 ?? '')}-to-${name(hub)}`);
    h.emu.updatePeering(s1 ?? '', `${name(s1 ?? '')}-to-${name(hub)}`, { allowForwardedTraffic: true });
    const space = h.emu.vnet(hub)?.properties.addressSpace.addressPrefixes ?? [];
    h.emu.setAddressSpace(hub, [...space, '10.250.0.0/16']);
    h.emu.clearRequests();
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    const r = topologyResult(run);
    expect(r.counts).toMatchObject({ links: 5, healthy: 5 });
    expect(r.links[0]).toMatchObject({ a: { action: 'recreate' }, b: { action: 'create' } });
    expect(r.links[1]?.b.action).toBe('update');
    expect(r.links.slice(2).map((l) => `${l.a.action}/${l.b.action}`)).toEqual(['none/sync', 'none/sync', 'none/sync']);
    // Writes only where needed: the hub's one re-PUT, five spoke-side PUTs, nothing deleted.
    const writes = h.armWrites();
    expect(writes.filter((w) => w.method === 'DELETE')).toEqual([]);
    expect(writes.filter((w) => w.path.includes(`/${name(hub)}/`))).toHaveLength(1);
    expect(writes).toHaveLength(6);
  });
});

describe('a mesh', () => {
  it('peers every pair of members', async () => {
    h = await topologyHarness({ tenants: 2, hubs: 0, mesh: 4 });
    h.write(topologyYaml(h.g, { mesh: true }));
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    const r = topologyResult(run);
    expect(r.counts).toMatchObject({ links: 6, healthy: 6 });
    expect(r.links.map((l) => l.entry)).toContain('meshes[0].vnets[0,1]');
    for (const id of h.g.ids.mesh) expect(h.emu.peerings(id)).toHaveLength(3);
  });
});

describe('a bad file', () => {
  it('fails with every problem named by line, entry and value, and sends no request', async () => {
    h = await topologyHarness({ tenants: 1, hubs: 1, spokesPerHub: 2 });
    const good = topologyYaml(h.g);
    const broken = good.replace(/tenant-id: [0-9a-f-]+/, 'tenant-id: contoso').replace('spokes:\n', 'spokes:\n      - app9\n').replace('version: 1', 'version: 1\ncolour: blue');
    h.write(broken);
    h.emu.clearRequests();
    const run = await h.run();
    expect(run.exitCode).toBe(1);
    const message = run.errors.join('\n');
    expect(message).toMatch(/Invalid topology file network\/topology\.yml: [3-9] problems/);
    expect(message).toMatch(/network\/topology\.yml:\d+:\d+: .*colour/);
    expect(message).toMatch(/tenant-id.*'contoso'.*GUID/);
    expect(message).toMatch(/hubs\[0\]\.spokes\[0\].*'app9'/);
    expect(run.summary.split('\n')[0]).toBe('### ❌ Invalid input — nothing was sent to Azure');
    expect(h.emu.requests).toEqual([]);
  });

  it('refuses pair inputs beside a topology, with zero requests', async () => {
    h = await topologyHarness({ tenants: 1, hubs: 1, spokesPerHub: 1 });
    h.write(topologyYaml(h.g));
    h.emu.clearRequests();
    const run = await h.run({ 'vnet-a': h.g.ids.hubs[0] ?? '' });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(/'topology' is given, so the pair inputs must not be; got 'vnet-a'/);
    expect(h.emu.requests).toEqual([]);
  });
});

describe('partial failure and preflight', () => {
  it('a spoke without its role fails alone, before any write on it; the others end healthy; the step fails naming it', async () => {
    h = await topologyHarness({ tenants: 2, hubs: 1, spokesPerHub: 4, withoutRole: [{ hub: 0, spoke: 2 }] });
    h.write(topologyYaml(h.g));
    const run = await h.run();
    expect(run.exitCode).toBe(1);
    const r = topologyResult(run);
    expect(r.counts).toMatchObject({ links: 4, healthy: 3, failed: 1 });
    const failed = r.links.find((l) => l.entry === 'hubs[0].spokes[2]');
    expect([failed?.a.error?.code, failed?.b.error?.code].filter(Boolean)).toContain('AuthorizationFailed');
    expect(run.errors.join('\n')).toContain('hubs[0].spokes[2]');
    const spoke = h.g.ids.spokes[0]?.[2] ?? '';
    expect(h.armWrites().filter((w) => w.path.toLowerCase().includes(`/${name(spoke).toLowerCase()}/`) || w.path.toLowerCase().endsWith(`-to-${name(spoke).toLowerCase()}`))).toEqual([]);
  });

  it('plan mode with problems Azure would refuse: fails with "apply would fail" first, writes nothing', async () => {
    h = await topologyHarness({ tenants: 2, hubs: 1, spokesPerHub: 3, hubGateway: false });
    h.write(topologyYaml(h.g, { hubs: [{ index: 0, useHubGateway: true }] }));
    const run = await h.run({ mode: 'plan' });
    expect(run.exitCode).toBe(1);
    expect(run.summary.split('\n')[0]).toMatch(/apply would fail/i);
    expect(run.warnings.join('\n')).toContain('RemoteVnetHasNoGateways');
    expect(h.armWrites()).toEqual([]);
  });
});

describe('the sticky comment and the report', () => {
  it('keeps one comment for the file, apart from any pair comment', async () => {
    h = await topologyHarness({ tenants: 2, hubs: 1, spokesPerHub: 2 });
    h.write(topologyYaml(h.g));
    expect((await h.run({ mode: 'plan' })).exitCode).toBe(0);
    expect((await h.run()).exitCode).toBe(0);
    const comments = h.emu.comments('contoso/network', 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/azure-vnet-peering:topology=/);
    expect(comments[0]?.body.split('\n')[0]).toMatch(/✅ Applied/);
  });

  it('stays within GitHub’s budgets at 500 links: the comment under 65,536 characters, the summary under 1 MiB', async () => {
    h = await topologyHarness({ tenants: 3, hubs: 2, spokesPerHub: [300, 200] }, { behavior: { throttling: { enabled: false } } });
    h.write(topologyYaml(h.g));
    const run = await h.run({ mode: 'plan' });
    expect(run.exitCode, run.stdout.slice(-2000)).toBe(0);
    expect(topologyResult(run).counts).toMatchObject({ links: 500, pending: 500 });
    const comment = h.emu.comments('contoso/network', 7)[0]?.body ?? '';
    expect(comment.length).toBeGreaterThan(1000);
    expect(comment.length).toBeLessThan(65_536);
    expect(Buffer.byteLength(run.summary)).toBeLessThan(1_048_576);
    expect(run.summary.split('\n')[0]).toMatch(/500 links/);
    // The result file is whole; the output may be cut, and is valid JSON either way.
    expect(JSON.parse(run.outputs.result ?? '')).toBeTruthy();
    expect(topologyResult(run).links).toHaveLength(500);
  }, 120_000);
});
