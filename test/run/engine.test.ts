// Whole runs against the in-memory fake: observe → plan → apply → observe again → RunReport.
// Assertions are on the report, the step's verdict and message, and the state the fake ends in.
import { describe, expect, it } from 'vitest';
import type { LinkResult, RunReport, Side } from '../../src/model.ts';
import { failureMessage, shouldFail, toOutputs } from '../../src/report/outputs.ts';
import {
  A_NAME,
  B_NAME,
  canceled,
  connectedWorld,
  FakeAzure,
  HUB,
  lroFailed,
  OTHER,
  restError,
  runOnce,
  SPOKE,
  throttled,
  world,
} from '../support/fake-azure.ts';

/** The pair's two directions (the one link of the pair inputs). */
function sidesOf(r: RunReport): LinkResult['sides'] {
  const link = r.links[0];
  if (!link) throw new Error('no link');
  return link.sides;
}
const states = (r: RunReport): Record<Side, string> => ({ a: `${sidesOf(r).a.state}/${sidesOf(r).a.syncLevel}`, b: `${sidesOf(r).b.state}/${sidesOf(r).b.syncLevel}` });
const actions = (r: RunReport): Record<Side, string> => ({ a: sidesOf(r).a.action, b: sidesOf(r).b.action });
const HEALTHY = { a: 'Connected/FullyInSync', b: 'Connected/FullyInSync' };

/** Runs again and checks the contract's idempotence: the second run writes nothing and is in sync. */
async function expectSecondRunWritesNothing(fake: FakeAzure, inputs: Readonly<Record<string, string>> = {}): Promise<void> {
  const before = fake.writes.length;
  const { report } = await runOnce(fake, { inputs });
  expect(fake.writes.length).toBe(before);
  expect(report.verdict).toBe('in-sync');
  expect(report.changed).toBe(false);
  expect(actions(report)).toEqual({ a: 'none', b: 'none' });
}

describe('apply: creating and keeping the pair', () => {
  it('creates both sides across tenants: Connected, FullyInSync, repaired', async () => {
    const fake = world();
    const { report } = await runOnce(fake);
    expect(report.mode).toBe('apply');
    expect(report.verdict).toBe('repaired');
    expect(report.changed).toBe(true);
    expect(actions(report)).toEqual({ a: 'create', b: 'create' });
    expect(states(report)).toEqual(HEALTHY);
    expect(sidesOf(report).a.peeringId).toBe(`${HUB}/virtualNetworkPeerings/${A_NAME}`);
    expect(sidesOf(report).b.peeringId).toBe(`${SPOKE}/virtualNetworkPeerings/${B_NAME}`);
    expect(sidesOf(report).a.tenantId).not.toBe(sidesOf(report).b.tenantId);
    expect(sidesOf(report).a.addressSpace).toEqual(['10.0.0.0/16']);
    expect(sidesOf(report).b.addressSpace).toEqual(['10.1.0.0/16']);
    expect(shouldFail(report, false)).toBe(false);
    expect(fake.peering(HUB, A_NAME)).toMatchObject({ peeringState: 'Connected', syncLevel: 'FullyInSync', provisioningState: 'Succeeded' });
    expect(fake.peering(SPOKE, B_NAME)).toMatchObject({ peeringState: 'Connected', syncLevel: 'FullyInSync', provisioningState: 'Succeeded' });
  });

  it('a second run writes nothing', async () => {
    const fake = world();
    await runOnce(fake);
    await expectSecondRunWritesNothing(fake);
  });

  it('a healthy pair is left alone', async () => {
    const fake = connectedWorld();
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('in-sync');
    expect(fake.writes).toEqual([]);
    expect(states(report)).toEqual(HEALTHY);
    expect(shouldFail(report, false)).toBe(false);
  });

  it('uses given names', async () => {
    const fake = world();
    const inputs = { 'peering-name-a': 'to-spoke', 'peering-name-b': 'to-hub' };
    const { report } = await runOnce(fake, { inputs });
    expect(report.verdict).toBe('repaired');
    expect([sidesOf(report).a.peeringName, sidesOf(report).b.peeringName]).toEqual(['to-spoke', 'to-hub']);
    expect(fake.peeringNames(HUB)).toEqual(['to-spoke']);
    await expectSecondRunWritesNothing(fake, inputs);
  });

  it('adopts peerings to the remote VNet under other names and repairs them there', async () => {
    const fake = world();
    fake.peerBoth(HUB, 'legacy-a', SPOKE, 'legacy-b', { a: { allowForwardedTraffic: true } });
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('repaired');
    expect([sidesOf(report).a.peeringName, sidesOf(report).b.peeringName]).toEqual(['legacy-a', 'legacy-b']);
    expect(actions(report)).toEqual({ a: 'update', b: 'none' });
    expect(fake.peeringNames(HUB)).toEqual(['legacy-a']);
    expect(fake.peering(HUB, 'legacy-a')?.allowForwardedTraffic).toBe(false);
    await expectSecondRunWritesNothing(fake);
  });

  it('compares IDs and names without case: a pair given in other cases is in sync', async () => {
    const fake = connectedWorld();
    const inputs = { 'vnet-a': HUB.toLowerCase(), 'vnet-b': SPOKE.toUpperCase(), 'peering-name-a': A_NAME.toUpperCase() };
    const { report } = await runOnce(fake, { inputs });
    expect(report.verdict).toBe('in-sync');
    expect(fake.writes).toEqual([]);
    expect(sidesOf(report).a.peeringId).toBe(`${HUB}/virtualNetworkPeerings/${A_NAME}`);
  });
});

