// The topology report (spec/topology.md, The report): verdict and counts first, run problems,
// warnings, what is deleted, the diagram, the links that need attention with their two
// directions, peerings not in the file, then the healthy links collapsed. What it shows of each
// list is given by `TopologyLimits`, so markdown.ts can fit it in a budget. Pure.
import type { LinkResult, Problem, RunReport, UnmanagedPeering } from '../model.ts';
import { parseVnetId } from '../azure/resource-id.ts';
import { escapeName, escapeText } from './escape.ts';
import { topologyDiagram } from './diagram.ts';
import { directionTable, linkProblemItems, problemItem } from './link-block.ts';
import { estimateNotice, modeLine, runProblemsBlock } from './sections.ts';
import {
  category,
  deletions,
  linkProblems,
  needsAttention,
  unread,
  type Deletion,
  type LinkCategory,
} from './status.ts';
import {
  BUCKETS,
  CATEGORY_ICON,
  VERDICT_ICON,
  assertNever,
  bucket,
  codeTally,
  linkDirection,
  linkWords,
  plural,
  planVerb,
  sideNote,
  stateIcon,
  type Bucket,
} from './words.ts';

/** How much of each list the report shows; the rest is counted. */
export interface TopologyLimits {
  readonly runProblems: number;
  readonly diagram: boolean;
  /** Links that need attention shown with their full detail (the first, most severe first). */
  readonly details: number;
  /** Further links that need attention shown as one table row each. */
  readonly rows: number;
  readonly deletions: number;
  /** Peerings not in the file (left alone) listed. */
  readonly notInFile: number;
  readonly healthy: number;
  /** Where what is left out can be found ("the job summary and the `result-file`"). */
  readonly elsewhere: string;
  /** Said under the first line when anything is left out; '' when nothing is. */
  readonly note: string;
}

/** Run-level problems listed at most; the rest are counted (all are in the result file). */
export const MAX_RUN_PROBLEMS = 20;

export const ALL: TopologyLimits = {
  runProblems: MAX_RUN_PROBLEMS,
  diagram: true,
  details: Infinity,
  rows: Infinity,
  deletions: Infinity,
  notInFile: Infinity,
  healthy: Infinity,
  elsewhere: 'the `result-file`',
  note: '',
};

interface Classified {
  readonly lr: LinkResult;
  readonly cat: LinkCategory;
}

const SEVERITY: Readonly<Record<LinkCategory, number>> = { failed: 0, unhealthy: 1, pending: 2, changed: 3, 'in-sync': 4 };

// The report is fitted by rendering it again with other limits: what does not depend on them is
// worked out once per report.
const classified = new WeakMap<RunReport, { attention: Classified[]; healthy: Classified[] }>();
const diagrams = new WeakMap<RunReport, string>();

/** Attention first (failed, unhealthy, then pending deletes before other pending), then the rest. */
function classify(report: RunReport): { attention: Classified[]; healthy: Classified[] } {
  const known = classified.get(report);
  if (known) return known;
  const all = report.links.map((lr) => ({ lr, cat: category(report, lr) }));
  const deleting = (c: Classified): number => (c.cat === 'pending' && ['torn down', 'replaced'].includes(bucket(c.lr)) ? 0 : 1);
  const attention = all
    .filter((c) => needsAttention(c.cat))
    .sort((x, y) => SEVERITY[x.cat] - SEVERITY[y.cat] || deleting(x) - deleting(y) || x.lr.link.index - y.lr.link.index);
  const healthy = all.filter((c) => !needsAttention(c.cat)).sort((x, y) => x.lr.link.index - y.lr.link.index);
  classified.set(report, { attention, healthy });
  return { attention, healthy };
}

const key = (id: string): string => id.replace(/\/+$/, '').toLowerCase();

const aliases = new WeakMap<RunReport, Map<string, string>>();

/** The alias of a VNet of the file, else the name from its ID. */
function vnetName(report: RunReport, id: string): string {
  let byId = aliases.get(report);
  if (!byId) {
    byId = new Map(report.vnets.map((v) => [key(v.vnet.id), v.alias]));
    aliases.set(report, byId);
  }
  const alias = byId.get(key(id));
  if (alias !== undefined) return alias;
  const parsed = parseVnetId(id);
  return 'name' in parsed ? parsed.name : id;
}

const pairName = (lr: LinkResult): string => `${lr.link.ends.a.alias} ⇄ ${lr.link.ends.b.alias}`;

// ---------------------------------------------------------------------------------------------
// The first line

