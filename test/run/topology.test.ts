// The engine over many links, against the in-memory fake (which enforces the busy model): what
// Azure ends in, what the report says, and that a good schedule provokes no busy refusals.
import { describe, expect, it } from 'vitest';
import type { LinkResult, RunReport } from '../../src/model.ts';
import { FakeAzure, runTopology } from '../support/fake-azure.ts';
import { hubAndSpokes, makeLink, makeTopology, TENANT_2, vnetId } from '../support/links.ts';

const APPLY = { mode: 'apply' as const, maxParallelWrites: 50, timeoutMs: 15 * 60_000 };
const PLAN = { ...APPLY, mode: 'plan' as const };

function fakeFor(ids: readonly string[], opts: { gateway?: readonly string[]; overlap?: Readonly<Record<string, string>> } = {}): FakeAzure {
  return new FakeAzure(
    ids.map((id, i) => ({
      id,
      addressPrefixes: [opts.overlap?.[id] ?? `10.${i}.0.0/16`],
      hasGateway: opts.gateway?.includes(id) ?? false,
      subnets: [{ name: 'app', prefixes: [`10.${i}.1.0/24`] }, { name: 'data', prefixes: [`10.${i}.2.0/24`] }],
    })),
  );
}

const healthy = (r: RunReport): boolean[] => r.links.map((l) => l.healthy);
const actionsOf = (l: LinkResult | undefined): string => `${l?.sides.a.action}/${l?.sides.b.action}`;

describe('a hub with spokes across two tenants', () => {
  it('creates every link with no busy refusal, then a second run writes nothing', async () => {
    const { hub, spokes, links } = hubAndSpokes(12, { gatewayTransit: 'a' });
    const fake = fakeFor([hub, ...spokes], { gateway: [hub] });
    const topology = makeTopology(links);
    const { report } = await runTopology(fake, topology, APPLY);
    expect(report.verdict).toBe('repaired');
    expect(healthy(report)).toEqual(links.map(() => true));
    expect(fake.busyRefusals).toEqual([]);
    // The spokes' writes ran together while the hub was idle.
    expect(fake.maxConcurrentWrites).toBeGreaterThan(1);
    expect(fake.peering(spokes[3] ?? '', 'spoke3-to-hub')).toMatchObject({ useRemoteGateways: true, peeringState: 'Connected', syncLevel: 'FullyInSync' });
    const before = fake.writes.length;
    const again = await runTopology(fake, topology, APPLY);
    expect(again.report.verdict).toBe('in-sync');
    expect(fake.writes.length).toBe(before);
  });

  it('writes the hub side before each spoke side when the hub lends its gateway', async () => {
    const { hub, spokes, links } = hubAndSpokes(3, { gatewayTransit: 'a' });
    const fake = fakeFor([hub, ...spokes], { gateway: [hub] });
    await runTopology(fake, makeTopology(links), APPLY);
    for (const [i] of spokes.entries()) {
      const hubWrite = fake.writes.findIndex((w) => w.vnet === 'hub' && w.peering === `hub-to-spoke${i}`);
      const spokeWrite = fake.writes.findIndex((w) => w.vnet === `spoke${i}`);
      expect(hubWrite).toBeLessThan(spokeWrite);
    }
  });

  it('repairs only what needs it: a missing side, a Disconnected one, drift, a grown hub', async () => {
    const { hub, spokes, links } = hubAndSpokes(6);
    const fake = fakeFor([hub, ...spokes]);
    const topology = makeTopology(links);
    await runTopology(fake, topology, APPLY);
    fake.deletePeering(spokes[0] ?? '', 'spoke0-to-hub'); // missing, hub side Disconnected
    fake.patch(spokes[1] ?? '', 'spoke1-to-hub', { allowForwardedTraffic: true }); // drift
    fake.setAddressSpace(hub, ['10.0.0.0/16', '10.100.0.0/16']); // every spoke side stale
    const writesBefore = fake.writes.length;
    const { report } = await runTopology(fake, topology, APPLY);
    expect(report.verdict).toBe('repaired');
    expect(healthy(report)).toEqual(links.map(() => true));
    expect(actionsOf(report.links[0])).toBe('recreate/create');
    expect(report.links[1]?.sides.b.action).toBe('update');
    expect(report.links.slice(2).map((l) => l.sides.b.action)).toEqual(['sync', 'sync', 'sync', 'sync']);
    // The hub's healthy sides were not written: writes only where needed.
    const written = fake.writes.slice(writesBefore).map((w) => `${w.vnet}:${w.method}`);
    expect(written.filter((w) => w.startsWith('hub:'))).toEqual(['hub:PUT']);
    expect(written).toHaveLength(1 + 6);
    expect(fake.busyRefusals).toEqual([]);
  });
});