describe('apply: repairs', () => {
  it('B deleted out of band: A is re-PUT to Initiated, B created, nothing deleted', async () => {
    const fake = connectedWorld();
    fake.deletePeering(SPOKE, B_NAME);
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('repaired');
    expect(actions(report)).toEqual({ a: 'recreate', b: 'create' });
    expect(states(report)).toEqual(HEALTHY);
    expect(fake.writes.some((w) => w.method === 'DELETE')).toBe(false);
    await expectSecondRunWritesNothing(fake);
  });

  it('VNet A re-created: B is Disconnected; Azure refuses its re-PUT, so it is deleted and created, reported as recreate', async () => {
    const fake = connectedWorld();
    fake.disconnectedRePut = 'refused';
    fake.recreateVnet(HUB);
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('repaired');
    expect(actions(report)).toEqual({ a: 'create', b: 'recreate' });
    expect(states(report)).toEqual(HEALTHY);
    expect(fake.writes.map((w) => `${w.method} ${w.vnet}`)).toEqual(['DELETE spoke', 'PUT spoke', 'PUT hub']);
    await expectSecondRunWritesNothing(fake);
  });

  it('VNet B’s address space grew: one sync PUT on A→B brings both sides in sync', async () => {
    const fake = connectedWorld();
    fake.setAddressSpace(SPOKE, ['10.1.0.0/16', '10.5.0.0/16']);
    expect(fake.peering(HUB, A_NAME)?.syncLevel).toBe('LocalNotInSync');
    expect(fake.peering(SPOKE, B_NAME)?.syncLevel).toBe('RemoteNotInSync');
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('repaired');
    expect(actions(report)).toEqual({ a: 'sync', b: 'none' });
    expect(fake.writes.map((w) => `${w.method} ${w.vnet}`)).toEqual(['PUT hub']);
    expect(fake.writes[0]?.write?.syncRemoteAddressSpace).toBe(true);
    expect(states(report)).toEqual(HEALTHY);
    expect(sidesOf(report).b.addressSpace).toEqual(['10.1.0.0/16', '10.5.0.0/16']);
    await expectSecondRunWritesNothing(fake);
  });

  it('both address spaces changed: each side needs its own sync PUT', async () => {
    const fake = connectedWorld();
    fake.setAddressSpace(HUB, ['10.0.0.0/16', '10.6.0.0/16']);
    fake.setAddressSpace(SPOKE, ['10.1.0.0/16', '10.5.0.0/16']);
    expect(fake.peering(HUB, A_NAME)?.syncLevel).toBe('LocalAndRemoteNotInSync');
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('repaired');
    expect(actions(report)).toEqual({ a: 'sync', b: 'sync' });
    expect(fake.writes.map((w) => `${w.method} ${w.vnet}`)).toEqual(['PUT hub', 'PUT spoke']);
    expect(states(report)).toEqual(HEALTHY);
    await expectSecondRunWritesNothing(fake);
  });

  it('settings drift is updated back to the inputs', async () => {
    const fake = connectedWorld();
    fake.patch(SPOKE, B_NAME, { allowVirtualNetworkAccess: false, allowForwardedTraffic: true });
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('repaired');
    expect(actions(report)).toEqual({ a: 'none', b: 'update' });
    expect(sidesOf(report).b.settings).toMatchObject({ allowVirtualNetworkAccess: true, allowForwardedTraffic: false });
    await expectSecondRunWritesNothing(fake);
  });

  it('gateway transit turned on for an existing pair: the side that lends its gateway is written first', async () => {
    const fake = connectedWorld();
    const inputs = { 'gateway-transit': 'a' };
    const { report } = await runOnce(fake, { inputs });
    expect(report.verdict).toBe('repaired');
    expect(actions(report)).toEqual({ a: 'update', b: 'update' });
    expect(fake.writes.map((w) => w.vnet)).toEqual(['hub', 'spoke']);
    expect(fake.peering(HUB, A_NAME)?.allowGatewayTransit).toBe(true);
    expect(fake.peering(SPOKE, B_NAME)?.useRemoteGateways).toBe(true);
    await expectSecondRunWritesNothing(fake, inputs);
  });

  it('a peering whose provisioning Failed is updated', async () => {
    const fake = connectedWorld();
    fake.patch(HUB, A_NAME, { provisioningState: 'Failed' });
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('repaired');
    expect(actions(report)).toEqual({ a: 'update', b: 'none' });
    expect(sidesOf(report).a.provisioningState).toBe('Succeeded');
    await expectSecondRunWritesNothing(fake);
  });

  it('a change made by someone else during the run is caught by another pass', async () => {
    const fake = world();
    fake.afterWrite = (w) => {
      if (w.vnet === 'hub') fake.setAddressSpace(SPOKE, ['10.1.0.0/16', '10.5.0.0/16']);
      fake.afterWrite = undefined;
    };
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('repaired');
    expect(actions(report)).toEqual({ a: 'create', b: 'create' });
    expect(states(report)).toEqual(HEALTHY);
    expect(fake.writes.map((w) => `${w.method} ${w.vnet}`)).toEqual(['PUT hub', 'PUT spoke', 'PUT hub']);
    await expectSecondRunWritesNothing(fake);
  });

  it('never deletes a healthy peering, even when Azure refuses Disconnected re-PUTs', async () => {
    const fake = connectedWorld();
    fake.disconnectedRePut = 'refused';
    fake.patch(HUB, A_NAME, { allowForwardedTraffic: true, provisioningState: 'Failed' });
    fake.setAddressSpace(SPOKE, ['10.1.0.0/16', '10.5.0.0/16']);
    const { report } = await runOnce(fake, { inputs: { 'gateway-transit': 'a' } });
    expect(report.verdict).toBe('repaired');
    expect(fake.writes.filter((w) => w.method === 'DELETE')).toEqual([]);
  });
});

