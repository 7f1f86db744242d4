// One run over a list of links: observe → plan → preflight → schedule → execute → verify → report.
// Each step is a function of its own; this file only strings them together.
import type { Timing } from '../clock.ts';
import { identityKey } from '../azure/credentials.ts';
import type { VnetApi } from '../azure/vnet-api.ts';
import type { AdviceContext } from '../errors/codes.ts';
import { linkContext } from '../errors/context.ts';
import { toProblem } from '../errors/classify.ts';
import { planLink, type LinkPlan, type RemoteSpace } from '../plan/link.ts';
import { permissionNeeds, preflight, transitionalPeerings, type Finding } from '../plan/preflight.ts';
import { simulate, type WriteTask } from '../plan/schedule.ts';
import {
  other,
  SIDES,
  type Identity,
  type Link,
  type LinkResult,
  type Mode,
  type ObservedPeering,
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
  type VnetInfo,
  type VnetRef,
} from '../model.ts';
import { runDirection, type DirectionJob, type DirectionResult } from './direction.ts';
import { execute, type ExecTask } from './executor.ts';
import { readPermissions, readVnets } from './observe.ts';
import { directionLabel } from '../report/words.ts';
import { healthProblem, noOutcome, peeringAfter, plannedLink, sideResult, unreadLink, type SideOutcome } from './results.ts';
import { retryDelay } from './retry.ts';

/** Re-plans after a pass this many times at most, for effects one pass cannot reach. */
const MAX_PASSES = 3;
/** Seconds per operation a plan's time estimate assumes (spec/topology.md, The report). */
export const ESTIMATE_OPERATION_SECONDS = 20;
/** The read of what Azure holds after a cancellation has a budget of its own (SIGTERM follows in 7.5 s). */
const CANCELLED_READ_MS = 4_000;
const TIMED_OUT_READ_MS = 15_000;

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
  readonly claims?: { readonly subject?: string | undefined; readonly audience?: string | undefined };
}

const key = (id: string): string => id.toLowerCase();

/** The run's view of Azure: what each VNet held when last read, or why it could not be read. */
interface World {
  readonly observed: Map<string, VnetInfo>;
  readonly unread: Map<string, Problem>;
}

/** Where a VNet is set, for advice on reading it: its first link's words, or its alias. */
function readContext(topology: Topology, entry: VnetEntry, claims: EngineDeps['claims']): AdviceContext {
  for (const link of topology.links) {
    for (const s of SIDES) {
      if (key(link.ends[s].vnet.id) === key(entry.vnet.id)) {
        return {
          tenantId: entry.identity.tenantId,
          clientId: entry.identity.clientId,
          tenantField: link.locator.tenant[s],
          clientField: link.locator.client[s],
          subject: claims?.subject,
          audience: claims?.audience,
          vnet: { ref: entry.vnet, field: link.locator.vnet[s] },
        };
      }
    }
  }
  return { tenantId: entry.identity.tenantId, clientId: entry.identity.clientId, tenantField: `the tenant of ${entry.alias}`, clientField: `the client of ${entry.alias}`, vnet: { ref: entry.vnet, field: `vnets.${entry.alias}` } };
}

