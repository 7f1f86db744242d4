// The busy model of spec §5: a write busies its own VNet only, writes on a busy VNet get 429 (with
// or without Retry-After), writes towards a busy VNet 400; effects show at acceptance, only
// provisioningState and the VNet's busy state wait for the operation; failed and cancelled
// operations are undone. Crafted requests, and the real SDK for the conflict answers.
import { describe, expect, it } from 'vitest';
import { armRequest, assertionCredential, code, networkClient, operationOf, path, peeringPath, putPeering, remote, useEmulator } from './clients.ts';
import type { ArmResponse } from './clients.ts';
import { IDS } from './index.ts';

const HUB = IDS.vnets.hub;
const SPOKE = IDS.vnets.spoke;
const APP = IDS.vnets.app;

const emu = useEmulator();

const operation = (r: ArmResponse) => operationOf(emu(), r);

const props = (vnetId: string, name: string) => emu().peering(vnetId, name)?.properties;
const vnetState = (vnetId: string) => emu().vnet(vnetId)?.properties.provisioningState;

describe('Retry-After on 429 RetryableError', () => {
  it('mixed (default): every third answer leaves the header out; the body always says when to retry', async () => {
    emu().holdVnet(HUB, 60_000);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE)));
    expect(answers.map(code)).toEqual(Array(6).fill('429 RetryableError'));
    expect(answers.map((r) => r.headers.get('retry-after'))).toEqual(['1', '1', null, '1', '1', null]);
    for (const r of answers) expect(String(path(r.body, 'error.details.0.message'))).toMatch(/can be retried in 1 seconds\.$/);
  });

  it.each([
    ['always', ['1', '1', '1']],
    ['never', [null, null, null]],
  ] as const)('%s', async (mode, expected) => {
    emu().setBehavior({ conflictRetryAfter: mode });
    emu().holdVnet(HUB, 60_000);
    const headers = [];
    for (let i = 0; i < 3; i++) headers.push((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).headers.get('retry-after'));
    expect(headers).toEqual(expected);
  });
});

describe('conflictAnswer overrides the realistic mix', () => {
  it('RetryableError: a write towards a busy VNet gets 429 too', async () => {
    emu().setBehavior({ conflictAnswer: 'RetryableError' });
    emu().holdVnet(SPOKE, 60_000);
    expect(code(await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE)))).toBe('429 RetryableError');
  });

  it('ReferencedResourceNotProvisioned: a write on the busy VNet itself gets 400 too', async () => {
    emu().setBehavior({ conflictAnswer: 'ReferencedResourceNotProvisioned' });
    emu().holdVnet(HUB, 60_000, 'PutVirtualNetworkOperation');
    const r = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    expect(code(r)).toBe('400 ReferencedResourceNotProvisioned');
    expect(String(path(r.body, 'error.message'))).toMatch(/is PutVirtualNetworkOperation\.$/);
  });

  it('AnotherOperationInProgress: accepted, busies its VNet while it runs, ends Failed, changes nothing', async () => {
    emu().setBehavior({ conflictAnswer: 'AnotherOperationInProgress' });
    emu().createPeering(SPOKE, 'spoke-to-hub', { remoteVnetId: HUB });
    emu().setTiming({ operationMs: 60_000 });
    emu().holdVnet(SPOKE, 60_000);
    const r = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    expect(r.status).toBe(201);
    expect(vnetState(HUB)).toBe('Updating');
    expect(props(SPOKE, 'spoke-to-hub')?.peeringState).toBe('Initiated');
    emu().finishOperations();
    expect(await operation(r)).toMatchObject({ status: 'Failed', error: { code: 'AnotherOperationInProgress' } });
    expect(emu().peering(HUB, 'hub-to-spoke')).toBeUndefined();
    expect(props(SPOKE, 'spoke-to-hub')?.peeringState).toBe('Initiated');
    expect(vnetState(HUB)).toBe('Succeeded');
  });
});