describe('apply: Azure’s transient answers', () => {
  it.each<[string, Error, 'rejected' | 'reverted' | 'landed']>([
    ['429 RetryableError with a hint', throttled(1), 'rejected'],
    ['AnotherOperationInProgress at the end of the operation', lroFailed('AnotherOperationInProgress', 'Another operation on this or dependent resource is in progress.'), 'reverted'],
    ['a cancelled operation', canceled(), 'reverted'],
    ['a cancellation that came after the write landed', canceled(), 'landed'],
  ])('%s: retried, ends healthy, second run writes nothing', async (_what, error, effect) => {
    const fake = world();
    fake.failNext({ method: 'PUT', vnet: 'spoke', error, effect, times: 2 });
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('repaired');
    expect(actions(report)).toEqual({ a: 'create', b: 'create' });
    expect(states(report)).toEqual(HEALTHY);
    expect(shouldFail(report, false)).toBe(false);
    await expectSecondRunWritesNothing(fake);
  });

  it('gives up at the deadline with Azure’s code', async () => {
    const fake = world();
    fake.failNext({ method: 'PUT', vnet: 'spoke', error: throttled(10), times: 1000 });
    const { report } = await runOnce(fake, { inputs: { 'timeout-minutes': '1' } });
    expect(report.verdict).toBe('failed');
    expect(sidesOf(report).b.problem?.code).toBe('RetryableError');
    expect(shouldFail(report, false)).toBe(true);
    const message = failureMessage(report);
    expect(message).toContain('B→A');
    expect(message).toContain('state Missing');
    expect(message).toContain('RetryableError');
    expect(message).toContain('timeout-minutes');
  });
});

