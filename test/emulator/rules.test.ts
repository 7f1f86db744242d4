// The rules Azure enforces on a peering write (spec §5): overlaps, gateways, one peering per remote
// VNet, names, the peering limit, one write at a time per VNet, superseded and failed operations.
import { describe, expect, it } from 'vitest';
import { armRequest, code, message, operationOf, path, peeringPath, putPeering, remote, useEmulator } from './clients.ts';
import type { ArmResponse } from './clients.ts';
import { IDS } from './index.ts';

const HUB = IDS.vnets.hub;
const SPOKE = IDS.vnets.spoke;
const APP = IDS.vnets.app;

const emu = useEmulator();

const operation = (r: ArmResponse) => operationOf(emu(), r);

describe('address spaces', () => {
  it('overlapping VNets: 400 VnetAddressSpacesOverlap naming the overlapping prefixes', async () => {
    const r = await putPeering(emu(), HUB, 'hub-to-overlap', remote(IDS.vnets.overlap));
    expect(code(r)).toBe('400 VnetAddressSpacesOverlap');
    expect(message(r)).toContain('Overlapping address prefixes: 10.0.0.0/16, 10.0.128.0/20');
    expect(code(await putPeering(emu(), IDS.vnets.overlap, 'overlap-to-hub', remote(HUB)))).toBe('400 VnetAddressSpacesOverlap');
  });

  it('a VNet overlapping one already peered with the other side: 400 VnetAddressSpaceOverlapsWithAlreadyPeeredVnet, both ways', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    emu().createPeering(SPOKE, 'spoke-to-hub', { remoteVnetId: HUB });
    emu().setAddressSpace(APP, ['10.1.128.0/24']);
    const r = await putPeering(emu(), HUB, 'hub-to-app', remote(APP));
    expect(code(r)).toBe('400 VnetAddressSpaceOverlapsWithAlreadyPeeredVnet');
    expect(message(r)).toContain('10.1.128.0/24');
    expect(code(await putPeering(emu(), APP, 'app-to-hub', remote(HUB)))).toBe('400 VnetAddressSpaceOverlapsWithAlreadyPeeredVnet');
    emu().setAddressSpace(APP, ['10.3.0.0/16']);
    expect((await putPeering(emu(), HUB, 'hub-to-app', remote(APP))).status).toBe(201);
  });
});

describe('gateways', () => {
  it('useRemoteGateways towards a VNet without a gateway: 400 RemoteVnetHasNoGateways, doNotVerifyRemoteGateways or not', async () => {
    const r = await putPeering(emu(), HUB, 'hub-to-spoke', { ...remote(SPOKE), useRemoteGateways: true });
    expect(code(r)).toBe('400 RemoteVnetHasNoGateways');
    expect(message(r)).toContain(`remote virtual network ${SPOKE} referenced by the peering does not have any gateways`);
    expect(
      code(
        await putPeering(emu(), HUB, 'hub-to-spoke', {
          ...remote(SPOKE),
          useRemoteGateways: true,
          doNotVerifyRemoteGateways: true,
        }),
      ),
    ).toBe('400 RemoteVnetHasNoGateways');
  });

  it('the transit side first: useRemoteGateways against a remote peering without allowGatewayTransit is refused', async () => {
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(201);
    expect(code(await putPeering(emu(), SPOKE, 'spoke-to-hub', { ...remote(HUB), useRemoteGateways: true }))).toBe(
      '400 RemotePeeringDoesNotAllowGatewayTransit',
    );
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', { ...remote(SPOKE), allowGatewayTransit: true })).status).toBe(200);
    expect((await putPeering(emu(), SPOKE, 'spoke-to-hub', { ...remote(HUB), useRemoteGateways: true })).status).toBe(201);
    expect(emu().peering(SPOKE, 'spoke-to-hub')?.properties).toMatchObject({ peeringState: 'Connected', useRemoteGateways: true });
  });

  it('the transit rule can be switched off', async () => {
    emu().setBehavior({ requireRemoteGatewayTransit: false });
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    expect((await putPeering(emu(), SPOKE, 'spoke-to-hub', { ...remote(HUB), useRemoteGateways: true })).status).toBe(201);
  });
});

