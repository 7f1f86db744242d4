// One run, start to end: read both sides, plan, apply (in apply mode), read again, and turn it all
// into the RunReport that outputs, summary and comment are made from.
import { applyPlan, type SideOutcome } from './direction.ts';
import type { SideApi } from '../azure/vnet-api.ts';
import { toProblem, type ErrorContext } from '../errors/errors.ts';
import type { Settings } from '../config/inputs.ts';
import {
  other,
  SIDES,
  type ObservedPeering,
  type Problem,
  type RunReport,
  type Side,
  type SideObservation,
  type SideResult,
  type Verdict,
} from '../model.ts';
import { arrowLabel, desiredSettings, isTransitional, plan, settingDiffs, type Plan } from '../plan/link.ts';
import { pairKey, sameId } from '../azure/resource-id.ts';
import { retryDelay, withRetries, type Timing } from './retry.ts';

export interface ReconcileDeps extends Timing {
  readonly apis: Readonly<Record<Side, SideApi>>;
  readonly contexts: Readonly<Record<Side, ErrorContext>>;
  /** True once the run was cancelled (SIGINT/SIGTERM), as opposed to timed out. */
  readonly cancelled: () => boolean;
  readonly group: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

/** Re-plans after a pass this many times at most, for effects one pass cannot reach. */
const MAX_PASSES = 3;

type Observed = Record<Side, SideObservation>;

async function observe(deps: ReconcileDeps, timing: Partial<Timing> = {}): Promise<Observed> {
  // Reads may run together; only writes must not. Throttled or failing-over reads are retried;
  // when one read fails for good, the others stop too (their retries would outlive the run).
  const siblings = new AbortController();
  const t: Timing = { ...deps, ...timing, signal: AbortSignal.any([timing.signal ?? deps.signal, siblings.signal]) };
  const read = async (side: Side): Promise<SideObservation> => {
    try {
      const api = deps.apis[side];
      const [vnet, peerings] = await Promise.all([
        withRetries(`Reading VNet ${side.toUpperCase()}`, () => api.readVnet(t.signal), t),
        withRetries(`Listing peerings of VNet ${side.toUpperCase()}`, () => api.listPeerings(t.signal), t),
      ]);
      return { vnet, peerings };
    } catch (e: unknown) {
      siblings.abort();
      throw new SideReadError(side, e);
    }
  };
  const [a, b] = await Promise.all([read('a'), read('b')]);
  return { a, b };
}

/** A peering of this pair (on either VNet, pointing at the other) that an operation is still changing. */
function busyPeering(settings: Settings, observed: Observed): ObservedPeering | undefined {
  for (const s of SIDES) {
    const remote = settings[other(s)].vnet.id;
    const busy = observed[s].peerings.find((p) => sameId(p.remoteVnetId, remote) && isTransitional(p));
    if (busy) return busy;
  }
  return undefined;
}

/**
 * Waits while an operation (say, one a cancelled run left behind) is still changing a peering of
 * the pair: planning on a half-done state would misjudge it. Bounded by the deadline.
 */
async function settle(settings: Settings, deps: ReconcileDeps, observed: Observed): Promise<Observed> {
  let current = observed;
  for (let attempt = 0; ; attempt++) {
    const busy = busyPeering(settings, current);
    const wait = retryDelay(undefined, attempt);
    if (!busy || deps.signal.aborted || deps.now() + wait > deps.deadline) return current;
    deps.log(`'${busy.name}' is ${busy.provisioningState}: waiting ${Math.round(wait / 1000)} s for that operation to end`);
    try {
      await deps.sleep(wait, deps.signal);
      current = await observe(deps);
    } catch (e: unknown) {
      // Cancelled or out of time while waiting: what was read stands.
      if (deps.signal.aborted) return current;
      throw e;
    }
  }
}

class SideReadError extends Error {
  readonly side: Side;
  readonly inner: unknown;
  constructor(side: Side, inner: unknown) {
    super(`reading side ${side} failed`);
    this.side = side;
    this.inner = inner;
  }
}

function findByName(peerings: readonly ObservedPeering[], name: string): ObservedPeering | undefined {
  return peerings.find((p) => p.name.toLowerCase() === name.toLowerCase());
}

function healthProblem(side: Side, p: ObservedPeering | undefined, sp: Plan['sides'][Side]): Problem | undefined {
  const label = `${arrowLabel(side)} ('${sp.name}')`;
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
  const diffs = settingDiffs(p, sp.desired);
  if (diffs.length) {
    return { code: 'SettingsDiffer', message: `${label} still differs: ${diffs.join(', ')}.`, advice: 'Azure did not keep the settings asked for; run again.' };
  }
  return undefined;
}

function sideResult(
  side: Side,
  settings: Settings,
  sp: Plan['sides'][Side],
  observed: Observed,
  outcome: SideOutcome,
  problem: Problem | undefined,
): SideResult {
  const found = sp.conflict ? undefined : findByName(observed[side].peerings, sp.name);
  return {
    side,
    vnet: settings[side].vnet,
    remoteVnet: settings[other(side)].vnet,
    tenantId: settings[side].tenantId,
    addressSpace: observed[side].vnet.addressPrefixes,
    peeringName: found?.name ?? sp.name,
    peeringId: found?.id ?? '',
    state: found?.peeringState ?? 'Missing',
    syncLevel: found?.syncLevel ?? '',
    provisioningState: found?.provisioningState ?? '',
    settings: found,
    desired: sp.desired,
    action: outcome.action,
    outcome: outcome.outcome,
    reason: sp.reason,
    problem: sp.conflict ?? problem,
  };
}

/** A report for a run that could not read Azure (sign-in or read failure). */
export function unreadReport(settings: Settings, problems: readonly Problem[], verdict: Verdict = 'failed'): RunReport {
  const side = (s: Side): SideResult => ({
    side: s,
    vnet: settings[s].vnet,
    remoteVnet: settings[other(s)].vnet,
    tenantId: settings[s].tenantId,
    addressSpace: [],
    peeringName: settings[s].givenPeeringName ?? settings[s].defaultPeeringName,
    peeringId: '',
    state: 'Missing',
    syncLevel: '',
    provisioningState: '',
    settings: undefined,
    desired: desiredSettings(s, settings),
    action: 'none',
    outcome: 'skipped',
    reason: 'not read',
    problem: undefined,
  });
  return {
    mode: settings.mode,
    verdict,
    changed: false,
    sides: { a: side('a'), b: side('b') },
    problems,
    pairKey: pairKey(settings.a.vnet, settings.b.vnet),
  };
}

export async function reconcile(settings: Settings, deps: ReconcileDeps): Promise<RunReport> {
  const planFor = (observed: Observed): Plan =>
    plan({ a: settings.a, b: settings.b, desired: settings, observed });
  const readProblem = (e: unknown): Problem => {
    const side = e instanceof SideReadError ? e.side : 'a';
    const problem = toProblem(e instanceof SideReadError ? e.inner : e, deps.contexts[side]);
    return { ...problem, message: `Reading VNet ${side.toUpperCase()}: ${problem.message}` };
  };

  let before: Observed;
  try {
    before = await deps.group('Read both sides', async () => {
      const read = await observe(deps);
      return settings.mode === 'apply' ? settle(settings, deps, read) : read;
    });
  } catch (e: unknown) {
    return unreadReport(settings, [readProblem(e)], deps.cancelled() ? 'cancelled' : 'failed');
  }
  const first = planFor(before);
  for (const s of SIDES) {
    const sp = first.sides[s];
    deps.log(`${arrowLabel(s)} '${sp.name}': ${sp.conflict ? `conflict: ${sp.conflict.message}` : `${sp.action} (${sp.reason})`}`);
  }

  const blocked = first.sides.a.conflict !== undefined || first.sides.b.conflict !== undefined;
  const problems: Problem[] = [];
  // Overlap is the first write's refusal to be: shown on the side that would be written first.
  const overlapOn = (s: Side): Problem | undefined => (first.overlap && first.order[0] === s ? first.overlap : undefined);

  const planned = (o: SideOutcome['outcome']): Record<Side, SideOutcome> => ({
    a: { action: first.sides.a.action, outcome: first.sides.a.action === 'none' ? 'none' : o, problem: undefined },
    b: { action: first.sides.b.action, outcome: first.sides.b.action === 'none' ? 'none' : o, problem: undefined },
  });

  if (settings.mode === 'plan' || blocked || first.overlap) {
    const outcomes = planned(settings.mode === 'plan' ? 'planned' : 'skipped');
    const pending = !blocked && first.order.length > 0;
    const verdict: Verdict =
      settings.mode === 'plan' ? (blocked ? 'failed' : pending ? 'pending' : 'in-sync') : 'failed';
    return {
      mode: settings.mode,
      verdict,
      changed: settings.mode === 'plan' && pending,
      sides: {
        a: sideResult('a', settings, first.sides.a, before, outcomes.a, overlapOn('a')),
        b: sideResult('b', settings, first.sides.b, before, outcomes.b, overlapOn('b')),
      },
      problems,
      pairKey: pairKey(settings.a.vnet, settings.b.vnet),
    };
  }

  // Apply: the first pass carries the plan out; later passes catch what only shows afterwards.
  const outcomes = planned('none');
  let wrote = false;
  let after = before;
  let current = first;
  for (let pass = 0; pass < MAX_PASSES && current.order.length > 0; pass++) {
    const remotes = {
      a: { id: settings.b.vnet.id, prefixes: after.b.vnet.addressPrefixes },
      b: { id: settings.a.vnet.id, prefixes: after.a.vnet.addressPrefixes },
    };
    const result = await deps.group(`Apply (pass ${pass + 1})`, () => applyPlan(current, { ...deps, remotes }));
    wrote ||= result.wrote;
    for (const s of SIDES) {
      const r = result.sides[s];
      // The first action taken on a side is the one reported; the latest outcome stands.
      if (r.outcome !== 'none') outcomes[s] = outcomes[s].outcome === 'none' ? r : { ...r, action: outcomes[s].action };
    }
    try {
      // Even when time is up or the run was cancelled, report what Azure now holds: a short read
      // with a budget of its own (a cancelled job has about 7 s before GitHub sends SIGTERM).
      const budget = deps.cancelled() ? 5_000 : 30_000;
      const own = deps.signal.aborted ? { signal: AbortSignal.timeout(budget), deadline: deps.now() + budget } : {};
      after = await deps.group('Read both sides again', () => observe(deps, own));
    } catch (e: unknown) {
      problems.push(readProblem(e));
      break;
    }
    if (SIDES.some((s) => result.sides[s].outcome === 'failed') || deps.signal.aborted) break;
    current = planFor(after);
  }

  const final = (s: Side): { result: SideResult; healthy: boolean } => {
    const sp = first.sides[s];
    const o = outcomes[s];
    const health = healthProblem(s, findByName(after[s].peerings, sp.name), sp);
    // A skipped side is unhealthy because of the other side's failure, which is reported there.
    const problem = o.problem ?? (o.outcome === 'skipped' ? undefined : health);
    return { result: sideResult(s, settings, sp, after, o, problem), healthy: health === undefined };
  };
  const a = final('a');
  const b = final('b');
  const healthy = a.healthy && b.healthy && problems.length === 0;
  const verdict: Verdict = deps.cancelled() ? 'cancelled' : !healthy ? 'failed' : wrote ? 'repaired' : 'in-sync';
  return {
    mode: 'apply',
    verdict,
    changed: wrote,
    sides: { a: a.result, b: b.result },
    problems,
    pairKey: pairKey(settings.a.vnet, settings.b.vnet),
  };
}
