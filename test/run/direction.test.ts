// Carrying a plan out against the in-memory fake: one side at a time, retries after re-reading,
// and the repair of a Disconnected side. Assertions are on the fake's end state and the result.
import { describe, expect, it } from 'vitest';
import type { Outcome, Problem, Side, SideAction } from '../../src/model.ts';
import {
  A_NAME,
  B_NAME,
  canceled,
  connectedWorld,
  FakeAzure,
  HUB,
  lroFailed,
  restError,
  runOnce,
  SPOKE,
  throttled,
  world,
  type RunOptions,
} from '../support/fake-azure.ts';

interface ApplyResult {
  readonly sides: Record<Side, { action: SideAction; outcome: Outcome; problem: Problem | undefined }>;
  readonly wrote: boolean;
}

/** One whole run of the pair on a virtual clock: what each direction did, and how long it waited. */
async function applyWith(fake: FakeAzure, options: RunOptions = {}): Promise<{ result: ApplyResult; waitedMs: number }> {
  const { report, waitedMs } = await runOnce(fake, options);
  const link = report.links[0];
  if (!link) throw new Error('no link');
  const side = (s: Side) => ({ action: link.sides[s].action, outcome: link.sides[s].outcome, problem: link.sides[s].problem });
  return { result: { sides: { a: side('a'), b: side('b') }, wrote: report.changed }, waitedMs };
}

function expectHealthy(fake: FakeAzure): void {
  const sides: [string, string][] = [
    [HUB, A_NAME],
    [SPOKE, B_NAME],
  ];
  for (const [vnet, name] of sides) {
    expect(fake.peering(vnet, name)).toMatchObject({ peeringState: 'Connected', syncLevel: 'FullyInSync', provisioningState: 'Succeeded' });
  }
}

const outcomes = (r: ApplyResult): Record<Side, string> => ({ a: r.sides.a.outcome, b: r.sides.b.outcome });
const writesOn = (fake: FakeAzure, vnet: string): string[] => fake.writes.filter((w) => w.vnet === vnet).map((w) => w.method);

describe('creating the pair', () => {
  it('writes one side, then the other, A first, and ends Connected and in sync', async () => {
    const fake = world();
    const { result } = await applyWith(fake);
    expect(result.wrote).toBe(true);
    expect(result.sides.a).toEqual({ action: 'create', outcome: 'done', problem: undefined });
    expect(result.sides.b).toEqual({ action: 'create', outcome: 'done', problem: undefined });
    expect(fake.writes.map((w) => `${w.method} ${w.vnet}/${w.peering}`)).toEqual([`PUT hub/${A_NAME}`, `PUT spoke/${B_NAME}`]);
    expectHealthy(fake);
  });

  it('sends the asked-for settings and the remote VNet, and no sync flag on a create', async () => {
    const fake = world();
    await applyWith(fake, { inputs: { 'allow-forwarded-traffic': 'true', 'allow-virtual-network-access': 'false', 'gateway-transit': 'a' } });
    expect(fake.writes.map((w) => w.write)).toEqual([
      {
        remoteVnetId: SPOKE,
        allowVirtualNetworkAccess: false,
        allowForwardedTraffic: true,
        allowGatewayTransit: true,
        useRemoteGateways: false,
        scope: undefined,
        preserved: {},
        syncRemoteAddressSpace: false,
        reinitiate: false,
      },
      {
        remoteVnetId: HUB,
        allowVirtualNetworkAccess: false,
        allowForwardedTraffic: true,
        allowGatewayTransit: false,
        useRemoteGateways: true,
        scope: undefined,
        preserved: {},
        syncRemoteAddressSpace: false,
        reinitiate: false,
      },
    ]);
    expect(fake.peering(SPOKE, B_NAME)).toMatchObject({ peeringState: 'Connected', useRemoteGateways: true });
  });

  it('with transit on B writes B first', async () => {
    const fake = new FakeAzure([
      { id: HUB, addressPrefixes: ['10.0.0.0/16'] },
      { id: SPOKE, addressPrefixes: ['10.1.0.0/16'], hasGateway: true },
    ]);
    const { result } = await applyWith(fake, { inputs: { 'gateway-transit': 'b' } });
    expect(outcomes(result)).toEqual({ a: 'done', b: 'done' });
    expect(fake.writes.map((w) => w.vnet)).toEqual(['spoke', 'hub']);
    expect(fake.peering(SPOKE, B_NAME)?.allowGatewayTransit).toBe(true);
    expect(fake.peering(HUB, A_NAME)?.useRemoteGateways).toBe(true);
  });

  it('keeps the fields it does not manage when it updates', async () => {
    const fake = connectedWorld();
    fake.patch(HUB, A_NAME, { allowForwardedTraffic: true });
    const { result } = await applyWith(fake);
    expect(result.sides.a).toMatchObject({ action: 'update', outcome: 'done' });
    expect(fake.writes[0]?.write).toMatchObject({ syncRemoteAddressSpace: true, reinitiate: false, allowForwardedTraffic: false });
    expect(fake.peering(HUB, A_NAME)?.allowForwardedTraffic).toBe(false);
  });
});

