// Planning: what exists + what the inputs ask for -> one action per side, and the order of writes.
// Pure: plain data in, plain data out.
import { overlappingPrefixes, samePrefixes } from './cidr.ts';
import {
  other,
  SIDES,
  type GatewayTransit,
  type ObservedPeering,
  type PeeringSettings,
  type Problem,
  type Side,
  type SideAction,
  type SideObservation,
  type VnetRef,
} from '../model.ts';
import { sameId } from '../azure/resource-id.ts';

export interface DesiredPeering {
  readonly allowVirtualNetworkAccess: boolean;
  readonly allowForwardedTraffic: boolean;
  readonly gatewayTransit: GatewayTransit;
}

export interface PlanSideInput {
  readonly vnet: VnetRef;
  readonly givenPeeringName: string | undefined;
  readonly defaultPeeringName: string;
}

export interface PlanInput {
  readonly a: PlanSideInput;
  readonly b: PlanSideInput;
  readonly desired: DesiredPeering;
  readonly observed: Readonly<Record<Side, SideObservation>>;
}

export interface SidePlan {
  readonly side: Side;
  /** The peering's name: given, adopted, or the default. */
  readonly name: string;
  /** The peering as found, when it exists and belongs to this pair. */
  readonly existing: ObservedPeering | undefined;
  readonly desired: PeeringSettings;
  readonly action: SideAction;
  readonly reason: string;
  /** A naming conflict that stops the run from writing anything. */
  readonly conflict: Problem | undefined;
  /** Re-PUT to connect: the side is Initiated although its counterpart exists. */
  readonly reconnect?: boolean;
}

export interface Plan {
  readonly sides: Readonly<Record<Side, SidePlan>>;
  /** Sides to write, in the order Azure requires. Empty when nothing is to be done or a conflict blocks. */
  readonly order: readonly Side[];
  /** Overlapping address spaces that Azure would refuse, found before any write. */
  readonly overlap: Problem | undefined;
}

export const arrowLabel = (side: Side): string => (side === 'a' ? 'A→B' : 'B→A');

/** An operation is still changing this peering. */
export const isTransitional = (p: ObservedPeering): boolean =>
  ['updating', 'deleting', 'creating'].includes(p.provisioningState.toLowerCase());

/** The settings one direction must have. */
export function desiredSettings(side: Side, d: DesiredPeering): PeeringSettings {
  return {
    allowVirtualNetworkAccess: d.allowVirtualNetworkAccess,
    allowForwardedTraffic: d.allowForwardedTraffic,
    allowGatewayTransit: d.gatewayTransit === side,
    useRemoteGateways: d.gatewayTransit === other(side),
  };
}

const SETTING_KEYS: readonly (keyof PeeringSettings)[] = [
  'allowVirtualNetworkAccess',
  'allowForwardedTraffic',
  'allowGatewayTransit',
  'useRemoteGateways',
];

/** The settings that differ, as `name: found → wanted`. */
export function settingDiffs(found: PeeringSettings, wanted: PeeringSettings): string[] {
  return SETTING_KEYS.filter((k) => found[k] !== wanted[k]).map((k) => `${k}: ${found[k]} → ${wanted[k]}`);
}

/** Whether a peering's view of the remote address space is stale. */
export function remoteSpaceStale(p: ObservedPeering, remotePrefixes: readonly string[]): boolean {
  if (p.syncLevel === 'LocalNotInSync' || p.syncLevel === 'LocalAndRemoteNotInSync') return true;
  if (p.remoteAddressSpace === undefined) return false;
  const current = p.remoteVirtualNetworkAddressSpace ?? remotePrefixes;
  return !samePrefixes(p.remoteAddressSpace, current);
}

/** The action for one side that exists (or not) and belongs to the pair. */
export function decideAction(
  existing: ObservedPeering | undefined,
  desired: PeeringSettings,
  remotePrefixes: readonly string[],
): { action: SideAction; reason: string } {
  if (!existing) return { action: 'create', reason: 'missing' };
  if (existing.peeringState === 'Disconnected') {
    return { action: 'recreate', reason: 'Disconnected: its counterpart was deleted or re-created' };
  }
  const diffs = settingDiffs(existing, desired);
  if (existing.provisioningState.toLowerCase() === 'failed') {
    return { action: 'update', reason: `provisioningState is Failed${diffs.length ? `; ${diffs.join(', ')}` : ''}` };
  }
  const stale = remoteSpaceStale(existing, remotePrefixes);
  const also = stale ? '; syncs the remote address space too' : '';
  if (diffs.length) return { action: 'update', reason: `${diffs.join(', ')}${also}` };
  if (stale) {
    const now = (existing.remoteVirtualNetworkAddressSpace ?? remotePrefixes).join(', ');
    const peered = (existing.remoteAddressSpace ?? []).join(', ') || 'unknown';
    return { action: 'sync', reason: `remote address space is now ${now}; peered: ${peered}` };
  }
  if (existing.peeringState === 'Initiated') return { action: 'none', reason: 'Initiated: waits for its counterpart' };
  if (existing.syncLevel !== 'FullyInSync' && existing.syncLevel !== '') {
    return { action: 'none', reason: `${existing.syncLevel}: syncing the other direction fixes it` };
  }
  return { action: 'none', reason: 'healthy' };
}

type Found = { name: string; existing: ObservedPeering | undefined } | { conflict: Problem };

