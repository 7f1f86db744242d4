// Facts derived from a report that every view shares: a link's category, whether it was written,
// the counts of spec/topology.md, which peerings are deleted. Pure.
import type { LinkResult, Problem, RunReport, SideAction, SideResult, UnmanagedPeering } from '../model.ts';
import { SIDE_ACTIONS, SIDES } from '../model.ts';

/**
 * failed: apply ended unhealthy, or a plan found a blocker (or could not read it);
 * pending: a plan with an action to take; unhealthy: a plan with nothing it can do and not healthy;
 * changed: apply wrote and it ended healthy; in-sync: healthy and nothing to do.
 */
export type LinkCategory = 'failed' | 'pending' | 'unhealthy' | 'changed' | 'in-sync';

/** Nothing decided and nothing tried: Azure was never read for this side. */
export const unread = (side: SideResult): boolean => side.action === 'none' && side.outcome === 'skipped';

/** Azure accepted a write on this side. */
export const sideWritten = (side: SideResult): boolean => side.outcome === 'done' || side.writes.length > 0;

export const linkWritten = (lr: LinkResult): boolean => SIDES.some((s) => sideWritten(lr.sides[s]));

export const linkHasAction = (lr: LinkResult): boolean => SIDES.some((s) => lr.sides[s].action !== 'none');

export function linkProblems(lr: LinkResult): Problem[] {
  return SIDES.flatMap((s) => (lr.sides[s].problem ? [lr.sides[s].problem] : []));
}

export function category(report: RunReport, lr: LinkResult): LinkCategory {
  if (report.mode === 'apply') {
    if (!lr.healthy) return 'failed';
    return linkWritten(lr) ? 'changed' : 'in-sync';
  }
  if (linkProblems(lr).length > 0 || SIDES.every((s) => unread(lr.sides[s]))) return 'failed';
  if (linkHasAction(lr)) return 'pending';
  return lr.healthy ? 'in-sync' : 'unhealthy';
}

/** Links a reader must look at: failed, pending or unhealthy. */
export const needsAttention = (c: LinkCategory): boolean => c === 'failed' || c === 'pending' || c === 'unhealthy';

/** The link's leading action: the one of highest precedence over its two directions. */
export function leadingAction(lr: LinkResult): SideAction {
  const rank = (a: SideAction): number => SIDE_ACTIONS.indexOf(a);
  return SIDES.map((s) => lr.sides[s].action).reduce((best, a) => (rank(a) < rank(best) ? a : best), 'none');
}

/** The `counts` of the `result` output (spec/topology.md, Outputs). */
export interface Counts {
  readonly links: number;
  readonly healthy: number;
  readonly changed: number;
  readonly failed: number;
  readonly pending: number;
  readonly pruned: number;
}

/** Under prune: deleted (apply) or to be deleted (plan). */
export function pruned(report: RunReport, u: UnmanagedPeering): boolean {
  return u.action === 'delete' && (report.mode === 'plan' || u.outcome === 'done');
}

export function counts(report: RunReport): Counts {
  const cats = report.links.map((lr) => category(report, lr));
  const plan = report.mode === 'plan';
  return {
    links: report.links.length,
    healthy: report.links.filter((lr) => lr.healthy).length,
    changed: report.links.filter((lr) => (plan ? linkHasAction(lr) : linkWritten(lr))).length,
    failed: cats.filter((c) => c === 'failed').length,
    pending: plan ? report.links.filter(linkHasAction).length : 0,
    pruned: report.unmanaged.filter((u) => pruned(report, u)).length,
  };
}

/** One peering the run deletes (or would): tear-down, the delete half of a replace, or prune. */
export interface Deletion {
  readonly why: 'tear-down' | 'replace' | 'prune';
  readonly vnet: string;
  readonly remoteVnet: string;
  readonly peeringName: string;
  readonly outcome: SideResult['outcome'];
  /** The link it belongs to (undefined for a pruned peering). */
  readonly link: LinkResult | undefined;
}

export function deletions(report: RunReport): Deletion[] {
  const out: Deletion[] = [];
  for (const lr of report.links) {
    for (const s of SIDES) {
      const side = lr.sides[s];
      if (side.action !== 'delete' && side.action !== 'replace') continue;
      out.push({
        why: side.action === 'delete' ? 'tear-down' : 'replace',
        vnet: side.vnet.id,
        remoteVnet: side.remoteVnet.id,
        peeringName: side.peeringName,
        outcome: side.outcome,
        link: lr,
      });
    }
  }
  for (const u of report.unmanaged) {
    if (u.action !== 'delete') continue;
    out.push({ why: 'prune', vnet: u.vnet, remoteVnet: u.remoteVnet, peeringName: u.peeringName, outcome: u.outcome, link: undefined });
  }
  return out;
}
