// The committed bundle against the emulator: create, idempotence, plan, repairs.
import { afterEach, describe, expect, it } from 'vitest';
import { CROSS_TENANT, harness, IDS, peeringName, result, type Harness } from '../support/e2e.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.emu.stop();
  h = undefined;
});

describe('apply across two tenants', () => {
  it('creates both directions, Connected and in sync, with the other tenant as auxiliary', async () => {
    h = await harness();
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({
      changed: 'true',
      'state-a': 'Connected',
      'state-b': 'Connected',
      'sync-level-a': 'FullyInSync',
      'sync-level-b': 'FullyInSync',
      'action-a': 'create',
      'action-b': 'create',
    });
    expect(peeringName(run.outputs['peering-id-a'])).toBe('vnet-hub-to-vnet-spoke');
    expect(peeringName(run.outputs['peering-id-b'])).toBe('vnet-spoke-to-vnet-hub');

    // What Azure ends in.
    const a = h.emu.peering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke');
    const b = h.emu.peering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub');
    expect(a?.properties).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync', provisioningState: 'Succeeded', allowVirtualNetworkAccess: true, allowForwardedTraffic: false });
    expect(a?.properties.remoteVirtualNetwork.id.toLowerCase()).toBe(IDS.vnets.spoke.toLowerCase());
    expect(b?.properties).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync' });

    // Each PUT was signed by the owning tenant and carried the other tenant's token.
    const puts = h.emu.requests.filter((r) => r.service === 'arm' && r.method === 'PUT');
    expect(puts.map((p) => [p.tenant, p.auxTenants])).toEqual([
      [IDS.tenants.a, [IDS.tenants.b]],
      [IDS.tenants.b, [IDS.tenants.a]],
    ]);
    // A first, then B, never overlapping.
    expect(puts[0]?.path).toContain('/virtualNetworks/vnet-hub/');
    const r = result(run);
    expect(r.mode).toBe('apply');
    expect(r.addressSpaces).toEqual({ a: ['10.0.0.0/16'], b: ['10.1.0.0/16'] });
    expect(run.summary.split('\n')[0]).toMatch(/✅/);
    expect(run.summary).toContain('vnet-hub');
    // Tokens reach the log only in the runner's mask commands, which the runner never prints.
    const jwt = /eyJ[\w-]{10,}\.[\w-]{10,}/;
    expect(run.stdout.split('\n').filter((l) => jwt.test(l) && !l.startsWith('::add-mask::'))).toEqual([]);
    expect(run.stdout).toMatch(/::add-mask::eyJ/);
  });

  it('writes nothing on the second run', async () => {
    h = await harness();
    expect((await h.run()).exitCode).toBe(0);
    h.emu.clearRequests();
    const second = await h.run();
    expect(second.exitCode).toBe(0);
    expect(second.outputs).toMatchObject({ changed: 'false', 'action-a': 'none', 'action-b': 'none', 'state-a': 'Connected', 'state-b': 'Connected' });
    expect(h.armWrites()).toEqual([]);
    expect(result(second).verdict).toBe('in-sync');
  });

  it('peers two subscriptions of one tenant without auxiliary tokens', async () => {
    h = await harness({}, { 'vnet-a': IDS.vnets.hub, 'vnet-b': IDS.vnets.app, 'tenant-id-a': IDS.tenants.a, 'client-id-a': IDS.apps.multiTenant });
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['state-a']).toBe('Connected');
    expect(run.outputs['state-b']).toBe('Connected');
    const puts = h.emu.requests.filter((r) => r.service === 'arm' && r.method === 'PUT');
    expect(puts.every((p) => p.auxTenants.length === 0)).toBe(true);
  });
});

