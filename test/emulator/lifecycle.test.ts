// The peering life cycle (spec §3, §4): REST shapes, operations, Initiated / Connected /
// Disconnected, re-PUT of a Disconnected side, sync levels after address-space changes.
import { describe, expect, it } from 'vitest';
import { armRequest, assertionCredential, code, networkClient, path, peeringPath, putPeering, remote, useEmulator } from './clients.ts';
import { defaultWorld, IDS, startEmulator } from './index.ts';

const HUB = IDS.vnets.hub;
const SPOKE = IDS.vnets.spoke;

const emu = useEmulator();

/** State and sync level of a peering as a GET returns them, or 'Missing'. */
async function look(vnetId: string, name: string): Promise<string> {
  const r = await armRequest(emu(), { path: peeringPath(vnetId, name) });
  if (r.status === 404) return 'Missing';
  return `${String(path(r.body, 'properties.peeringState'))}/${String(path(r.body, 'properties.peeringSyncLevel'))}`;
}

async function connectPair(): Promise<void> {
  expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(201);
  expect((await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB))).status).toBe(201);
}

describe('REST shapes and operations', () => {
  it('PUT answers 201 Updating with Azure-AsyncOperation and Retry-After; the operation and the peering then read Succeeded', async () => {
    const r = await putPeering(emu(), HUB, 'hub-to-spoke', { ...remote(SPOKE), allowForwardedTraffic: true });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: peeringPath(HUB, 'hub-to-spoke'),
      name: 'hub-to-spoke',
      type: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings',
      etag: expect.stringMatching(/^W\/"/),
      properties: { provisioningState: 'Updating', remoteVirtualNetwork: { id: SPOKE }, allowForwardedTraffic: true },
    });
    const op = r.headers.get('azure-asyncoperation') ?? '';
    expect(op).toMatch(
      new RegExp(
        `^${emu().endpoints.arm}/subscriptions/${IDS.subscriptions.a}/providers/Microsoft.Network/locations/westeurope/operations/[0-9a-f-]+\\?api-version=2026-01-01$`,
      ),
    );
    expect(r.headers.get('retry-after')).toBe('1');
    const status = await armRequest(emu(), {
      path: new URL(op).pathname,
      apiVersion: null,
      query: { 'api-version': '2026-01-01' },
    });
    expect(status.body).toEqual({ status: 'Succeeded' });

    const got = await armRequest(emu(), { path: peeringPath(HUB, 'hub-to-spoke') });
    expect(got.body).toMatchObject({
      properties: {
        provisioningState: 'Succeeded',
        peeringState: 'Initiated',
        peeringSyncLevel: 'RemoteNotInSync',
        allowVirtualNetworkAccess: true,
        allowForwardedTraffic: true,
        allowGatewayTransit: false,
        useRemoteGateways: false,
        doNotVerifyRemoteGateways: false,
        remoteAddressSpace: { addressPrefixes: ['10.1.0.0/16'] },
        remoteVirtualNetworkAddressSpace: { addressPrefixes: ['10.1.0.0/16'] },
        resourceGuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(200);
  });

  it('the VNet GET lists its peerings, provisioningState and subnets', async () => {
    await connectPair();
    const r = await armRequest(emu(), { path: HUB });
    expect(r.body).toMatchObject({
      id: HUB,
      name: 'vnet-hub',
      type: 'Microsoft.Network/virtualNetworks',
      location: 'westeurope',
      properties: {
        provisioningState: 'Succeeded',
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [
          { name: 'default', properties: { addressPrefix: '10.0.0.0/24' } },
          { name: 'GatewaySubnet', properties: { addressPrefix: '10.0.255.224/27' } },
        ],
        virtualNetworkPeerings: [{ name: 'hub-to-spoke', properties: { peeringState: 'Connected' } }],
      },
    });
    const list = await armRequest(emu(), { path: `${SPOKE}/virtualNetworkPeerings` });
    expect(list.body).toMatchObject({ value: [{ name: 'spoke-to-hub' }] });
    expect(path(list.body, 'nextLink')).toBeUndefined();
    expect(emu().vnet(HUB)).toEqual(r.body);
  });

  it('an operation that takes time reads InProgress (VNet Updating) until it ends', async () => {
    emu().setTiming({ operationMs: 60_000 });
    const r = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    const op = new URL(r.headers.get('azure-asyncoperation') ?? '');
    const running = await armRequest(emu(), { path: op.pathname });
    expect(running.body).toEqual({ status: 'InProgress' });
    expect(running.headers.get('retry-after')).toBe('1');
    expect(emu().peering(HUB, 'hub-to-spoke')?.properties.provisioningState).toBe('Updating');
    expect(emu().vnet(HUB)?.properties.provisioningState).toBe('Updating');
    emu().finishOperations();
    expect((await armRequest(emu(), { path: op.pathname })).body).toEqual({ status: 'Succeeded' });
    expect(await look(HUB, 'hub-to-spoke')).toBe('Initiated/RemoteNotInSync');
    expect(emu().vnet(HUB)?.properties.provisioningState).toBe('Succeeded');
  });

  it('DELETE answers 202 with Azure-AsyncOperation, Location and Retry-After; operationResults 202 then 204; absent: 204', async () => {
    await connectPair();
    emu().setTiming({ operationMs: 60_000 });
    const r = await armRequest(emu(), { method: 'DELETE', path: peeringPath(HUB, 'hub-to-spoke') });
    expect(r.status).toBe(202);
    expect(r.text).toBe('');
    expect(r.headers.get('retry-after')).toBe('1');
    const location = new URL(r.headers.get('location') ?? '');
    expect(location.pathname).toMatch(/\/providers\/Microsoft\.Network\/locations\/westeurope\/operationResults\/[0-9a-f-]+$/);
    expect(r.headers.get('azure-asyncoperation')).toContain('/operations/');
    expect((await armRequest(emu(), { path: location.pathname })).status).toBe(202);
    // Gone at acceptance (spec §5); only the VNet stays busy until the operation ends.
    expect(await look(HUB, 'hub-to-spoke')).toBe('Missing');
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Disconnected/RemoteNotInSync');
    expect(emu().vnet(HUB)?.properties.provisioningState).toBe('Updating');
    emu().finishOperations();
    expect((await armRequest(emu(), { path: location.pathname })).status).toBe(204);
    expect(emu().vnet(HUB)?.properties.provisioningState).toBe('Succeeded');
    expect((await armRequest(emu(), { method: 'DELETE', path: peeringPath(HUB, 'hub-to-spoke') })).status).toBe(204);
  });

  it('lists over 100 peerings in pages with nextLink, which the SDK follows', async () => {
    const world = defaultWorld();
    const spokes = Array.from({ length: 101 }, (_, i) => ({
      id: `/subscriptions/${IDS.subscriptions.c}/resourceGroups/rg-many/providers/Microsoft.Network/virtualNetworks/spoke-${i}`,
      location: 'westeurope',
      addressPrefixes: [`172.16.${i}.0/24`],
    }));
    world.vnets.push(...spokes);
    const many = await startEmulator({ world });
    try {
      many.trust();
      for (const s of spokes) many.createPeering(HUB, s.id.split('/').pop() ?? '', { remoteVnetId: s.id });
      const first = await armRequest(many, { path: `${HUB}/virtualNetworkPeerings` });
      expect(Array.isArray(path(first.body, 'value')) ? path(first.body, 'value.length') : -1).toBe(100);
      const next = new URL(String(path(first.body, 'nextLink')));
      const second = await armRequest(many, { path: `${next.pathname}${next.search}`, apiVersion: null });
      expect(path(second.body, 'value.0.name')).toBe('spoke-100');
      expect(path(second.body, 'nextLink')).toBeUndefined();
      const credA = assertionCredential(many, IDS.tenants.a, IDS.apps.multiTenant);
      const names = [];
      for await (const p of networkClient(many, IDS.subscriptions.a, credA).virtualNetworkPeerings.list('rg-hub', 'vnet-hub'))
        names.push(p.name);
      expect(names).toHaveLength(101);
    } finally {
      await many.stop();
    }
  });

  it('an unknown operation: 404', async () => {
    const p = `/subscriptions/${IDS.subscriptions.a}/providers/Microsoft.Network/locations/westeurope/operations/nope`;
    expect(code(await armRequest(emu(), { path: p }))).toBe('404 OperationNotFound');
  });
});

describe('Initiated, Connected, Disconnected', () => {
  it('A→B alone is Initiated/RemoteNotInSync; B→A next makes both Connected/FullyInSync', async () => {
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(201);
    expect(await look(HUB, 'hub-to-spoke')).toBe('Initiated/RemoteNotInSync');
    expect((await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB))).status).toBe(201);
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/FullyInSync');
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Connected/FullyInSync');
    // Names and ids compare case-insensitively.
    expect(await look(HUB.toLowerCase(), 'HUB-TO-SPOKE')).toBe('Connected/FullyInSync');
  });

  it('deleting one side turns the other Disconnected; creating the missing side then fails with 400 RemotePeeringIsDisconnected', async () => {
    await connectPair();
    expect((await armRequest(emu(), { method: 'DELETE', path: peeringPath(SPOKE, 'spoke-to-hub') })).status).toBe(202);
    expect(await look(HUB, 'hub-to-spoke')).toBe('Disconnected/RemoteNotInSync');
    const r = await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB));
    expect(code(r)).toBe('400 RemotePeeringIsDisconnected');
    expect(String(path(r.body, 'error.message'))).toContain(
      'Update or re-create the remote peering to get it back to Initiated state.',
    );
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Missing');
  });

  it('re-PUT of the Disconnected side brings it back to Initiated; then the missing side connects both', async () => {
    await connectPair();
    emu().deletePeering(SPOKE, 'spoke-to-hub');
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', { ...remote(SPOKE), peeringState: 'Initiated' })).status).toBe(200);
    expect(await look(HUB, 'hub-to-spoke')).toBe('Initiated/RemoteNotInSync');
    expect((await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB))).status).toBe(201);
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/FullyInSync');
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Connected/FullyInSync');
  });

  it('when the world refuses the re-PUT (400 PeeringIsDisconnected), delete and create both', async () => {
    emu().setBehavior({ disconnectedRePut: 'refused' });
    await connectPair();
    emu().deletePeering(SPOKE, 'spoke-to-hub');
    expect(code(await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE)))).toBe('400 PeeringIsDisconnected');
    expect((await armRequest(emu(), { method: 'DELETE', path: peeringPath(HUB, 'hub-to-spoke') })).status).toBe(202);
    await connectPair();
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/FullyInSync');
  });

  it('re-creating a VNet removes its peerings and disconnects the other side', async () => {
    await connectPair();
    const guid = emu().vnet(SPOKE)?.properties.resourceGuid;
    emu().recreateVnet(SPOKE);
    expect(emu().vnet(SPOKE)?.properties.resourceGuid).not.toBe(guid);
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Missing');
    expect(await look(HUB, 'hub-to-spoke')).toBe('Disconnected/RemoteNotInSync');
    expect(code(await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB)))).toBe('400 RemotePeeringIsDisconnected');
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(200);
    expect((await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB))).status).toBe(201);
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Connected/FullyInSync');
  });

  it('remoteVirtualNetwork cannot change in place: 400 ChangingRemoteVirtualNetworkNotAllowed', async () => {
    expect((await putPeering(emu(), HUB, 'p', remote(IDS.vnets.app))).status).toBe(201);
    expect(code(await putPeering(emu(), HUB, 'p', remote(SPOKE)))).toBe('400 ChangingRemoteVirtualNetworkNotAllowed');
    expect(() => emu().updatePeering(HUB, 'p', { remoteVirtualNetwork: { id: SPOKE } })).toThrow(
      /ChangingRemoteVirtualNetworkNotAllowed/,
    );
  });

  it('the fields Azure computes are ignored when sent back', async () => {
    const r = await putPeering(emu(), HUB, 'hub-to-spoke', {
      ...remote(SPOKE),
      peeringState: 'Connected',
      peeringSyncLevel: 'FullyInSync',
      remoteAddressSpace: { addressPrefixes: ['192.168.0.0/24'] },
      remoteVirtualNetworkAddressSpace: { addressPrefixes: ['192.168.0.0/24'] },
      provisioningState: 'Succeeded',
    });
    expect(r.status).toBe(201);
    expect(emu().peering(HUB, 'hub-to-spoke')?.properties).toMatchObject({
      peeringState: 'Initiated',
      peeringSyncLevel: 'RemoteNotInSync',
      remoteAddressSpace: { addressPrefixes: ['10.1.0.0/16'] },
    });
  });
});

