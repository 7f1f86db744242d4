// Generated estates: hundreds of VNets over several tenants and subscriptions, address spaces that
// never overlap, one app that may peer them, and fast enough to start for every test.
import { describe, expect, it } from 'vitest';
import { parsePrefix } from './cidr.ts';
import { armRequest, assertionCredential, code, networkClient, putPeering, remote } from './clients.ts';
import { generateWorld, IDS, startEmulator } from './index.ts';

describe('generateWorld', () => {
  it('hubs with spokes and a mesh, spread over tenants and subscriptions, ids by role', () => {
    const { world, ids } = generateWorld({ tenants: 3, subscriptionsPerTenant: 2, hubs: 2, spokesPerHub: [4, 5], mesh: 3 });
    expect(ids.tenants).toHaveLength(3);
    expect(ids.subscriptions).toHaveLength(6);
    expect(ids.hubs).toHaveLength(2);
    expect(ids.spokes.map((s) => s.length)).toEqual([4, 5]);
    expect(ids.mesh).toHaveLength(3);
    expect(world.vnets).toHaveLength(2 + 9 + 3);
    const tenantOf = (id: string) => world.subscriptions.find((s) => id.includes(s.id))?.tenantId;
    expect(new Set(ids.spokes.flat().map(tenantOf)).size).toBe(3);
    expect(new Set(ids.spokes.flat().map((id) => id.split('/')[2])).size).toBe(6);
    expect(world.apps).toHaveLength(1);
    expect(world.apps[0]?.servicePrincipals.map((sp) => sp.tenantId)).toEqual(ids.tenants);
    expect(world.apps[0]?.federatedCredentials.map((c) => c.subject)).toContain(IDS.oidc.subjects.pullRequest);
    expect(world.github.repos[0]?.fullName).toBe(IDS.github.repo);
    const hub = world.vnets.find((v) => v.id === ids.hubs[0]);
    expect(hub?.hasGateway).toBe(true);
    expect(world.vnets.find((v) => v.id === ids.spokes[0]?.[0])?.subnets?.map((s) => s.name)).toEqual(['default', 'app']);
  });

  it('1,000 VNets: no two address spaces overlap, and an emulator starts well under a second', async () => {
    const { world, ids } = generateWorld({ tenants: 4, hubs: 2, spokesPerHub: 490, mesh: 18 });
    expect(world.vnets).toHaveLength(1000);
    const starts = world.vnets
      .map((v) => parsePrefix(v.addressPrefixes[0] ?? ''))
      .map((p) => (p ? [p.start, p.start + (1n << BigInt(32 - p.bits))] : [0n, 0n]))
      .sort((a, b) => (a[0] ?? 0n) < (b[0] ?? 0n) ? -1 : 1);
    for (let i = 1; i < starts.length; i++) expect((starts[i]?.[0] ?? 0n) >= (starts[i - 1]?.[1] ?? 0n)).toBe(true);
    const started = performance.now();
    const emu = await startEmulator({ world });
    const took = performance.now() - started;
    try {
      expect(took).toBeLessThan(1000);
      expect(emu.vnet(ids.spokes[1]?.[489] ?? '')?.properties.subnets).toHaveLength(2);
    } finally {
      await emu.stop();
    }
  });

  it('prefixLength bounds what fits', () => {
    expect(() => generateWorld({ hubs: 1, spokesPerHub: 300, prefixLength: 16 })).toThrow(/do not fit/);
    const { world } = generateWorld({ hubs: 1, spokesPerHub: 2, prefixLength: 24 });
    expect(world.vnets.map((v) => v.addressPrefixes[0])).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
    expect(world.vnets[1]?.subnets?.map((s) => s.addressPrefix)).toEqual(['10.0.1.0/26', '10.0.1.64/26']);
  });

  it('the app peers a hub and a spoke across tenants with the real SDK; a spoke left without its role is refused', async () => {
    const { world, ids } = generateWorld({ tenants: 2, hubs: 1, spokesPerHub: 3, withoutRole: [{ hub: 0, spoke: 1 }] });
    const emu = await startEmulator({ world });
    try {
      emu.trust();
      const [hub = '', spoke = '', restricted = ''] = [ids.hubs[0], ids.spokes[0]?.[0], ids.spokes[0]?.[1]];
      const tenantOf = (id: string) => world.subscriptions.find((s) => id.includes(s.id))?.tenantId ?? '';
      const cred = (t: string) => assertionCredential(emu, t, ids.app);
      const [hubTenant, spokeTenant] = [tenantOf(hub), tenantOf(spoke)];
      expect(hubTenant).not.toBe(spokeTenant);
      const hubSub = hub.split('/')[2] ?? '';
      const client = networkClient(emu, hubSub, cred(hubTenant), [cred(spokeTenant)]);
      const created = await client.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hubs', 'vnet-hub-0', 'hub-to-spoke', {
        remoteVirtualNetwork: { id: spoke },
        allowGatewayTransit: true,
      });
      expect(created.provisioningState).toBe('Succeeded');
      const token = emu.mintAccessToken({ tenantId: tenantOf(restricted), clientId: ids.app });
      const aux = [emu.mintAccessToken({ tenantId: hubTenant, clientId: ids.app })];
      expect(code(await putPeering(emu, restricted, 'to-hub', remote(hub), { token, aux }))).toBe('403 AuthorizationFailed');
      expect((await armRequest(emu, { path: restricted, token, aux })).status).toBe(200);
    } finally {
      await emu.stop();
    }
  });

  it('default throttling leaves room for a 300-VNet run: every VNet and its permissions read once', async () => {
    const { world, ids } = generateWorld({ tenants: 3, subscriptionsPerTenant: 2, hubs: 1, spokesPerHub: 299 });
    const emu = await startEmulator({ world });
    try {
      emu.trust();
      const tenantOf = (id: string) => world.subscriptions.find((s) => id.includes(s.id))?.tenantId ?? '';
      const tokens = new Map(ids.tenants.map((t) => [t, emu.mintAccessToken({ tenantId: t, clientId: ids.app })]));
      const all = [...ids.hubs, ...ids.spokes.flat()];
      const statuses: number[] = [];
      for (let i = 0; i < all.length; i += 50) {
        const batch = all.slice(i, i + 50);
        const answers = await Promise.all(
          batch.flatMap((id) => {
            const token = tokens.get(tenantOf(id)) ?? '';
            return [
              armRequest(emu, { path: id, token, aux: [] }),
              armRequest(emu, { path: `${id}/providers/Microsoft.Authorization/permissions`, apiVersion: '2022-04-01', token, aux: [] }),
            ];
          }),
        );
        statuses.push(...answers.map((r) => r.status));
      }
      expect(statuses).toHaveLength(600);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    } finally {
      await emu.stop();
    }
  });
});