describe('effects show at acceptance', () => {
  it('the second side connects both at once; only its provisioningState and its VNet wait', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    emu().setTiming({ operationMs: 60_000 });
    const r = await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB));
    expect(r.status).toBe(201);
    expect(path(r.body, 'properties')).toMatchObject({ provisioningState: 'Updating', peeringState: 'Connected', peeringSyncLevel: 'FullyInSync' });
    expect(props(HUB, 'hub-to-spoke')).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync', provisioningState: 'Succeeded' });
    expect(props(SPOKE, 'spoke-to-hub')?.provisioningState).toBe('Updating');
    expect(vnetState(SPOKE)).toBe('Updating');
    expect(vnetState(HUB)).toBe('Succeeded');
    // The VNet GET shows the same in its peerings.
    expect(emu().vnet(SPOKE)?.properties.virtualNetworkPeerings[0]?.properties).toMatchObject({
      peeringState: 'Connected',
      provisioningState: 'Updating',
    });
    emu().finishOperations();
    expect(props(SPOKE, 'spoke-to-hub')?.provisioningState).toBe('Succeeded');
    expect(vnetState(SPOKE)).toBe('Succeeded');
  });

  it('a sync PUT turns both sides FullyInSync at acceptance', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    emu().createPeering(SPOKE, 'spoke-to-hub', { remoteVnetId: HUB });
    emu().setAddressSpace(SPOKE, ['10.1.0.0/16', '10.4.0.0/16']);
    emu().setTiming({ operationMs: 60_000 });
    expect(props(HUB, 'hub-to-spoke')?.peeringSyncLevel).toBe('LocalNotInSync');
    await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE), { query: { syncRemoteAddressSpace: 'true' } });
    expect(props(HUB, 'hub-to-spoke')).toMatchObject({
      peeringSyncLevel: 'FullyInSync',
      provisioningState: 'Updating',
      remoteAddressSpace: { addressPrefixes: ['10.1.0.0/16', '10.4.0.0/16'] },
    });
    expect(props(SPOKE, 'spoke-to-hub')?.peeringSyncLevel).toBe('FullyInSync');
  });

  it('a deleted peering leaves the list at once and its counterpart turns Disconnected; its VNet stays busy', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    emu().createPeering(SPOKE, 'spoke-to-hub', { remoteVnetId: HUB });
    emu().setTiming({ operationMs: 60_000 });
    expect((await armRequest(emu(), { method: 'DELETE', path: peeringPath(SPOKE, 'spoke-to-hub') })).status).toBe(202);
    expect(emu().peerings(SPOKE)).toEqual([]);
    expect(code(await armRequest(emu(), { path: peeringPath(SPOKE, 'spoke-to-hub') }))).toBe('404 NotFound');
    expect(props(HUB, 'hub-to-spoke')?.peeringState).toBe('Disconnected');
    expect(vnetState(SPOKE)).toBe('Updating');
    // Deleting it again: already absent.
    expect((await armRequest(emu(), { method: 'DELETE', path: peeringPath(SPOKE, 'spoke-to-hub') })).status).toBe(204);
    expect(code(await putPeering(emu(), SPOKE, 'spoke-to-app', remote(APP)))).toBe('429 RetryableError');
  });
});