function scale(report: RunReport): string {
  const shard = report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : '';
  return `${plural(report.links.length, 'link')}${shard}, ${plural(report.vnets.length, 'VNet')}, ${plural(report.tenants.length, 'tenant')}`;
}

function tally(links: readonly Classified[], pick: (c: Classified) => boolean): Map<Bucket, number> {
  const t = new Map<Bucket, number>();
  for (const c of links) if (pick(c)) t.set(bucket(c.lr), (t.get(bucket(c.lr)) ?? 0) + 1);
  return t;
}

/** "12 created, 3 repaired, 85 in sync" (apply) or "would create 12, repair 3" (plan). */
function bucketWords(t: ReadonlyMap<Bucket, number>, plan: boolean): string {
  // Tear-downs are said by the deletions, in peerings.
  const present = BUCKETS.filter((b) => (t.get(b) ?? 0) > 0 && b !== 'torn down' && (!plan || b !== 'in sync'));
  if (!plan) return present.map((b) => `${t.get(b)} ${b}`).join(', ');
  return present.length ? `would ${present.map((b) => `${planVerb(b)} ${t.get(b)}`).join(', ')}` : '';
}

function deletionWords(report: RunReport, dels: readonly Deletion[]): string {
  if (dels.length === 0) return '';
  const by = (why: Deletion['why']): number => dels.filter((d) => d.why === why).length;
  const parts = [
    by('tear-down') ? `tear-down ${by('tear-down')}` : '',
    by('replace') ? `replace ${by('replace')}` : '',
    by('prune') ? `prune ${by('prune')}` : '',
  ].filter((p) => p !== '');
  const head = report.mode === 'plan' ? `🗑️ would delete ${plural(dels.length, 'peering')}` : `🗑️ ${plural(dels.length, 'peering')} deleted`;
  return `${head} (${parts.join(', ')})`;
}

function verdictLine(report: RunReport, attention: readonly Classified[], healthy: readonly Classified[]): string {
  const all = [...attention, ...healthy];
  const plan = report.mode === 'plan';
  const dels = deletions(report).filter((d) => (plan ? true : d.outcome === 'done'));
  const inSync = all.filter((c) => c.cat === 'in-sync').length;
  const failed = attention.filter((c) => c.cat === 'failed');
  const codes = failed.flatMap((c) => linkProblems(c.lr).map((p) => p.code));
  const codeText = codes.length ? ` (${escapeName(codeTally(codes))})` : '';
  const runCodes = report.problems.length ? escapeName(codeTally(report.problems.map((p) => p.code))) : '';
  const done = bucketWords(tally(all, (c) => c.cat === 'changed'), false);
  const pending = bucketWords(tally(all, (c) => c.cat === 'pending'), true);
  const syncWords = inSync ? `${inSync} in sync` : '';
  const join = (...parts: string[]): string => parts.filter((p) => p !== '').join(' · ');
  const icon = VERDICT_ICON[report.verdict];
  const v = report.verdict;
  switch (v) {
    case 'in-sync':
      return `### ${icon} In sync${plan ? ' (plan)' : ''} — ${plan ? 'nothing would change' : 'nothing to change'} · ${scale(report)}`;
    case 'repaired':
      return `### ${icon} Applied — ${join(deletionWords(report, dels), [done, syncWords].filter((p) => p).join(', '))} · ${scale(report)}`;
    case 'pending':
    case 'failed': {
      if (plan) {
        // A plan that would fail says so first, then what it deletes, then the rest.
        const blockers = failed.length ? `apply would fail for ${plural(failed.length, 'link')}${codeText}` : '';
        const lead = runCodes
          ? `Plan failed — ${runCodes}${blockers ? `; ${blockers}` : ''}`
          : blockers
            ? `Plan — ${blockers}`
            : v === 'failed'
              ? 'Plan — apply would fail'
              : '';
        // The engine may call a plan with blockers pending: it still says apply would fail.
        const mark = v === 'pending' && lead ? '⚠️' : icon;
        const rest = join(deletionWords(report, dels), pending || (lead ? '' : 'changes pending'), syncWords);
        return `### ${mark} ${lead ? join(lead, rest) : `Plan — ${rest}`} · ${scale(report)}`;
      }
      if (v === 'pending') return `### ${icon} ${join(pending || 'changes pending', syncWords)} · ${scale(report)}`;
      const unreadAll = report.links.length > 0 && report.links.every((lr) => unread(lr.sides.a) && unread(lr.sides.b));
      const what = unreadAll
        ? `Azure could not be read${runCodes ? `: ${runCodes}` : ''}`
        : [runCodes, failed.length ? `${failed.length} of ${plural(report.links.length, 'link')} failed${codeText}` : ''].filter((p) => p).join('; ');
      return `### ${icon} Failed — ${join(what || 'not healthy', unreadAll ? '' : deletionWords(report, dels), unreadAll ? '' : [done, syncWords].filter((p) => p).join(', '))} · ${scale(report)}`;
    }
    case 'cancelled':
      return `### ${icon} Cancelled — stopped before finishing${done ? ` (${done})` : ''}; the next run picks up from what it finds · ${scale(report)}`;
    default:
      return assertNever(v);
  }
}

