// Plans turned into the writes the schedule orders: one task per step of each link's plan (its
// order kept through `after`) and one per prune delete, each with the job that carries it out.
import { linkContext, type TokenClaims } from '../errors/context.ts';
import type { VnetApi } from '../azure/vnet-api.ts';
import type { LinkPlan, RemoteSpace } from '../plan/link.ts';
import { simulate, type WriteTask } from '../plan/schedule.ts';
import { other, type Identity, type Link, type ObservedPeering, type Side, type SideAction, type TimeEstimate, type VnetEntry, type VnetRef } from '../model.ts';
import { directionLabel } from '../report/words.ts';
import type { Timing } from '../clock.ts';
import { runDirection, type DirectionJob } from './direction.ts';
import type { ExecTask } from './executor.ts';
import { key } from './world.ts';

/** Seconds per operation a plan's time estimate assumes (spec/topology.md, The report). */
export const ESTIMATE_OPERATION_SECONDS = 20;

/** An undeclared peering the run deletes (prune). */
export interface PruneTarget {
  /** Lowercased ID of the VNet it is on. */
  readonly vnet: string;
  readonly peering: ObservedPeering;
}

export type Owner =
  | { readonly kind: 'link'; readonly link: Link; readonly side: Side; readonly action: SideAction }
  | { readonly kind: 'prune'; readonly peeringId: string };

interface Step {
  readonly task: WriteTask;
  readonly owner: Owner;
  readonly plan?: LinkPlan;
  readonly index?: number;
  readonly prune?: PruneTarget;
}

/** The writes of these plans and prunes, in the order the file declares them. */
function steps(plans: readonly LinkPlan[], prunes: readonly PruneTarget[]): Step[] {
  const out: Step[] = [];
  for (const plan of plans) {
    const ids: number[] = [];
    plan.steps.forEach((step, index) => {
      ids[index] = out.length;
      const side = step.side;
      out.push({
        task: { id: out.length, vnet: key(plan.link.ends[side].vnet.id), remote: key(plan.link.ends[other(side)].vnet.id), after: step.after.map((j) => ids[j] ?? -1) },
        owner: { kind: 'link', link: plan.link, side, action: plan.sides[side].action },
        plan,
        index,
      });
    });
  }
  for (const prune of prunes) {
    out.push({ task: { id: out.length, vnet: prune.vnet, remote: key(prune.peering.remoteVnetId), after: [] }, owner: { kind: 'prune', peeringId: key(prune.peering.id) }, prune });
  }
  return out;
}

export interface TaskDeps extends Timing {
  readonly api: (vnet: VnetRef, identity: Identity, remote?: Identity) => VnetApi;
  readonly claims?: TokenClaims | undefined;
  readonly entry: (id: string) => VnetEntry | undefined;
  /** The remote VNet's space and subnets now, for a direction's sync decision. */
  readonly space: (vnetId: string) => RemoteSpace;
}

const NO_SETTINGS = { allowVirtualNetworkAccess: true, allowForwardedTraffic: false, allowGatewayTransit: false, useRemoteGateways: false };

function job(step: Step, deps: TaskDeps): DirectionJob | undefined {
  const { plan, index, prune } = step;
  if (plan && index !== undefined) {
    const s = plan.steps[index]?.side ?? 'a';
    const kind = plan.steps[index]?.kind ?? 'put';
    const sp = plan.sides[s];
    const end = plan.link.ends[s];
    const far = plan.link.ends[other(s)];
    // The put of a replace follows its delete: it creates.
    const afterDelete = kind === 'put' && sp.action === 'replace';
    return {
      kind,
      label: `${directionLabel(plan.link, s)} '${sp.name}'`,
      api: deps.api(end.vnet, end.identity, far.identity),
      name: sp.name,
      remoteVnetId: far.vnet.id,
      remoteTenantId: far.identity.tenantId,
      remote: deps.space(far.vnet.id),
      desired: sp.desired,
      desiredScope: sp.desiredScope,
      action: kind === 'delete' ? 'delete' : afterDelete ? 'create' : sp.action,
      existing: afterDelete ? undefined : sp.existing,
      preserved: sp.existing?.preserved ?? {},
      reconnect: sp.reconnect === true,
      context: linkContext(plan.link, s, deps.claims),
    };
  }
  const local = prune ? deps.entry(prune.vnet) : undefined;
  const remote = prune ? deps.entry(prune.peering.remoteVnetId) : undefined;
  if (!prune || !local || !remote) return undefined;
  return {
    kind: 'delete',
    label: `${local.alias} → ${remote.alias} '${prune.peering.name}' (prune)`,
    api: deps.api(local.vnet, local.identity, remote.identity),
    name: prune.peering.name,
    remoteVnetId: remote.vnet.id,
    remoteTenantId: remote.identity.tenantId,
    remote: { addressPrefixes: [], subnets: [] },
    desired: NO_SETTINGS,
    desiredScope: undefined,
    action: 'delete',
    existing: prune.peering,
    preserved: {},
    reconnect: false,
    context: { tenantId: local.identity.tenantId, clientId: local.identity.clientId, tenantField: `the tenant of ${local.alias}`, clientField: `the client of ${local.alias}`, vnet: { ref: local.vnet, field: `vnets.${local.alias}` } },
  };
}

/** The tasks to execute, and who each belongs to. */
export function execTasks(plans: readonly LinkPlan[], prunes: readonly PruneTarget[], deps: TaskDeps): { tasks: ExecTask[]; owners: Map<number, Owner> } {
  const tasks: ExecTask[] = [];
  const owners = new Map<number, Owner>();
  for (const step of steps(plans, prunes)) {
    const j = job(step, deps);
    if (!j) continue;
    tasks.push({ ...step.task, run: () => runDirection(j, deps) });
    owners.set(step.task.id, step.owner);
  }
  return { tasks, owners };
}

/** The writes would take longer than timeout-minutes (at 20 s an operation, as the busy rules allow). */
export function timeEstimate(plans: readonly LinkPlan[], prunes: readonly PruneTarget[], maxParallel: number, timeoutMs: number): TimeEstimate | undefined {
  const tasks = steps(plans, prunes).map((s) => s.task);
  if (tasks.length === 0) return undefined;
  const seconds = simulate(tasks, maxParallel).rounds * ESTIMATE_OPERATION_SECONDS;
  const limitSeconds = timeoutMs / 1000;
  return seconds > limitSeconds ? { writes: tasks.length, seconds, operationSeconds: ESTIMATE_OPERATION_SECONDS, limitSeconds } : undefined;
}
