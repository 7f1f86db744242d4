// Checks of the whole graph before any write (spec/topology.md "What one run does" 3): what Azure
// would refuse whoever applies (overlaps within a link and among a VNet's peers, a gateway that is
// not there, the peering limit, unknown subnets) and what this identity may not do (its
// permissions, when it can read them). Pure: plans and observations in, findings out.
import { sameId } from '../azure/resource-id.ts';
import { advice } from '../errors/classify.ts';
import { linkContext } from '../errors/context.ts';
import { overlappingPrefixes } from './cidr.ts';
import { isTransitional, type LinkPlan } from './link.ts';
import { other, SIDES, type ObservedPeering, type PeeringScope, type Permission, type Problem, type Side, type VnetInfo } from '../model.ts';

export const PEERING_WRITE = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write';
export const PEERING_DELETE = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete';
export const PEER_ACTION = 'Microsoft.Network/virtualNetworks/peer/action';

/** Azure's limit of peerings per VNet (1,000 with a Virtual Network Manager connectivity configuration). */
export const PEERING_LIMIT = 500;

const patternMatches = (pattern: string, action: string): boolean => {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
};

/** Whether any role assignment grants `action` (actions minus notActions, wildcards allowed). */
export function allows(permissions: readonly Permission[], action: string): boolean {
  return permissions.some((p) => p.actions.some((a) => patternMatches(a, action)) && !p.notActions.some((n) => patternMatches(n, action)));
}

/** A check the identity must pass: `action` on `vnet`, with `identity`'s permissions there. */
export interface PermissionNeed {
  readonly vnet: string;
  readonly identity: string;
  readonly action: string;
}

export interface PreflightInput {
  readonly plans: readonly LinkPlan[];
  /** Every VNet read, by lowercased ID. */
  readonly observed: ReadonlyMap<string, VnetInfo>;
  /** Peerings the run deletes outside links (prune), by lowercased peering ID. */
  readonly pruned: ReadonlySet<string>;
  /** Permissions read, by `${vnet}|${identity}` (lowercased); undefined: could not be read. */
  readonly permissions: ReadonlyMap<string, readonly Permission[] | undefined>;
  /** The identity key that writes on a VNet and the one the linked check uses on a remote. */
  readonly identityKey: (plan: LinkPlan, side: Side, role: 'local' | 'remote') => string;
}

export interface Finding {
  /** Index into `plans`. */
  readonly plan: number;
  readonly side: Side;
  readonly problem: Problem;
  /** Azure would refuse whoever applies; otherwise only this identity (a warning in plan mode). */
  readonly refusal: boolean;
}

const key = (id: string): string => id.toLowerCase();
const creates = (p: LinkPlan, s: Side): boolean => ['create', 'recreate', 'replace'].includes(p.sides[s].action);
const writes = (p: LinkPlan): boolean => p.steps.length > 0;
const firstWritten = (p: LinkPlan): Side => p.steps.find((s) => s.kind === 'put')?.side ?? p.steps[0]?.side ?? 'a';

/** The prefixes one direction peers: its subnets' when it peers subnets, else the whole space. */
export function peeredPrefixes(vnet: VnetInfo, scope: PeeringScope | undefined): readonly string[] {
  if (scope === undefined || scope.complete) return vnet.addressPrefixes;
  const wanted = new Set(scope.localSubnets.map((n) => n.toLowerCase()));
  return vnet.subnets.filter((s) => wanted.has(s.name.toLowerCase())).flatMap((s) => s.prefixes);
}

/** The scope a direction will have after the run: as asked, or as found when the kind is not managed. */
function scopeAfter(p: LinkPlan, s: Side): PeeringScope | undefined {
  return p.sides[s].desiredScope ?? p.sides[s].existing?.scope;
}

/** The permissions each planned write needs (reads only these). */
export function permissionNeeds(input: Pick<PreflightInput, 'plans' | 'identityKey'>): PermissionNeed[] {
  const out = new Map<string, PermissionNeed>();
  const add = (n: PermissionNeed): void => void out.set(`${n.vnet}|${n.identity}|${n.action}`.toLowerCase(), n);
  for (const p of input.plans) {
    for (const step of p.steps) {
      const local = p.link.ends[step.side].vnet.id;
      const remote = p.link.ends[other(step.side)].vnet.id;
      add({ vnet: key(local), identity: input.identityKey(p, step.side, 'local'), action: step.kind === 'put' ? PEERING_WRITE : PEERING_DELETE });
      if (step.kind === 'put') add({ vnet: key(remote), identity: input.identityKey(p, step.side, 'remote'), action: PEER_ACTION });
    }
  }
  return [...out.values()];
}

