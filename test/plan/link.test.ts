// The planner is pure: observed state + the link in, one action per direction and its writes out.
import { describe, expect, it } from 'vitest';
import type { GatewayTransit, Link, ObservedPeering, PeeringScope, PeeringSettings, Side, SideAction, VnetInfo } from '../../src/model.ts';
import { decideAction, desiredSettings, planLink, writeOrder, type LinkPlan, type SidePlan } from '../../src/plan/link.ts';
import { A_NAME, B_NAME, DEFAULT_SETTINGS, HUB, OTHER, pairConfig, SPOKE } from '../support/fake-azure.ts';

const HUB_SPACE = ['10.0.0.0/16'];
const SPOKE_SPACE = ['10.1.0.0/16', '10.3.0.0/16'];
const WHOLE: PeeringScope = { complete: true, localSubnets: [], remoteSubnets: [], ipv6Only: false };
const space = (addressPrefixes: readonly string[]) => ({ addressPrefixes, subnets: [] });

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
    scope: WHOLE,
    preserved: {},
    ...over,
  };
}

export function vnetInfo(id: string, addressPrefixes: readonly string[], peerings: readonly ObservedPeering[]): VnetInfo {
  return { id, name: id.split('/').pop() ?? id, location: 'westeurope', addressPrefixes, subnets: [], hasGateway: false, provisioningState: 'Succeeded', peerings };
}

interface Case {
  readonly a?: readonly ObservedPeering[];
  readonly b?: readonly ObservedPeering[];
  /** Pair inputs (peering-name-a, gateway-transit, ensure, subnets-a ...). */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly spaces?: { readonly a?: readonly string[]; readonly b?: readonly string[] };
}

/** The pair inputs' one link, read through the real input module. */
export function pairLink(inputs: Readonly<Record<string, string>> = {}): Link {
  const link = pairConfig(inputs).topology.links[0];
  if (!link) throw new Error('no link');
  return link;
}

function planOf(c: Case): LinkPlan {
  return planLink(pairLink(c.inputs), {
    a: vnetInfo(HUB, c.spaces?.a ?? HUB_SPACE, c.a ?? []),
    b: vnetInfo(SPOKE, c.spaces?.b ?? SPOKE_SPACE, c.b ?? []),
  });
}

/** The sides written by PUT, in order. */
const order = (p: LinkPlan): Side[] => p.steps.filter((s) => s.kind === 'put').map((s) => s.side);

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
    expect(decideAction(existing, want, undefined, space(SPOKE_SPACE)).action).toBe(action);
  });

  it('compares with the remote VNet as read when Azure gave no remoteVirtualNetworkAddressSpace', () => {
    const p = healthyA({ remoteVirtualNetworkAddressSpace: undefined });
    expect(decideAction(p, want, undefined, space(SPOKE_SPACE)).action).toBe('none');
    expect(decideAction(p, want, undefined, space(['10.1.0.0/16', '10.3.0.0/16', '10.4.0.0/16'])).action).toBe('sync');
  });

  it('prefers the peering’s own remoteVirtualNetworkAddressSpace over the VNet read', () => {
    const p = healthyA({ remoteAddressSpace: ['10.9.0.0/16'], remoteVirtualNetworkAddressSpace: ['10.9.0.0/16'] });
    expect(decideAction(p, want, undefined, space(SPOKE_SPACE)).action).toBe('none');
  });

  it('gives reasons a person can read', () => {
    expect(decideAction(undefined, want, undefined, space(SPOKE_SPACE)).reason).toBe('missing');
    expect(decideAction(healthyA({ allowForwardedTraffic: true }), want, undefined, space(SPOKE_SPACE)).reason).toBe('allowForwardedTraffic: true → false');
    expect(decideAction(healthyA({ provisioningState: 'Failed', useRemoteGateways: true }), want, undefined, space(SPOKE_SPACE)).reason).toBe(
      'provisioningState is Failed; useRemoteGateways: true → false',
    );
    expect(decideAction(healthyA(), want, undefined, space(SPOKE_SPACE)).reason).toBe('healthy');
    expect(decideAction(healthyA({ peeringState: 'Disconnected' }), want, undefined, space(SPOKE_SPACE)).reason).toMatch(/^Disconnected/);
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
    const p = planOf({ inputs: { 'allow-virtual-network-access': 'false', 'allow-forwarded-traffic': 'true', 'gateway-transit': gatewayTransit } });
    expect(p.sides.a.desired).toEqual(a);
    expect(p.sides.b.desired).toEqual(b);
  });

  it('an existing pair without transit needs updating on both sides when transit is asked for', () => {
    const p = planOf({ a: [healthyA()], b: [healthyB()], inputs: { 'gateway-transit': 'a' } });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['update', 'update']);
    expect(p.sides.a.reason).toBe('allowGatewayTransit: false → true');
    expect(p.sides.b.reason).toBe('useRemoteGateways: false → true');
    expect(order(p)).toEqual(['a', 'b']);
  });
});

