// One link's plan: what exists + what the link asks for -> one action per direction, and the
// writes in the order Azure requires. Pure: plain data in, plain data out.
import { sameId } from '../azure/resource-id.ts';
import { samePrefixes } from './cidr.ts';
import {
  other,
  SETTING_KEYS,
  SIDES,
  type FoundSettings,
  type GatewayTransit,
  type Link,
  type ObservedPeering,
  type PeeringScope,
  type PeeringSettings,
  type Problem,
  type Side,
  type SideAction,
  type VnetInfo,
} from '../model.ts';

export interface SidePlan {
  readonly side: Side;
  /** The peering's name: given, adopted, or the default. */
  readonly name: string;
  /** The peering as found, when it exists and belongs to this link. */
  readonly existing: ObservedPeering | undefined;
  readonly desired: PeeringSettings;
  /** Subnet peering to write; undefined when the link does not manage the kind. */
  readonly desiredScope: PeeringScope | undefined;
  readonly action: SideAction;
  readonly reason: string;
  /** A naming conflict: the link writes nothing. */
  readonly conflict: Problem | undefined;
  /** Re-PUT to connect: the side is Initiated although its counterpart exists. */
  readonly reconnect?: boolean;
}

/** One write of the plan: `after` lists the steps (by index) that must succeed first. */
export interface PlanStep {
  readonly side: Side;
  readonly kind: 'put' | 'delete';
  readonly after: readonly number[];
}

export interface LinkPlan {
  readonly link: Link;
  readonly sides: Readonly<Record<Side, SidePlan>>;
  /** The writes, in the order Azure requires; empty when nothing is to do or a conflict blocks. */
  readonly steps: readonly PlanStep[];
}

/** An operation is still changing this peering. */
export const isTransitional = (p: { readonly provisioningState: string }): boolean =>
  ['updating', 'deleting', 'creating'].includes(p.provisioningState.toLowerCase());

/** The settings one direction must have. */
export function desiredSettings(side: Side, link: Pick<Link, 'allowVirtualNetworkAccess' | 'allowForwardedTraffic' | 'gatewayTransit'>): PeeringSettings {
  return {
    allowVirtualNetworkAccess: link.allowVirtualNetworkAccess,
    allowForwardedTraffic: link.allowForwardedTraffic,
    allowGatewayTransit: link.gatewayTransit === side,
    useRemoteGateways: link.gatewayTransit === other(side),
  };
}

const WHOLE: PeeringScope = { complete: true, localSubnets: [], remoteSubnets: [], ipv6Only: false };

/** The subnet peering one direction must have; undefined when the link leaves the kind alone. */
export function desiredScope(side: Side, link: Pick<Link, 'kind'>): PeeringScope | undefined {
  const k = link.kind;
  switch (k.kind) {
    case 'unmanaged':
      return undefined;
    case 'whole':
      return WHOLE;
    case 'subnets':
      return { complete: false, localSubnets: k.subnets[side], remoteSubnets: k.subnets[other(side)], ipv6Only: k.ipv6Only };
    default:
      return assertNever(k);
  }
}

/** The settings that differ, as `name: found → wanted`. */
export function settingDiffs(found: FoundSettings, wanted: PeeringSettings): string[] {
  return SETTING_KEYS.filter((k) => found[k] !== wanted[k]).map((k) => `${k}: ${String(found[k])} → ${wanted[k]}`);
}

const sameNames = (x: readonly string[], y: readonly string[]): boolean => samePrefixes(x, y);

/** How the subnet peering differs, in words; [] when it is as wanted (or not managed). */
export function scopeDiffs(found: PeeringScope, wanted: PeeringScope | undefined): string[] {
  if (wanted === undefined || wanted.complete) return [];
  const out: string[] = [];
  if (!sameNames(found.localSubnets, wanted.localSubnets)) out.push(`local subnets: ${found.localSubnets.join(', ') || '—'} → ${wanted.localSubnets.join(', ')}`);
  if (!sameNames(found.remoteSubnets, wanted.remoteSubnets)) out.push(`remote subnets: ${found.remoteSubnets.join(', ') || '—'} → ${wanted.remoteSubnets.join(', ')}`);
  if (found.ipv6Only !== wanted.ipv6Only) out.push(`enableOnlyIPv6Peering: ${found.ipv6Only} → ${wanted.ipv6Only}`);
  return out;
}

/** The remote VNet as far as the sync decision needs it. */
export type RemoteSpace = Pick<VnetInfo, 'addressPrefixes' | 'subnets'>;

/**
 * What a peering should have peered of the remote VNet now: its whole space, or (subnet peering)
 * the current prefixes of the remote subnets it names.
 */
export function currentRemotePrefixes(p: ObservedPeering, remote: RemoteSpace): readonly string[] {
  if (p.scope.complete) return p.remoteVirtualNetworkAddressSpace ?? remote.addressPrefixes;
  const names = new Set(p.scope.remoteSubnets.map((n) => n.toLowerCase()));
  return remote.subnets.filter((s) => names.has(s.name.toLowerCase())).flatMap((s) => s.prefixes);
}

