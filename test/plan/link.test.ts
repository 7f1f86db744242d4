// The planner is pure: observed state + inputs in, one action per side and an order of writes out.
import { describe, expect, it } from 'vitest';
import type { GatewayTransit, ObservedPeering, PeeringSettings, Side, SideAction, VnetRef } from '../../src/model.ts';
import { decideAction, desiredSettings, plan, writeOrder, type DesiredPeering, type Plan, type SidePlan } from '../../src/plan/link.ts';
import { parseVnetId } from '../../src/azure/resource-id.ts';
import { A_NAME, B_NAME, DEFAULT_SETTINGS, HUB, OTHER, SPOKE } from '../support/fake-azure.ts';

function ref(id: string): VnetRef {
  const r = parseVnetId(id);
  if ('error' in r) throw new Error(r.error);
  return r;
}
const hub = ref(HUB);
const spoke = ref(SPOKE);

const HUB_SPACE = ['10.0.0.0/16'];
const SPOKE_SPACE = ['10.1.0.0/16', '10.3.0.0/16'];

/** A healthy, Connected peering from `vnet` to `remote`, with overrides. */
function peering(vnet: string, name: string, remote: string, over: Partial<ObservedPeering> = {}): ObservedPeering {
  const space = remote === HUB ? HUB_SPACE : SPOKE_SPACE;
  return {
    id: `${vnet}/virtualNetworkPeerings/${name}`,
    name,
    remoteVnetId: remote,
    peeringState: 'Connected',
    syncLevel: 'FullyInSync',
    provisioningState: 'Succeeded',
    ...DEFAULT_SETTINGS,
    remoteAddressSpace: space,
    remoteVirtualNetworkAddressSpace: space,
    preserved: {},
    ...over,
  };
}

interface Case {
  readonly a?: readonly ObservedPeering[];
  readonly b?: readonly ObservedPeering[];
  readonly names?: { readonly a?: string; readonly b?: string };
  readonly desired?: Partial<DesiredPeering>;
  readonly spaces?: { readonly a?: readonly string[]; readonly b?: readonly string[] };
}

function planOf(c: Case): Plan {
  return plan({
    a: { vnet: hub, givenPeeringName: c.names?.a, defaultPeeringName: A_NAME },
    b: { vnet: spoke, givenPeeringName: c.names?.b, defaultPeeringName: B_NAME },
    desired: { allowVirtualNetworkAccess: true, allowForwardedTraffic: false, gatewayTransit: 'none', ...c.desired },
    observed: {
      a: { vnet: { id: HUB, name: 'hub', location: 'westeurope', addressPrefixes: c.spaces?.a ?? HUB_SPACE }, peerings: c.a ?? [] },
      b: { vnet: { id: SPOKE, name: 'spoke', location: 'westeurope', addressPrefixes: c.spaces?.b ?? SPOKE_SPACE }, peerings: c.b ?? [] },
    },
  });
}

const healthyA = (over: Partial<ObservedPeering> = {}): ObservedPeering => peering(HUB, A_NAME, SPOKE, over);
const healthyB = (over: Partial<ObservedPeering> = {}): ObservedPeering => peering(SPOKE, B_NAME, HUB, over);