describe('names and counts', () => {
  it('a second peering to the same remote VNet: 400 AnotherPeeringAlreadyReferencesRemoteVnet', async () => {
    expect((await putPeering(emu(), HUB, 'first', remote(SPOKE))).status).toBe(201);
    expect(code(await putPeering(emu(), HUB, 'second', remote(SPOKE)))).toBe('400 AnotherPeeringAlreadyReferencesRemoteVnet');
    expect(
      code(await putPeering(emu(), HUB, 'second', remote(SPOKE.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/')))),
    ).toBe('400 AnotherPeeringAlreadyReferencesRemoteVnet');
  });

  it.each([
    ['a', true],
    ['Z9', true],
    ['a_', true],
    ['hub-to.spoke_1', true],
    ['x'.repeat(80), true],
    ['x'.repeat(81), false],
    ['-a', false],
    ['_a', false],
    ['.a', false],
    ['a-', false],
    ['a.', false],
    ['a b', false],
    ['a/b', false],
    ['ä', false],
  ])('name %j valid: %s (InvalidResourceName)', async (name, valid) => {
    const r = await putPeering(emu(), HUB, encodeURIComponent(name), remote(APP));
    if (valid) expect(r.status).toBe(201);
    else expect(code(r)).toBe('400 InvalidResourceName');
  });

  it('the peering limit per VNet: 400 PeeringLimitReached (limit configurable, 500 by default)', async () => {
    expect(emu().behavior.peeringLimit).toBe(500);
    emu().setBehavior({ peeringLimit: 1 });
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    expect(code(await putPeering(emu(), HUB, 'hub-to-app', remote(APP)))).toBe('400 PeeringLimitReached');
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(200);
  });

  it('a VNet cannot peer with itself', async () => {
    expect(code(await putPeering(emu(), HUB, 'loop', remote(HUB)))).toBe('400 CannotPeerVirtualNetworkWithItself');
  });
});

describe('one write at a time per VNet', () => {
  it('a write on a busy VNet: 429 RetryableError with Retry-After; a write whose remote VNet is busy: 400 ReferencedResourceNotProvisioned', async () => {
    emu().holdVnet(HUB, 60_000);
    expect(emu().vnet(HUB)?.properties.provisioningState).toBe('Updating');
    const local = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    expect(code(local)).toBe('429 RetryableError');
    expect(local.headers.get('retry-after')).toBe('1');
    expect(path(local.body, 'error.details.0.code')).toBe('RetryableErrorDueToAnotherOperation');
    expect(String(path(local.body, 'error.details.0.message'))).toMatch(/can be retried in 1 seconds\.$/);
    const towards = await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB));
    expect(code(towards)).toBe('400 ReferencedResourceNotProvisioned');
    expect(message(towards)).toBe(
      `Cannot proceed with operation because resource ${HUB} used by resource ${peeringPath(SPOKE, 'spoke-to-hub')} is not in Succeeded state. Resource is in Updating state and the last operation that updated/is updating the resource is PutSubnetOperation.`,
    );
    expect(path(towards.body, 'error.details')).toEqual([]);
    expect(towards.headers.get('retry-after')).toBeNull();
    expect(code(await armRequest(emu(), { method: 'DELETE', path: peeringPath(HUB, 'x') }))).toBe('204 undefined');
    expect((await armRequest(emu(), { path: HUB })).status).toBe(200);
    emu().holdVnet(HUB, 0);
    expect(emu().vnet(HUB)?.properties.provisioningState).toBe('Succeeded');
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(201);
  });

  it('a running write busies its own VNet only: B→A running refuses A→B (400) and writes on B (429), not other writes on A', async () => {
    emu().setTiming({ operationMs: 60_000, retryAfterSeconds: 10 });
    expect((await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB))).status).toBe(201);
    expect(emu().vnet(SPOKE)?.properties.provisioningState).toBe('Updating');
    expect(emu().vnet(HUB)?.properties.provisioningState).toBe('Succeeded');
    const blocked = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    expect(code(blocked)).toBe('400 ReferencedResourceNotProvisioned');
    expect(message(blocked)).toContain('is updating the resource is PutVirtualNetworkPeeringOperation.');
    const onSpoke = await putPeering(emu(), SPOKE, 'spoke-to-app', remote(APP));
    expect(code(onSpoke)).toBe('429 RetryableError');
    expect(onSpoke.headers.get('retry-after')).toBe('10');
    expect((await putPeering(emu(), HUB, 'hub-to-app', remote(APP))).status).toBe(201);
    emu().finishOperations();
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(201);
  });

  it('conflict answered as 400 ReferencedResourceNotProvisioned', async () => {
    emu().setBehavior({ conflictAnswer: 'ReferencedResourceNotProvisioned' });
    emu().holdVnet(SPOKE, 60_000);
    const r = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    expect(code(r)).toBe('400 ReferencedResourceNotProvisioned');
    expect(message(r)).toContain(
      `resource ${SPOKE} used by resource ${peeringPath(HUB, 'hub-to-spoke')} is not in Succeeded state`,
    );
  });

  it('conflict answered as an operation that ends Failed with AnotherOperationInProgress, changing nothing', async () => {
    emu().setBehavior({ conflictAnswer: 'AnotherOperationInProgress' });
    emu().holdVnet(HUB, 60_000);
    const r = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    expect(r.status).toBe(201);
    expect(await operation(r)).toMatchObject({ status: 'Failed', error: { code: 'AnotherOperationInProgress' } });
    expect(emu().peering(HUB, 'hub-to-spoke')).toBeUndefined();
  });

  it('a PUT overtaken by another PUT on the same peering ends Canceled (CanceledAndSupersededDueToAnotherOperation)', async () => {
    emu().setTiming({ operationMs: 60_000 });
    const first = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    const second = await putPeering(emu(), HUB, 'hub-to-spoke', { ...remote(SPOKE), allowForwardedTraffic: true });
    expect(second.status).toBe(200);
    expect(await operation(first)).toMatchObject({
      status: 'Canceled',
      error: { details: [{ code: 'CanceledAndSupersededDueToAnotherOperation' }] },
    });
    expect(await operation(second)).toEqual({ status: 'InProgress' });
    emu().finishOperations();
    expect(await operation(second)).toEqual({ status: 'Succeeded' });
    expect(emu().peering(HUB, 'hub-to-spoke')?.properties).toMatchObject({
      allowForwardedTraffic: true,
      peeringState: 'Initiated',
    });
  });
});

