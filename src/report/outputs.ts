// The step outputs, the result file, whether the step fails and what the log says last. Pure.
import type {
  FoundSettings,
  LinkResult,
  PeeringScope,
  PeeringSettings,
  Problem,
  RunReport,
  Side,
  SideResult,
  UnmanagedPeering,
} from '../model.ts';
import { SIDES, settingsOf } from '../model.ts';
import { logText } from './escape.ts';
import { pairLink } from './markdown.ts';
import { planWouldFail } from './sections.ts';
import { category, counts, linkHasAction, pruned, type Counts } from './status.ts';
import { BUCKETS, PAIR_DIRECTION, bucket, linkDirection, linkWords, plural, planVerb, sideNote, type Bucket } from './words.ts';

/** GitHub's limit for one output; past it `result` holds the short form. */
export const MAX_OUTPUT_BYTES = 1_048_576;

/** Marks a result file as ours, and its layout's version (for the merge of shards). */
export const RESULT_FORMAT = 'azure-vnet-peering/result';
export const RESULT_FORMAT_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// JSON shapes: the contract's (`result`), and what the result file adds so a merge can rebuild
// the run's report.

export interface ProblemJson {
  readonly code: string;
  readonly message: string;
  readonly advice: string;
}

/** A direction as spec/action.md lists it in `result`. */
export interface SideJson {
  readonly vnet: string;
  readonly remoteVnet: string;
  readonly tenantId: string;
  readonly addressSpace: readonly string[];
  readonly peeringName: string;
  readonly peeringId: string;
  readonly state: SideResult['state'];
  readonly syncLevel: SideResult['syncLevel'];
  readonly provisioningState: string;
  readonly action: SideResult['action'];
  readonly outcome: SideResult['outcome'];
  readonly reason: string;
  readonly settings: FoundSettings | null;
  readonly desired: PeeringSettings;
  readonly error: ProblemJson | null;
}

/** The result file's direction: the contract's fields and what a merge needs besides. */
export interface SideFileJson extends SideJson {
  readonly scope: PeeringScope | null;
  readonly desiredScope: PeeringScope | null;
  readonly writes: SideResult['writes'];
}

export interface LinkJson<S extends SideJson = SideJson> {
  readonly key: string;
  readonly entry: string;
  readonly ensure: LinkResult['link']['ensure'];
  readonly vnets: readonly [string, string];
  readonly aliases: readonly [string, string];
  readonly a: S;
  readonly b: S;
}

export interface EndJson {
  readonly vnet: string;
  readonly alias: string;
  readonly tenant: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly givenPeeringName: string | null;
  readonly defaultPeeringName: string;
}

export interface LinkFileJson extends LinkJson<SideFileJson> {
  readonly index: number;
  readonly healthy: boolean;
  readonly warnings: readonly ProblemJson[];
  readonly allowVirtualNetworkAccess: boolean;
  readonly allowForwardedTraffic: boolean;
  readonly gatewayTransit: LinkResult['link']['gatewayTransit'];
  readonly kind: LinkResult['link']['kind'];
  readonly locator: LinkResult['link']['locator'];
  readonly ends: { readonly a: EndJson; readonly b: EndJson };
}

export interface UnmanagedJson {
  readonly vnet: string;
  readonly remoteVnet: string;
  readonly peeringName: string;
  readonly peeringId: string;
  readonly state: UnmanagedPeering['state'];
  readonly action: UnmanagedPeering['action'];
  readonly outcome: UnmanagedPeering['outcome'];
}

export interface UnmanagedFileJson extends UnmanagedJson {
  readonly error: ProblemJson | null;
}

const problemJson = (p: Problem): ProblemJson => ({ code: p.code, message: p.message, advice: p.advice });

function sideJson(r: SideResult): SideJson {
  const found = r.settings;
  return {
    vnet: r.vnet.id,
    remoteVnet: r.remoteVnet.id,
    tenantId: r.tenantId,
    addressSpace: r.addressSpace,
    peeringName: r.peeringName,
    peeringId: r.peeringId,
    state: r.state,
    syncLevel: r.syncLevel,
    provisioningState: r.provisioningState,
    action: r.action,
    outcome: r.outcome,
    reason: r.reason,
    settings: found ? settingsOf((k) => found[k]) : null,
    desired: settingsOf((k) => r.desired[k]),
    error: r.problem ? problemJson(r.problem) : null,
  };
}

const sideFileJson = (r: SideResult): SideFileJson => ({
  ...sideJson(r),
  scope: r.scope ?? null,
  desiredScope: r.desiredScope ?? null,
  writes: r.writes,
});

