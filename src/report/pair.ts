// The pair report (one link from the step inputs): verdict first line, a small diagram of the
// pair, the VNet table, the two-direction table, errors and fixes, the mode line. Pure.
import type { LinkResult, RunReport, SideResult } from '../model.ts';
import { SIDES } from '../model.ts';
import { escapeName, escapeText } from './escape.ts';
import { directionTable, linkProblemItems, shortList, warningItems } from './link-block.ts';
import { estimateNotice, modeLine, runProblemsBlock } from './sections.ts';
import { sideWritten, unread } from './status.ts';
import { PAIR_DIRECTION, assertNever, list, pairDirection, past, sideNote, would } from './words.ts';

const healthySide = (side: SideResult): boolean => side.state === 'Connected' && side.syncLevel === 'FullyInSync';

/** Groups directions by wording: "created A→B and B→A", "would update B→A". */
function phrases(lr: LinkResult, pick: (side: SideResult) => string): string {
  const groups = new Map<string, string[]>();
  for (const s of SIDES) {
    const words = pick(lr.sides[s]);
    if (words === '') continue;
    groups.set(words, [...(groups.get(words) ?? []), PAIR_DIRECTION[s]]);
  }
  return [...groups].map(([words, dirs]) => `${words} ${list(dirs)}`).join(', ');
}

const donePhrase = (lr: LinkResult): string => phrases(lr, (s) => (s.outcome === 'done' && s.action !== 'none' ? past(s) : ''));
const wouldPhrase = (lr: LinkResult): string => phrases(lr, (s) => (s.action !== 'none' ? would(s.action) : ''));

function failureDetail(report: RunReport, lr: LinkResult): string {
  // A run-level problem (sign-in, read) comes first: it is why the sides were not tried.
  const general = report.problems[0];
  const parts: string[] = general ? [escapeName(general.code)] : [];
  for (const s of SIDES) {
    const side = lr.sides[s];
    const dir = PAIR_DIRECTION[s];
    const code = side.problem ? ` (${escapeName(side.problem.code)})` : '';
    if (unread(side)) continue;
    if (side.outcome === 'done' && side.action !== 'none') parts.push(`${past(side)} ${dir}`);
    else if (side.outcome === 'failed') parts.push(`${dir}: ${side.action} failed${code}`);
    else if (side.problem) parts.push(`${dir}: ${escapeName(side.problem.code)}`);
    else if (side.outcome === 'skipped') {
      if (!general) parts.push(`${dir}: ${side.action} not attempted`);
    } else if (lr.link.ensure === 'absent' ? side.state !== 'Missing' : !healthySide(side)) {
      parts.push(`${dir} is ${side.state}${side.syncLevel ? `, ${side.syncLevel}` : ''}`);
    }
  }
  const what = SIDES.some((s) => sideWritten(lr.sides[s]))
    ? 'Apply did not end healthy'
    : SIDES.every((s) => unread(lr.sides[s]))
      ? 'Azure could not be read'
      : report.mode === 'plan'
        ? 'Plan found a blocker'
        : 'Nothing was changed';
  return parts.length > 0 ? `${what}: ${parts.join('; ')}` : what;
}

/** The side problem that makes a plan say "apply would fail", if any. */
function blocker(lr: LinkResult): { readonly dir: string; readonly code: string } | undefined {
  for (const s of SIDES) {
    const p = lr.sides[s].problem;
    if (p) return { dir: PAIR_DIRECTION[s], code: p.code };
  }
  return undefined;
}