describe('operations that end badly', () => {
  it('failNextOperation Failed on a PUT: the operation carries the error, the peering is Failed, a re-PUT repairs it', async () => {
    emu().failNextOperation({ status: 'Failed', code: 'InternalServerError', message: 'An error occurred.', method: 'PUT' });
    const r = await putPeering(emu(), HUB, 'hub-to-app', remote(APP));
    expect(await operation(r)).toEqual({
      status: 'Failed',
      error: { code: 'InternalServerError', message: 'An error occurred.' },
    });
    expect(emu().peering(HUB, 'hub-to-app')?.properties.provisioningState).toBe('Failed');
    const again = await putPeering(emu(), HUB, 'hub-to-app', remote(APP));
    expect(await operation(again)).toEqual({ status: 'Succeeded' });
  });

  it('failNextOperation can target one VNet and DELETE; a failed delete leaves the peering Failed', async () => {
    emu().createPeering(HUB, 'hub-to-spoke', { remoteVnetId: SPOKE });
    emu().createPeering(SPOKE, 'spoke-to-hub', { remoteVnetId: HUB });
    emu().failNextOperation({ method: 'DELETE', vnetId: SPOKE });
    const hubDelete = await armRequest(emu(), { method: 'DELETE', path: peeringPath(HUB, 'hub-to-spoke') });
    expect(await operation(hubDelete)).toEqual({ status: 'Succeeded' });
    emu().createPeering(HUB, 'hub-to-app', { remoteVnetId: APP });
    const spokeDelete = await armRequest(emu(), { method: 'DELETE', path: peeringPath(SPOKE, 'spoke-to-hub') });
    expect(await operation(spokeDelete)).toMatchObject({ status: 'Failed' });
    expect(emu().peering(SPOKE, 'spoke-to-hub')?.properties.provisioningState).toBe('Failed');
  });

  it('failNextOperation Canceled reverts the write', async () => {
    emu().createPeering(HUB, 'hub-to-app', { remoteVnetId: APP });
    emu().failNextOperation({ status: 'Canceled' });
    const r = await putPeering(emu(), HUB, 'hub-to-app', { ...remote(APP), allowForwardedTraffic: true });
    expect(await operation(r)).toMatchObject({
      status: 'Canceled',
      error: { details: [{ code: 'CanceledAndSupersededDueToAnotherOperation' }] },
    });
    expect(emu().peering(HUB, 'hub-to-app')?.properties).toMatchObject({
      allowForwardedTraffic: false,
      provisioningState: 'Succeeded',
    });
  });
});