describe('address-space changes and sync levels', () => {
  it('one VNet changes: A→B LocalNotInSync, B→A RemoteNotInSync; one sync PUT of A→B makes both FullyInSync', async () => {
    await connectPair();
    emu().setAddressSpace(SPOKE, ['10.1.0.0/16', '10.4.0.0/16']);
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/LocalNotInSync');
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Connected/RemoteNotInSync');
    expect(emu().peering(HUB, 'hub-to-spoke')?.properties).toMatchObject({
      remoteAddressSpace: { addressPrefixes: ['10.1.0.0/16'] },
      remoteVirtualNetworkAddressSpace: { addressPrefixes: ['10.1.0.0/16', '10.4.0.0/16'] },
    });
    // Without syncRemoteAddressSpace nothing is refreshed.
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(200);
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/LocalNotInSync');
    expect(
      (await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE), { query: { syncRemoteAddressSpace: 'true' } })).status,
    ).toBe(200);
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/FullyInSync');
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Connected/FullyInSync');
    expect(emu().peering(HUB, 'hub-to-spoke')?.properties.remoteAddressSpace.addressPrefixes).toEqual([
      '10.1.0.0/16',
      '10.4.0.0/16',
    ]);
  });

  it('both VNets change: both LocalAndRemoteNotInSync, and each needs its own sync PUT', async () => {
    await connectPair();
    emu().setAddressSpace(SPOKE, ['10.1.0.0/16', '10.4.0.0/16']);
    emu().setAddressSpace(HUB, ['10.0.0.0/16', '10.5.0.0/16']);
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/LocalAndRemoteNotInSync');
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Connected/LocalAndRemoteNotInSync');
    await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE), { query: { syncRemoteAddressSpace: 'true' } });
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/RemoteNotInSync');
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Connected/LocalNotInSync');
    await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB), { query: { syncRemoteAddressSpace: 'true' } });
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/FullyInSync');
    expect(await look(SPOKE, 'spoke-to-hub')).toBe('Connected/FullyInSync');
  });
});