describe('partial failure', () => {
  it('one link refused for good fails alone; the others end healthy; the step fails naming it', async () => {
    const { hub, spokes, links } = hubAndSpokes(4);
    const fake = fakeFor([hub, ...spokes]);
    fake.failNext({ method: 'PUT', vnet: 'spoke2', error: Object.assign(new Error('The client does not have authorization'), { statusCode: 403, code: 'AuthorizationFailed' }) });
    const { report } = await runTopology(fake, makeTopology(links), APPLY);
    expect(report.verdict).toBe('failed');
    expect(healthy(report)).toEqual([true, true, false, true]);
    expect(report.links[2]?.sides.b).toMatchObject({ outcome: 'failed', problem: { code: 'AuthorizationFailed' } });
    expect(report.links[2]?.sides.b.problem?.advice).toContain('Network Contributor');
  });

  it('a VNet that cannot be read skips its links only', async () => {
    const { hub, spokes, links } = hubAndSpokes(3);
    const fake = fakeFor([hub, ...spokes]);
    fake.failReads(spokes[1] ?? '', Object.assign(new Error('not found'), { statusCode: 404, code: 'ResourceNotFound' }));
    const { report } = await runTopology(fake, makeTopology(links), APPLY);
    expect(healthy(report)).toEqual([true, false, true]);
    expect(report.links[1]?.sides.b).toMatchObject({ outcome: 'skipped', problem: { code: 'ResourceNotFound' } });
    expect(report.links[1]?.sides.b.problem?.advice).toContain('vnets.spoke1 in net.yml');
  });
});

describe('a mesh', () => {
  it('peers every pair of members without busy refusals', async () => {
    const ids = [0, 1, 2, 3, 4].map((i) => vnetId(10 + i, `m${i}`));
    const links = [];
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) links.push(makeLink(links.length, { id: ids[i] ?? '' }, { id: ids[j] ?? '' }));
    const fake = fakeFor(ids);
    const { report } = await runTopology(fake, makeTopology(links), APPLY);
    expect(report.verdict).toBe('repaired');
    expect(report.links).toHaveLength(10);
    expect(healthy(report).every(Boolean)).toBe(true);
    expect(fake.busyRefusals).toEqual([]);
  });
});