describe('decideAction: the decision table (first match wins)', () => {
  const want = DEFAULT_SETTINGS;
  const stale: Partial<ObservedPeering> = { remoteAddressSpace: ['10.1.0.0/16'], syncLevel: 'LocalNotInSync' };
  const cases: [string, ObservedPeering | undefined, SideAction][] = [
    ['missing', undefined, 'create'],
    ['Disconnected', healthyA({ peeringState: 'Disconnected' }), 'recreate'],
    [
      'Disconnected, Failed, drifted and stale',
      healthyA({ peeringState: 'Disconnected', provisioningState: 'Failed', allowForwardedTraffic: true, ...stale }),
      'recreate',
    ],
    ['provisioningState Failed', healthyA({ provisioningState: 'Failed' }), 'update'],
    ['provisioningState failed (any case)', healthyA({ provisioningState: 'failed' }), 'update'],
    ['Failed and stale', healthyA({ provisioningState: 'Failed', ...stale }), 'update'],
    ['allowVirtualNetworkAccess differs', healthyA({ allowVirtualNetworkAccess: false }), 'update'],
    ['allowForwardedTraffic differs', healthyA({ allowForwardedTraffic: true }), 'update'],
    ['allowGatewayTransit differs', healthyA({ allowGatewayTransit: true }), 'update'],
    ['useRemoteGateways differs', healthyA({ useRemoteGateways: true }), 'update'],
    ['a setting differs and the space is stale (one PUT does both)', healthyA({ allowForwardedTraffic: true, ...stale }), 'update'],
    ['Initiated with a setting differing', healthyA({ peeringState: 'Initiated', syncLevel: 'RemoteNotInSync', allowForwardedTraffic: true }), 'update'],
    ['remoteAddressSpace differs from remoteVirtualNetworkAddressSpace', healthyA({ remoteAddressSpace: ['10.1.0.0/16'] }), 'sync'],
    ['sync level LocalNotInSync although the spaces read equal', healthyA({ syncLevel: 'LocalNotInSync' }), 'sync'],
    ['sync level LocalAndRemoteNotInSync', healthyA({ syncLevel: 'LocalAndRemoteNotInSync' }), 'sync'],
    ['sync level RemoteNotInSync only (the other side must sync)', healthyA({ syncLevel: 'RemoteNotInSync' }), 'none'],
    ['the same prefixes in another order and case', healthyA({ remoteAddressSpace: ['10.3.0.0/16', '10.1.0.0/16'] }), 'none'],
    ['Azure did not report remoteAddressSpace', healthyA({ remoteAddressSpace: undefined }), 'none'],
    ['Initiated, its counterpart missing', healthyA({ peeringState: 'Initiated', syncLevel: 'RemoteNotInSync' }), 'none'],
    ['Connected and in sync', healthyA(), 'none'],
    ['provisioning Updating (someone else is writing)', healthyA({ provisioningState: 'Updating' }), 'none'],
  ];

  it.each(cases)('%s → %s', (_what, existing, action) => {
    expect(decideAction(existing, want, SPOKE_SPACE).action).toBe(action);
  });

  it('compares with the remote VNet as read when Azure gave no remoteVirtualNetworkAddressSpace', () => {
    const p = healthyA({ remoteVirtualNetworkAddressSpace: undefined });
    expect(decideAction(p, want, SPOKE_SPACE).action).toBe('none');
    expect(decideAction(p, want, ['10.1.0.0/16', '10.3.0.0/16', '10.4.0.0/16']).action).toBe('sync');
  });

  it('prefers the peering’s own remoteVirtualNetworkAddressSpace over the VNet read', () => {
    const p = healthyA({ remoteAddressSpace: ['10.9.0.0/16'], remoteVirtualNetworkAddressSpace: ['10.9.0.0/16'] });
    expect(decideAction(p, want, SPOKE_SPACE).action).toBe('none');
  });

  it('gives reasons a person can read', () => {
    expect(decideAction(undefined, want, SPOKE_SPACE).reason).toBe('missing');
    expect(decideAction(healthyA({ allowForwardedTraffic: true }), want, SPOKE_SPACE).reason).toBe('allowForwardedTraffic: true → false');
    expect(decideAction(healthyA({ provisioningState: 'Failed', useRemoteGateways: true }), want, SPOKE_SPACE).reason).toBe(
      'provisioningState is Failed; useRemoteGateways: true → false',
    );
    expect(decideAction(healthyA(), want, SPOKE_SPACE).reason).toBe('healthy');
    expect(decideAction(healthyA({ peeringState: 'Disconnected' }), want, SPOKE_SPACE).reason).toMatch(/^Disconnected/);
  });
});