describe('writeOrder', () => {
  const sp = (side: Side, action: SideAction): SidePlan => ({
    side,
    name: side,
    existing: undefined,
    desired: DEFAULT_SETTINGS,
    desiredScope: undefined,
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
    expect(order(p)).toEqual(['a', 'b']);
  });

  it('healthy pair: nothing to do', () => {
    const p = planOf({ a: [healthyA()], b: [healthyB()] });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['none', 'none']);
    expect(order(p)).toEqual([]);
    expect(p.sides.a.existing?.name).toBe(A_NAME);
  });

  it('B deleted: A is Disconnected and goes first, then B is created', () => {
    const p = planOf({ a: [healthyA({ peeringState: 'Disconnected', syncLevel: 'RemoteNotInSync' })] });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['recreate', 'create']);
    expect(order(p)).toEqual(['a', 'b']);
  });

  it('A deleted: B is Disconnected and goes first, even with transit on A', () => {
    const p = planOf({ b: [healthyB({ peeringState: 'Disconnected', useRemoteGateways: true })], inputs: { 'gateway-transit': 'a' } });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['create', 'recreate']);
    expect(order(p)).toEqual(['b', 'a']);
  });

  it('B alone exists (Initiated): only A is created', () => {
    const p = planOf({ b: [healthyB({ peeringState: 'Initiated', syncLevel: 'RemoteNotInSync' })] });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['create', 'none']);
    expect(order(p)).toEqual(['a']);
  });

  it('VNet B’s space changed: A→B syncs, B→A (RemoteNotInSync) needs nothing', () => {
    const p = planOf({
      a: [healthyA({ remoteAddressSpace: ['10.1.0.0/16'], syncLevel: 'LocalNotInSync' })],
      b: [healthyB({ syncLevel: 'RemoteNotInSync' })],
    });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['sync', 'none']);
    expect(order(p)).toEqual(['a']);
  });

  it('both spaces changed: each side syncs', () => {
    const p = planOf({
      a: [healthyA({ remoteAddressSpace: ['10.1.0.0/16'], syncLevel: 'LocalAndRemoteNotInSync' })],
      b: [healthyB({ remoteAddressSpace: ['10.0.0.0/24'], syncLevel: 'LocalAndRemoteNotInSync' })],
    });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['sync', 'sync']);
    expect(order(p)).toEqual(['a', 'b']);
  });

  it('B’s provisioning Failed: update B only', () => {
    const p = planOf({ a: [healthyA()], b: [healthyB({ provisioningState: 'Failed' })] });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['none', 'update']);
    expect(order(p)).toEqual(['b']);
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
    expect(order(p)).toEqual(['a']);
  });

  it('adoption wins over a default name taken by a peering to another VNet', () => {
    const p = planOf({ a: [toOther(A_NAME), peering(HUB, 'legacy-link', SPOKE)], b: [healthyB()] });
    expect(p.sides.a.name).toBe('legacy-link');
    expect(p.sides.a.conflict).toBeUndefined();
  });

  it('matches a given name in any case', () => {
    const p = planOf({ a: [healthyA()], b: [healthyB()], inputs: { 'peering-name-a': A_NAME.toUpperCase() } });
    expect(p.sides.a.existing?.name).toBe(A_NAME);
    expect(p.sides.a.action).toBe('none');
  });

  it('uses a given name for a new peering', () => {
    const p = planOf({ inputs: { 'peering-name-a': 'custom-a', 'peering-name-b': 'custom-b' } });
    expect([p.sides.a.name, p.sides.b.name]).toEqual(['custom-a', 'custom-b']);
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['create', 'create']);
  });

  /** What every conflict must look like: nothing written anywhere, that side none. */
  function expectBlocked(p: LinkPlan, side: Side, code: string): void {
    const conflicted = p.sides[side];
    expect(conflicted.action).toBe('none');
    expect(conflicted.existing).toBeUndefined();
    expect(conflicted.conflict?.code).toBe(code);
    expect(p.steps).toEqual([]);
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
    const p = planOf({ a: [toOther('mine')], inputs: { 'peering-name-a': 'mine' } });
    expectBlocked(p, 'a', 'PeeringNameConflict');
    expect(p.sides.a.name).toBe('mine');
    expect(p.sides.a.conflict?.message).toContain(OTHER);
  });

  it('a given name while another peering already points at the remote VNet: conflict naming that peering', () => {
    const p = planOf({ a: [peering(HUB, 'legacy-link', SPOKE)], b: [healthyB()], inputs: { 'peering-name-a': 'new-name' } });
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
      inputs: { 'gateway-transit': 'none' },
    });
    expect(order(p)).toEqual(['b', 'a']);
  });

  it('moves transit from A to B: B (stops using, starts lending) first', () => {
    const p = planOf({
      a: [healthyA({ allowGatewayTransit: true })],
      b: [healthyB({ useRemoteGateways: true })],
      inputs: { 'gateway-transit': 'b' },
    });
    expect(order(p)).toEqual(['b', 'a']);
  });
});

