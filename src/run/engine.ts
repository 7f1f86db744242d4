// One run over a list of links: observe → plan (with the whole-graph preflight) → schedule and
// execute → verify → report. Each step is a function of its own; reconcile() strings them together.
import type { Timing } from '../clock.ts';
import { identityKey } from '../azure/credentials.ts';
import type { VnetApi } from '../azure/vnet-api.ts';
import type { TokenClaims } from '../errors/context.ts';
import { planLink, type LinkPlan } from '../plan/link.ts';
import { permissionNeeds, preflight, type Finding } from '../plan/preflight.ts';
import {
  other,
  SIDES,
  type Identity,
  type Link,
  type LinkResult,
  type Mode,
  type Permission,
  type Problem,
  type RunReport,
  type ShardSpec,
  type Side,
  type TimeEstimate,
  type Topology,
  type UnmanagedPeering,
  type Verdict,
  type VnetEntry,
  type VnetRef,
} from '../model.ts';
import type { DirectionResult } from './direction.ts';
import { execute } from './executor.ts';
import { readPermissions } from './observe.ts';
import { directionLabel } from '../report/words.ts';
import { healthProblem, noOutcome, peeringAfter, plannedLink, sideResult, unreadLink, type SideOutcome } from './results.ts';
import { execTasks, timeEstimate, type PruneTarget } from './tasks.ts';
import { key, World } from './world.ts';

export { ESTIMATE_OPERATION_SECONDS } from './tasks.ts';

/** Re-plans after a pass this many times at most, for effects one pass cannot reach. */
const MAX_PASSES = 3;

export interface EngineInput {
  readonly topology: Topology;
  /** The links this run carries out (a shard's, or all). */
  readonly links: readonly Link[];
  /** The VNets this run reads (a shard's, or all). */
  readonly vnets: readonly VnetEntry[];
  readonly shard: ShardSpec | undefined;
  readonly mode: Mode;
  readonly maxParallelWrites: number;
  readonly timeoutMs: number;
  /** Problems found before (sign-in): reported first. */
  readonly problems: readonly Problem[];
}

export interface EngineDeps extends Timing {
  /** The API of a VNet as an identity; `remote` is the identity of the tenant a write points into. */
  readonly api: (vnet: VnetRef, identity: Identity, remote?: Identity) => VnetApi;
  /** Identities that could not sign in: their VNets are not read. */
  readonly signedIn: (identity: Identity) => boolean;
  /** True once the run was cancelled (SIGINT/SIGTERM), as opposed to timed out. */
  readonly cancelled: () => boolean;
  readonly group: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  /** What the workflow's OIDC token said, for advice. */
  readonly claims?: TokenClaims;
}

interface Unmanaged {
  readonly vnet: string;
  readonly peering: PruneTarget['peering'];
  /** Deleted under `prune` (both VNets are this run's to write). */
  readonly prune: boolean;
}

/** What the plan step decided for the whole graph. */
interface Planned {
  readonly plans: readonly LinkPlan[];
  readonly findings: readonly Finding[];
  /** Links not to be written: a conflict, or a finding that blocks in this mode. */
  readonly blocked: ReadonlySet<string>;
  readonly unmanaged: readonly Unmanaged[];
  readonly estimate: TimeEstimate | undefined;
}

/** What the execute step did. */
interface Executed {
  readonly outcomes: ReadonlyMap<string, Record<Side, SideOutcome>>;
  readonly pruned: ReadonlyMap<string, DirectionResult | undefined>;
  readonly wrote: boolean;
}

/** The identity that writes on a direction's VNet, or that the remote VNet's linked check runs as. */
function identityOf(p: LinkPlan, side: Side, role: 'local' | 'remote'): string {
  const end = p.link.ends[side];
  const far = p.link.ends[other(side)];
  // The linked check on the remote VNet runs as the remote tenant's identity across tenants.
  const crossTenant = key(end.identity.tenantId) !== key(far.identity.tenantId);
  return identityKey(role === 'local' || !crossTenant ? end.identity : far.identity);
}

