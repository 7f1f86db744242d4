// Blocks both reports share: the mode line, the time estimate, run-level problems, the run link.
// Pure.
import type { RunReport } from '../model.ts';
import { problemItem } from './link-block.ts';
import { linkProblems } from './status.ts';
import { duration, plural } from './words.ts';

/** timeout-minutes accepts at most this (spec/action.md). */
const MAX_TIMEOUT_MINUTES = 360;

/** A plan that already knows apply would be refused (a blocker on a link, or a failed plan). */
export function planWouldFail(report: RunReport): boolean {
  return report.mode === 'plan' && (report.verdict === 'failed' || report.links.some((lr) => linkProblems(lr).length > 0));
}

export function modeLine(report: RunReport): string {
  if (report.mode === 'apply') {
    return `_Mode: **apply** — ${report.changed ? 'changes were written to Azure' : 'nothing was written to Azure'}._`;
  }
  // A plan that would fail is never told to go ahead.
  const next = planWouldFail(report)
    ? ' Apply would be refused until the errors above are fixed.'
    : report.verdict === 'pending'
      ? ' Run with `mode: apply` to carry it out.'
      : '';
  return `_Mode: **plan** — read only; nothing was changed in Azure.${next}_`;
}

/** A plan whose writes would outlast timeout-minutes, said plainly with the time they need. */
export function estimateNotice(report: RunReport): string {
  const e = report.estimate;
  if (e === undefined || e.seconds <= e.limitSeconds) return '';
  // A margin over the estimate, rounded up to 5 minutes.
  const minutes = Math.ceil((e.seconds * 1.2) / 60 / 5) * 5;
  const advice =
    minutes <= MAX_TIMEOUT_MINUTES
      ? `Set \`timeout-minutes\` to ${minutes} or more (one hub's writes take as long whatever the number of jobs: \`shard\` only splits independent groups).`
      : `That is more than \`timeout-minutes\` allows (${MAX_TIMEOUT_MINUTES}): split the file into independent groups over a matrix with \`shard\`, or apply the hub's spokes in batches.`;
  return (
    `> ⏱️ **Apply would run out of time:** ${plural(e.writes, 'write')} need about ${duration(e.seconds)} ` +
    `(${e.operationSeconds} s an operation, one write at a time per VNet), and \`timeout-minutes\` allows ${duration(e.limitSeconds)}. ${advice}`
  );
}

/**
 * Problems not tied to one link, the first `shown` of them: as list items ('items'), or as a
 * section with its heading ('section'). '' when there are none.
 */
export function runProblemsBlock(report: RunReport, shown: number, style: 'items' | 'section'): string {
  const all = report.problems;
  if (all.length === 0) return '';
  const items = all.slice(0, shown).map((p) => problemItem('', p));
  if (all.length > shown) items.push(`- … and ${plural(all.length - shown, 'more problem')} (all of them are in the \`result-file\`)`);
  return style === 'items' ? items.join('\n') : ['#### ❌ Problems with the run', '', ...items].join('\n');
}

/** The run link, the report's last line; '' when there is none or it is not http(s). */
export function footer(runUrl: string | undefined): string {
  if (runUrl === undefined) return '';
  let url: URL;
  try {
    url = new URL(runUrl);
  } catch {
    return '';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return '';
  // Percent-encode what would end a Markdown link target, then HTML-escape the rest.
  const href = url.href.replace(/[()\s<>"'`|\\[\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `<sub>[Workflow run](${href.replace(/&/g, '&amp;')})</sub>`;
}

/** The footer line as `footer` writes it, for comparisons that ignore it. */
export const FOOTER_LINE = /^<sub>\[Workflow run\]\([^)\s]*\)<\/sub>$/;
