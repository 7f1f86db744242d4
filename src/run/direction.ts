// One write on one direction of a link, and its retries. Azure's conflict and throttling answers
// are retried here, not in the SDK (its retries are off, see azure/vnet-api.ts): wait as hinted,
// read the peering again (it may already be right), decide again, write again, until the deadline.
import { utcTime, type Timing } from '../clock.ts';
import type { PeeringWrite, VnetApi } from '../azure/vnet-api.ts';
import type { AdviceContext } from '../errors/codes.ts';
import { classify, toProblem } from '../errors/classify.ts';
import { decideAction, isTransitional, type RemoteSpace } from '../plan/link.ts';
import type { ObservedPeering, PeeringScope, PeeringSettings, Problem, SideAction } from '../model.ts';
import { retryDelay } from './retry.ts';

export interface DirectionJob {
  readonly kind: 'put' | 'delete';
  /** How the log names this direction: "hub → app1 'hub-to-app1'". */
  readonly label: string;
  readonly api: VnetApi;
  readonly name: string;
  readonly remoteVnetId: string;
  readonly remoteTenantId: string;
  /** The remote VNet's address space and subnets now (for the sync decision). */
  readonly remote: RemoteSpace;
  readonly desired: PeeringSettings;
  readonly desiredScope: PeeringScope | undefined;
  /** The action to take first (a put: create, update, sync or recreate). */
  readonly action: SideAction;
  /** The peering as planned (undefined for the create that follows a replace's delete). */
  readonly existing: ObservedPeering | undefined;
  /** Writable fields the action does not manage, sent back as they are. */
  readonly preserved: Readonly<Record<string, unknown>>;
  /** Re-PUT a side left Initiated although its counterpart exists. */
  readonly reconnect: boolean;
  readonly context: AdviceContext;
}

export interface DirectionResult {
  readonly outcome: 'done' | 'failed';
  readonly problem: Problem | undefined;
  /** The writes Azure accepted, in order. */
  readonly writes: readonly ('PUT' | 'DELETE')[];
}

const isBusy = (p: ObservedPeering | undefined): boolean => p !== undefined && isTransitional(p);

export async function runDirection(job: DirectionJob, t: Timing): Promise<DirectionResult> {
  const writes: ('PUT' | 'DELETE')[] = [];
  const opts = (kind: 'PUT' | 'DELETE') => ({ signal: t.signal, remoteTenantId: job.remoteTenantId, onAccepted: () => void writes.push(kind) });
  const body = (exists: boolean, reinitiate = false): PeeringWrite => ({
    ...job.desired,
    remoteVnetId: job.remoteVnetId,
    scope: job.desiredScope,
    preserved: job.preserved,
    syncRemoteAddressSpace: exists,
    reinitiate,
  });
  const failed = (e: unknown): DirectionResult => ({ outcome: 'failed', problem: toProblem(e, job.context), writes });
  const done = (): DirectionResult => ({ outcome: 'done', problem: undefined, writes });

  /** A Disconnected side: re-PUT it; delete and create it only when that is what cures Azure's refusal. */
  const recreate = async (): Promise<void> => {
    try {
      await job.api.putPeering(job.name, body(true, true), opts('PUT'));
    } catch (e: unknown) {
      const c = classify(e);
      if (c.transient || !c.curedByRecreate) throw e;
      t.log(`${job.label}: Azure refused the re-PUT (${c.code}); a fresh create cures that.`);
    }
    // Delete only what is still Disconnected: a peering repaired meanwhile is healthy and stays.
    const now = await job.api.getPeering(job.name, t.signal);
    if (now && now.peeringState !== 'Disconnected') return;
    if (now) {
      t.log(`${job.label}: still Disconnected; deleting and creating it.`);
      await job.api.deletePeering(job.name, opts('DELETE'));
    }
    await job.api.putPeering(job.name, body(false), opts('PUT'));
  };

  const carryOut = async (action: SideAction, existing: ObservedPeering | undefined): Promise<void> => {
    if (job.kind === 'delete') return job.api.deletePeering(job.name, opts('DELETE'));
    if (action === 'recreate') return recreate();
    return job.api.putPeering(job.name, body(existing !== undefined), opts('PUT'));
  };

  /** What to do now, from a fresh read; undefined when nothing is left to do. */
  const decide = (existing: ObservedPeering | undefined): SideAction | undefined => {
    if (job.kind === 'delete') return existing === undefined ? undefined : 'delete';
    const d = decideAction(existing, job.desired, job.desiredScope, job.remote);
    // A reconnect is still needed while the side stays Initiated; decideAction cannot see that.
    const stillReconnect = job.reconnect && existing?.peeringState === 'Initiated';
    if (d.action === 'none') return stillReconnect ? 'update' : undefined;
    return d.action;
  };

  const started = t.now();
  let action: SideAction = job.action;
  let existing = job.existing;
  let current = true; // `existing` is what Azure said last
  let lastRefusal: unknown; // the last transient answer, reported if time runs out
  for (let attempt = 0; ; attempt++) {
    let error: unknown;
    if (!current) {
      try {
        existing = await job.api.getPeering(job.name, t.signal);
        current = true;
      } catch (e: unknown) {
        error = e;
      }
      if (current && !isBusy(existing)) {
        const next = decide(existing);
        if (next === undefined) return done();
        // Only a delete can change the kind of a peering: a put job cannot.
        if (next === 'replace') {
          return {
            outcome: 'failed',
            writes,
            problem: { code: 'PeeringKindChanged', message: `Peering '${job.name}' is of the other kind (whole-VNet or subnet) again.`, advice: 'Someone changed it during the run; run again.' },
          };
        }
        action = next;
      }
    }
    if (current && !isBusy(existing)) {
      try {
        t.log(`${job.label}: ${action}${attempt ? ` (attempt ${attempt + 1})` : ''}`);
        await carryOut(action, existing);
        return done();
      } catch (e: unknown) {
        error = e;
        current = false;
      }
    }
    const c = error === undefined ? undefined : classify(error);
    if (t.signal.aborted) return failed(lastRefusal ?? error);
    if (c && !c.transient) {
      // A delete of what is gone already is done.
      if (job.kind === 'delete' && c.statusCode === 404) return done();
      return failed(error);
    }
    if (error !== undefined) lastRefusal = error;

    const wait = retryDelay(c, attempt);
    if (t.now() + wait > t.deadline) {
      if (lastRefusal !== undefined) return failed(lastRefusal);
      return {
        outcome: 'failed',
        writes,
        problem: {
          code: 'OperationInProgress',
          message: `Peering '${job.name}' stayed ${existing?.provisioningState ?? 'busy'} until the time limit.`,
          advice: 'Another operation on this peering did not finish in time. Run again, or raise timeout-minutes.',
        },
      };
    }
    const why = c ? `${c.code}, retrying` : `peering is ${existing?.provisioningState ?? 'busy'}, waiting`;
    t.log(`${job.label}: ${why} in ${Math.round(wait / 1000)} s (${Math.round((t.now() - started) / 1000)} s so far; gives up at ${utcTime(t.deadline)})`);
    try {
      await t.sleep(wait, t.signal);
    } catch (e: unknown) {
      return failed(lastRefusal ?? e);
    }
    current = false;
  }
}