// ---------------------------------------------------------------------------------------------
// Blocks

function shardNotice(report: RunReport): string {
  if (!report.shard) return '';
  const path = report.source.kind === 'file' ? ` of ${escapeName(report.source.path)}` : '';
  return `> This is shard ${report.shard.index}/${report.shard.count}${path}: it shows this shard's links only; the \`results\` run merges the shards into one report.`;
}

interface Cause {
  readonly problem: Problem;
  readonly link: string;
}

/**
 * Problems grouped by code, one item each with its links, the fix and the message of the first:
 * 500 links refused for one missing role read as one cause, not 500. Advice names the VNets, so
 * links with one code share the first one's fix as an example.
 */
function causeItems(causes: readonly Cause[], icon: string): string[] {
  const groups = new Map<string, { first: Problem; links: string[] }>();
  for (const c of causes) {
    const g = groups.get(c.problem.code) ?? { first: c.problem, links: [] };
    g.links.push(c.link);
    groups.set(c.problem.code, g);
  }
  return [...groups.values()]
    .sort((x, y) => y.links.length - x.links.length)
    .slice(0, MAX_CAUSES)
    .map((g) => {
      const shown = g.links.slice(0, 3).join(', ');
      const more = g.links.length > 3 ? ` and ${g.links.length - 3} more` : '';
      const example = g.links.length > 1 && g.first.advice ? { ...g.first, advice: `${g.first.advice} (for ${g.links[0] ?? ''}; the others alike)` } : g.first;
      return problemItem(`${plural(g.links.length, 'link')}: ${shown}${more}`, example, icon);
    });
}

/** Codes shown in a by-cause list; the rest are in the links' own detail. */
const MAX_CAUSES = 10;

/** Warnings by code: not failures (plan mode: what the planning identity may not do). */
function warningsBlock(report: RunReport): string {
  const causes = report.links.flatMap((lr) => lr.warnings.map((problem) => ({ problem, link: pairName(lr) })));
  if (causes.length === 0) return '';
  return [`#### ⚠️ ${plural(causes.length, 'warning')} (not failures; apply may still be refused for these)`, '', ...causeItems(causes, '⚠️ ')].join('\n');
}

/** When many links failed: why, by code, before the links one by one. */
function causesBlock(report: RunReport, attention: readonly Classified[]): string {
  const failed = attention.filter((c) => c.cat === 'failed');
  if (failed.length <= CAUSES_FROM) return '';
  const causes = failed.flatMap((c) => linkProblems(c.lr).map((problem) => ({ problem, link: pairName(c.lr) })));
  if (causes.length === 0) return '';
  const heading = report.mode === 'plan' ? `#### ❌ Why apply would fail, by cause` : `#### ❌ Why ${plural(failed.length, 'link')} failed, by cause`;
  return [heading, '', ...causeItems(causes, '')].join('\n');
}

/** Past this many failed links, the report says why by code first. */
const CAUSES_FROM = 3;

function deletionItem(report: RunReport, d: Deletion): string {
  const why = d.why === 'prune' ? 'not in the file, prune' : d.why === 'replace' ? `replace, ${d.link?.link.entry ?? ''}` : `tear-down, ${d.link?.link.entry ?? ''}`;
  const state = d.outcome === 'done' ? '✅ ' : d.outcome === 'failed' ? '❌ ' : d.outcome === 'skipped' ? '⏸️ ' : '';
  const outcome = d.outcome === 'failed' ? ' — failed' : d.outcome === 'skipped' ? ' — not attempted' : '';
  return `- ${state}**${escapeName(d.peeringName)}** on ${escapeName(vnetName(report, d.vnet))} (to ${escapeName(vnetName(report, d.remoteVnet))}) · ${escapeText(why)}${outcome}`;
}