describe('repairing a Disconnected side', () => {
  it('re-PUTs it back to Initiated, then creates its counterpart, deleting nothing', async () => {
    const fake = connectedWorld();
    fake.deletePeering(SPOKE, B_NAME);
    expect(fake.peering(HUB, A_NAME)?.peeringState).toBe('Disconnected');
    const { result } = await applyWith(fake);
    expect(result.sides.a).toMatchObject({ action: 'recreate', outcome: 'done' });
    expect(result.sides.b).toMatchObject({ action: 'create', outcome: 'done' });
    expect(fake.writes.map((w) => `${w.method} ${w.vnet}`)).toEqual(['PUT hub', 'PUT spoke']);
    expect(fake.writes[0]?.write?.reinitiate).toBe(true);
    expectHealthy(fake);
  });

  it('deletes and creates it when Azure refuses the re-PUT', async () => {
    const fake = connectedWorld();
    fake.disconnectedRePut = 'refused';
    fake.recreateVnet(SPOKE);
    const { result } = await applyWith(fake);
    expect(result.sides.a).toMatchObject({ action: 'recreate', outcome: 'done' });
    expect(fake.writes.map((w) => `${w.method} ${w.vnet}`)).toEqual(['DELETE hub', 'PUT hub', 'PUT spoke']);
    expectHealthy(fake);
  });

  it('deletes and creates it when the re-PUT is accepted but it stays Disconnected', async () => {
    const fake = connectedWorld();
    fake.disconnectedRePut = 'ignored';
    fake.deletePeering(HUB, A_NAME);
    const { result } = await applyWith(fake);
    expect(result.sides.b).toMatchObject({ action: 'recreate', outcome: 'done' });
    expect(result.sides.a).toMatchObject({ action: 'create', outcome: 'done' });
    expect(fake.writes.map((w) => `${w.method} ${w.vnet}`)).toEqual(['PUT spoke', 'DELETE spoke', 'PUT spoke', 'PUT hub']);
    expectHealthy(fake);
  });

  it('gets through a throttled delete and a create that reported failure but landed', async () => {
    const fake = connectedWorld();
    fake.disconnectedRePut = 'refused';
    fake.deletePeering(SPOKE, B_NAME);
    fake.failNext({ method: 'DELETE', vnet: 'hub', error: throttled(3) });
    fake.failNext({ method: 'PUT', vnet: 'hub', error: canceled(), effect: 'landed' });
    const { result } = await applyWith(fake);
    expect(result.sides.a).toMatchObject({ action: 'recreate', outcome: 'done' });
    expect(outcomes(result)).toEqual({ a: 'done', b: 'done' });
    expectHealthy(fake);
  });

  it('does not delete when the refusal is one a re-create would not cure', async () => {
    const fake = connectedWorld();
    fake.deletePeering(SPOKE, B_NAME);
    fake.failNext({ method: 'PUT', vnet: 'hub', error: restError(403, 'AuthorizationFailed', 'The client does not have authorization.') });
    const { result } = await applyWith(fake);
    expect(result.sides.a).toMatchObject({ action: 'recreate', outcome: 'failed', problem: { code: 'AuthorizationFailed' } });
    expect(result.sides.b.outcome).toBe('skipped');
    expect(fake.writes).toEqual([]);
    expect(fake.peering(HUB, A_NAME)?.peeringState).toBe('Disconnected');
  });

  it('retries a throttled re-PUT instead of deleting', async () => {
    const fake = connectedWorld();
    fake.deletePeering(SPOKE, B_NAME);
    fake.failNext({ method: 'PUT', vnet: 'hub', error: throttled(2) });
    const { result } = await applyWith(fake);
    expect(outcomes(result)).toEqual({ a: 'done', b: 'done' });
    expect(writesOn(fake, 'hub')).toEqual(['PUT']);
    expectHealthy(fake);
  });
});

