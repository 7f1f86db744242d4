// VNet bodies (spec §3): subnets with their prefixes and IP configurations, what counts as a
// gateway; subnet-level peering: the fields, the rules on a PUT, overlaps between peered subnets,
// IPv6-only peering. The real SDK for the VNet GET and a PUT with subnet fields.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { armRequest, assertionCredential, code, message, networkClient, path, putPeering, remote } from './clients.ts';
import { defaultWorld, IDS, startEmulator } from './index.ts';
import type { Emulator, World } from './index.ts';

const C = IDS.subscriptions.c;
const inApp = (name: string) => `/subscriptions/${C}/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/${name}`;
const RS = inApp('vnet-rs');
const BARE = inApp('vnet-gwsubnet');
const DUAL = inApp('vnet-dual');
const DUAL2 = inApp('vnet-dual2');
const LEFT = inApp('vnet-left');
const RIGHT = inApp('vnet-right');
const HUB = IDS.vnets.hub;

function world(): World {
  const w = defaultWorld();
  w.vnets.push(
    { id: RS, location: 'westeurope', addressPrefixes: ['10.20.0.0/16'], hasRouteServer: true },
    {
      id: BARE,
      location: 'westeurope',
      addressPrefixes: ['10.21.0.0/16'],
      subnets: [
        { name: 'default', addressPrefix: '10.21.0.0/24' },
        { name: 'GatewaySubnet', addressPrefix: '10.21.255.224/27' },
      ],
    },
    {
      id: DUAL,
      location: 'westeurope',
      addressPrefixes: ['10.30.0.0/16', 'fd00:30::/48'],
      subnets: [
        { name: 'web', addressPrefixes: ['10.30.1.0/24', 'fd00:30:0:1::/64'] },
        { name: 'db', addressPrefix: '10.30.2.0/24' },
      ],
    },
    {
      id: DUAL2,
      location: 'westeurope',
      addressPrefixes: ['10.31.0.0/16', 'fd00:31::/48'],
      subnets: [
        { name: 'app', addressPrefixes: ['10.31.1.0/24', 'fd00:31:0:1::/64'] },
        { name: 'other', addressPrefix: '10.31.2.0/24' },
      ],
    },
    {
      id: LEFT,
      location: 'westeurope',
      addressPrefixes: ['10.40.0.0/16'],
      subnets: [
        { name: 'a', addressPrefix: '10.40.1.0/24' },
        { name: 'b', addressPrefix: '10.40.2.0/24' },
      ],
    },
    {
      id: RIGHT,
      location: 'westeurope',
      addressPrefixes: ['10.40.0.0/16'],
      subnets: [
        { name: 'c', addressPrefix: '10.40.3.0/24' },
        { name: 'd', addressPrefix: '10.40.1.0/24' },
      ],
    },
  );
  return w;
}

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ world: world() });
  emu.trust();
});
afterEach(async () => {
  await emu.stop();
});

const subnetPeering = (local: string[], remoteNames: string[], extra: Record<string, unknown> = {}) => ({
  peerCompleteVnets: false,
  localSubnetNames: local,
  remoteSubnetNames: remoteNames,
  ...extra,
});