/** Reads these VNets (again) into the world; a budget of its own once the run's time is up. */
async function observe(entries: readonly VnetEntry[], input: EngineInput, deps: EngineDeps, world: World): Promise<void> {
  const budget = deps.cancelled() ? CANCELLED_READ_MS : TIMED_OUT_READ_MS;
  const t: Timing = deps.signal.aborted ? { ...deps, signal: AbortSignal.timeout(budget), deadline: deps.now() + budget } : deps;
  // A read nothing needs any more (every link of its VNet touches a VNet that failed) stops at
  // once, instead of waiting out its own retries.
  const stops = new Map(entries.map((e) => [key(e.vnet.id), new AbortController()]));
  const targets = entries
    .filter((e) => deps.signedIn(e.identity))
    .map((e) => ({ key: key(e.vnet.id), name: e.vnet.name, api: deps.api(e.vnet, e.identity), entry: e, signal: stops.get(key(e.vnet.id))?.signal }));
  const failed = new Set<string>();
  const stopped = (k: string): boolean => stops.get(k)?.signal.aborted === true;
  const onFailed = (k: string): void => {
    if (stopped(k)) return;
    failed.add(k);
    for (const [other, stop] of stops) {
      const links = input.links.filter((l) => key(l.ends.a.vnet.id) === other || key(l.ends.b.vnet.id) === other);
      const needed = links.length === 0 || links.some((l) => !failed.has(key(l.ends.a.vnet.id)) && !failed.has(key(l.ends.b.vnet.id)));
      if (!needed && !failed.has(other)) stop.abort(new Error('not needed'));
    }
  };
  const results = await readVnets(targets, t, onFailed);
  for (const target of targets) {
    const r = results.get(target.key);
    if (r?.ok) {
      world.observed.set(target.key, r.vnet);
      world.unread.delete(target.key);
    } else if (world.observed.has(target.key)) {
      // A re-read that fails keeps what was read before.
    } else if (stopped(target.key)) {
      world.unread.set(target.key, { code: 'VnetNotRead', message: `VNet ${target.name} was not read: every VNet it is linked with could not be read.`, advice: '' });
    } else {
      const p = toProblem(r?.error, readContext(input.topology, target.entry, deps.claims));
      world.unread.set(target.key, { ...p, message: `Reading VNet ${target.name}: ${p.message}` });
    }
  }
}

/** Both VNets of a link as read, or undefined. */
function observedPair(link: Link, world: World): Record<Side, VnetInfo> | undefined {
  const a = world.observed.get(key(link.ends.a.vnet.id));
  const b = world.observed.get(key(link.ends.b.vnet.id));
  return a && b ? { a, b } : undefined;
}

/** Waits while an operation (another run's, a cancelled one's) is still changing a link's peering. */
async function settle(links: readonly Link[], entries: ReadonlyMap<string, VnetEntry>, input: EngineInput, deps: EngineDeps, world: World): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const plans = links.flatMap((l) => {
      const o = observedPair(l, world);
      return o ? [planLink(l, o)] : [];
    });
    const busy = transitionalPeerings(plans);
    const wait = retryDelay(undefined, attempt);
    if (busy.length === 0 || deps.signal.aborted || deps.now() + wait > deps.deadline) return;
    const first = busy[0];
    deps.log(`'${first?.name}' is ${first?.provisioningState}: waiting ${Math.round(wait / 1000)} s for that operation to end${busy.length > 1 ? ` (and ${busy.length - 1} more peerings)` : ''}`);
    try {
      await deps.sleep(wait, deps.signal);
    } catch {
      return; // cancelled or out of time while waiting: what was read stands
    }
    const vnets = new Set(busy.map((p) => key(p.id.split('/virtualNetworkPeerings/')[0] ?? '')));
    await observe([...vnets].flatMap((v) => entries.get(v) ?? []), input, deps, world);
  }
}

/** Peerings between two VNets of the file that no link declares. */
function unmanagedPeerings(input: EngineInput, world: World, entries: ReadonlyMap<string, VnetEntry>, inScope: ReadonlySet<string>): { vnet: string; peering: ObservedPeering; prune: boolean }[] {
  const declared = new Set(input.topology.links.map((l) => l.key));
  const out: { vnet: string; peering: ObservedPeering; prune: boolean }[] = [];
  for (const [vnet, info] of world.observed) {
    if (!inScope.has(vnet)) continue;
    for (const p of info.peerings) {
      const remote = key(p.remoteVnetId);
      if (!entries.has(remote) || remote === vnet) continue;
      if (declared.has([vnet, remote].sort().join('|'))) continue;
      out.push({ vnet, peering: p, prune: input.topology.prune && inScope.has(remote) });
    }
  }
  return out;
}

interface Planned {
  readonly plans: LinkPlan[];
  /** Blocking findings and warnings per plan index. */
  readonly findings: Finding[];
}