function deletionsBlock(report: RunReport, shown: number, elsewhere: string): string {
  const dels = deletions(report);
  if (dels.length === 0) return '';
  const plan = report.mode === 'plan';
  const head = plan ? `#### 🗑️ Would delete ${plural(dels.length, 'peering')}` : `#### 🗑️ Deleted: ${plural(dels.length, 'peering')}`;
  const items = dels.slice(0, shown).map((d) => deletionItem(report, d));
  if (dels.length > shown) items.push(`- … and ${dels.length - shown} more, listed in ${elsewhere}`);
  return [head, '', ...items].join('\n');
}

function diagramBlock(report: RunReport, show: boolean): string {
  if (!show) return '';
  const known = diagrams.get(report);
  if (known !== undefined) return known;
  const d = topologyDiagram(report);
  const caption = d.caption ? `<sub>${escapeText(d.caption, 2_000)}</sub>` : '';
  const block = [d.text, caption].filter((p) => p !== '').join('\n\n');
  diagrams.set(report, block);
  return block;
}

function linkDetail(report: RunReport, c: Classified): string {
  const { lr } = c;
  const where = `${escapeText(lr.link.locator.link)} · ${escapeName(lr.link.ends.a.tenant)} ⇄ ${escapeName(lr.link.ends.b.tenant)}`;
  const items = linkProblemItems(lr, linkDirection);
  return [
    `**${CATEGORY_ICON[c.cat]} ${escapeText(pairName(lr))}** — ${escapeText(linkWords(lr, report.mode))} · <sub>${where}</sub>`,
    directionTable(lr, { mode: report.mode, direction: linkDirection, addressSpace: true }),
    ...(items.length ? [items.join('\n')] : []),
  ].join('\n\n');
}

function sideCell(report: RunReport, lr: LinkResult, s: 'a' | 'b'): string {
  const side = lr.sides[s];
  if (unread(side)) return '❔ not read';
  const note = sideNote(side, report.mode);
  const code = side.problem ? ` · ${escapeName(side.problem.code)}` : '';
  // A direction still to be created in a plan is new, not broken (a failed create keeps ❌).
  const planned = report.mode === 'plan' && !side.problem ? side.action : undefined;
  return `${stateIcon(side.state, lr.link.ensure, planned)} ${side.state}${note ? ` · ${escapeText(note)}` : ''}${code}`;
}

/**
 * Whether a link needs its full two-direction table: failed and unhealthy links, and changes
 * where found-versus-wanted matters. A plain create (nothing exists yet) or tear-down reads as well
 * in one row, which keeps a plan of 300 new spokes short.
 */
function wantsDetail(c: Classified): boolean {
  if (c.cat !== 'pending') return true;
  return !['created', 'torn down'].includes(bucket(c.lr));
}

/** Attention links in the order shown: the detailed ones first, then the one-row ones. */
function attentionOrder(attention: readonly Classified[]): { detailed: Classified[]; plain: Classified[] } {
  return { detailed: attention.filter(wantsDetail), plain: attention.filter((c) => !wantsDetail(c)) };
}

function attentionBlock(report: RunReport, attention: readonly Classified[], limits: TopologyLimits): string {
  if (attention.length === 0) return '';
  const failed = attention.filter((c) => c.cat === 'failed').length;
  const title = report.mode === 'plan' && failed === 0 ? 'Would change' : 'Needs attention';
  const heading = `#### ${title}: ${plural(attention.length, 'link')}${failed ? ` (${failed} ${report.mode === 'plan' ? 'blocked' : 'failed'})` : ''}`;
  const { detailed, plain } = attentionOrder(attention);
  const details = detailed.slice(0, limits.details).map((c) => linkDetail(report, c));
  const rest = [...detailed.slice(details.length), ...plain];
  const rows = rest.slice(0, limits.rows).map(
    (c) =>
      `| ${CATEGORY_ICON[c.cat]} | ${escapeText(pairName(c.lr))} | ${escapeText(c.lr.link.entry)} | ${sideCell(report, c.lr, 'a')} | ${sideCell(report, c.lr, 'b')} |`,
  );
  const table = rows.length
    ? [
        `${details.length ? 'More links, one row each' : 'One row each'} (direction a → b, then b → a):`,
        '',
        '| | Link | Entry | a → b | b → a |',
        '| --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n')
    : '';
  const left = rest.length - rows.length;
  const more = left > 0 ? `_… and ${plural(left, 'more link')} that need attention, listed in ${limits.elsewhere}._` : '';
  return [heading, ...details, table, more].filter((p) => p !== '').join('\n\n');
}