describe('retrying what Azure asks to retry', () => {
  it('waits as a 429 says, then writes again', async () => {
    const fake = world();
    fake.failNext({ method: 'PUT', vnet: 'spoke', error: throttled(7) });
    const { result, waitedMs } = await applyWith(fake);
    expect(outcomes(result)).toEqual({ a: 'done', b: 'done' });
    expect(waitedMs).toBeGreaterThanOrEqual(7000);
    expectHealthy(fake);
  });

  it.each<[string, Error]>([
    ['AnotherOperationInProgress', lroFailed('AnotherOperationInProgress', 'Another operation on this or dependent resource is in progress.')],
    ['a cancelled operation', canceled()],
    ['ReferencedResourceNotProvisioned', restError(400, 'ReferencedResourceNotProvisioned', 'Resource is in Updating state.')],
  ])('%s: reads again, writes again, ends healthy', async (_what, error) => {
    const fake = world();
    fake.failNext({ method: 'PUT', vnet: 'hub', error, effect: 'reverted', times: 2 });
    const { result } = await applyWith(fake);
    expect(outcomes(result)).toEqual({ a: 'done', b: 'done' });
    expectHealthy(fake);
  });

  it('recognises on re-read a write that reported failure but landed', async () => {
    const fake = world();
    fake.failNext({ method: 'PUT', vnet: 'spoke', error: canceled(), effect: 'landed' });
    const { result } = await applyWith(fake);
    expect(outcomes(result)).toEqual({ a: 'done', b: 'done' });
    expect(writesOn(fake, 'spoke')).toEqual(['PUT']);
    expectHealthy(fake);
  });

  it('updates a peering whose operation ended Failed', async () => {
    const fake = world();
    fake.failNext({ method: 'PUT', vnet: 'hub', error: lroFailed('InternalServerError', 'An error occurred.'), effect: 'failed' });
    const { result } = await applyWith(fake);
    expect(outcomes(result)).toEqual({ a: 'done', b: 'done' });
    expectHealthy(fake);
  });

  it('waits while someone else’s operation keeps the peering Updating', async () => {
    const fake = connectedWorld();
    fake.patch(HUB, A_NAME, { allowForwardedTraffic: true, updatingReads: 4 });
    const { result } = await applyWith(fake);
    expect(result.sides.a).toMatchObject({ action: 'update', outcome: 'done' });
    expect(fake.peering(HUB, A_NAME)?.allowForwardedTraffic).toBe(false);
  });
});

describe('giving up', () => {
  it('fails a side on a refusal that will not change, and skips the other', async () => {
    const fake = world();
    fake.failNext({ method: 'PUT', vnet: 'hub', error: restError(403, 'AuthorizationFailed', "The client '33333333-…' does not have authorization.") });
    const { result } = await applyWith(fake);
    expect(result.wrote).toBe(false);
    expect(result.sides.a).toMatchObject({ action: 'create', outcome: 'failed', problem: { code: 'AuthorizationFailed' } });
    expect(result.sides.a.problem?.advice).toContain('Network Contributor');
    expect(result.sides.b).toEqual({ action: 'create', outcome: 'skipped', problem: undefined });
    expect(fake.writes).toEqual([]);
  });

  it('keeps the first side’s success when the second fails', async () => {
    const fake = world();
    fake.failNext({
      method: 'PUT',
      vnet: 'spoke',
      error: lroFailed('VnetAddressSpaceOverlapsWithAlreadyPeeredVnet', 'Address space overlaps with a VNet already peered.'),
      effect: 'reverted',
    });
    const { result } = await applyWith(fake);
    expect(result.wrote).toBe(true);
    expect(result.sides.a.outcome).toBe('done');
    expect(result.sides.b).toMatchObject({ outcome: 'failed', problem: { code: 'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet' } });
    expect(writesOn(fake, 'spoke')).toEqual(['PUT']);
    expect(fake.peering(HUB, A_NAME)?.peeringState).toBe('Initiated');
    expect(fake.peering(SPOKE, B_NAME)).toBeUndefined();
  });

  it('stops at the deadline with Azure’s code', async () => {
    const fake = world();
    fake.failNext({ method: 'PUT', vnet: 'hub', error: throttled(10), times: 1000 });
    const { result } = await applyWith(fake, { deadlineMs: 60_000 });
    expect(result.sides.a).toMatchObject({ outcome: 'failed', problem: { code: 'RetryableError' } });
    expect(result.sides.a.problem?.advice).toContain('timeout-minutes');
    expect(result.sides.b.outcome).toBe('skipped');
    expect(fake.peering(HUB, A_NAME)).toBeUndefined();
  });

  it('stops at the deadline when the peering stays Updating', async () => {
    const fake = connectedWorld();
    fake.patch(HUB, A_NAME, { allowForwardedTraffic: true, updatingReads: 1000 });
    const { result } = await applyWith(fake, { deadlineMs: 60_000 });
    expect(result.sides.a).toMatchObject({ outcome: 'failed', problem: { code: 'OperationInProgress' } });
    expect(fake.writes).toEqual([]);
  });

  it('starts no write once the run is cancelled', async () => {
    const fake = world();
    const cancel = new AbortController();
    cancel.abort();
    const { result } = await applyWith(fake, { signal: cancel.signal });
    expect(outcomes(result)).toEqual({ a: 'skipped', b: 'skipped' });
    expect(fake.writes).toEqual([]);
  });

  it('stops retrying once the run is cancelled during a wait', async () => {
    const fake = world();
    const cancel = new AbortController();
    fake.failNext({ method: 'PUT', vnet: 'hub', error: throttled(1) });
    fake.afterWrite = () => undefined;
    const { result } = await applyWith(fake, { signal: cancel.signal, onSleep: () => cancel.abort() });
    expect(result.sides.a).toMatchObject({ outcome: 'failed', problem: { code: 'RetryableError' } });
    expect(result.sides.b.outcome).toBe('skipped');
    expect(fake.writes).toEqual([]);
  });
});
