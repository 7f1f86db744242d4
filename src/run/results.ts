// What each link ended as: the health rule of spec/action.md "Success and failure" (and, for a
// torn-down link, no peering left), and the SideResult the report shows. Pure.
import { sameId } from '../azure/resource-id.ts';
import { scopeDiffs, settingDiffs, type LinkPlan, type SidePlan } from '../plan/link.ts';
import { directionLabel } from '../report/words.ts';
import {
  other,
  settingsOf,
  SIDES,
  type Link,
  type LinkResult,
  type ObservedPeering,
  type Outcome,
  type Problem,
  type Side,
  type SideAction,
  type SideResult,
  type VnetInfo,
} from '../model.ts';

/** What the run did on one direction, over all passes. */
export interface SideOutcome {
  readonly action: SideAction;
  readonly outcome: Outcome;
  readonly problem: Problem | undefined;
  readonly writes: readonly ('PUT' | 'DELETE')[];
}

export const noOutcome = (action: SideAction): SideOutcome => ({ action, outcome: 'none', problem: undefined, writes: [] });

const byName = (v: VnetInfo | undefined, name: string): ObservedPeering | undefined =>
  v?.peerings.find((p) => p.name.toLowerCase() === name.toLowerCase());

/** The peering of this direction after the run: by the planned name, or (tear-down) any to the remote. */
export function peeringAfter(link: Link, sp: SidePlan, v: VnetInfo | undefined, side: Side): ObservedPeering | undefined {
  if (sp.conflict) return undefined;
  if (link.ensure === 'absent') return v?.peerings.find((p) => sameId(p.remoteVnetId, link.ends[other(side)].vnet.id));
  return byName(v, sp.name);
}

/** Why a present direction is not healthy; undefined when it is. */
export function healthProblem(link: Link, side: Side, p: ObservedPeering | undefined, sp: SidePlan): Problem | undefined {
  const label = `${directionLabel(link, side)} ('${sp.name}')`;
  if (link.ensure === 'absent') {
    return p ? { code: 'PeeringLeft', message: `${label} still exists.`, advice: 'The tear-down did not finish; see the error, fix it, and run again.' } : undefined;
  }
  if (!p) {
    return { code: 'PeeringMissing', message: `${label} does not exist.`, advice: 'See the other direction for the error that stopped the run, fix it, and run again.' };
  }
  if (p.provisioningState.toLowerCase() !== 'succeeded') {
    return { code: 'ProvisioningNotSucceeded', message: `${label} is in provisioningState ${p.provisioningState}.`, advice: 'Run again; if it stays so, check the peering in the Azure portal.' };
  }
  if (p.peeringState !== 'Connected') {
    return {
      code: `Peering${p.peeringState}`,
      message: `${label} is ${p.peeringState}.`,
      advice: p.peeringState === 'Initiated' ? 'Its counterpart is missing; see the other direction.' : 'Run again to re-create it.',
    };
  }
  if (p.syncLevel !== 'FullyInSync' && p.syncLevel !== '') {
    return { code: 'PeeringNotInSync', message: `${label} is ${p.syncLevel}.`, advice: 'Run again to sync the address spaces.' };
  }
  const diffs = [...settingDiffs(p, sp.desired), ...scopeDiffs(p.scope, sp.desiredScope)];
  if (diffs.length) {
    return { code: 'SettingsDiffer', message: `${label} still differs: ${diffs.join(', ')}.`, advice: 'Azure did not keep the settings asked for; run again.' };
  }
  return undefined;
}

export function sideResult(link: Link, side: Side, sp: SidePlan, v: VnetInfo | undefined, o: SideOutcome, problem: Problem | undefined): SideResult {
  const found = peeringAfter(link, sp, v, side);
  const end = link.ends[side];
  return {
    side,
    vnet: end.vnet,
    remoteVnet: link.ends[other(side)].vnet,
    tenantId: end.identity.tenantId,
    addressSpace: v?.addressPrefixes ?? [],
    peeringName: found?.name ?? sp.name,
    peeringId: found?.id ?? '',
    state: found?.peeringState ?? 'Missing',
    syncLevel: found?.syncLevel ?? '',
    provisioningState: found?.provisioningState ?? '',
    settings: found
      ? settingsOf((k) => found[k])
      : undefined,
    desired: sp.desired,
    scope: found?.scope,
    desiredScope: sp.desiredScope,
    action: o.action,
    outcome: o.outcome,
    writes: o.writes,
    reason: sp.reason,
    problem: sp.conflict ?? problem,
  };
}

/** A link whose VNets could not (both) be read: nothing decided, nothing tried. */
export function unreadLink(link: Link, problems: Readonly<Record<Side, Problem | undefined>>): LinkResult {
  const side = (s: Side): SideResult => {
    const end = link.ends[s];
    return {
      side: s,
      vnet: end.vnet,
      remoteVnet: link.ends[other(s)].vnet,
      tenantId: end.identity.tenantId,
      addressSpace: [],
      peeringName: end.givenPeeringName ?? end.defaultPeeringName,
      peeringId: '',
      state: 'Missing',
      syncLevel: '',
      provisioningState: '',
      settings: undefined,
      desired: {
        allowVirtualNetworkAccess: link.allowVirtualNetworkAccess,
        allowForwardedTraffic: link.allowForwardedTraffic,
        allowGatewayTransit: link.gatewayTransit === s,
        useRemoteGateways: link.gatewayTransit === other(s),
      },
      scope: undefined,
      desiredScope: undefined,
      action: 'none',
      outcome: 'skipped',
      writes: [],
      reason: 'not read',
      problem: problems[s],
    };
  };
  return { link, sides: { a: side('a'), b: side('b') }, healthy: false, warnings: [] };
}

/** Plan mode: what each direction would do, and whether the link is healthy as found. */
export function plannedLink(plan: LinkPlan, observed: Readonly<Record<Side, VnetInfo>>, blockers: Readonly<Record<Side, Problem | undefined>>, warnings: readonly Problem[]): LinkResult {
  const side = (s: Side): SideResult => {
    const sp = plan.sides[s];
    const o: SideOutcome = { action: sp.action, outcome: sp.action === 'none' ? 'none' : 'planned', problem: undefined, writes: [] };
    return sideResult(plan.link, s, sp, observed[s], o, blockers[s]);
  };
  const healthy = SIDES.every((s) => {
    const sp = plan.sides[s];
    return !sp.conflict && sp.action === 'none' && !healthProblem(plan.link, s, peeringAfter(plan.link, sp, observed[s], s), sp);
  });
  return { link: plan.link, sides: { a: side('a'), b: side('b') }, healthy, warnings };
}