/** Peerings between two VNets of the file that no link declares. */
function unmanagedPeerings(input: EngineInput, world: World): Unmanaged[] {
  const inScope = new Set(input.vnets.map((e) => key(e.vnet.id)));
  const declared = new Set(input.topology.links.map((l) => l.key));
  const out: Unmanaged[] = [];
  for (const [vnet, info] of world.observed) {
    if (!inScope.has(vnet)) continue;
    for (const p of info.peerings) {
      const remote = key(p.remoteVnetId);
      if (!world.entry(remote) || remote === vnet || declared.has([vnet, remote].sort().join('|'))) continue;
      out.push({ vnet, peering: p, prune: input.topology.prune && inScope.has(remote) });
    }
  }
  return out;
}

/** What the identities may do where the plans write: read only when something is to be written. */
async function permissionsFor(plans: readonly LinkPlan[], world: World, deps: EngineDeps): Promise<Map<string, readonly Permission[] | undefined>> {
  const writing = plans.filter((p) => p.steps.length > 0);
  if (writing.length === 0) return new Map();
  const identities = new Map<string, Identity>();
  for (const p of writing) for (const s of SIDES) identities.set(identityKey(p.link.ends[s].identity), p.link.ends[s].identity);
  const targets = new Map<string, { key: string; name: string; api: VnetApi }>();
  for (const n of permissionNeeds({ plans: writing, identityKey: identityOf })) {
    const e = world.entry(n.vnet);
    const id = identities.get(n.identity);
    if (!e || !id || !deps.signedIn(id)) continue;
    const k = `${n.vnet}|${n.identity}`;
    targets.set(k, { key: k, name: e.vnet.name, api: deps.api(e.vnet, id) });
  }
  return readPermissions([...targets.values()], deps);
}

async function plan(input: EngineInput, world: World, deps: EngineDeps): Promise<Planned> {
  const plans = world.plan(input.links);
  const unmanaged = unmanagedPeerings(input, world);
  const pruning = unmanaged.filter((u) => u.prune);
  const permissions = await permissionsFor(plans, world, deps);
  const findings = preflight({ plans, observed: world.observed, pruned: new Set(pruning.map((q) => key(q.peering.id))), permissions, identityKey: identityOf });
  // In apply mode a missing permission blocks too; in plan mode it is a warning.
  const blocked = new Set(findings.filter((f) => f.refusal || input.mode === 'apply').map((f) => plans[f.plan]?.link.key ?? ''));
  for (const p of plans) if (p.sides.a.conflict || p.sides.b.conflict) blocked.add(p.link.key);
  const estimate = timeEstimate(plans.filter((p) => !blocked.has(p.link.key)), pruning, input.maxParallelWrites, input.timeoutMs);
  for (const p of plans) {
    for (const s of SIDES) {
      const sp = p.sides[s];
      if (sp.conflict || sp.action !== 'none') deps.log(`${directionLabel(p.link, s)} '${sp.name}' ${sp.conflict ? `has a conflict: ${sp.conflict.message}` : `needs ${sp.action} (${sp.reason})`}`);
    }
  }
  for (const f of findings) deps.log(`${plans[f.plan]?.link.locator.link ?? ''}: ${f.problem.code}: ${f.problem.message}`);
  if (estimate && input.mode === 'apply') {
    deps.log(`These ${estimate.writes} writes need about ${Math.ceil(estimate.seconds / 60)} minutes at ${estimate.operationSeconds} s an operation; timeout-minutes allows ${Math.round(estimate.limitSeconds / 60)}.`);
  }
  return { plans, findings, blocked, unmanaged, estimate };
}

const findingsOf = (planned: Planned, p: LinkPlan): Finding[] => planned.findings.filter((f) => planned.plans[f.plan] === p);

function unmanagedResult(u: Unmanaged, outcome: UnmanagedPeering['outcome'], problem: Problem | undefined, gone = false): UnmanagedPeering {
  return {
    vnet: u.peering.id.split('/virtualNetworkPeerings/')[0] ?? u.vnet,
    remoteVnet: u.peering.remoteVnetId,
    peeringName: u.peering.name,
    peeringId: u.peering.id,
    state: gone ? 'Missing' : u.peering.peeringState,
    action: u.prune ? 'delete' : 'none',
    outcome,
    problem,
  };
}