describe('failed and cancelled operations', () => {
  it('Canceled undoes the write and what it did to the counterpart', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    emu().setTiming({ operationMs: 60_000 });
    emu().failNextOperation({ status: 'Canceled' });
    const r = await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB));
    expect(props(HUB, 'hub-to-spoke')?.peeringState).toBe('Connected');
    emu().finishOperations();
    expect(await operation(r)).toMatchObject({ status: 'Canceled' });
    expect(emu().peering(SPOKE, 'spoke-to-hub')).toBeUndefined();
    expect(props(HUB, 'hub-to-spoke')).toMatchObject({ peeringState: 'Initiated', peeringSyncLevel: 'RemoteNotInSync' });
  });

  it('a Failed PUT keeps its effects and reads Failed', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    emu().failNextOperation({ status: 'Failed', code: 'InternalServerError' });
    const r = await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB));
    expect(await operation(r)).toMatchObject({ status: 'Failed', error: { code: 'InternalServerError' } });
    expect(props(SPOKE, 'spoke-to-hub')).toMatchObject({ peeringState: 'Connected', provisioningState: 'Failed' });
    expect(props(HUB, 'hub-to-spoke')?.peeringState).toBe('Connected');
  });

  it('a Failed DELETE brings the peering back, Failed, and its counterpart Connected again', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    emu().createPeering(SPOKE, 'spoke-to-hub', { remoteVnetId: HUB, allowForwardedTraffic: true });
    emu().setTiming({ operationMs: 60_000 });
    emu().failNextOperation({ method: 'DELETE' });
    const r = await armRequest(emu(), { method: 'DELETE', path: peeringPath(SPOKE, 'spoke-to-hub') });
    expect(emu().peering(SPOKE, 'spoke-to-hub')).toBeUndefined();
    expect(props(HUB, 'hub-to-spoke')?.peeringState).toBe('Disconnected');
    emu().finishOperations();
    expect(await operation(r)).toMatchObject({ status: 'Failed' });
    expect(props(SPOKE, 'spoke-to-hub')).toMatchObject({
      peeringState: 'Connected',
      provisioningState: 'Failed',
      allowForwardedTraffic: true,
    });
    expect(props(HUB, 'hub-to-spoke')?.peeringState).toBe('Connected');
  });

  it('a PUT overtaken by a second PUT: the first ends Canceled, the second keeps its effects', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    emu().setTiming({ operationMs: 60_000 });
    const first = await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB));
    const second = await putPeering(emu(), SPOKE, 'spoke-to-hub', { ...remote(HUB), allowForwardedTraffic: true });
    expect(second.status).toBe(200);
    expect(await operation(first)).toMatchObject({ status: 'Canceled', error: { details: [{ code: 'CanceledAndSupersededDueToAnotherOperation' }] } });
    emu().finishOperations();
    expect(await operation(second)).toEqual({ status: 'Succeeded' });
    expect(props(SPOKE, 'spoke-to-hub')).toMatchObject({ peeringState: 'Connected', allowForwardedTraffic: true, provisioningState: 'Succeeded' });
  });
});

it('a hub with new spokes: the spoke sides run together while the hub is idle, then the hub sides one by one', async () => {
  emu().setTiming({ operationMs: 60_000 });
  // Spoke-side writes on two different VNets towards the idle hub: both accepted at once.
  expect((await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB))).status).toBe(201);
  expect((await putPeering(emu(), APP, 'app-to-hub', remote(HUB), { aux: [] })).status).toBe(201);
  // The hub's side waits for its spokes, and then for itself.
  expect(code(await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE)))).toBe('400 ReferencedResourceNotProvisioned');
  emu().finishOperations();
  expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(201);
  expect(code(await putPeering(emu(), HUB, 'hub-to-app', remote(APP)))).toBe('429 RetryableError');
  emu().finishOperations();
  expect((await putPeering(emu(), HUB, 'hub-to-app', remote(APP))).status).toBe(201);
  emu().finishOperations();
  expect(emu().peerings(HUB).map((p) => [p.name, p.properties.peeringState, p.properties.peeringSyncLevel])).toEqual([
    ['hub-to-spoke', 'Connected', 'FullyInSync'],
    ['hub-to-app', 'Connected', 'FullyInSync'],
  ]);
});

describe('the real SDK meets the conflict answers', () => {
  it('429 RetryableError without Retry-After and 400 ReferencedResourceNotProvisioned are RestErrors it does not retry', async () => {
    emu().setBehavior({ conflictRetryAfter: 'never' });
    emu().holdVnet(SPOKE, 60_000);
    const credA = assertionCredential(emu(), IDS.tenants.a, IDS.apps.multiTenant);
    const credB = assertionCredential(emu(), IDS.tenants.b, IDS.apps.multiTenant);
    const a = networkClient(emu(), IDS.subscriptions.a, credA, [credB]);
    const b = networkClient(emu(), IDS.subscriptions.b, credB, [credA]);
    await expect(
      a.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hub', 'vnet-hub', 'hub-to-spoke', { remoteVirtualNetwork: { id: SPOKE } }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'ReferencedResourceNotProvisioned' });
    await expect(
      b.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-spoke', 'vnet-spoke', 'spoke-to-hub', { remoteVirtualNetwork: { id: HUB } }),
    ).rejects.toMatchObject({ statusCode: 429, code: 'RetryableError' });
    const puts = emu().requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => `${r.status} ${r.errorCode}`)).toEqual(['400 ReferencedResourceNotProvisioned', '429 RetryableError']);
    const vnet = await b.virtualNetworks.get('rg-spoke', 'vnet-spoke');
    expect(vnet.provisioningState).toBe('Updating');
  });
});