function linkJson<S extends SideJson>(lr: LinkResult, side: (r: SideResult) => S): LinkJson<S> {
  const { link } = lr;
  return {
    key: link.key,
    entry: link.entry,
    ensure: link.ensure,
    vnets: [link.ends.a.vnet.id, link.ends.b.vnet.id],
    aliases: [link.ends.a.alias, link.ends.b.alias],
    a: side(lr.sides.a),
    b: side(lr.sides.b),
  };
}

function endJson(lr: LinkResult, s: Side): EndJson {
  const end = lr.link.ends[s];
  return {
    vnet: end.vnet.id,
    alias: end.alias,
    tenant: end.tenant,
    tenantId: end.identity.tenantId,
    clientId: end.identity.clientId,
    givenPeeringName: end.givenPeeringName ?? null,
    defaultPeeringName: end.defaultPeeringName,
  };
}

function linkFileJson(lr: LinkResult): LinkFileJson {
  const { link } = lr;
  return {
    ...linkJson(lr, sideFileJson),
    index: link.index,
    healthy: lr.healthy,
    warnings: lr.warnings.map(problemJson),
    allowVirtualNetworkAccess: link.allowVirtualNetworkAccess,
    allowForwardedTraffic: link.allowForwardedTraffic,
    gatewayTransit: link.gatewayTransit,
    kind: link.kind,
    locator: link.locator,
    ends: { a: endJson(lr, 'a'), b: endJson(lr, 'b') },
  };
}

const unmanagedJson = (u: UnmanagedPeering): UnmanagedJson => ({
  vnet: u.vnet,
  remoteVnet: u.remoteVnet,
  peeringName: u.peeringName,
  peeringId: u.peeringId,
  state: u.state,
  action: u.action,
  outcome: u.outcome,
});

/** The `result` output's object: the pair's shape (spec/action.md) or the topology's. */
export function resultObject(report: RunReport): Record<string, unknown> {
  const lr = pairLink(report);
  const errors = report.problems.map(problemJson);
  if (lr) {
    return {
      mode: report.mode,
      verdict: report.verdict,
      changed: report.changed,
      addressSpaces: { a: lr.sides.a.addressSpace, b: lr.sides.b.addressSpace },
      a: sideJson(lr.sides.a),
      b: sideJson(lr.sides.b),
      errors,
    };
  }
  return {
    mode: report.mode,
    verdict: report.verdict,
    changed: report.changed,
    counts: counts(report),
    links: report.links.map((l) => linkJson(l, sideJson)),
    unmanaged: report.unmanaged.map(unmanagedJson),
    errors,
  };
}

const shardText = (report: RunReport): string | null => (report.shard ? `${report.shard.index}/${report.shard.count}` : null);

/**
 * The result file: the whole `result` JSON, never cut, plus `shard` and `topologyDigest`, and for
 * a topology what a merge needs to rebuild the report (every side's scope and writes, each link's
 * ends and locator, the tenants and VNets of the file).
 */