describe('desired settings per side', () => {
  const base = { allowVirtualNetworkAccess: false, allowForwardedTraffic: true };
  it.each<[GatewayTransit, PeeringSettings, PeeringSettings]>([
    ['none', { ...base, allowGatewayTransit: false, useRemoteGateways: false }, { ...base, allowGatewayTransit: false, useRemoteGateways: false }],
    ['a', { ...base, allowGatewayTransit: true, useRemoteGateways: false }, { ...base, allowGatewayTransit: false, useRemoteGateways: true }],
    ['b', { ...base, allowGatewayTransit: false, useRemoteGateways: true }, { ...base, allowGatewayTransit: true, useRemoteGateways: false }],
  ])('gateway-transit %s', (gatewayTransit, a, b) => {
    expect(desiredSettings('a', { ...base, gatewayTransit })).toEqual(a);
    expect(desiredSettings('b', { ...base, gatewayTransit })).toEqual(b);
    const p = planOf({ desired: { ...base, gatewayTransit } });
    expect(p.sides.a.desired).toEqual(a);
    expect(p.sides.b.desired).toEqual(b);
  });

  it('an existing pair without transit needs updating on both sides when transit is asked for', () => {
    const p = planOf({ a: [healthyA()], b: [healthyB()], desired: { gatewayTransit: 'a' } });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['update', 'update']);
    expect(p.sides.a.reason).toBe('allowGatewayTransit: false → true');
    expect(p.sides.b.reason).toBe('useRemoteGateways: false → true');
    expect(p.order).toEqual(['a', 'b']);
  });
});

describe('writeOrder', () => {
  const sp = (side: Side, action: SideAction): SidePlan => ({
    side,
    name: side,
    existing: undefined,
    desired: DEFAULT_SETTINGS,
    action,
    reason: '',
    conflict: undefined,
  });
  it.each<[SideAction, SideAction, GatewayTransit, Side[]]>([
    ['create', 'create', 'none', ['a', 'b']],
    ['create', 'create', 'a', ['a', 'b']],
    ['create', 'create', 'b', ['b', 'a']],
    ['create', 'recreate', 'none', ['b', 'a']],
    ['recreate', 'create', 'none', ['a', 'b']],
    ['recreate', 'create', 'b', ['a', 'b']],
    ['create', 'recreate', 'a', ['b', 'a']],
    ['update', 'update', 'b', ['b', 'a']],
    ['sync', 'update', 'none', ['a', 'b']],
    ['sync', 'sync', 'b', ['b', 'a']],
    ['none', 'update', 'none', ['b']],
    ['create', 'none', 'b', ['a']],
    ['none', 'none', 'a', []],
  ])('A %s, B %s, transit %s → %j', (a, b, transit, order) => {
    expect(writeOrder({ a: sp('a', a), b: sp('b', b) }, transit)).toEqual(order);
  });
});

describe('plan: both sides', () => {
  it('nothing exists: create both, A first', () => {
    const p = planOf({});
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['create', 'create']);
    expect([p.sides.a.name, p.sides.b.name]).toEqual([A_NAME, B_NAME]);
    expect(p.order).toEqual(['a', 'b']);
    expect(p.overlap).toBeUndefined();
  });

  it('healthy pair: nothing to do', () => {
    const p = planOf({ a: [healthyA()], b: [healthyB()] });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['none', 'none']);
    expect(p.order).toEqual([]);
    expect(p.sides.a.existing?.name).toBe(A_NAME);
  });

  it('B deleted: A is Disconnected and goes first, then B is created', () => {
    const p = planOf({ a: [healthyA({ peeringState: 'Disconnected', syncLevel: 'RemoteNotInSync' })] });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['recreate', 'create']);
    expect(p.order).toEqual(['a', 'b']);
  });

  it('A deleted: B is Disconnected and goes first, even with transit on A', () => {
    const p = planOf({ b: [healthyB({ peeringState: 'Disconnected', useRemoteGateways: true })], desired: { gatewayTransit: 'a' } });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['create', 'recreate']);
    expect(p.order).toEqual(['b', 'a']);
  });

  it('B alone exists (Initiated): only A is created', () => {
    const p = planOf({ b: [healthyB({ peeringState: 'Initiated', syncLevel: 'RemoteNotInSync' })] });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['create', 'none']);
    expect(p.order).toEqual(['a']);
  });

  it('VNet B’s space changed: A→B syncs, B→A (RemoteNotInSync) needs nothing', () => {
    const p = planOf({
      a: [healthyA({ remoteAddressSpace: ['10.1.0.0/16'], syncLevel: 'LocalNotInSync' })],
      b: [healthyB({ syncLevel: 'RemoteNotInSync' })],
    });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['sync', 'none']);
    expect(p.order).toEqual(['a']);
  });

  it('both spaces changed: each side syncs', () => {
    const p = planOf({
      a: [healthyA({ remoteAddressSpace: ['10.1.0.0/16'], syncLevel: 'LocalAndRemoteNotInSync' })],
      b: [healthyB({ remoteAddressSpace: ['10.0.0.0/24'], syncLevel: 'LocalAndRemoteNotInSync' })],
    });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['sync', 'sync']);
    expect(p.order).toEqual(['a', 'b']);
  });

  it('B’s provisioning Failed: update B only', () => {
    const p = planOf({ a: [healthyA()], b: [healthyB({ provisioningState: 'Failed' })] });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['none', 'update']);
    expect(p.order).toEqual(['b']);
  });
});