export function preflight(input: PreflightInput): Finding[] {
  const findings: Finding[] = [];
  const blocked = new Set<number>();
  const find = (plan: number, side: Side, problem: Problem, refusal: boolean): void => {
    findings.push({ plan, side, problem, refusal });
    if (refusal) blocked.add(plan);
  };
  const vnetOf = (id: string): VnetInfo | undefined => input.observed.get(key(id));

  // Subnets named for subnet peering must exist on their VNet (checked from the VNet read).
  input.plans.forEach((p, i) => {
    if (!writes(p) || p.link.kind.kind !== 'subnets') return;
    for (const s of SIDES) {
      const v = vnetOf(p.link.ends[s].vnet.id);
      if (!v) continue;
      const have = new Set(v.subnets.map((x) => x.name.toLowerCase()));
      const unknown = p.link.kind.subnets[s].filter((n) => !have.has(n.toLowerCase()));
      if (unknown.length === 0) continue;
      find(i, s, {
        code: 'SubnetNotFound',
        message: `VNet ${v.name} has no subnet ${unknown.map((n) => `'${n}'`).join(', ')} (it has ${v.subnets.map((x) => x.name).join(', ') || 'no subnets'}).`,
        advice: `Azure peers only subnets that exist on their VNet. Fix ${p.link.locator.subnets[s]}, or create the subnet first.`,
      }, true);
    }
  });

  // Overlap within a link: Azure refuses to peer overlapping VNets (or peered subnets).
  input.plans.forEach((p, i) => {
    if (blocked.has(i) || !SIDES.some((s) => creates(p, s))) return;
    const va = vnetOf(p.link.ends.a.vnet.id);
    const vb = vnetOf(p.link.ends.b.vnet.id);
    if (!va || !vb) return;
    const pairs = overlappingPrefixes(peeredPrefixes(va, scopeAfter(p, 'a')), peeredPrefixes(vb, scopeAfter(p, 'b')));
    if (pairs.length === 0) return;
    find(i, firstWritten(p), {
      code: 'VnetAddressSpacesOverlap',
      message: `The address spaces of ${va.name} and ${vb.name} overlap: ${pairs.map(([x, y]) => `${x} overlaps ${y}`).join('; ')}.`,
      advice: 'Azure refuses to peer overlapping VNets. Change one address space (or the peered subnets) so that the two are disjoint, then run again.',
    }, true);
  });

  // Overlap among a VNet's peers: an existing peering wins over a new one, and among new ones
  // the link declared first wins.
  const peers = new Map<string, { remote: string; prefixes: readonly string[]; what: string }[]>();
  const deleted = (v: VnetInfo, q: ObservedPeering): boolean =>
    input.pruned.has(key(q.id)) ||
    input.plans.some((p) => SIDES.some((s) => sameId(p.link.ends[s].vnet.id, v.id) && p.sides[s].action === 'delete' && p.sides[s].existing?.name.toLowerCase() === q.name.toLowerCase()));
  for (const v of input.observed.values()) {
    const list = v.peerings
      .filter((q) => !deleted(v, q))
      .map((q) => ({ remote: key(q.remoteVnetId), prefixes: q.remoteAddressSpace ?? vnetOf(q.remoteVnetId)?.addressPrefixes ?? [], what: `its peering '${q.name}'` }));
    peers.set(key(v.id), list);
  }
  const order = input.plans.map((p, i) => ({ p, i })).sort((x, y) => x.p.link.index - y.p.link.index);
  for (const { p, i } of order) {
    if (blocked.has(i) || !SIDES.some((s) => creates(p, s) && !p.sides[s].existing)) continue;
    const a = p.link.ends.a.vnet;
    const b = p.link.ends.b.vnet;
    const va = vnetOf(a.id);
    const vb = vnetOf(b.id);
    if (!va || !vb) continue;
    const spaces: Record<Side, readonly string[]> = { a: peeredPrefixes(va, scopeAfter(p, 'a')), b: peeredPrefixes(vb, scopeAfter(p, 'b')) };
    let clash: { side: Side; text: string } | undefined;
    for (const s of SIDES) {
      const here = p.link.ends[s].vnet;
      const there = p.link.ends[other(s)].vnet;
      for (const peer of peers.get(key(here.id)) ?? []) {
        if (peer.remote === key(there.id)) continue;
        const hit = overlappingPrefixes(spaces[other(s)], peer.prefixes);
        if (hit.length) {
          clash = { side: s, text: `${there.name} (${hit.map(([x]) => x).join(', ')}) overlaps ${peer.remote.split('/').pop() ?? peer.remote} (${hit.map(([, y]) => y).join(', ')}), which ${here.name} is already peered with through ${peer.what}` };
          break;
        }
      }
      if (clash) break;
    }
    if (clash) {
      find(i, clash.side, {
        code: 'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet',
        message: `${clash.text}. Azure refuses a peering whose address space overlaps a VNet already peered with either side.`,
        advice: `Change the address space of one of the two, or remove the other peering; an existing peering wins over a new one, and the link declared first in the file wins over later ones (${p.link.locator.link} is the later one).`,
      }, true);
      continue;
    }
    peers.get(key(a.id))?.push({ remote: key(b.id), prefixes: spaces.b, what: `${p.link.locator.link}` });
    peers.get(key(b.id))?.push({ remote: key(a.id), prefixes: spaces.a, what: `${p.link.locator.link}` });
  }

  // useRemoteGateways needs a gateway (or Route Server) on the remote VNet.
  input.plans.forEach((p, i) => {
    if (blocked.has(i)) return;
    for (const step of p.steps) {
      if (step.kind !== 'put' || !p.sides[step.side].desired.useRemoteGateways) continue;
      const remote = vnetOf(p.link.ends[other(step.side)].vnet.id);
      if (!remote || remote.hasGateway) continue;
      find(i, step.side, {
        code: 'RemoteVnetHasNoGateways',
        message: `useRemoteGateways on ${p.link.ends[step.side].vnet.name} → ${remote.name} needs a virtual network gateway or Route Server in ${remote.name}, and it has none.`,
        advice: `Deploy a gateway in ${remote.name}'s GatewaySubnet (or a Route Server), or change ${p.link.locator.gatewayTransit}.`,
      }, true);
    }
  });

  // At most 500 peerings per VNet after the run: later-declared new links are the ones over.
  const counts = new Map<string, number>();
  for (const v of input.observed.values()) counts.set(key(v.id), v.peerings.filter((q) => !deleted(v, q)).length);
  for (const { p, i } of order) {
    if (blocked.has(i)) continue;
    for (const s of SIDES) {
      if (p.sides[s].action !== 'create') continue;
      const id = key(p.link.ends[s].vnet.id);
      const n = (counts.get(id) ?? 0) + 1;
      counts.set(id, n);
      if (n > PEERING_LIMIT) {
        find(i, s, {
          code: 'PeeringLimitReached',
          message: `${p.link.ends[s].vnet.name} would have ${n} peerings after this run; Azure allows ${PEERING_LIMIT} per VNet.`,
          advice: `Remove peerings ${p.link.ends[s].vnet.name} no longer needs, or split the estate over more hubs.`,
        }, true);
      }
    }
  }

  // What this identity may do, when it may read its own permissions. Named with the code Azure
  // would answer the write with, and that code's advice.
  input.plans.forEach((p, i) => {
    if (blocked.has(i)) return;
    for (const step of p.steps) {
      const local = p.link.ends[step.side].vnet;
      const remote = p.link.ends[other(step.side)].vnet;
      const checks = [
        { vnet: local, identity: input.identityKey(p, step.side, 'local'), action: step.kind === 'put' ? PEERING_WRITE : PEERING_DELETE, code: 'AuthorizationFailed' },
        ...(step.kind === 'put' ? [{ vnet: remote, identity: input.identityKey(p, step.side, 'remote'), action: PEER_ACTION, code: 'LinkedAuthorizationFailed' }] : []),
      ];
      for (const c of checks) {
        const known = input.permissions.get(`${key(c.vnet.id)}|${c.identity}`);
        if (known === undefined || allows(known, c.action)) continue;
        const client = c.identity.split('|')[1] ?? c.identity;
        const message = `Identity ${client} may not perform ${c.action} on ${c.vnet.name}, which the ${step.kind === 'put' ? 'write' : 'delete'} of ${local.name} → ${remote.name} needs (found from its role assignments, before any write).`;
        find(i, step.side, { code: c.code, message, advice: advice(c.code, message, linkContext(p.link, step.side)) ?? '' }, false);
        break;
      }
    }
  });
  return findings;
}

/** Peerings of the links that an operation (another run's, say) is still changing. */
export function transitionalPeerings(plans: readonly LinkPlan[]): ObservedPeering[] {
  return plans.flatMap((p) => SIDES.map((s) => p.sides[s].existing)).filter((q): q is ObservedPeering => q !== undefined && isTransitional(q));
}
