// Carrying a plan out: one side at a time, in the planned order, waiting for each operation.
// Azure's conflict and throttling answers are retried here, not in the SDK (its retries are off,
// see azure.ts): wait as hinted, read the peering again (it may already be right), decide again,
// write again, until the deadline.
import type { PeeringWrite, SideApi } from '../azure/vnet-api.ts';
import { classify, toProblem, type ErrorContext } from '../errors/errors.ts';
import type { ObservedPeering, PeeringSettings, Problem, Side, SideAction, SideResult } from '../model.ts';
import { arrowLabel, decideAction, isTransitional, type Plan, type SidePlan } from '../plan/link.ts';
import { retryDelay, type Timing } from './retry.ts';

export interface ApplyDeps extends Timing {
  readonly apis: Readonly<Record<Side, SideApi>>;
  readonly contexts: Readonly<Record<Side, ErrorContext>>;
  /** Each side's remote VNet ID and its current address prefixes. */
  readonly remotes: Readonly<Record<Side, { id: string; prefixes: readonly string[] }>>;
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

/** The body of a PUT; `exists` says whether the peering is there to be synced. */
function write(remoteVnetId: string, desired: PeeringSettings, existing: ObservedPeering | undefined, exists: boolean, reinitiate = false): PeeringWrite {
  return {
    ...desired,
    remoteVnetId,
    preserved: existing?.preserved ?? {},
    syncRemoteAddressSpace: exists,
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
      await api.putPeering(sp.name, write(remoteId, sp.desired, existing, existing !== undefined), opts);
      return;
    }
    try {
      await api.putPeering(sp.name, write(remoteId, sp.desired, existing, true, true), opts);
    } catch (e: unknown) {
      const c = classify(e);
      if (c.transient || NOT_CURED_BY_RECREATE.has(c.code)) throw e;
      deps.log(`${arrowLabel(sp.side)}: Azure refused the re-PUT (${c.code}).`);
    }
    // Delete only what is still Disconnected: a peering repaired meanwhile is healthy and stays.
    const now = await api.getPeering(sp.name, deps.signal);
    if (now && now.peeringState !== 'Disconnected') return;
    if (now) {
      deps.log(`${arrowLabel(sp.side)}: still Disconnected; deleting and creating it.`);
      await api.deletePeering(sp.name, opts);
    }
    await api.putPeering(sp.name, write(remoteId, sp.desired, existing, false), opts);
  };

  const isBusy = (p: ObservedPeering | undefined): boolean => p !== undefined && isTransitional(p);

  /**
   * Writes one side until it is right, Azure refuses for good, or time is up. Between attempts it
   * waits (as Azure hints), then reads the peering again and decides again: a write that seemed to
   * fail may have landed, and an operation in progress is waited out rather than overtaken.
   */
  const runSide = async (sp: SidePlan): Promise<SideOutcome> => {
    const done: SideOutcome = { action: sp.action, outcome: 'done', problem: undefined };
    const failed = (e: unknown): SideOutcome => ({ action: sp.action, outcome: 'failed', problem: toProblem(e, deps.contexts[sp.side]) });
    let action = sp.action;
    let existing = sp.existing;
    let current = true; // `existing` is what Azure said last
    let lastRefusal: unknown; // the last transient answer, reported if time runs out
    for (let attempt = 0; ; attempt++) {
      let error: unknown;
      if (!current) {
        try {
          existing = await deps.apis[sp.side].getPeering(sp.name, deps.signal);
          current = true;
        } catch (e: unknown) {
          error = e;
        }
        if (current && !isBusy(existing)) {
          const decided = decideAction(existing, sp.desired, deps.remotes[sp.side].prefixes);
          // A reconnect is still needed while the side stays Initiated; decideAction cannot see that.
          const stillReconnect = sp.reconnect === true && existing?.peeringState === 'Initiated';
          if (decided.action === 'none' && !stillReconnect) return done;
          action = stillReconnect && decided.action === 'none' ? 'update' : decided.action;
        }
      }
      if (current && !isBusy(existing)) {
        try {
          deps.log(`${arrowLabel(sp.side)}: ${action} '${sp.name}'${attempt ? ` (attempt ${attempt + 1})` : ''}`);
          await carryOut(sp, action, existing);
          return done;
        } catch (e: unknown) {
          error = e;
          current = false;
        }
      }
      const c = error === undefined ? undefined : classify(error);
      if (deps.signal.aborted) return failed(lastRefusal ?? error);
      if (c && !c.transient) return failed(error);
      if (error !== undefined) lastRefusal = error;

      const wait = retryDelay(c, attempt);
      if (deps.now() + wait > deps.deadline) {
        if (lastRefusal !== undefined) return failed(lastRefusal);
        return {
          action: sp.action,
          outcome: 'failed',
          problem: {
            code: 'OperationInProgress',
            message: `Peering '${sp.name}' stayed ${existing?.provisioningState ?? 'busy'} until the time limit.`,
            advice: 'Another operation on this peering did not finish in time. Run again, or raise timeout-minutes.',
          },
        };
      }
      deps.log(
        `${arrowLabel(sp.side)}: ${c ? `${c.code}, retrying` : `peering is ${existing?.provisioningState}, waiting`} in ${Math.round(wait / 1000)} s`,
      );
      try {
        await deps.sleep(wait, deps.signal);
      } catch (e: unknown) {
        return failed(lastRefusal ?? e);
      }
      current = false;
    }
  };

  for (const side of plan.order) {
    let outcome: SideOutcome;
    try {
      outcome = await runSide(plan.sides[side]);
    } catch (e: unknown) {
      // runSide reports Azure's answers itself; this is for anything unforeseen.
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