/** Plan mode: what apply would do, and what would stop it. */
function planReport(input: EngineInput, world: World, planned: Planned, deps: EngineDeps): RunReport {
  const links = input.links.map((l): LinkResult => {
    const p = planned.plans.find((x) => x.link === l);
    const o = world.pair(l);
    if (!p || !o) return unreadLink(l, world.unreadProblems(l));
    const mine = findingsOf(planned, p);
    const refusal = (s: Side): Problem | undefined => mine.find((f) => f.refusal && f.side === s)?.problem;
    return plannedLink(p, o, { a: refusal('a'), b: refusal('b') }, mine.filter((f) => !f.refusal).map((f) => f.problem));
  });
  const unmanaged = planned.unmanaged.map((u) => unmanagedResult(u, u.prune ? 'planned' : 'none', undefined));
  const isBlocked = (l: LinkResult): boolean => SIDES.some((s) => l.sides[s].problem !== undefined || (l.sides[s].outcome === 'skipped' && l.sides[s].action === 'none'));
  // What apply would write: a blocked link writes nothing.
  const pending = links.some((l) => !isBlocked(l) && SIDES.some((s) => l.sides[s].action !== 'none')) || unmanaged.some((u) => u.action === 'delete');
  const verdict: Verdict = deps.cancelled() ? 'cancelled' : links.some(isBlocked) || input.problems.length > 0 ? 'failed' : pending ? 'pending' : 'in-sync';
  return report(input, verdict, pending, links, unmanaged, planned.estimate);
}

/** Apply mode: passes of schedule → execute → read again, until nothing is left (or three passes). */
async function executeAll(input: EngineInput, world: World, planned: Planned, deps: EngineDeps): Promise<Executed> {
  const outcomes = new Map<string, Record<Side, SideOutcome>>(planned.plans.map((p) => [p.link.key, { a: noOutcome(p.sides.a.action), b: noOutcome(p.sides.b.action) }]));
  const failed = new Set<string>(planned.blocked);
  const pruned = new Map<string, DirectionResult | undefined>();
  let wrote = false;
  let plans = planned.plans.filter((p) => !planned.blocked.has(p.link.key));
  let prunes: readonly PruneTarget[] = planned.unmanaged.filter((u) => u.prune);
  const taskDeps = { ...deps, entry: (id: string) => world.entry(id), space: (id: string) => world.observed.get(key(id)) ?? { addressPrefixes: [], subnets: [] } };

  for (let pass = 0; pass < MAX_PASSES && (plans.some((p) => p.steps.length > 0) || prunes.length > 0); pass++) {
    const { tasks, owners } = execTasks(plans, prunes, taskDeps);
    const results = await deps.group(`Write (pass ${pass + 1}: ${tasks.length} write${tasks.length === 1 ? '' : 's'})`, () => execute(tasks, input.maxParallelWrites, deps.signal));
    for (const task of tasks) {
      const owner = owners.get(task.id);
      const r = results.get(task.id);
      if (r && r.writes.length > 0) wrote = true;
      if (owner?.kind === 'prune') pruned.set(owner.peeringId, r);
      if (owner?.kind !== 'link') continue;
      const o = outcomes.get(owner.link.key);
      if (!o) continue;
      const before = o[owner.side];
      const outcome = r === undefined ? (before.outcome === 'done' ? 'done' : 'skipped') : r.outcome;
      // The first action taken on a side is the one reported; the latest outcome stands.
      o[owner.side] = {
        action: before.outcome === 'none' ? owner.action : before.action,
        outcome: outcome === 'skipped' && before.outcome === 'failed' ? 'failed' : outcome,
        problem: r?.problem ?? (outcome === 'failed' ? before.problem : undefined),
        writes: [...before.writes, ...(r?.writes ?? [])],
      };
      if (outcome === 'failed' || outcome === 'skipped') failed.add(owner.link.key);
    }
    await deps.group('Read the written VNets again', () => world.readAgain(tasks.flatMap((t) => [t.vnet, t.remote])));
    if (deps.signal.aborted) break;
    plans = world.plan(plans.filter((p) => !failed.has(p.link.key)).map((p) => p.link));
    prunes = [];
  }
  return { outcomes, pruned, wrote };
}