export function resultFileJson(report: RunReport): string {
  const common = {
    format: RESULT_FORMAT,
    formatVersion: RESULT_FORMAT_VERSION,
    shard: shardText(report),
    topologyDigest: report.source.kind === 'file' ? report.source.digest : null,
    topology: report.source.kind === 'file' ? report.source.path : null,
  };
  const lr = pairLink(report);
  if (lr) {
    const pair = resultObject(report);
    return `${JSON.stringify({ ...pair, a: sideFileJson(lr.sides.a), b: sideFileJson(lr.sides.b), ...common }, null, 2)}\n`;
  }
  const file = {
    mode: report.mode,
    verdict: report.verdict,
    changed: report.changed,
    counts: counts(report),
    links: report.links.map(linkFileJson),
    unmanaged: report.unmanaged.map((u): UnmanagedFileJson => ({ ...unmanagedJson(u), error: u.problem ? problemJson(u.problem) : null })),
    errors: report.problems.map(problemJson),
    ...common,
    tenants: report.tenants.map((t) => ({ alias: t.alias, tenantId: t.identity.tenantId, clientId: t.identity.clientId })),
    vnets: report.vnets.map((v) => ({ alias: v.alias, id: v.vnet.id, tenant: v.tenant, tenantId: v.identity.tenantId, clientId: v.identity.clientId })),
    estimate: report.estimate ?? null,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * The step outputs, all strings: `changed`, the pair's per-side outputs (empty for a topology),
 * `result` (the short form past 1 MiB, always valid JSON) and `result-file`.
 */
export function toOutputs(report: RunReport, resultFile: string): Record<string, string> {
  const out: Record<string, string> = { changed: String(report.changed) };
  const lr = pairLink(report);
  for (const s of SIDES) {
    const r = lr?.sides[s];
    out[`state-${s}`] = r?.state ?? '';
    out[`sync-level-${s}`] = r?.syncLevel ?? '';
    out[`action-${s}`] = r?.action ?? '';
    out[`peering-id-${s}`] = r?.peeringId ?? '';
  }
  const result = JSON.stringify(resultObject(report));
  out.result =
    Buffer.byteLength(result, 'utf8') <= MAX_OUTPUT_BYTES
      ? result
      : JSON.stringify({ truncated: true, mode: report.mode, verdict: report.verdict, changed: report.changed, counts: counts(report), resultFile });
  out['result-file'] = resultFile;
  return out;
}

export { counts, type Counts };

// ---------------------------------------------------------------------------------------------
// Failure and the log

/**
 * Whether the step fails. apply: unless the verdict is in-sync or repaired. plan: when it failed
 * (Azure unread, a conflict), when it knows apply would be refused, or with fail-on-drift when
 * anything is pending. A cancelled run fails in either mode.
 */
export function shouldFail(report: RunReport, failOnDrift: boolean): boolean {
  if (report.verdict === 'failed' || report.verdict === 'cancelled') return true;
  if (report.mode === 'apply') return false;
  return planWouldFail(report) || (failOnDrift && (report.verdict === 'pending' || report.changed));
}

const problemText = (p: Problem): string => `${logText(p.code, 200)}: ${logText(p.message)}${p.advice ? ` ${logText(p.advice)}` : ''}`;

/** Lines about one link's problems (or its unhealthy state) for the failure message. */
function sideLines(lr: LinkResult, dir: (s: Side) => string): string[] {
  const lines: string[] = [];
  for (const s of SIDES) {
    const r = lr.sides[s];
    const where = `${dir(s)} '${logText(r.peeringName, 200)}' on ${logText(r.vnet.name, 200)} (state ${r.state}${r.syncLevel ? `, ${r.syncLevel}` : ''})`;
    if (r.problem) lines.push(`${where}: ${problemText(r.problem)}`);
  }
  return lines;
}

/** Links listed by name in the failure message; the rest are counted. */
const MAX_FAILED_LINKS = 50;

/** The step's failure message: each failed link, side, state, Azure code and fix. */
export function failureMessage(report: RunReport): string {
  const lines: string[] = [];
  if (report.verdict === 'cancelled') lines.push('The run was cancelled; operations already accepted by Azure go on, and the next run converges.');
  for (const p of report.problems) lines.push(problemText(p));
  const lr = pairLink(report);
  if (lr) {
    lines.push(...sideLines(lr, (s) => PAIR_DIRECTION[s]));
    if (report.mode === 'plan' && report.verdict === 'pending' && !planWouldFail(report)) {
      const pending = SIDES.filter((s) => lr.sides[s].action !== 'none');
      lines.unshift(
        `Drift: ${pending.map((s) => `${PAIR_DIRECTION[s]} needs ${lr.sides[s].action} (${logText(lr.sides[s].reason, 300)})`).join('; ')}. Run with mode: apply to repair.`,
      );
    }
    return lines.join('\n') || 'The peering is not healthy.';
  }

  const failed = report.links.filter((l) => category(report, l) === 'failed');
  if (failed.length) {
    lines.push(
      report.mode === 'plan'
        ? `Apply would fail for ${failed.length} of ${plural(report.links.length, 'link')}:`
        : `${failed.length} of ${plural(report.links.length, 'link')} failed:`,
    );
  }
  for (const l of failed.slice(0, MAX_FAILED_LINKS)) {
    const name = `${logText(l.link.ends.a.alias, 200)} ⇄ ${logText(l.link.ends.b.alias, 200)} (${logText(l.link.entry, 200)})`;
    const sides = sideLines(l, (s) => logText(linkDirection(l, s), 400));
    if (sides.length) lines.push(...sides.map((x) => `${name}: ${x}`));
    else lines.push(`${name}: ${logText(linkWords(l, report.mode), 200)}; ${SIDES.map((s) => `${logText(linkDirection(l, s), 400)} is ${l.sides[s].state}${l.sides[s].syncLevel ? `, ${l.sides[s].syncLevel}` : ''}`).join(', ')}`);
  }
  if (failed.length > MAX_FAILED_LINKS) lines.push(`… and ${plural(failed.length - MAX_FAILED_LINKS, 'more link')}: see the job summary and the result-file.`);
  for (const u of report.unmanaged) {
    if (u.problem) lines.push(`Prune '${logText(u.peeringName, 200)}' on ${logText(u.vnet, 400)}: ${problemText(u.problem)}`);
  }
  if (report.mode === 'plan' && !planWouldFail(report)) {
    const pending = report.links.filter(linkHasAction);
    const prunes = report.unmanaged.filter((u) => pruned(report, u)).length;
    if (pending.length || prunes) {
      const names = pending.slice(0, 20).map((l) => `${logText(l.link.ends.a.alias, 200)} ⇄ ${logText(l.link.ends.b.alias, 200)} (${logText(linkWords(l, report.mode), 100)})`);
      const more = pending.length > 20 ? ` and ${pending.length - 20} more` : '';
      const prune = prunes ? `${pending.length ? '; ' : ''}${plural(prunes, 'peering')} to prune` : '';
      lines.unshift(`Drift: ${names.join(', ')}${more}${prune}. Run with mode: apply to carry it out.`);
    }
  }
  return lines.join('\n') || 'The topology is not healthy.';
}

/** Plan mode's warnings and the blockers apply would meet, one log line each (for core.warning). */
export function warningLines(report: RunReport): string[] {
  const lines: string[] = [];
  const lr = pairLink(report);
  for (const l of report.links) {
    const name = lr ? '' : `${logText(l.link.ends.a.alias, 200)} ⇄ ${logText(l.link.ends.b.alias, 200)}: `;
    for (const w of l.warnings) lines.push(`${name}${problemText(w)}`);
    if (report.mode === 'plan') {
      for (const s of SIDES) {
        const p = l.sides[s].problem;
        const dir = lr ? PAIR_DIRECTION[s] : logText(linkDirection(l, s), 400);
        if (p) lines.push(`Apply would fail: ${name}${dir}: ${problemText(p)}`);
      }
    }
  }
  return lines;
}

const VERDICT_WORD: Readonly<Record<RunReport['verdict'], string>> = {
  'in-sync': 'In sync',
  repaired: 'Applied',
  pending: 'Plan: changes pending',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

function verdictWord(report: RunReport): string {
  if (report.mode === 'plan' && planWouldFail(report) && report.links.some((l) => category(report, l) === 'failed')) return 'Plan: apply would fail';
  if (report.mode === 'plan' && report.verdict === 'in-sync') return 'In sync (plan)';
  return VERDICT_WORD[report.verdict];
}

/**
 * One line saying how the run ended, for the step log's last line: per direction for a pair
 * ("Applied — A→B 'hub-to-spoke': created, now Connected/FullyInSync; B→A …"), counts for a topology.
 */
export function finalLine(report: RunReport): string {
  const head = verdictWord(report);
  const lr = pairLink(report);
  if (lr) {
    const side = (s: Side): string => {
      const r = lr.sides[s];
      const note = sideNote(r, report.mode) || (report.mode === 'plan' ? 'nothing to do' : 'nothing done');
      const state = `${r.state}${r.syncLevel ? `/${r.syncLevel}` : ''}`;
      return `${PAIR_DIRECTION[s]} '${logText(r.peeringName, 200)}': ${logText(note, 100)}, ${state}${r.problem ? ` (${logText(r.problem.code, 200)})` : ''}`;
    };
    const run = report.problems.length ? `; ${report.problems.map((p) => logText(p.code, 200)).join(', ')}` : '';
    return `${head} — ${side('a')}; ${side('b')}${run}`;
  }
  const c = counts(report);
  const cats = report.links.map((l) => ({ l, cat: category(report, l) }));
  const parts: string[] = [];
  if (c.failed) parts.push(`${c.failed} ${report.mode === 'plan' ? 'blocked' : 'failed'}`);
  const tally = new Map<Bucket, number>();
  for (const { l, cat } of cats) if (cat === 'changed' || cat === 'pending') tally.set(bucket(l), (tally.get(bucket(l)) ?? 0) + 1);
  for (const b of BUCKETS) {
    const n = tally.get(b);
    if (n) parts.push(report.mode === 'plan' ? `would ${planVerb(b)} ${n}` : `${n} ${b}`);
  }
  const inSync = cats.filter((x) => x.cat === 'in-sync').length;
  if (inSync) parts.push(`${inSync} in sync`);
  if (c.pruned) parts.push(`${c.pruned} ${report.mode === 'plan' ? 'to prune' : 'pruned'}`);
  if (report.problems.length) parts.push(`${plural(report.problems.length, 'run problem')} (${report.problems.map((p) => logText(p.code, 200)).slice(0, 5).join(', ')})`);
  const shard = report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : '';
  return `${head} — ${plural(c.links, 'link')}${shard}: ${parts.join(', ') || 'nothing to report'}`;
}