/** Finds this side's peering: by given name, by adopting one that points at the remote VNet, or by default name. */
export function findPeering(side: Side, input: PlanSideInput, remote: VnetRef, peerings: readonly ObservedPeering[]): Found {
  const toRemote = peerings.find((p) => sameId(p.remoteVnetId, remote.id));
  const sameName = (n: string): ObservedPeering | undefined =>
    peerings.find((p) => p.name.toLowerCase() === n.toLowerCase());
  const vnet = input.vnet;
  const fix = `Delete it, or name this side's peering with peering-name-${side}.`;

  if (input.givenPeeringName === undefined) {
    if (toRemote) return { name: toRemote.name, existing: toRemote };
    const taken = sameName(input.defaultPeeringName);
    if (taken) {
      return {
        conflict: {
          code: 'PeeringNameConflict',
          message: `VNet ${vnet.name} already has a peering named '${taken.name}' that points at ${taken.remoteVnetId || 'no VNet'}, not at ${remote.id}.`,
          advice: `The action never deletes a peering you did not name. ${fix}`,
        },
      };
    }
    return { name: input.defaultPeeringName, existing: undefined };
  }

  const given = input.givenPeeringName;
  const named = sameName(given);
  if (named && !sameId(named.remoteVnetId, remote.id)) {
    return {
      conflict: {
        code: 'PeeringNameConflict',
        message: `Peering '${named.name}' on VNet ${vnet.name} points at ${named.remoteVnetId || 'no VNet'}, not at ${remote.id}.`,
        advice: `The action never deletes a peering you did not name, and Azure cannot re-point a peering. ${fix}`,
      },
    };
  }
  if (!named && toRemote) {
    return {
      conflict: {
        code: 'PeeringTargetConflict',
        message: `peering-name-${side} is '${given}', but peering '${toRemote.name}' on VNet ${vnet.name} already points at ${remote.name}, and Azure allows one peering per remote VNet.`,
        advice: `Set peering-name-${side} to '${toRemote.name}' (or leave it empty to adopt it), or delete '${toRemote.name}' first.`,
      },
    };
  }
  return { name: given, existing: named };
}

/**
 * The order of writes: a Disconnected side before its counterpart is created; a side that stops
 * using the remote gateway before the other stops lending it; the side that lends its gateway
 * before the side that uses it; otherwise A first.
 */
export function writeOrder(sides: Readonly<Record<Side, SidePlan>>, transit: GatewayTransit): Side[] {
  const dropsRemoteGateway = (s: Side): boolean =>
    sides[s].existing?.useRemoteGateways === true && !sides[s].desired.useRemoteGateways;
  const key = (s: Side): number[] => [
    sides[s].action === 'recreate' ? 0 : 1,
    dropsRemoteGateway(s) ? 0 : 1,
    transit === s ? 0 : 1,
    s === 'a' ? 0 : 1,
  ];
  const cmp = (x: number[], y: number[]): number => {
    for (let i = 0; i < x.length; i++) {
      const d = (x[i] ?? 0) - (y[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };
  return SIDES.filter((s) => sides[s].action !== 'none').sort((x, y) => cmp(key(x), key(y)));
}

/**
 * A side left Initiated although its counterpart exists (both created, never linked) is re-PUT so
 * Azure connects the pair; one side suffices, the first in write order.
 */
function reconnect(sides: Record<Side, SidePlan>, transit: GatewayTransit): Record<Side, SidePlan> {
  const stuck = (s: Side): boolean => {
    const mine = sides[s].existing;
    const theirs = sides[other(s)].existing;
    return (
      sides[s].action === 'none' &&
      mine?.peeringState === 'Initiated' &&
      theirs !== undefined &&
      theirs.peeringState !== 'Disconnected' &&
      !isTransitional(theirs)
    );
  };
  const candidates = SIDES.filter(stuck);
  const first = candidates.find((s) => s === transit) ?? candidates[0];
  if (first === undefined) return sides;
  const reason = 'Initiated although its counterpart exists: re-PUT so Azure connects the pair';
  return { ...sides, [first]: { ...sides[first], action: 'update', reason, reconnect: true } };
}

export function plan(input: PlanInput): Plan {
  const sideInput = (s: Side): PlanSideInput => (s === 'a' ? input.a : input.b);
  const planSide = (side: Side): SidePlan => {
    const remote = sideInput(other(side));
    const desired = desiredSettings(side, input.desired);
    const found = findPeering(side, sideInput(side), remote.vnet, input.observed[side].peerings);
    if ('conflict' in found) {
      const name = sideInput(side).givenPeeringName ?? sideInput(side).defaultPeeringName;
      return { side, name, existing: undefined, desired, action: 'none', reason: 'naming conflict', conflict: found.conflict };
    }
    const decided = decideAction(found.existing, desired, input.observed[other(side)].vnet.addressPrefixes);
    return { side, name: found.name, existing: found.existing, desired, ...decided, conflict: undefined };
  };
  const sides = reconnect({ a: planSide('a'), b: planSide('b') }, input.desired.gatewayTransit);
  const blocked = sides.a.conflict !== undefined || sides.b.conflict !== undefined;
  const order = blocked ? [] : writeOrder(sides, input.desired.gatewayTransit);

  const creating = order.some((s) => sides[s].action === 'create' || sides[s].action === 'recreate');
  const pairs = overlappingPrefixes(input.observed.a.vnet.addressPrefixes, input.observed.b.vnet.addressPrefixes);
  const overlap: Problem | undefined =
    creating && pairs.length
      ? {
          code: 'VnetAddressSpacesOverlap',
          message: `The address spaces of ${input.a.vnet.name} and ${input.b.vnet.name} overlap: ${pairs
            .map(([x, y]) => `${x} overlaps ${y}`)
            .join('; ')}.`,
          advice: 'Azure refuses to peer overlapping VNets. Change one address space so that the two are disjoint, then run again.',
        }
      : undefined;
  return { sides, order, overlap };
}