describe('apply: refusals that fail the step', () => {
  it('403 AuthorizationFailed on A: A fails, B is not tried, and the message says what to do', async () => {
    const fake = world();
    fake.failNext({
      method: 'PUT',
      vnet: 'hub',
      error: restError(403, 'AuthorizationFailed', "The client does not have authorization to perform action 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write'."),
    });
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('failed');
    expect(report.changed).toBe(false);
    expect(sidesOf(report).a).toMatchObject({ action: 'create', outcome: 'failed', state: 'Missing', problem: { code: 'AuthorizationFailed' } });
    expect(sidesOf(report).b).toMatchObject({ action: 'create', outcome: 'skipped', state: 'Missing', problem: undefined });
    expect(fake.writes).toEqual([]);
    expect(shouldFail(report, false)).toBe(true);
    const message = failureMessage(report);
    expect(message).toContain("A→B 'hub-to-spoke' on hub (state Missing)");
    expect(message).toContain('AuthorizationFailed');
    expect(message).toContain('Network Contributor');
  });

  it('400 VnetAddressSpaceOverlapsWithAlreadyPeeredVnet on B after A was created', async () => {
    const fake = world();
    fake.failNext({ method: 'PUT', vnet: 'spoke', error: restError(400, 'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet', 'Address space overlaps.') });
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('failed');
    expect(report.changed).toBe(true);
    expect(sidesOf(report).a).toMatchObject({ action: 'create', outcome: 'done', state: 'Initiated', syncLevel: 'RemoteNotInSync' });
    expect(sidesOf(report).b).toMatchObject({ outcome: 'failed', state: 'Missing', problem: { code: 'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet' } });
    const message = failureMessage(report);
    expect(message).toContain('B→A');
    expect(message).toContain('VnetAddressSpaceOverlapsWithAlreadyPeeredVnet');
    expect(message).toContain('already peered');
  });

  it('gateway transit towards a VNet without a gateway: Azure’s RemoteVnetHasNoGateways, with the fix', async () => {
    const fake = world();
    const { report } = await runOnce(fake, { inputs: { 'gateway-transit': 'b' } });
    expect(report.verdict).toBe('failed');
    // Found from the VNet read before any write: nothing is half-built.
    expect(fake.writes).toEqual([]);
    expect(sidesOf(report).b).toMatchObject({ outcome: 'skipped', state: 'Missing' });
    expect(sidesOf(report).a).toMatchObject({ outcome: 'skipped', problem: { code: 'RemoteVnetHasNoGateways' } });
    expect(failureMessage(report)).toContain('gateway-transit');
  });

  it('overlapping address spaces: explained before any write', async () => {
    const fake = world();
    fake.setAddressSpace(SPOKE, ['10.0.128.0/17']);
    const { report } = await runOnce(fake);
    expect(report.verdict).toBe('failed');
    expect(fake.writes).toEqual([]);
    // On the side that would be written first, so the message names side, state and code.
    expect(sidesOf(report).a.problem?.code).toBe('VnetAddressSpacesOverlap');
    expect(shouldFail(report, false)).toBe(true);
    expect(failureMessage(report)).toContain('10.0.0.0/16 overlaps 10.0.128.0/17');
    expect(failureMessage(report)).toMatch(/A→B .*state Missing.*VnetAddressSpacesOverlap/);
  });

  it('overlapping address spaces in plan mode: the plan fails, since apply would be refused whoever runs it', async () => {
    const fake = world();
    fake.setAddressSpace(SPOKE, ['10.0.128.0/17']);
    const { report } = await runOnce(fake, { inputs: { mode: 'plan' } });
    expect(fake.writes).toEqual([]);
    expect(sidesOf(report).a.problem?.code).toBe('VnetAddressSpacesOverlap');
    expect(report.verdict).toBe('failed');
    expect(shouldFail(report, false)).toBe(true);
  });

  it('Azure cannot be read: fails in both modes, writes nothing', async () => {
    for (const mode of ['apply', 'plan']) {
      const fake = world();
      fake.failReads(SPOKE, restError(403, 'AuthorizationFailed', 'The client does not have authorization to perform action read.'));
      const { report } = await runOnce(fake, { inputs: { mode } });
      expect(report.verdict).toBe('failed');
      expect(sidesOf(report).b.problem?.code).toBe('AuthorizationFailed');
      expect(sidesOf(report).b.problem?.message).toContain('Reading VNet spoke');
      expect(states(report)).toEqual({ a: 'Missing/', b: 'Missing/' });
      expect(fake.writes).toEqual([]);
      expect(shouldFail(report, false)).toBe(true);
    }
  });
});