describe('plan: finding the peering, adopting it, and conflicts', () => {
  const toOther = (name: string): ObservedPeering => peering(HUB, name, OTHER, { peeringState: 'Initiated', syncLevel: 'RemoteNotInSync' });

  it('adopts a peering to the remote VNet under another name when no name was given, whatever the ID’s case', () => {
    const legacy = peering(HUB, 'legacy-link', SPOKE.toLowerCase());
    const p = planOf({ a: [toOther('hub-to-other'), legacy], b: [healthyB()] });
    expect(p.sides.a.name).toBe('legacy-link');
    expect(p.sides.a.existing).toBe(legacy);
    expect(p.sides.a.action).toBe('none');
    expect(p.sides.a.conflict).toBeUndefined();
  });

  it('adopts and repairs: a drifted peering under another name is updated under its own name', () => {
    const p = planOf({ a: [peering(HUB, 'legacy-link', SPOKE, { allowForwardedTraffic: true })], b: [healthyB()] });
    expect(p.sides.a).toMatchObject({ name: 'legacy-link', action: 'update' });
    expect(p.order).toEqual(['a']);
  });

  it('adoption wins over a default name taken by a peering to another VNet', () => {
    const p = planOf({ a: [toOther(A_NAME), peering(HUB, 'legacy-link', SPOKE)], b: [healthyB()] });
    expect(p.sides.a.name).toBe('legacy-link');
    expect(p.sides.a.conflict).toBeUndefined();
  });

  it('matches a given name in any case', () => {
    const p = planOf({ a: [healthyA()], b: [healthyB()], names: { a: A_NAME.toUpperCase() } });
    expect(p.sides.a.existing?.name).toBe(A_NAME);
    expect(p.sides.a.action).toBe('none');
  });

  it('uses a given name for a new peering', () => {
    const p = planOf({ names: { a: 'custom-a', b: 'custom-b' } });
    expect([p.sides.a.name, p.sides.b.name]).toEqual(['custom-a', 'custom-b']);
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['create', 'create']);
  });

  /** What every conflict must look like: nothing written anywhere, that side none. */
  function expectBlocked(p: Plan, side: Side, code: string): void {
    const conflicted = p.sides[side];
    expect(conflicted.action).toBe('none');
    expect(conflicted.existing).toBeUndefined();
    expect(conflicted.conflict?.code).toBe(code);
    expect(p.order).toEqual([]);
    expect(p.overlap).toBeUndefined();
  }

  it('default name taken by a peering to another VNet: conflict, with the fix', () => {
    const p = planOf({ a: [toOther(A_NAME)] });
    expectBlocked(p, 'a', 'PeeringNameConflict');
    expect(p.sides.a.name).toBe(A_NAME);
    expect(p.sides.a.conflict?.message).toContain(OTHER);
    expect(p.sides.a.conflict?.advice).toContain('peering-name-a');
    expect(p.sides.a.conflict?.advice).toMatch(/[Dd]elete/);
    // The other side is still judged, but nothing will be written.
    expect(p.sides.b.action).toBe('create');
  });

  it('default name taken on B, in another case: conflict on B', () => {
    const p = planOf({ b: [peering(SPOKE, B_NAME.toUpperCase(), OTHER)] });
    expectBlocked(p, 'b', 'PeeringNameConflict');
    expect(p.sides.b.conflict?.advice).toContain('peering-name-b');
  });

  it('a given name that points at another VNet: conflict', () => {
    const p = planOf({ a: [toOther('mine')], names: { a: 'mine' } });
    expectBlocked(p, 'a', 'PeeringNameConflict');
    expect(p.sides.a.name).toBe('mine');
    expect(p.sides.a.conflict?.message).toContain(OTHER);
  });

  it('a given name while another peering already points at the remote VNet: conflict naming that peering', () => {
    const p = planOf({ a: [peering(HUB, 'legacy-link', SPOKE)], b: [healthyB()], names: { a: 'new-name' } });
    expectBlocked(p, 'a', 'PeeringTargetConflict');
    expect(p.sides.a.name).toBe('new-name');
    expect(p.sides.a.conflict?.message).toContain('legacy-link');
    expect(p.sides.a.conflict?.advice).toContain("'legacy-link'");
  });

  it('a conflict on one side blocks a repair on the other', () => {
    const p = planOf({ a: [toOther(A_NAME)], b: [healthyB({ peeringState: 'Disconnected' })] });
    expectBlocked(p, 'a', 'PeeringNameConflict');
    expect(p.sides.b.action).toBe('recreate');
  });
});