/** Apply mode: what each link ended as, judged on the last read. */
function applyReport(input: EngineInput, world: World, planned: Planned, done: Executed, deps: EngineDeps): RunReport {
  const links = input.links.map((l): LinkResult => {
    const first = planned.plans.find((p) => p.link === l);
    const o = world.pair(l);
    if (!first || !o) return unreadLink(l, world.unreadProblems(l));
    const latest = planLink(l, o);
    const mine = findingsOf(planned, first);
    const out = done.outcomes.get(l.key) ?? { a: noOutcome(first.sides.a.action), b: noOutcome(first.sides.b.action) };
    const side = (s: Side): { result: ReturnType<typeof sideResult>; healthy: boolean } => {
      const sp = first.sides[s];
      const health = healthProblem(l, s, peeringAfter(l, latest.sides[s], o[s], s), latest.sides[s]);
      let so = out[s];
      if (planned.blocked.has(l.key) && so.outcome === 'none' && sp.action !== 'none') so = { ...so, outcome: 'skipped' };
      // A skipped side is unhealthy because of what the other side (or the preflight) reports.
      const problem = so.problem ?? mine.find((f) => f.side === s)?.problem ?? (so.outcome === 'skipped' ? undefined : health);
      const name = latest.sides[s].conflict ? sp.name : latest.sides[s].name;
      return { result: sideResult(l, s, { ...sp, name }, o[s], so, problem), healthy: health === undefined && !sp.conflict };
    };
    const a = side('a');
    const b = side('b');
    return { link: l, sides: { a: a.result, b: b.result }, healthy: a.healthy && b.healthy, warnings: [] };
  });
  const unmanaged = planned.unmanaged.map((u): UnmanagedPeering => {
    if (!u.prune) return unmanagedResult(u, 'none', undefined);
    const r = done.pruned.get(key(u.peering.id));
    const gone = !world.observed.get(u.vnet)?.peerings.some((p) => key(p.id) === key(u.peering.id));
    return unmanagedResult(u, gone ? 'done' : r === undefined ? 'skipped' : 'failed', r?.problem, gone);
  });
  const healthy = links.every((l) => l.healthy) && unmanaged.every((u) => u.action === 'none' || u.outcome === 'done') && input.problems.length === 0;
  const verdict: Verdict = deps.cancelled() ? 'cancelled' : !healthy ? 'failed' : done.wrote ? 'repaired' : 'in-sync';
  return report(input, verdict, done.wrote, links, unmanaged, planned.estimate);
}

export async function reconcile(input: EngineInput, deps: EngineDeps): Promise<RunReport> {
  const world = new World(input.topology, input.links, deps);
  await deps.group('Read the VNets', async () => {
    await world.read(input.vnets);
    // Planning on a half-done state would misjudge it: an operation still running is waited out.
    if (input.mode === 'apply') await world.settle(input.links);
  });
  const planned = await deps.group('Plan', () => plan(input, world, deps));
  if (input.mode === 'plan') return planReport(input, world, planned, deps);
  const done = await executeAll(input, world, planned, deps);
  // Verify on what Azure holds once operations still running (another run's) have ended.
  if (!deps.signal.aborted) await world.settle(input.links.filter((l) => !planned.blocked.has(l.key)));
  return applyReport(input, world, planned, done, deps);
}

function report(input: EngineInput, verdict: Verdict, changed: boolean, links: LinkResult[], unmanaged: UnmanagedPeering[], estimate: TimeEstimate | undefined): RunReport {
  return {
    mode: input.mode,
    verdict,
    changed,
    links,
    unmanaged,
    problems: input.problems,
    source: input.topology.source,
    shard: input.shard,
    tenants: input.topology.tenants,
    vnets: input.topology.vnets,
    estimate,
  };
}

/** A run that could not read Azure at all (no OIDC token, every sign-in failed, cancelled first). */
export function unreadRun(input: EngineInput, verdict: Verdict = 'failed'): RunReport {
  const none = { a: undefined, b: undefined };
  return report(input, verdict, false, input.links.map((l) => unreadLink(l, none)), [], undefined);
}

