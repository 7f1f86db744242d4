// Carrying a plan out: one side at a time, in the planned order, waiting for each operation.
// Azure's conflict and throttling answers are retried here (the SDK does not retry 400/409, nor a
// 429 without Retry-After): wait as hinted, read the peering again (it may already be right), decide
// again, write again, until the deadline.
import type { PeeringWrite, SideApi } from './azure.ts';
import { classify, toProblem, type ErrorContext } from './errors.ts';
import type { ObservedPeering, PeeringSettings, Problem, Side, SideAction, SideResult } from './model.ts';
import { arrowLabel, decideAction, type Plan, type SidePlan } from './plan.ts';

export interface ApplyDeps {
  readonly apis: Readonly<Record<Side, SideApi>>;
  readonly contexts: Readonly<Record<Side, ErrorContext>>;
  /** Each side's remote VNet ID and its current address prefixes. */
  readonly remotes: Readonly<Record<Side, { id: string; prefixes: readonly string[] }>>;
  /** Aborted on cancellation or when the run's time is up. */
  readonly signal: AbortSignal;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now: () => number;
  /** Epoch milliseconds after which no new wait starts. */
  readonly deadline: number;
  readonly log: (message: string) => void;
}

export interface SideOutcome {
  readonly action: SideAction;
  readonly outcome: SideResult['outcome'];
  readonly problem: Problem | undefined;
}

export interface ApplyResult {
  readonly sides: Record<Side, SideOutcome>;
  /** Azure accepted at least one write. */
  readonly wrote: boolean;
}

const TRANSITIONAL = new Set(['updating', 'deleting', 'creating']);
// Refusals that deleting and re-creating a Disconnected peering would not cure.
const NOT_CURED_BY_RECREATE = new Set([
  'AuthorizationFailed',
  'LinkedAuthorizationFailed',
  'InvalidAuthenticationToken',
  'InvalidAuthenticationTokenTenant',
  'ExpiredAuthenticationToken',
  'VnetAddressSpacesOverlap',
  'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet',
  'RemoteVnetHasNoGateways',
  'Aborted',
]);
const MIN_WAIT_MS = 1_000;
const BASE_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 30_000;

function write(remoteVnetId: string, desired: PeeringSettings, existing: ObservedPeering | undefined, reinitiate: boolean): PeeringWrite {
  return {
    ...desired,
    remoteVnetId,
    preserved: existing?.preserved ?? {},
    syncRemoteAddressSpace: existing !== undefined,
    reinitiate,
  };
}

export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  let wrote = false;
  const accepted = (): void => {
    wrote = true;
  };
  const sides: Record<Side, SideOutcome> = {
    a: { action: plan.sides.a.action, outcome: 'none', problem: undefined },
    b: { action: plan.sides.b.action, outcome: 'none', problem: undefined },
  };

  const carryOut = async (sp: SidePlan, action: SideAction, existing: ObservedPeering | undefined): Promise<void> => {
    const api = deps.apis[sp.side];
    const remoteId = deps.remotes[sp.side].id;
    const opts = { signal: deps.signal, onAccepted: accepted };
    if (action === 'none') return;
    if (action !== 'recreate') {
      await api.putPeering(sp.name, write(remoteId, sp.desired, existing, false), opts);
      return;
    }
    try {
      await api.putPeering(sp.name, write(remoteId, sp.desired, existing, true), opts);
      const after = await api.getPeering(sp.name, deps.signal);
      if (after && after.peeringState !== 'Disconnected') return;
      deps.log(`${arrowLabel(sp.side)}: still Disconnected after re-PUT; deleting and creating it.`);
    } catch (e: unknown) {
      const c = classify(e);
      if (c.transient || NOT_CURED_BY_RECREATE.has(c.code)) throw e;
      deps.log(`${arrowLabel(sp.side)}: Azure refused the re-PUT (${c.code}); deleting and creating it.`);
    }
    await api.deletePeering(sp.name, opts);
    await api.putPeering(sp.name, write(remoteId, sp.desired, existing, false), opts);
  };

  const runSide = async (sp: SidePlan): Promise<SideOutcome> => {
    let action = sp.action;
    let existing = sp.existing;
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      const busy = existing !== undefined && TRANSITIONAL.has(existing.provisioningState.toLowerCase());
      if (!busy) {
        try {
          deps.log(`${arrowLabel(sp.side)}: ${action} '${sp.name}'${attempt ? ` (attempt ${attempt + 1})` : ''}`);
          await carryOut(sp, action, existing);
          return { action: sp.action, outcome: 'done', problem: undefined };
        } catch (e: unknown) {
          failure = e;
        }
      }
      const c = failure === undefined ? undefined : classify(failure);
      if (deps.signal.aborted || (c && !c.transient)) {
        return { action: sp.action, outcome: 'failed', problem: toProblem(failure, deps.contexts[sp.side]) };
      }
      // Azure's hint is honoured as given (the deadline bounds it), but never below a second, so a
      // run of 'Retry-After: 0' answers cannot spin; without a hint, back off exponentially.
      const wait =
        c?.retryAfterMs !== undefined
          ? Math.max(c.retryAfterMs, MIN_WAIT_MS)
          : Math.min(BASE_BACKOFF_MS * 2 ** Math.min(attempt, 4), MAX_BACKOFF_MS);
      if (deps.now() + wait > deps.deadline) {
        const problem: Problem = c
          ? toProblem(failure, deps.contexts[sp.side])
          : {
              code: 'OperationInProgress',
              message: `Peering '${sp.name}' stayed '${existing?.provisioningState ?? ''}' until the time limit.`,
              advice: 'Another operation on this peering did not finish in time. Run again, or raise timeout-minutes.',
            };
        return { action: sp.action, outcome: 'failed', problem };
      }
      deps.log(
        `${arrowLabel(sp.side)}: ${c ? `${c.code}, retrying` : `peering is ${existing?.provisioningState}, waiting`} in ${Math.round(wait / 1000)} s`,
      );
      try {
        await deps.sleep(wait, deps.signal);
        // Read again: an overtaken or throttled write may have landed after all.
        existing = await deps.apis[sp.side].getPeering(sp.name, deps.signal);
      } catch (e: unknown) {
        // Stopped while waiting out Azure: the reason to report is what Azure kept answering.
        if (deps.signal.aborted && failure !== undefined) {
          return { action: sp.action, outcome: 'failed', problem: toProblem(failure, deps.contexts[sp.side]) };
        }
        throw e;
      }
      if (existing && TRANSITIONAL.has(existing.provisioningState.toLowerCase())) continue;
      const decided = decideAction(existing, sp.desired, deps.remotes[sp.side].prefixes);
      if (decided.action === 'none') return { action: sp.action, outcome: 'done', problem: undefined };
      // A peering that vanished while Disconnected now only needs creating, and so on.
      action = decided.action;
    }
  };

  for (const side of plan.order) {
    let outcome: SideOutcome;
    try {
      outcome = await runSide(plan.sides[side]);
    } catch (e: unknown) {
      // Only reads between retries and aborted sleeps land here.
      outcome = { action: plan.sides[side].action, outcome: 'failed', problem: toProblem(e, deps.contexts[side]) };
    }
    sides[side] = outcome;
    if (outcome.outcome === 'failed') {
      for (const rest of plan.order.filter((s) => sides[s].outcome === 'none' && s !== side)) {
        sides[rest] = { action: plan.sides[rest].action, outcome: 'skipped', problem: undefined };
      }
      break;
    }
  }
  return { sides, wrote };
}