describe('tear-down: ensure absent', () => {
  const absent = { ensure: 'absent' };

  it('deletes both directions under whatever name they have, each on its own', () => {
    const p = planOf({ a: [peering(HUB, 'legacy-a', SPOKE)], b: [healthyB()], inputs: absent });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['delete', 'delete']);
    expect(p.sides.a.name).toBe('legacy-a');
    expect(p.steps).toEqual([
      { side: 'a', kind: 'delete', after: [] },
      { side: 'b', kind: 'delete', after: [] },
    ]);
  });

  it('a side already gone (the other Disconnected) deletes only what is left', () => {
    const p = planOf({ b: [healthyB({ peeringState: 'Disconnected' })], inputs: absent });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['none', 'delete']);
    expect(p.sides.a.reason).toBe('absent already');
    expect(p.steps.map((s) => s.side)).toEqual(['b']);
  });

  it('absent already: nothing to do', () => {
    const p = planOf({ a: [peering(HUB, 'to-other', OTHER)], inputs: absent });
    expect(p.steps).toEqual([]);
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['none', 'none']);
  });

  it('a named peering that points at another VNet is a conflict, not a delete', () => {
    const p = planOf({ a: [peering(HUB, 'mine', OTHER)], inputs: { ...absent, 'peering-name-a': 'mine' } });
    expect(p.sides.a.conflict?.code).toBe('PeeringNameConflict');
    expect(p.steps).toEqual([]);
  });

  it('delete wins over every other action: a Disconnected, drifted side is deleted', () => {
    const p = planOf({ a: [healthyA({ peeringState: 'Disconnected', allowForwardedTraffic: true })], inputs: absent });
    expect(p.sides.a.action).toBe('delete');
  });
});