describe('preflight: problems found before any write', () => {
  it('two spokes that overlap each other: the one declared first wins, the other is not written', async () => {
    const { hub, spokes, links } = hubAndSpokes(3);
    const fake = fakeFor([hub, ...spokes], { overlap: { [spokes[2] ?? '']: '10.1.128.0/17' } });
    const { report } = await runTopology(fake, makeTopology(links), APPLY);
    expect(healthy(report)).toEqual([true, true, false]);
    const side = report.links[2]?.sides;
    expect([side?.a.outcome, side?.b.outcome]).toEqual(['skipped', 'skipped']);
    expect(side?.a.problem?.code).toBe('VnetAddressSpaceOverlapsWithAlreadyPeeredVnet');
    expect(fake.writes.some((w) => w.vnet === 'spoke2' || w.peering === 'hub-to-spoke2')).toBe(false);
  });

  it('an existing peering wins over a new link that overlaps it', async () => {
    const { hub, spokes, links } = hubAndSpokes(2);
    const other = vnetId(9, 'legacy');
    const fake = fakeFor([hub, ...spokes, other], { overlap: { [other]: '10.2.0.0/16' } });
    fake.peerBoth(hub, 'hub-to-legacy', other, 'legacy-to-hub');
    const { report } = await runTopology(fake, makeTopology(links), PLAN);
    expect(report.verdict).toBe('failed');
    expect(report.links[1]?.sides.a.problem?.code).toBe('VnetAddressSpaceOverlapsWithAlreadyPeeredVnet');
    expect(report.links[1]?.sides.a.problem?.message).toContain("its peering 'hub-to-legacy'");
    expect(report.links[0]?.sides.a.problem).toBeUndefined();
  });

  it('useRemoteGateways towards a hub without a gateway: plan fails (apply would), nothing written', async () => {
    const { hub, spokes, links } = hubAndSpokes(2, { gatewayTransit: 'a' });
    const fake = fakeFor([hub, ...spokes]);
    const { report } = await runTopology(fake, makeTopology(links), PLAN);
    expect(report.verdict).toBe('failed');
    expect(report.links.map((l) => l.sides.b.problem?.code)).toEqual(['RemoteVnetHasNoGateways', 'RemoteVnetHasNoGateways']);
    expect(fake.writes).toEqual([]);
  });

  it('a permission the planning identity lacks is a warning in plan mode and a blocker in apply mode', async () => {
    const { hub, spokes, links } = hubAndSpokes(2);
    const fake = fakeFor([hub, ...spokes]);
    fake.setPermissions(spokes[1] ?? '', [{ actions: ['*/read'], notActions: [] }]);
    const plan = await runTopology(fake, makeTopology(links), PLAN);
    expect(plan.report.verdict).toBe('pending');
    // The spoke's identity may neither write there nor let the hub peer with it.
    expect(plan.report.links[1]?.warnings.map((w) => [w.code, w.message])).toEqual([
      ['LinkedAuthorizationFailed', expect.stringContaining('virtualNetworks/peer/action on spoke1')],
      ['AuthorizationFailed', expect.stringContaining('virtualNetworkPeerings/write on spoke1')],
    ]);
    expect(plan.report.links[1]?.warnings[0]?.advice).toContain('Network Contributor');
    const apply = await runTopology(fake, makeTopology(links), APPLY);
    expect(healthy(apply.report)).toEqual([true, false]);
    expect(apply.report.links[1]?.sides.b.problem?.code).toBe('AuthorizationFailed');
    expect(fake.writes.some((w) => w.vnet === 'spoke1' || w.peering === 'hub-to-spoke1')).toBe(false);
  });

  it('a plan whose writes outlast timeout-minutes says how long they need', async () => {
    const { hub, spokes, links } = hubAndSpokes(40);
    const fake = fakeFor([hub, ...spokes]);
    const { report } = await runTopology(fake, makeTopology(links), { ...PLAN, timeoutMs: 5 * 60_000 });
    expect(report.estimate).toEqual({ writes: 80, seconds: 41 * 20, operationSeconds: 20, limitSeconds: 300 });
  });
});