describe('out-of-band changes and pre-existing peerings', () => {
  it('createPeering, updatePeering and deletePeering keep the state machine consistent', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    expect(emu().peering(HUB, 'hub-to-spoke')?.properties.peeringState).toBe('Initiated');
    emu().createPeering(SPOKE, 'spoke-to-hub', { remoteVnetId: HUB, allowForwardedTraffic: true });
    expect(await look(HUB, 'hub-to-spoke')).toBe('Connected/FullyInSync');
    emu().updatePeering(HUB, 'hub-to-spoke', { allowForwardedTraffic: true, provisioningState: 'Failed' });
    expect(emu().peering(HUB, 'hub-to-spoke')?.properties).toMatchObject({
      allowForwardedTraffic: true,
      provisioningState: 'Failed',
    });
    emu().deletePeering(HUB, 'hub-to-spoke');
    expect(emu().peerings(SPOKE).map((p) => p.properties.peeringState)).toEqual(['Disconnected']);
    expect(() => emu().createPeering(HUB, 'hub-to-overlap', { remoteVnetId: IDS.vnets.overlap })).toThrow(
      /^VnetAddressSpacesOverlap/,
    );
    expect(emu().peering(HUB, 'nope')).toBeUndefined();
    expect(emu().vnet('/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/z')).toBeUndefined();
  });

  it('a world can start with peerings: a listed pair is Connected, a lone side Initiated or as declared', async () => {
    const world = defaultWorld();
    world.peerings = [
      { vnetId: HUB, name: 'hub-to-spoke', remoteVnetId: SPOKE },
      { vnetId: SPOKE, name: 'spoke-to-hub', remoteVnetId: HUB, allowForwardedTraffic: true },
      { vnetId: HUB, name: 'hub-to-app', remoteVnetId: IDS.vnets.app, peeringState: 'Disconnected' },
    ];
    const seeded = await startEmulator({ world });
    try {
      expect(seeded.peering(HUB, 'hub-to-spoke')?.properties).toMatchObject({
        peeringState: 'Connected',
        peeringSyncLevel: 'FullyInSync',
      });
      expect(seeded.peering(SPOKE, 'spoke-to-hub')?.properties.allowForwardedTraffic).toBe(true);
      expect(seeded.peering(HUB, 'hub-to-app')?.properties.peeringState).toBe('Disconnected');
    } finally {
      await seeded.stop();
    }
  });
});