export async function reconcile(input: EngineInput, deps: EngineDeps): Promise<RunReport> {
  const entries = new Map(input.topology.vnets.map((e) => [key(e.vnet.id), e]));
  const inScope = new Set(input.vnets.map((e) => key(e.vnet.id)));
  const world: World = { observed: new Map(), unread: new Map() };
  const entryOf = (id: string): VnetEntry | undefined => entries.get(key(id));

  await deps.group('Read the VNets', async () => {
    await observe(input.vnets, input, deps, world);
    if (input.mode === 'apply') await settle(input.links, entries, input, deps, world);
  });

  const identityOf = (p: LinkPlan, side: Side, role: 'local' | 'remote'): string => {
    const end = p.link.ends[side];
    const far = p.link.ends[other(side)];
    // The linked check on the remote VNet runs as the remote tenant's identity across tenants.
    const crossTenant = key(end.identity.tenantId) !== key(far.identity.tenantId);
    return identityKey(role === 'local' || !crossTenant ? end.identity : far.identity);
  };

  const planAll = async (links: readonly Link[], prune: readonly { vnet: string; peering: ObservedPeering }[]): Promise<Planned> => {
    const plans = links.flatMap((l) => {
      const o = observedPair(l, world);
      return o ? [planLink(l, o)] : [];
    });
    const writing = plans.filter((p) => p.steps.length > 0);
    const permissions = new Map<string, readonly Permission[] | undefined>();
    if (writing.length > 0 || prune.length > 0) {
      const needs = permissionNeeds({ plans: writing, identityKey: identityOf });
      const targets = new Map<string, { key: string; name: string; api: VnetApi }>();
      const identities = new Map<string, Identity>(input.topology.vnets.map((e) => [identityKey(e.identity), e.identity]));
      for (const l of links) for (const s of SIDES) identities.set(identityKey(l.ends[s].identity), l.ends[s].identity);
      for (const n of [...needs, ...prune.map((q) => ({ vnet: q.vnet, identity: identityKey(entries.get(q.vnet)?.identity ?? { tenantId: '', clientId: '' }) }))]) {
        const e = entryOf(n.vnet);
        const id = identities.get(n.identity);
        if (!e || !id || !deps.signedIn(id)) continue;
        targets.set(`${n.vnet}|${n.identity}`, { key: `${n.vnet}|${n.identity}`, name: e.vnet.name, api: deps.api(e.vnet, id) });
      }
      for (const [k, v] of await readPermissions([...targets.values()], deps)) permissions.set(k, v);
    }
    const pruned = new Set(prune.map((q) => key(q.peering.id)));
    return { plans, findings: preflight({ plans, observed: world.observed, pruned, permissions, identityKey: identityOf }) };
  };

  const unmanaged = unmanagedPeerings(input, world, entries, inScope);
  const pruning = unmanaged.filter((u) => u.prune);
  const first = await deps.group('Plan', async () => {
    const planned = await planAll(input.links, pruning);
    for (const p of planned.plans) {
      for (const s of SIDES) {
        const sp = p.sides[s];
        if (sp.conflict || sp.action !== 'none') deps.log(`${directionLabel(p.link, s)} '${sp.name}' ${sp.conflict ? `has a conflict: ${sp.conflict.message}` : `needs ${sp.action} (${sp.reason})`}`);
      }
    }
    for (const f of planned.findings) deps.log(`${planned.plans[f.plan]?.link.locator.link ?? ''}: ${f.problem.code}: ${f.problem.message}`);
    return planned;
  });

  // Links that must not be written: a conflict, or a preflight finding (in apply mode a missing
  // permission blocks too; in plan mode it is a warning).
  const blockingFindings = first.findings.filter((f) => f.refusal || input.mode === 'apply');
  const blockedLinks = new Set(blockingFindings.map((f) => first.plans[f.plan]?.link.key ?? ''));
  for (const p of first.plans) if (p.sides.a.conflict || p.sides.b.conflict) blockedLinks.add(p.link.key);

  const estimate = timeEstimate(first.plans.filter((p) => !blockedLinks.has(p.link.key)), pruning.length, input);
  if (estimate && input.mode === 'apply') {
    deps.log(`These ${estimate.writes} writes need about ${Math.ceil(estimate.seconds / 60)} minutes at ${estimate.operationSeconds} s an operation; timeout-minutes allows ${Math.round(estimate.limitSeconds / 60)}.`);
  }

  // ---- plan mode: report what apply would do -------------------------------------------------
  if (input.mode === 'plan') {
    const links = input.links.map((l): LinkResult => {
      const p = first.plans.find((x) => x.link === l);
      const o = observedPair(l, world);
      if (!p || !o) return unreadLink(l, unreadProblems(l, world));
      const mine = first.findings.filter((f) => first.plans[f.plan] === p);
      const blockers: Record<Side, Problem | undefined> = { a: mine.find((f) => f.refusal && f.side === 'a')?.problem, b: mine.find((f) => f.refusal && f.side === 'b')?.problem };
      return plannedLink(p, o, blockers, mine.filter((f) => !f.refusal).map((f) => f.problem));
    });
    const un = unmanaged.map((u): UnmanagedPeering => unmanagedResult(u, u.prune ? 'planned' : 'none', undefined));
    const isBlocked = (l: LinkResult): boolean => SIDES.some((s) => l.sides[s].problem !== undefined || (l.sides[s].outcome === 'skipped' && l.sides[s].action === 'none'));
    const blocked = links.some(isBlocked);
    // What apply would write: a blocked link writes nothing.
    const pending = links.some((l) => !isBlocked(l) && SIDES.some((s) => l.sides[s].action !== 'none')) || un.some((u) => u.action === 'delete');
    const verdict: Verdict = deps.cancelled() ? 'cancelled' : blocked || input.problems.length > 0 ? 'failed' : pending ? 'pending' : 'in-sync';
    return report(input, verdict, pending, links, un, estimate);
  }

  // ---- apply mode: passes of schedule → execute → read again -----------------------------------
  const outcomes = new Map<string, Record<Side, SideOutcome>>();
  const failedLinks = new Set<string>(blockedLinks);
  for (const p of first.plans) outcomes.set(p.link.key, { a: noOutcome(p.sides.a.action), b: noOutcome(p.sides.b.action) });
  const firstPlans = new Map(first.plans.map((p) => [p.link.key, p]));
  const pruneResults = new Map<string, DirectionResult | undefined>();
  let wrote = false;
  let plans = first.plans.filter((p) => !blockedLinks.has(p.link.key));
  let pruneNow = pruning;

  for (let pass = 0; pass < MAX_PASSES && (plans.some((p) => p.steps.length > 0) || pruneNow.length > 0); pass++) {
    const spaceOf = (id: string): RemoteSpace => world.observed.get(key(id)) ?? { addressPrefixes: [], subnets: [] };
    const { tasks, owners } = buildTasks(plans, pruneNow, deps, entryOf, spaceOf);
    const results = await deps.group(`Write (pass ${pass + 1}: ${tasks.length} write${tasks.length === 1 ? '' : 's'})`, () => execute(tasks, input.maxParallelWrites, deps.signal));
    const touched = new Set<string>();
    for (const task of tasks) {
      touched.add(task.vnet);
      touched.add(task.remote);
      const owner = owners.get(task.id);
      const r = results.get(task.id);
      if (r && r.writes.length > 0) wrote = true;
      if (!owner) continue;
      if (owner.kind === 'prune') {
        pruneResults.set(owner.peeringId, r);
        continue;
      }
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
      if (outcome === 'failed' || outcome === 'skipped') failedLinks.add(owner.link.key);
    }
    await deps.group('Read the written VNets again', () => observe([...touched].flatMap((v) => entries.get(v) ?? []), input, deps, world));
    if (deps.signal.aborted) break;
    plans = plans.filter((p) => !failedLinks.has(p.link.key)).flatMap((p) => {
      const o = observedPair(p.link, world);
      return o ? [planLink(p.link, o)] : [];
    });
    pruneNow = [];
  }

  // ---- verify: wait out operations still running (another run's), then judge --------------------
  if (!deps.signal.aborted) await settle(input.links.filter((l) => !blockedLinks.has(l.key)), entries, input, deps, world);

  const links = input.links.map((l): LinkResult => {
    const planned = firstPlans.get(l.key);
    const o = observedPair(l, world);
    if (!planned || !o) return unreadLink(l, unreadProblems(l, world));
    const mine = first.findings.filter((f) => first.plans[f.plan] === planned);
    const latest = planLink(l, o);
    const out = outcomes.get(l.key) ?? { a: noOutcome(planned.sides.a.action), b: noOutcome(planned.sides.b.action) };
    const blocked = blockedLinks.has(l.key);
    const sides = SIDES.map((s) => {
      const sp = planned.sides[s];
      const found = peeringAfter(l, latest.sides[s], o[s], s);
      const health = healthProblem(l, s, found, latest.sides[s]);
      const finding = mine.find((f) => f.side === s)?.problem;
      let so = out[s];
      if (blocked && so.outcome === 'none' && sp.action !== 'none') so = { ...so, outcome: 'skipped' };
      // A skipped side is unhealthy because of what the other side (or the preflight) reports.
      const problem = so.problem ?? finding ?? (so.outcome === 'skipped' ? undefined : health);
      return { side: sideResult(l, s, { ...sp, name: latest.sides[s].conflict ? sp.name : latest.sides[s].name }, o[s], so, problem), healthy: health === undefined && !sp.conflict };
    });
    const [a, b] = sides;
    if (!a || !b) return unreadLink(l, unreadProblems(l, world));
    return { link: l, sides: { a: a.side, b: b.side }, healthy: a.healthy && b.healthy, warnings: [] };
  });

  const un = unmanaged.map((u): UnmanagedPeering => {
    if (!u.prune) return unmanagedResult(u, 'none', undefined);
    const r = pruneResults.get(key(u.peering.id));
    const gone = !world.observed.get(u.vnet)?.peerings.some((p) => key(p.id) === key(u.peering.id));
    return unmanagedResult(u, r === undefined ? (gone ? 'done' : 'skipped') : gone ? 'done' : 'failed', r?.problem, gone);
  });
  const healthy = links.every((l) => l.healthy) && un.every((u) => u.action === 'none' || u.outcome === 'done') && input.problems.length === 0;
  const verdict: Verdict = deps.cancelled() ? 'cancelled' : !healthy ? 'failed' : wrote ? 'repaired' : 'in-sync';
  return report(input, verdict, wrote, links, un, estimate);
}