describe('conflicts', () => {
  const conflicted = (): FakeAzure => {
    const fake = world();
    fake.peer(HUB, A_NAME, OTHER);
    return fake;
  };

  it.each(['apply', 'plan'])('%s: a default name taken by a peering to another VNet writes nothing and fails', async (mode) => {
    const fake = conflicted();
    const { report } = await runOnce(fake, { inputs: { mode } });
    expect(fake.writes).toEqual([]);
    expect(report.verdict).toBe('failed');
    expect(report.changed).toBe(false);
    expect(sidesOf(report).a).toMatchObject({ action: 'none', state: 'Missing', peeringId: '', problem: { code: 'PeeringNameConflict' } });
    expect(shouldFail(report, false)).toBe(true);
    const message = failureMessage(report);
    expect(message).toContain('PeeringNameConflict');
    expect(message).toContain(OTHER);
    expect(message).toContain('peering-name-a');
    expect(fake.peering(HUB, A_NAME)?.remoteVnetId).toBe(OTHER);
  });

  it('a given name while another peering already points at the remote VNet', async () => {
    const fake = connectedWorld();
    const { report } = await runOnce(fake, { inputs: { 'peering-name-b': 'spoke-hub-new' } });
    expect(fake.writes).toEqual([]);
    expect(report.verdict).toBe('failed');
    expect(sidesOf(report).b).toMatchObject({ action: 'none', state: 'Missing', problem: { code: 'PeeringTargetConflict' } });
    expect(failureMessage(report)).toContain(`'${B_NAME}'`);
    expect(fake.peering(SPOKE, B_NAME)?.peeringState).toBe('Connected');
  });

  it('a given name that points at another VNet', async () => {
    const fake = world();
    fake.peer(SPOKE, 'shared', OTHER);
    const { report } = await runOnce(fake, { inputs: { 'peering-name-b': 'shared', mode: 'plan' } });
    expect(fake.writes).toEqual([]);
    expect(report.verdict).toBe('failed');
    expect(sidesOf(report).b).toMatchObject({ action: 'none', state: 'Missing', problem: { code: 'PeeringNameConflict' } });
  });
});

describe('plan mode', () => {
  it('writes nothing and reports what apply would do', async () => {
    const fake = world();
    const { report } = await runOnce(fake, { inputs: { mode: 'plan' } });
    expect(fake.writes).toEqual([]);
    expect(report.mode).toBe('plan');
    expect(report.verdict).toBe('pending');
    expect(report.changed).toBe(true);
    expect(actions(report)).toEqual({ a: 'create', b: 'create' });
    expect(sidesOf(report).a.outcome).toBe('planned');
    expect(states(report)).toEqual({ a: 'Missing/', b: 'Missing/' });
    expect(shouldFail(report, false)).toBe(false);
    expect(shouldFail(report, true)).toBe(true);
    expect(failureMessage(report)).toMatch(/^Drift: A→B needs create \(missing\); B→A needs create \(missing\)\./);
  });

  it('plans the repair of a Disconnected side without touching it', async () => {
    const fake = connectedWorld();
    fake.deletePeering(SPOKE, B_NAME);
    const { report } = await runOnce(fake, { inputs: { mode: 'plan', 'fail-on-drift': 'true' } });
    expect(fake.writes).toEqual([]);
    expect(actions(report)).toEqual({ a: 'recreate', b: 'create' });
    expect(states(report)).toEqual({ a: 'Disconnected/RemoteNotInSync', b: 'Missing/' });
    expect(fake.peering(HUB, A_NAME)?.peeringState).toBe('Disconnected');
  });

  it('in sync: nothing pending, does not fail even with fail-on-drift', async () => {
    const fake = connectedWorld();
    const { report } = await runOnce(fake, { inputs: { mode: 'plan', 'fail-on-drift': 'true' } });
    expect(report.verdict).toBe('in-sync');
    expect(report.changed).toBe(false);
    expect(actions(report)).toEqual({ a: 'none', b: 'none' });
    expect(shouldFail(report, true)).toBe(false);
  });

  it('outputs after a plan report the pending actions and current states', async () => {
    const fake = connectedWorld();
    fake.setAddressSpace(SPOKE, ['10.1.0.0/16', '10.5.0.0/16']);
    const { report } = await runOnce(fake, { inputs: { mode: 'plan' } });
    const out = toOutputs(report, '/tmp/result.json');
    expect(out).toMatchObject({ changed: 'true', 'action-a': 'sync', 'action-b': 'none', 'state-a': 'Connected', 'sync-level-a': 'LocalNotInSync', 'sync-level-b': 'RemoteNotInSync' });
    expect(fake.writes).toEqual([]);
  });
});