function unmanagedRow(report: RunReport, u: UnmanagedPeering): string {
  return `| ${escapeName(vnetName(report, u.vnet))} | ${escapeName(u.peeringName)} | ${escapeName(vnetName(report, u.remoteVnet))} | ${u.state} | ${u.problem ? `❌ ${escapeName(u.problem.code)}` : 'left alone'} |`;
}

/** Peerings between two VNets of the file that no link declares and the run leaves alone. */
function notInFileBlock(report: RunReport, shown: number, elsewhere: string): string {
  const left = report.unmanaged.filter((u) => u.action === 'none');
  if (left.length === 0) return '';
  const rows = left.slice(0, shown).map((u) => unmanagedRow(report, u));
  const more = left.length > rows.length ? `\n\n_… and ${left.length - rows.length} more, listed in ${elsewhere}._` : '';
  const why = report.source.kind === 'file' ? ' (set `prune: true` in the file to delete them)' : '';
  const table = rows.length ? `\n\n| VNet | Peering | Remote VNet | State | |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}` : '';
  // Failed prunes carry their problem: shown with the fix.
  return `#### Not in the file: ${plural(left.length, 'peering')}, left alone${why}${table}${more}`;
}

function pruneProblems(report: RunReport): string {
  const failed = report.unmanaged.filter((u) => u.problem !== undefined && u.action === 'delete');
  if (failed.length === 0) return '';
  const items = failed.slice(0, 20).map((u) => (u.problem ? problemItem(`prune ${u.peeringName} on ${vnetName(report, u.vnet)}`, u.problem) : ''));
  return ['**Prune errors**', '', ...items].join('\n');
}

function healthyBlock(report: RunReport, healthy: readonly Classified[], shown: number, elsewhere: string): string {
  if (healthy.length === 0) return '';
  const rows = healthy.slice(0, shown).map(
    (c) =>
      `| ${escapeText(pairName(c.lr))} | ${escapeText(c.lr.link.entry)} | ${escapeName(c.lr.link.ends.a.tenant)} ⇄ ${escapeName(c.lr.link.ends.b.tenant)} | ${CATEGORY_ICON[c.cat]} ${escapeText(linkWords(c.lr, report.mode))} |`,
  );
  const summary = `<summary>✅ ${plural(healthy.length, 'healthy link')}${rows.length < healthy.length ? ` (${rows.length ? `${rows.length} listed here; ` : ''}all in ${elsewhere})` : ''}</summary>`;
  if (rows.length === 0) return `✅ ${plural(healthy.length, 'healthy link')}, counted here and listed in ${elsewhere}.`;
  const more = rows.length < healthy.length ? `\n\n_… and ${healthy.length - rows.length} more._` : '';
  return `<details>${summary}\n\n| Link | Entry | Tenants | Result |\n| --- | --- | --- | --- |\n${rows.join('\n')}${more}\n\n</details>`;
}

/** How long each list is: the most each limit can usefully be. */
export function listSizes(report: RunReport): Omit<TopologyLimits, 'diagram' | 'elsewhere' | 'note'> {
  const { attention, healthy } = classify(report);
  return {
    runProblems: Math.min(MAX_RUN_PROBLEMS, report.problems.length),
    details: attentionOrder(attention).detailed.length,
    rows: attention.length,
    deletions: deletions(report).length,
    notInFile: report.unmanaged.filter((u) => u.action === 'none').length,
    healthy: healthy.length,
  };
}

export function topologyReport(report: RunReport, limits: TopologyLimits): string {
  const { attention, healthy } = classify(report);
  const plan = report.mode === 'plan';
  return [
    verdictLine(report, attention, healthy),
    shardNotice(report),
    estimateNotice(report),
    limits.note,
    runProblemsBlock(report, limits.runProblems, 'section'),
    causesBlock(report, attention),
    warningsBlock(report),
    // What a plan would delete is for its reviewers to see first; what apply deleted is a record.
    plan ? deletionsBlock(report, limits.deletions, limits.elsewhere) : '',
    diagramBlock(report, limits.diagram),
    attentionBlock(report, attention, limits),
    plan ? '' : deletionsBlock(report, limits.deletions, limits.elsewhere),
    pruneProblems(report),
    notInFileBlock(report, limits.notInFile, limits.elsewhere),
    healthyBlock(report, healthy, limits.healthy, limits.elsewhere),
    modeLine(report),
  ]
    .filter((block) => block !== '')
    .join('\n\n');
}