function unreadProblems(link: Link, world: World): Record<Side, Problem | undefined> {
  const p = (s: Side): Problem | undefined => {
    const u = world.unread.get(key(link.ends[s].vnet.id));
    // A sign-in failure is reported once, for the run; the sides just say they were not read.
    return u?.code === 'VnetNotRead' ? undefined : u;
  };
  return { a: p('a'), b: p('b') };
}

function unmanagedResult(u: { vnet: string; peering: ObservedPeering; prune: boolean }, outcome: UnmanagedPeering['outcome'], problem: Problem | undefined, gone = false): UnmanagedPeering {
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

type Owner =
  | { readonly kind: 'link'; readonly link: Link; readonly side: Side; readonly action: LinkPlan['sides'][Side]['action'] }
  | { readonly kind: 'prune'; readonly peeringId: string };

/** The writes of a pass: each plan's steps (their order kept through `after`) and the prune deletes. */
function buildTasks(
  plans: readonly LinkPlan[],
  prune: readonly { vnet: string; peering: ObservedPeering }[],
  deps: EngineDeps,
  entryOf: (id: string) => VnetEntry | undefined,
  spaceOf: (vnetId: string) => RemoteSpace,
): { tasks: ExecTask[]; owners: Map<number, Owner> } {
  const tasks: ExecTask[] = [];
  const owners = new Map<number, Owner>();
  for (const p of plans) {
    const ids: number[] = [];
    p.steps.forEach((step, i) => {
      const id = tasks.length;
      ids[i] = id;
      const s = step.side;
      const sp = p.sides[s];
      const end = p.link.ends[s];
      const far = p.link.ends[other(s)];
      const isReplacePut = step.kind === 'put' && sp.action === 'replace';
      const job: DirectionJob = {
        kind: step.kind,
        label: `${directionLabel(p.link, s)} '${sp.name}'`,
        api: deps.api(end.vnet, end.identity, far.identity),
        name: sp.name,
        remoteVnetId: far.vnet.id,
        remoteTenantId: far.identity.tenantId,
        remote: spaceOf(far.vnet.id),
        desired: sp.desired,
        desiredScope: sp.desiredScope,
        action: step.kind === 'delete' ? 'delete' : isReplacePut ? 'create' : sp.action,
        existing: isReplacePut ? undefined : sp.existing,
        preserved: sp.existing?.preserved ?? {},
        reconnect: sp.reconnect === true,
        context: linkContext(p.link, s, deps.claims),
      };
      tasks.push({
        id,
        vnet: key(end.vnet.id),
        remote: key(far.vnet.id),
        after: step.after.map((j) => ids[j] ?? -1),
        run: () => runDirection(job, deps),
      });
      owners.set(id, { kind: 'link', link: p.link, side: s, action: sp.action });
    });
  }
  for (const q of prune) {
    const local = entryOf(q.vnet);
    const remote = entryOf(q.peering.remoteVnetId);
    if (!local || !remote) continue;
    const id = tasks.length;
    const job: DirectionJob = {
      kind: 'delete',
      label: `${local.alias} → ${remote.alias} '${q.peering.name}' (prune)`,
      api: deps.api(local.vnet, local.identity, remote.identity),
      name: q.peering.name,
      remoteVnetId: remote.vnet.id,
      remoteTenantId: remote.identity.tenantId,
      remote: { addressPrefixes: [], subnets: [] },
      desired: { allowVirtualNetworkAccess: true, allowForwardedTraffic: false, allowGatewayTransit: false, useRemoteGateways: false },
      desiredScope: undefined,
      action: 'delete',
      existing: q.peering,
      preserved: {},
      reconnect: false,
      context: { tenantId: local.identity.tenantId, clientId: local.identity.clientId, tenantField: `the tenant of ${local.alias}`, clientField: `the client of ${local.alias}`, vnet: { ref: local.vnet, field: `vnets.${local.alias}` } },
    };
    tasks.push({ id, vnet: key(local.vnet.id), remote: key(remote.vnet.id), after: [], run: () => runDirection(job, deps) });
    owners.set(id, { kind: 'prune', peeringId: key(q.peering.id) });
  }
  return { tasks, owners };
}

/** Plan: the writes would take longer than timeout-minutes (at 20 s an operation, as the busy rules allow). */
function timeEstimate(plans: readonly LinkPlan[], prunes: number, input: EngineInput): TimeEstimate | undefined {
  const tasks: WriteTask[] = [];
  for (const p of plans) {
    const ids: number[] = [];
    p.steps.forEach((step, i) => {
      ids[i] = tasks.length;
      tasks.push({ id: tasks.length, vnet: key(p.link.ends[step.side].vnet.id), remote: key(p.link.ends[other(step.side)].vnet.id), after: step.after.map((j) => ids[j] ?? -1) });
    });
  }
  const writes = tasks.length + prunes;
  if (writes === 0) return undefined;
  const seconds = (simulate(tasks, input.maxParallelWrites).rounds + (prunes > 0 ? 1 : 0)) * ESTIMATE_OPERATION_SECONDS;
  const limitSeconds = input.timeoutMs / 1000;
  return seconds > limitSeconds ? { writes, seconds, operationSeconds: ESTIMATE_OPERATION_SECONDS, limitSeconds } : undefined;
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