describe('plan mode', () => {
  it('reports what apply would do and writes nothing', async () => {
    h = await harness();
    const run = await h.run({ mode: 'plan' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ changed: 'true', 'action-a': 'create', 'action-b': 'create', 'state-a': 'Missing', 'state-b': 'Missing', 'peering-id-a': '' });
    expect(h.armWrites()).toEqual([]);
    expect(h.emu.peerings(IDS.vnets.hub)).toEqual([]);
    expect(run.summary.split('\n')[0]).toMatch(/Plan/);
  });

  it('fails with fail-on-drift when changes are pending, and passes when none are', async () => {
    h = await harness();
    const drift = await h.run({ mode: 'plan', 'fail-on-drift': 'true' });
    expect(drift.exitCode).toBe(1);
    expect(drift.errors.join('\n')).toMatch(/A→B needs create/);
    expect(h.armWrites()).toEqual([]);

    expect((await h.run()).exitCode).toBe(0);
    const clean = await h.run({ mode: 'plan', 'fail-on-drift': 'TRUE' });
    expect(clean.exitCode).toBe(0);
    expect(clean.outputs.changed).toBe('false');
  });

  it('ignores fail-on-drift in apply mode', async () => {
    h = await harness();
    const run = await h.run({ 'fail-on-drift': 'true' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.changed).toBe('true');
  });
});

describe('repairs', () => {
  it('brings a Disconnected side back and re-creates its counterpart', async () => {
    h = await harness();
    await h.run();
    h.emu.deletePeering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub');
    expect(h.emu.peering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke')?.properties.peeringState).toBe('Disconnected');

    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'action-a': 'recreate', 'action-b': 'create', 'state-a': 'Connected', 'state-b': 'Connected', changed: 'true' });
    expect((await h.run()).outputs.changed).toBe('false');
  });

  it('deletes and creates a Disconnected side when Azure refuses to re-PUT it', async () => {
    h = await harness({ behavior: { disconnectedRePut: 'refused' } });
    await h.run();
    h.emu.recreateVnet(IDS.vnets.spoke);
    expect(h.emu.peering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke')?.properties.peeringState).toBe('Disconnected');
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'action-a': 'recreate', 'action-b': 'create', 'state-a': 'Connected', 'state-b': 'Connected' });
  });

  it('syncs after the remote address space grows: one PUT fixes both sides', async () => {
    h = await harness();
    await h.run();
    h.emu.setAddressSpace(IDS.vnets.spoke, ['10.1.0.0/16', '10.5.0.0/16']);
    const plan = await h.run({ mode: 'plan' });
    expect(plan.outputs).toMatchObject({ 'action-a': 'sync', 'action-b': 'none', 'sync-level-a': 'LocalNotInSync', 'sync-level-b': 'RemoteNotInSync' });

    h.emu.clearRequests();
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'action-a': 'sync', 'action-b': 'none', 'sync-level-a': 'FullyInSync', 'sync-level-b': 'FullyInSync' });
    const writes = h.armWrites();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.query.syncRemoteAddressSpace).toBe('true');
    expect(h.emu.peering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke')?.properties.remoteAddressSpace.addressPrefixes).toEqual(['10.1.0.0/16', '10.5.0.0/16']);
  });

  it('syncs both sides when both address spaces changed', async () => {
    h = await harness();
    await h.run();
    h.emu.setAddressSpace(IDS.vnets.spoke, ['10.1.0.0/16', '10.5.0.0/16']);
    h.emu.setAddressSpace(IDS.vnets.hub, ['10.0.0.0/16', '10.6.0.0/16']);
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'action-a': 'sync', 'action-b': 'sync', 'sync-level-a': 'FullyInSync', 'sync-level-b': 'FullyInSync' });
  });

  it('updates drifted settings and a Failed provisioning state', async () => {
    h = await harness();
    await h.run();
    h.emu.updatePeering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke', { allowForwardedTraffic: true });
    h.emu.updatePeering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub', { provisioningState: 'Failed' });
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'action-a': 'update', 'action-b': 'update', 'state-a': 'Connected' });
    expect(h.emu.peering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke')?.properties.allowForwardedTraffic).toBe(false);
    expect(h.emu.peering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub')?.properties.provisioningState).toBe('Succeeded');
  });

  it('changes settings on request in both directions', async () => {
    h = await harness();
    await h.run();
    const run = await h.run({ 'allow-forwarded-traffic': 'true', 'allow-virtual-network-access': 'false' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'action-a': 'update', 'action-b': 'update' });
    for (const [vnet, name] of [[IDS.vnets.hub, 'vnet-hub-to-vnet-spoke'], [IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub']] as const) {
      expect(h.emu.peering(vnet, name)?.properties).toMatchObject({ allowForwardedTraffic: true, allowVirtualNetworkAccess: false });
    }
  });

  it('adopts an existing peering to the remote VNet under its own name', async () => {
    h = await harness();
    h.emu.createPeering(IDS.vnets.hub, 'legacy-link', { remoteVnetId: IDS.vnets.spoke });
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(peeringName(run.outputs['peering-id-a'])).toBe('legacy-link');
    expect(run.outputs).toMatchObject({ 'action-a': 'none', 'action-b': 'create', 'state-a': 'Connected' });
    expect(h.emu.peerings(IDS.vnets.hub).map((p) => p.name)).toEqual(['legacy-link']);
  });
});

describe('gateway transit', () => {
  it('lets B use A\'s gateway, writing the side that allows transit first', async () => {
    h = await harness();
    const run = await h.run({ 'gateway-transit': 'a' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(h.emu.peering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke')?.properties).toMatchObject({ allowGatewayTransit: true, useRemoteGateways: false });
    expect(h.emu.peering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub')?.properties).toMatchObject({ allowGatewayTransit: false, useRemoteGateways: true });
    expect(h.armWrites()[0]?.path).toContain('/virtualNetworks/vnet-hub/');
  });

  it('writes B first for gateway-transit b', async () => {
    h = await harness({}, { ...CROSS_TENANT, 'vnet-a': IDS.vnets.spoke, 'vnet-b': IDS.vnets.hub, 'tenant-id-a': IDS.tenants.b, 'tenant-id-b': IDS.tenants.a });
    const run = await h.run({ 'gateway-transit': 'b' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(h.armWrites()[0]?.path).toContain('/virtualNetworks/vnet-hub/');
    expect(h.emu.peering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub')?.properties).toMatchObject({ useRemoteGateways: true });
  });

  it('explains a missing gateway before writing anything, in plan and apply mode', async () => {
    h = await harness();
    for (const mode of ['plan', 'apply']) {
      const run = await h.run({ 'gateway-transit': 'b', mode });
      expect(run.exitCode).toBe(1);
      expect(h.armWrites()).toEqual([]);
      expect(run.outputs['action-a']).toBe('create');
      expect(run.outputs['state-a']).toBe('Missing');
      const message = run.errors.join('\n');
      expect(message).toContain('RemoteVnetHasNoGateways');
      expect(message).toMatch(/gateway/i);
      expect(message).toContain('A→B');
    }
  });
});