function verdictLine(report: RunReport, lr: LinkResult): string {
  const pair = `${escapeName(lr.sides.a.vnet.name)} ⇄ ${escapeName(lr.sides.b.vnet.name)}`;
  const absent = lr.link.ensure === 'absent';
  const v = report.verdict;
  switch (v) {
    case 'in-sync':
      if (absent) {
        return report.mode === 'plan'
          ? `### ✅ In sync (plan) — ${pair}: no peering on either side, as asked; nothing would change`
          : `### ✅ In sync — ${pair}: no peering on either side, as asked; nothing to change`;
      }
      return report.mode === 'plan'
        ? `### ✅ In sync (plan) — ${pair}: nothing would change`
        : `### ✅ In sync — ${pair}: Connected and FullyInSync both ways, nothing to change`;
    case 'repaired':
      return `### ✅ Applied — ${donePhrase(lr) || 'changes written'} · ${pair} ${absent ? 'torn down: no peering left on either side' : 'now Connected and FullyInSync'}`;
    case 'pending': {
      const b = blocker(lr);
      const doing = wouldPhrase(lr) || 'changes pending';
      if (b) return `### ⚠️ Plan — apply would fail: ${b.dir}: ${escapeName(b.code)} (${doing}) · ${pair}`;
      // Deletions are unmissable: counted first, each peering named.
      const deleting = SIDES.filter((s) => lr.sides[s].action === 'delete' || lr.sides[s].action === 'replace');
      if (deleting.length > 0) {
        const names = deleting.map((s) => `${PAIR_DIRECTION[s]} '${escapeName(lr.sides[s].peeringName)}'`);
        const what = deleting.every((s) => lr.sides[s].action === 'replace') ? ' (replace: delete, then create)' : '';
        return `### 🗑️ Plan — would delete ${deleting.length} peering${deleting.length === 1 ? '' : 's'}${what}: ${list(names)} · ${pair} (nothing changed yet)`;
      }
      return `### 📝 Plan — ${doing} · ${pair} (nothing changed yet)`;
    }
    case 'failed': {
      const b = report.mode === 'plan' ? blocker(lr) : undefined;
      if (b) {
        const doing = wouldPhrase(lr);
        return `### ❌ Plan — apply would fail: ${b.dir}: ${escapeName(b.code)}${doing ? ` (${doing})` : ''} · ${pair}`;
      }
      return `### ❌ Failed — ${failureDetail(report, lr)} · ${pair}`;
    }
    case 'cancelled': {
      const done = donePhrase(lr);
      return `### ⏹️ Cancelled — stopped before finishing${done ? ` (${done})` : ''} · ${pair}; the next run picks up from what it finds`;
    }
    default:
      return assertNever(v);
  }
}

/** Width in a monospace font, roughly: code points (entities show literally inside a fence). */
const width = (s: string): number => Array.from(s).length;

function diagram(report: RunReport, lr: LinkResult): string {
  const { a, b } = lr.sides;
  const label = (side: SideResult): string => {
    if (unread(side)) return `${PAIR_DIRECTION[side.side]}  not read`;
    const parts: string[] = [side.state];
    if (side.syncLevel) parts.push(side.syncLevel);
    const note = sideNote(side, report.mode);
    if (note) parts.push(note);
    else if (side.problem) parts.push(escapeName(side.problem.code));
    return `${PAIR_DIRECTION[side.side]}  ${parts.join(' · ')}`;
  };
  const la = label(a);
  const lb = label(b);
  const span = Math.max(width(la), width(lb)) + 2;
  const left = `${escapeName(a.vnet.name)} (A)`;
  const right = `${escapeName(b.vnet.name)} (B)`;
  return [
    '```text',
    `${left} ──── ${la} ${'─'.repeat(span - width(la))}──▶ ${right}`,
    `${left} ◀─── ${lb} ${'─'.repeat(span - width(lb))}─── ${right}`,
    '```',
  ].join('\n');
}

function vnetTable(lr: LinkResult): string {
  const rows = SIDES.map((s) => {
    const side = lr.sides[s];
    return `| ${s.toUpperCase()} | ${escapeName(side.vnet.name)} | ${escapeName(side.vnet.subscriptionId)} | ${escapeName(side.vnet.resourceGroup)} | ${escapeName(side.tenantId)} | ${shortList(side.addressSpace)} |`;
  });
  const tenants = lr.sides.a.tenantId.toLowerCase() === lr.sides.b.tenantId.toLowerCase() ? 'one tenant' : 'two tenants';
  return [
    `**VNets** (${tenants})`,
    '',
    '| | VNet | Subscription | Resource group | Tenant | Address space |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function problemsBlock(report: RunReport, lr: LinkResult, runProblems: number): string {
  const items = linkProblemItems(lr, pairDirection);
  const run = runProblemsBlock(report, runProblems, 'items');
  const all = [...items, ...(run ? [run] : [])];
  return all.length > 0 ? ['**Errors and fixes**', '', ...all].join('\n') : '';
}

function warningsBlock(lr: LinkResult): string {
  const items = warningItems(lr);
  return items.length > 0 ? ['**Warnings** (apply may still be refused for these)', '', ...items].join('\n') : '';
}

export interface PairLimits {
  /** Run-level problems shown (the rest are counted). */
  readonly runProblems: number;
  /** Said under the first line when anything is left out; '' when nothing is. */
  readonly note: string;
}

export function pairReport(report: RunReport, lr: LinkResult, limits: PairLimits): string {
  return [
    verdictLine(report, lr),
    limits.note,
    estimateNotice(report),
    diagram(report, lr),
    vnetTable(lr),
    directionTable(lr, { mode: report.mode, direction: pairDirection, addressSpace: false }),
    problemsBlock(report, lr, limits.runProblems),
    warningsBlock(lr),
    modeLine(report),
  ]
    .filter((block) => block !== '')
    .join('\n\n');
}