describe('plan: overlap pre-flight', () => {
  const overlapping = { a: ['10.0.0.0/16'], b: ['10.1.0.0/16', '10.0.128.0/17'] };

  it('explains an overlap before anything is created', () => {
    const p = planOf({ spaces: overlapping });
    expect(p.overlap?.code).toBe('VnetAddressSpacesOverlap');
    expect(p.overlap?.message).toContain('10.0.0.0/16 overlaps 10.0.128.0/17');
    expect(p.overlap?.message).toContain('hub');
    expect(p.overlap?.message).toContain('spoke');
    expect(p.overlap?.advice).toMatch(/address space/);
  });

  it('counts re-creating a Disconnected side as creating', () => {
    const p = planOf({ spaces: overlapping, a: [healthyA({ peeringState: 'Disconnected' })] });
    expect(p.overlap?.code).toBe('VnetAddressSpacesOverlap');
  });

  it('says nothing when only updates or syncs are pending', () => {
    expect(planOf({ spaces: overlapping, a: [healthyA({ allowForwardedTraffic: true })], b: [healthyB()] }).overlap).toBeUndefined();
    expect(planOf({ spaces: overlapping, a: [healthyA({ syncLevel: 'LocalNotInSync' })], b: [healthyB()] }).overlap).toBeUndefined();
    expect(planOf({ spaces: overlapping, a: [healthyA()], b: [healthyB()] }).overlap).toBeUndefined();
  });

  it('says nothing for disjoint spaces, including IPv6 next to IPv4', () => {
    expect(planOf({ spaces: { a: ['10.0.0.0/16', 'fd00:1::/64'], b: ['10.1.0.0/16', 'fd00:2::/64'] } }).overlap).toBeUndefined();
  });

  it('finds IPv6 overlaps too', () => {
    expect(planOf({ spaces: { a: ['10.0.0.0/16', 'fd00::/48'], b: ['10.1.0.0/16', 'fd00:0:0:5::/64'] } }).overlap?.message).toContain(
      'fd00::/48 overlaps fd00:0:0:5::/64',
    );
  });
});

describe('review fixes: reconnecting and turning gateway transit off', () => {
  it('re-PUTs one side when both exist but stay Initiated, and none when the counterpart is busy', () => {
    const p = planOf({ a: [healthyA({ peeringState: 'Initiated' })], b: [healthyB({ peeringState: 'Initiated' })] });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['update', 'none']);
    expect(p.sides.a.reason).toMatch(/Initiated although its counterpart exists/);
    const busy = planOf({ a: [healthyA({ peeringState: 'Initiated' })], b: [healthyB({ peeringState: 'Initiated', provisioningState: 'Updating' })] });
    expect(busy.sides.a.action).toBe('none');
  });

  it('clears useRemoteGateways before the other side stops lending its gateway', () => {
    const p = planOf({
      a: [healthyA({ allowGatewayTransit: true })],
      b: [healthyB({ useRemoteGateways: true })],
      desired: { gatewayTransit: 'none' },
    });
    expect(p.order).toEqual(['b', 'a']);
  });

  it('moves transit from A to B: B (stops using, starts lending) first', () => {
    const p = planOf({
      a: [healthyA({ allowGatewayTransit: true })],
      b: [healthyB({ useRemoteGateways: true })],
      desired: { gatewayTransit: 'b' },
    });
    expect(p.order).toEqual(['b', 'a']);
  });
});