describe('tear-down and prune', () => {
  it('ensure: absent deletes both directions, leaves the rest; a rerun writes nothing', async () => {
    const a = vnetId(1, 'va');
    const b = vnetId(2, 'vb');
    const c = vnetId(3, 'vc');
    const fake = fakeFor([a, b, c]);
    fake.peerBoth(a, 'va-to-vb', b, 'vb-to-va');
    fake.peerBoth(a, 'va-to-vc', c, 'vc-to-va');
    const topology = makeTopology([makeLink(0, { id: a }, { id: b }, { ensure: 'absent' }), makeLink(1, { id: a }, { id: c })]);
    const { report } = await runTopology(fake, topology, APPLY);
    expect(report.verdict).toBe('repaired');
    expect(actionsOf(report.links[0])).toBe('delete/delete');
    expect([report.links[0]?.sides.a.state, report.links[0]?.sides.b.state]).toEqual(['Missing', 'Missing']);
    expect(fake.peeringNames(a)).toEqual(['va-to-vc']);
    expect(fake.peeringNames(b)).toEqual([]);
    const before = fake.writes.length;
    expect((await runTopology(fake, topology, APPLY)).report.verdict).toBe('in-sync');
    expect(fake.writes.length).toBe(before);
  });

  it('lists undeclared peerings between VNets of the file, and deletes them only under prune; never one to a VNet outside', async () => {
    const a = vnetId(1, 'va');
    const b = vnetId(2, 'vb');
    const c = vnetId(3, 'vc');
    const outside = vnetId(4, 'outside');
    const fake = fakeFor([a, b, c, outside]);
    fake.peerBoth(a, 'va-to-vc', c, 'vc-to-va');
    fake.peerBoth(a, 'va-to-outside', outside, 'outside-to-va');
    const links = [makeLink(0, { id: a }, { id: b })];
    const kept = await runTopology(fake, makeTopology(links, { extra: [{ id: c }] }), APPLY);
    expect(kept.report.unmanaged.map((u) => `${u.peeringName}:${u.action}`).sort()).toEqual(['va-to-vc:none', 'vc-to-va:none']);
    expect(fake.peeringNames(a).sort()).toEqual(['va-to-outside', 'va-to-vb', 'va-to-vc']);

    const planned = await runTopology(fake, makeTopology(links, { extra: [{ id: c }], prune: true }), PLAN);
    expect(planned.report.unmanaged.map((u) => `${u.peeringName}:${u.action}:${u.outcome}`).sort()).toEqual(['va-to-vc:delete:planned', 'vc-to-va:delete:planned']);
    expect(planned.report.verdict).toBe('pending');

    const pruned = await runTopology(fake, makeTopology(links, { extra: [{ id: c }], prune: true }), APPLY);
    expect(pruned.report.verdict).toBe('repaired');
    expect(pruned.report.unmanaged.map((u) => u.outcome)).toEqual(['done', 'done']);
    expect(fake.peeringNames(a).sort()).toEqual(['va-to-outside', 'va-to-vb']);
    expect(fake.peeringNames(c)).toEqual([]);
    expect(fake.busyRefusals).toEqual([]);
  });
});

describe('subnet peering', () => {
  it('creates subnet peerings, updates changed lists in place, and replaces on a switch of kind', async () => {
    const a = vnetId(1, 'va');
    const b = vnetId(2, 'vb');
    const fake = fakeFor([a, b]);
    const withKind = (kind: Parameters<typeof makeLink>[3] extends infer S ? S : never) => makeTopology([makeLink(0, { id: a }, { id: b }, kind)]);
    const lists = withKind({ kind: { kind: 'subnets', subnets: { a: ['app'], b: ['app', 'data'] }, ipv6Only: false } });
    const created = await runTopology(fake, lists, APPLY);
    expect(created.report.verdict).toBe('repaired');
    expect(fake.peering(a, 'va-to-vb')?.scope).toEqual({ complete: false, localSubnets: ['app'], remoteSubnets: ['app', 'data'], ipv6Only: false });
    expect(fake.peering(b, 'vb-to-va')?.scope).toEqual({ complete: false, localSubnets: ['app', 'data'], remoteSubnets: ['app'], ipv6Only: false });

    const changed = await runTopology(fake, withKind({ kind: { kind: 'subnets', subnets: { a: ['app', 'data'], b: ['app', 'data'] }, ipv6Only: false } }), APPLY);
    expect(actionsOf(changed.report.links[0])).toBe('update/update');
    expect(fake.writes.filter((w) => w.method === 'DELETE')).toEqual([]);

    const whole = await runTopology(fake, withKind({ kind: { kind: 'whole' } }), APPLY);
    expect(actionsOf(whole.report.links[0])).toBe('replace/replace');
    expect(whole.report.verdict).toBe('repaired');
    expect(fake.peering(a, 'va-to-vb')?.scope.complete).toBe(true);
    expect(whole.report.links[0]?.sides.a.writes).toEqual(['DELETE', 'PUT']);

    const unknown = await runTopology(fake, withKind({ kind: { kind: 'subnets', subnets: { a: ['nope'], b: ['app'] }, ipv6Only: false } }), PLAN);
    expect(unknown.report.verdict).toBe('failed');
    expect(unknown.report.links[0]?.sides.a.problem?.code).toBe('SubnetNotFound');
  });
});

describe('identities', () => {
  it('reports the tenant of each side', async () => {
    const { hub, spokes, links } = hubAndSpokes(2);
    const fake = fakeFor([hub, ...spokes]);
    const { report } = await runTopology(fake, makeTopology(links), APPLY);
    expect(report.links[1]?.sides.b.tenantId).toBe(TENANT_2);
  });
});