describe('VNet bodies', () => {
  it('subnets show their prefixes as declared and the IP configurations of a gateway or route server', () => {
    expect(emu.vnet(HUB)?.properties.subnets.map((s) => [s.name, s.properties])).toEqual([
      ['default', expect.objectContaining({ addressPrefix: '10.0.0.0/24' })],
      [
        'GatewaySubnet',
        expect.objectContaining({
          addressPrefix: '10.0.255.224/27',
          ipConfigurations: [
            {
              id: `/subscriptions/${IDS.subscriptions.a}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworkGateways/vnet-hub-gw/ipConfigurations/default`,
            },
          ],
        }),
      ],
    ]);
    const rs = emu.vnet(RS)?.properties.subnets.find((s) => s.name === 'RouteServerSubnet');
    expect(rs?.properties).toMatchObject({
      addressPrefix: '10.20.255.192/27',
      ipConfigurations: [{ id: expect.stringMatching(/\/providers\/Microsoft\.Network\/virtualHubs\/vnet-rs-rs\/ipConfigurations\/ipconfig1$/) }],
    });
    const bare = emu.vnet(BARE)?.properties.subnets.find((s) => s.name === 'GatewaySubnet');
    expect(bare?.properties.ipConfigurations).toBeUndefined();
    const dual = emu.vnet(DUAL)?.properties.subnets;
    expect(dual?.[0]?.properties).toMatchObject({ addressPrefixes: ['10.30.1.0/24', 'fd00:30:0:1::/64'] });
    expect(dual?.[0]?.properties.addressPrefix).toBeUndefined();
    expect(dual?.[1]?.properties).toMatchObject({ addressPrefix: '10.30.2.0/24' });
  });

  it('useRemoteGateways: a route server counts as a gateway, a GatewaySubnet without one does not', async () => {
    expect((await putPeering(emu, DUAL, 'dual-to-rs', { ...remote(RS), useRemoteGateways: true })).status).toBe(201);
    const r = await putPeering(emu, DUAL, 'dual-to-bare', { ...remote(BARE), useRemoteGateways: true });
    expect(code(r)).toBe('400 RemoteVnetHasNoGateways');
  });

  it('setSubnets takes the gateway away at run time', async () => {
    emu.setSubnets(HUB, [{ name: 'default', addressPrefix: '10.0.0.0/24' }, { name: 'GatewaySubnet', addressPrefix: '10.0.255.224/27' }]);
    expect(code(await putPeering(emu, IDS.vnets.app, 'app-to-hub', { ...remote(HUB), useRemoteGateways: true }))).toBe(
      '400 RemoteVnetHasNoGateways',
    );
  });

  it('the real SDK reads a VNet with its subnets, gateway IP configuration and peerings in full', async () => {
    emu.createPeering(HUB, 'hub-to-app', { remoteVnetId: IDS.vnets.app, allowGatewayTransit: true });
    emu.createPeering(IDS.vnets.app, 'app-to-hub', { remoteVnetId: HUB, useRemoteGateways: true });
    const client = networkClient(emu, IDS.subscriptions.a, assertionCredential(emu, IDS.tenants.a, IDS.apps.multiTenant));
    const vnet = await client.virtualNetworks.get('rg-hub', 'vnet-hub');
    expect(vnet.provisioningState).toBe('Succeeded');
    expect(vnet.subnets?.find((s) => s.name === 'GatewaySubnet')?.ipConfigurations?.map((c) => c.id)).toEqual([
      expect.stringContaining('/virtualNetworkGateways/vnet-hub-gw/ipConfigurations/default'),
    ]);
    expect(vnet.virtualNetworkPeerings).toEqual([
      expect.objectContaining({
        name: 'hub-to-app',
        peeringState: 'Connected',
        peeringSyncLevel: 'FullyInSync',
        allowGatewayTransit: true,
        peerCompleteVnets: true,
        remoteAddressSpace: { addressPrefixes: ['10.3.0.0/16'] },
        remoteVirtualNetwork: { id: IDS.vnets.app },
        provisioningState: 'Succeeded',
      }),
    ]);
  });
});