/** Whether a peering's view of the remote address space is stale. */
export function remoteSpaceStale(p: ObservedPeering, remote: RemoteSpace): boolean {
  if (p.syncLevel === 'LocalNotInSync' || p.syncLevel === 'LocalAndRemoteNotInSync') return true;
  if (p.remoteAddressSpace === undefined) return false;
  const current = currentRemotePrefixes(p, remote);
  // A subnet peering whose subnets the read did not show cannot be judged here: Azure's sync level says.
  if (!p.scope.complete && current.length === 0) return false;
  return !samePrefixes(p.remoteAddressSpace, current);
}

const kindWord = (s: PeeringScope): string => (s.complete ? 'whole-VNet' : 'subnet');

/** The action for one direction of a present link, from what exists (or not). */
export function decideAction(
  existing: ObservedPeering | undefined,
  desired: PeeringSettings,
  scope: PeeringScope | undefined,
  remote: RemoteSpace,
): { action: SideAction; reason: string } {
  if (!existing) return { action: 'create', reason: 'missing' };
  if (scope !== undefined && existing.scope.complete !== scope.complete) {
    return { action: 'replace', reason: `${kindWord(existing.scope)} peering, ${kindWord(scope)} peering asked for: delete and create` };
  }
  if (existing.peeringState === 'Disconnected') {
    return { action: 'recreate', reason: 'Disconnected: its counterpart was deleted or re-created' };
  }
  const diffs = [...settingDiffs(existing, desired), ...scopeDiffs(existing.scope, scope)];
  if (existing.provisioningState.toLowerCase() === 'failed') {
    return { action: 'update', reason: `provisioningState is Failed${diffs.length ? `; ${diffs.join(', ')}` : ''}` };
  }
  const stale = remoteSpaceStale(existing, remote);
  const also = stale ? '; syncs the remote address space too' : '';
  if (diffs.length) return { action: 'update', reason: `${diffs.join(', ')}${also}` };
  if (stale) {
    const now = currentRemotePrefixes(existing, remote).join(', ');
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

const byName = (peerings: readonly ObservedPeering[], n: string): ObservedPeering | undefined =>
  peerings.find((p) => p.name.toLowerCase() === n.toLowerCase());

/** Finds one direction's peering: by given name, by adopting one that points at the remote VNet, or by default name. */
export function findPeering(link: Link, side: Side, peerings: readonly ObservedPeering[]): Found {
  const end = link.ends[side];
  const remote = link.ends[other(side)].vnet;
  const field = link.locator.peeringName[side];
  const toRemote = peerings.find((p) => sameId(p.remoteVnetId, remote.id));

  if (end.givenPeeringName === undefined) {
    if (toRemote) return { name: toRemote.name, existing: toRemote };
    const taken = byName(peerings, end.defaultPeeringName);
    if (taken) {
      return {
        conflict: {
          code: 'PeeringNameConflict',
          message: `VNet ${end.vnet.name} already has a peering named '${taken.name}' that points at ${taken.remoteVnetId || 'no VNet'}, not at ${remote.id}.`,
          advice: `The action never deletes a peering you did not name. Delete it, or set ${field} to a free name.`,
        },
      };
    }
    return { name: end.defaultPeeringName, existing: undefined };
  }

  const given = end.givenPeeringName;
  const named = byName(peerings, given);
  if (named && !sameId(named.remoteVnetId, remote.id)) {
    return {
      conflict: {
        code: 'PeeringNameConflict',
        message: `Peering '${named.name}' on VNet ${end.vnet.name} points at ${named.remoteVnetId || 'no VNet'}, not at ${remote.id}.`,
        advice: `The action never deletes a peering you did not ask it to, and Azure cannot re-point a peering. Delete '${named.name}', or change ${field} to a free name.`,
      },
    };
  }
  if (!named && toRemote) {
    return {
      conflict: {
        code: 'PeeringTargetConflict',
        message: `${field} is '${given}', but peering '${toRemote.name}' on VNet ${end.vnet.name} already points at ${remote.name}, and Azure allows one peering per remote VNet.`,
        advice: `Change ${field} to '${toRemote.name}' (or remove it to adopt that peering), or delete '${toRemote.name}' first.`,
      },
    };
  }
  return { name: given, existing: named };
}

/**
 * The order of puts: a Disconnected side before its counterpart is created; a side that stops
 * using the remote gateway before the other stops lending it; the side that lends its gateway
 * before the side that uses it; otherwise a first.
 */
export function writeOrder(sides: Readonly<Record<Side, SidePlan>>, transit: GatewayTransit): Side[] {
  const dropsRemoteGateway = (s: Side): boolean => sides[s].existing?.useRemoteGateways === true && !sides[s].desired.useRemoteGateways;
  const key = (s: Side): number[] => [sides[s].action === 'recreate' ? 0 : 1, dropsRemoteGateway(s) ? 0 : 1, transit === s ? 0 : 1, s === 'a' ? 0 : 1];
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
    return sides[s].action === 'none' && mine?.peeringState === 'Initiated' && theirs !== undefined && theirs.peeringState !== 'Disconnected' && !isTransitional(theirs);
  };
  const candidates = SIDES.filter(stuck);
  const first = candidates.find((s) => s === transit) ?? candidates[0];
  if (first === undefined) return sides;
  const reason = 'Initiated although its counterpart exists: re-PUT so Azure connects the pair';
  return { ...sides, [first]: { ...sides[first], action: 'update', reason, reconnect: true } };
}

/** Tear-down: delete the peering on each VNet whose remote is the other VNet, under any name. */
function planAbsent(link: Link, observed: Readonly<Record<Side, VnetInfo>>): LinkPlan {
  const planSide = (side: Side): SidePlan => {
    const end = link.ends[side];
    const remote = link.ends[other(side)].vnet;
    const base = { side, desired: desiredSettings(side, link), desiredScope: undefined, conflict: undefined };
    const peerings = observed[side].peerings;
    const toRemote = peerings.find((p) => sameId(p.remoteVnetId, remote.id));
    if (toRemote) return { ...base, name: toRemote.name, existing: toRemote, action: 'delete', reason: 'ensure: absent' };
    const named = end.givenPeeringName === undefined ? undefined : byName(peerings, end.givenPeeringName);
    if (named) {
      return {
        ...base,
        name: named.name,
        existing: undefined,
        action: 'none',
        reason: 'naming conflict',
        conflict: {
          code: 'PeeringNameConflict',
          message: `Peering '${named.name}' on VNet ${end.vnet.name} points at ${named.remoteVnetId || 'no VNet'}, not at ${remote.id}: it is not this link's to tear down.`,
          advice: `The action deletes only the peering between the two VNets. Delete '${named.name}' yourself if it must go, or fix ${link.locator.peeringName[side]}.`,
        },
      };
    }
    return { ...base, name: end.givenPeeringName ?? end.defaultPeeringName, existing: undefined, action: 'none', reason: 'absent already' };
  };
  const sides = { a: planSide('a'), b: planSide('b') };
  const blocked = sides.a.conflict !== undefined || sides.b.conflict !== undefined;
  const steps: PlanStep[] = blocked ? [] : SIDES.filter((s) => sides[s].action === 'delete').map((side) => ({ side, kind: 'delete', after: [] }));
  return { link, sides, steps };
}

/** The writes for a present link: deletes of a replace first, then the puts in Azure's order. */
function steps(sides: Readonly<Record<Side, SidePlan>>, transit: GatewayTransit): PlanStep[] {
  const out: PlanStep[] = [];
  const deletes: number[] = [];
  for (const s of SIDES) {
    if (sides[s].action === 'replace') {
      deletes.push(out.length);
      out.push({ side: s, kind: 'delete', after: [] });
    }
  }
  let previous: number | undefined;
  for (const s of writeOrder(sides, transit)) {
    out.push({ side: s, kind: 'put', after: previous === undefined ? deletes : [previous] });
    previous = out.length - 1;
  }
  return out;
}

export function planLink(link: Link, observed: Readonly<Record<Side, VnetInfo>>): LinkPlan {
  if (link.ensure === 'absent') return planAbsent(link, observed);
  const planSide = (side: Side): SidePlan => {
    const desired = desiredSettings(side, link);
    const scope = desiredScope(side, link);
    const found = findPeering(link, side, observed[side].peerings);
    if ('conflict' in found) {
      const end = link.ends[side];
      return { side, name: end.givenPeeringName ?? end.defaultPeeringName, existing: undefined, desired, desiredScope: scope, action: 'none', reason: 'naming conflict', conflict: found.conflict };
    }
    const decided = decideAction(found.existing, desired, scope, observed[other(side)]);
    return { side, name: found.name, existing: found.existing, desired, desiredScope: scope, ...decided, conflict: undefined };
  };
  let sides: Record<Side, SidePlan> = { a: planSide('a'), b: planSide('b') };
  if (sides.a.conflict || sides.b.conflict) return { link, sides, steps: [] };
  // Switching the kind cannot be done in place: delete and create both directions.
  if (SIDES.some((s) => sides[s].action === 'replace')) {
    const again = (s: Side): SidePlan =>
      sides[s].existing
        ? { ...sides[s], action: 'replace', reason: sides[s].action === 'replace' ? sides[s].reason : 'its counterpart is replaced: delete and create' }
        : sides[s];
    sides = { a: again('a'), b: again('b') };
  } else {
    sides = reconnect(sides, link.gatewayTransit);
  }
  return { link, sides, steps: steps(sides, link.gatewayTransit) };
}

function assertNever(x: never): never {
  throw new Error(`Unexpected value: ${String(x)}`);
}