describe('subnet-level peering', () => {
  const subnets = { 'subnets-a': 'hub-snet', 'subnets-b': 'app, data' };
  const subnetScope = (local: string[], remote: string[], ipv6Only = false): PeeringScope => ({ complete: false, localSubnets: local, remoteSubnets: remote, ipv6Only });

  it('creates both directions with each side’s own subnets as local', () => {
    const p = planOf({ inputs: subnets });
    expect(p.sides.a.desiredScope).toEqual(subnetScope(['hub-snet'], ['app', 'data']));
    expect(p.sides.b.desiredScope).toEqual(subnetScope(['app', 'data'], ['hub-snet']));
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['create', 'create']);
  });

  it('the lists as they are (any order and case): nothing to do', () => {
    const p = planOf({
      a: [healthyA({ scope: subnetScope(['HUB-SNET'], ['data', 'app']) })],
      b: [healthyB({ scope: subnetScope(['app', 'data'], ['hub-snet']) })],
      inputs: subnets,
    });
    expect(p.steps).toEqual([]);
  });

  it('changed lists or ipv6-only are an update in place', () => {
    const p = planOf({
      a: [healthyA({ scope: subnetScope(['hub-snet'], ['app']) })],
      b: [healthyB({ scope: subnetScope(['app'], ['hub-snet']) })],
      inputs: { ...subnets, 'ipv6-only': 'true' },
    });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['update', 'update']);
    expect(p.sides.a.reason).toContain('remote subnets: app → app, data');
    expect(p.sides.a.reason).toContain('enableOnlyIPv6Peering: false → true');
  });

  it('switching a whole-VNet pair to subnets is replace: both deleted, then both created', () => {
    const p = planOf({ a: [healthyA()], b: [healthyB()], inputs: subnets });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['replace', 'replace']);
    expect(p.steps).toEqual([
      { side: 'a', kind: 'delete', after: [] },
      { side: 'b', kind: 'delete', after: [] },
      { side: 'a', kind: 'put', after: [0, 1] },
      { side: 'b', kind: 'put', after: [2] },
    ]);
  });

  it('asking for * switches a subnet peering back to whole-VNet (replace); one side missing is created after', () => {
    const p = planOf({ a: [healthyA({ scope: subnetScope(['hub-snet'], ['app']) })], inputs: { 'subnets-a': '*', 'subnets-b': '*' } });
    expect([p.sides.a.action, p.sides.b.action]).toEqual(['replace', 'create']);
    expect(p.steps.map((s) => `${s.kind} ${s.side}`)).toEqual(['delete a', 'put a', 'put b']);
  });

  it('a subnet peering is in sync when it peers its remote subnets’ current prefixes, and syncs when they change', () => {
    const scope = subnetScope(['hub-snet'], ['app']);
    const p = healthyA({ scope, remoteAddressSpace: ['10.1.1.0/24'], remoteVirtualNetworkAddressSpace: ['10.1.0.0/16'] });
    const remote = { addressPrefixes: ['10.1.0.0/16'], subnets: [{ name: 'app', prefixes: ['10.1.1.0/24'] }, { name: 'data', prefixes: ['10.1.2.0/24'] }] };
    expect(decideAction(p, DEFAULT_SETTINGS, scope, remote).action).toBe('none');
    const grown = { ...remote, subnets: [{ name: 'app', prefixes: ['10.1.1.0/24', '10.1.9.0/24'] }] };
    expect(decideAction(p, DEFAULT_SETTINGS, scope, grown)).toMatchObject({ action: 'sync', reason: 'remote address space is now 10.1.1.0/24, 10.1.9.0/24; peered: 10.1.1.0/24' });
  });

  it('without subnets the kind is not managed: an existing subnet peering is kept as it is', () => {
    const p = planOf({ a: [healthyA({ scope: subnetScope(['hub-snet'], ['app']) })], b: [healthyB({ scope: subnetScope(['app'], ['hub-snet']) })] });
    expect(p.steps).toEqual([]);
    expect(p.sides.a.desiredScope).toBeUndefined();
  });
});