describe('subnet-level peering', () => {
  it('the real SDK creates one: the fields come back, and only the listed subnets are peered', async () => {
    const client = networkClient(emu, C, assertionCredential(emu, IDS.tenants.a, IDS.apps.multiTenant));
    const created = await client.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-app', 'vnet-dual', 'dual-to-dual2', {
      remoteVirtualNetwork: { id: DUAL2 },
      peerCompleteVnets: false,
      localSubnetNames: ['web'],
      remoteSubnetNames: ['app'],
    });
    expect(created).toMatchObject({
      provisioningState: 'Succeeded',
      peerCompleteVnets: false,
      enableOnlyIPv6Peering: false,
      localSubnetNames: ['web'],
      remoteSubnetNames: ['app'],
      remoteAddressSpace: { addressPrefixes: ['10.31.1.0/24', 'fd00:31:0:1::/64'] },
      remoteVirtualNetworkAddressSpace: { addressPrefixes: ['10.31.0.0/16', 'fd00:31::/48'] },
    });
    await client.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-app', 'vnet-dual2', 'dual2-to-dual', {
      remoteVirtualNetwork: { id: DUAL },
      peerCompleteVnets: false,
      localSubnetNames: ['app'],
      remoteSubnetNames: ['web'],
    });
    const got = await client.virtualNetworkPeerings.get('rg-app', 'vnet-dual', 'dual-to-dual2');
    expect(got).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync', localSubnetNames: ['web'] });
    const put = emu.requests.find((r) => r.method === 'PUT');
    expect(put?.status).toBe(201);
  });

  it('a whole-VNet peering reads peerCompleteVnets true and no subnet lists', async () => {
    await putPeering(emu, DUAL, 'dual-to-dual2', remote(DUAL2));
    const p = emu.peering(DUAL, 'dual-to-dual2')?.properties;
    expect(p).toMatchObject({ peerCompleteVnets: true, enableOnlyIPv6Peering: false });
    expect(p?.localSubnetNames).toBeUndefined();
    expect(p?.remoteSubnetNames).toBeUndefined();
  });

  it.each([
    ['an unknown local subnet', subnetPeering(['nope'], ['app']), "Subnet 'nope' in localSubnetNames"],
    ['an unknown remote subnet', subnetPeering(['web'], ['web']), "Subnet 'web' in remoteSubnetNames"],
    ['a repeated name (case ignored)', subnetPeering(['web', 'WEB'], ['app']), "lists subnet 'WEB' more than once"],
    ['over 200 names', subnetPeering(Array.from({ length: 201 }, (_, i) => `s${i}`), ['app']), 'at most 200 subnets'],
    ['an empty list', subnetPeering([], ['app']), 'needs at least one subnet in localSubnetNames'],
    ['lists with peerCompleteVnets true', { localSubnetNames: ['web'], remoteSubnetNames: ['app'] }, 'cannot have localSubnetNames'],
  ])('%s: 400 InvalidSubnetNamesForPeering', async (_, fields, text) => {
    const r = await putPeering(emu, DUAL, 'dual-to-dual2', { ...remote(DUAL2), ...fields });
    expect(code(r)).toBe('400 InvalidSubnetNamesForPeering');
    expect(message(r)).toContain(text);
    expect(emu.peering(DUAL, 'dual-to-dual2')).toBeUndefined();
  });

  it('switching between whole-VNet and subnet peering in place: 400 ChangingPeerCompleteVnetsNotAllowed, both ways', async () => {
    expect((await putPeering(emu, DUAL, 'whole', remote(DUAL2))).status).toBe(201);
    expect(code(await putPeering(emu, DUAL, 'whole', { ...remote(DUAL2), ...subnetPeering(['web'], ['app']) }))).toBe(
      '400 ChangingPeerCompleteVnetsNotAllowed',
    );
    expect((await putPeering(emu, DUAL2, 'part', { ...remote(DUAL), ...subnetPeering(['app'], ['web']) })).status).toBe(201);
    // A PUT that leaves the fields out asks for the default, the whole VNets.
    expect(code(await putPeering(emu, DUAL2, 'part', remote(DUAL)))).toBe('400 ChangingPeerCompleteVnetsNotAllowed');
  });

  it('changing the lists in place is an ordinary PUT: what is peered follows, and the pair stays in sync', async () => {
    await putPeering(emu, DUAL, 'dual-to-dual2', { ...remote(DUAL2), ...subnetPeering(['web'], ['app']) });
    await putPeering(emu, DUAL2, 'dual2-to-dual', { ...remote(DUAL), ...subnetPeering(['app'], ['web']) });
    const r = await putPeering(emu, DUAL, 'dual-to-dual2', { ...remote(DUAL2), ...subnetPeering(['web', 'db'], ['app', 'other']) });
    expect(r.status).toBe(200);
    expect(emu.peering(DUAL, 'dual-to-dual2')?.properties).toMatchObject({
      localSubnetNames: ['web', 'db'],
      remoteSubnetNames: ['app', 'other'],
      remoteAddressSpace: { addressPrefixes: ['10.31.1.0/24', 'fd00:31:0:1::/64', '10.31.2.0/24'] },
      peeringSyncLevel: 'RemoteNotInSync',
    });
    await putPeering(emu, DUAL2, 'dual2-to-dual', { ...remote(DUAL), ...subnetPeering(['app', 'other'], ['web', 'db']) });
    expect(emu.peering(DUAL, 'dual-to-dual2')?.properties.peeringSyncLevel).toBe('FullyInSync');
  });

  it('a peered subnet whose prefix changes makes its peering LocalNotInSync', async () => {
    emu.createPeering(DUAL, 'dual-to-dual2', { remoteVnetId: DUAL2, ...subnetPeering(['web'], ['app']) });
    emu.createPeering(DUAL2, 'dual2-to-dual', { remoteVnetId: DUAL, ...subnetPeering(['app'], ['web']) });
    expect(emu.peering(DUAL, 'dual-to-dual2')?.properties.peeringSyncLevel).toBe('FullyInSync');
    emu.setSubnets(DUAL2, [{ name: 'app', addressPrefix: '10.31.5.0/24' }, { name: 'other', addressPrefix: '10.31.2.0/24' }]);
    expect(emu.peering(DUAL, 'dual-to-dual2')?.properties.peeringSyncLevel).toBe('LocalNotInSync');
    expect(emu.peering(DUAL2, 'dual2-to-dual')?.properties.peeringSyncLevel).toBe('RemoteNotInSync');
  });

  it('overlap rules compare the peered subnets, not the whole spaces', async () => {
    expect(code(await putPeering(emu, LEFT, 'whole', remote(RIGHT)))).toBe('400 VnetAddressSpacesOverlap');
    const clash = await putPeering(emu, LEFT, 'ad', { ...remote(RIGHT), ...subnetPeering(['a'], ['d']) });
    expect(code(clash)).toBe('400 VnetAddressSpacesOverlap');
    expect(message(clash)).toMatch(/Overlapping address prefixes: 10\.40\.1\.0\/24$/);
    expect((await putPeering(emu, LEFT, 'ac', { ...remote(RIGHT), ...subnetPeering(['a'], ['c']) })).status).toBe(201);
  });

  it('the already-peered rule uses what each peering has peered', async () => {
    // The hub peers only subnet a of LEFT; RIGHT's subnet c does not overlap it, RIGHT as a whole does.
    expect((await putPeering(emu, HUB, 'hub-to-left', { ...remote(LEFT), ...subnetPeering(['default'], ['a']) }, { aux: [] })).status).toBe(201);
    expect(code(await putPeering(emu, HUB, 'hub-to-right', remote(RIGHT), { aux: [] }))).toBe(
      '400 VnetAddressSpaceOverlapsWithAlreadyPeeredVnet',
    );
    expect((await putPeering(emu, HUB, 'hub-to-right', { ...remote(RIGHT), ...subnetPeering(['default'], ['c']) }, { aux: [] })).status).toBe(201);
  });

  it('enableOnlyIPv6Peering peers only the IPv6 prefixes of the listed subnets', async () => {
    const r = await putPeering(emu, DUAL, 'v6', { ...remote(DUAL2), ...subnetPeering(['web'], ['app'], { enableOnlyIPv6Peering: true }) });
    expect(r.status).toBe(201);
    expect(emu.peering(DUAL, 'v6')?.properties).toMatchObject({
      enableOnlyIPv6Peering: true,
      remoteAddressSpace: { addressPrefixes: ['fd00:31:0:1::/64'] },
      localAddressSpace: { addressPrefixes: ['fd00:30:0:1::/64'] },
    });
    // Turning it off in place is an update; the IPv4 prefixes join.
    expect((await putPeering(emu, DUAL, 'v6', { ...remote(DUAL2), ...subnetPeering(['web'], ['app']) })).status).toBe(200);
    expect(path(emu.peering(DUAL, 'v6'), 'properties.remoteAddressSpace.addressPrefixes')).toEqual(['10.31.1.0/24', 'fd00:31:0:1::/64']);
  });

  it('a world can start with subnet peerings, and createPeering takes the subnet fields', async () => {
    const w = world();
    w.peerings = [
      { vnetId: DUAL, name: 'dual-to-dual2', remoteVnetId: DUAL2, peerCompleteVnets: false, localSubnetNames: ['web'], remoteSubnetNames: ['app'] },
      { vnetId: DUAL2, name: 'dual2-to-dual', remoteVnetId: DUAL, peerCompleteVnets: false, localSubnetNames: ['app'], remoteSubnetNames: ['web'] },
    ];
    const seeded = await startEmulator({ world: w });
    try {
      expect(seeded.peering(DUAL, 'dual-to-dual2')?.properties).toMatchObject({
        peeringState: 'Connected',
        peeringSyncLevel: 'FullyInSync',
        peerCompleteVnets: false,
        remoteAddressSpace: { addressPrefixes: ['10.31.1.0/24', 'fd00:31:0:1::/64'] },
      });
      expect(() => seeded.createPeering(LEFT, 'left-to-right', { remoteVnetId: RIGHT, ...subnetPeering(['b'], ['nope']) })).toThrow(
        /^InvalidSubnetNamesForPeering: /,
      );
      seeded.createPeering(LEFT, 'left-to-right', { remoteVnetId: RIGHT, ...subnetPeering(['b'], ['c']) });
      expect(seeded.peering(LEFT, 'left-to-right')?.properties.remoteSubnetNames).toEqual(['c']);
    } finally {
      await seeded.stop();
    }
  });

  it('crafted bodies: lists that are not lists of strings are 400 InvalidRequestFormat', async () => {
    expect(code(await putPeering(emu, DUAL, 'x', { ...remote(DUAL2), peerCompleteVnets: false, localSubnetNames: 'web' }))).toBe(
      '400 InvalidRequestFormat',
    );
    expect(code(await putPeering(emu, DUAL, 'x', { ...remote(DUAL2), peerCompleteVnets: 'no' }))).toBe('400 InvalidRequestFormat');
    expect((await armRequest(emu, { path: DUAL })).status).toBe(200);
  });
});
