// The report as Markdown for the job summary and the PR comment, fitted to a size budget: past
// it, healthy links are counted rather than listed, then detail is cut, and the report says where
// the full one is. Whole items are left out, never cut, so no HTML tag or code fence is broken.
// Pure.
import type { LinkResult, RunReport } from '../model.ts';
import { pairReport } from './pair.ts';
import { footer } from './sections.ts';
import { ALL, MAX_RUN_PROBLEMS, listSizes, topologyReport, type TopologyLimits } from './topology.ts';

/** GitHub's job summary limit per step (spec/azure.md §6), in UTF-8 bytes. */
export const MAX_SUMMARY_BYTES = 1_048_576;
/** What the summary aims for: room for anything else a step appends. */
export const SUMMARY_BUDGET_BYTES = 1_000_000;

export interface RenderOptions {
  /** Link to the workflow run; its line is the report's last. */
  readonly runUrl?: string | undefined;
}

/** Where the report goes: its budget, in its unit, and what it says when it is shortened. */
export interface Target {
  readonly fits: (markdown: string) => boolean;
  readonly note: string;
  readonly elsewhere: string;
}

export const summaryTarget = (reserve: number): Target => ({
  fits: (md) => Buffer.byteLength(md, 'utf8') + reserve <= SUMMARY_BUDGET_BYTES,
  note: '> ℹ️ Shortened to fit the job summary’s 1 MiB limit: the `result-file` output (upload it as an artifact) has every link and every problem in full.',
  elsewhere: 'the `result-file`',
});

/** The one link of a pair run; undefined for a topology. */
export function pairLink(report: RunReport): LinkResult | undefined {
  return report.source.kind === 'inputs' && report.links.length === 1 ? report.links[0] : undefined;
}

/** The largest n in [0, max] with fits(n), for fits true up to some n and false after; -1 if none. */
function largest(max: number, fits: (n: number) => boolean): number {
  if (fits(max)) return max;
  let lo = -1;
  let hi = max;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Whole lines that fit, with any open code fence and <details> closed: the last resort. */
function cutLines(markdown: string, note: string, fits: (md: string) => boolean): string {
  const lines = markdown.split('\n');
  const build = (k: number): string => {
    const kept = lines.slice(0, k);
    let fence = false;
    let details = 0;
    for (const l of kept) {
      if (l.startsWith('```')) fence = !fence;
      else if (!fence) details += (l.match(/<details>/g)?.length ?? 0) - (l.match(/<\/details>/g)?.length ?? 0);
    }
    const close = [...(fence ? ['```'] : []), ...Array.from({ length: Math.max(0, details) }, () => '</details>')];
    return [...kept, ...close, '', note].join('\n');
  };
  return build(Math.max(0, largest(lines.length, (k) => fits(build(k)))));
}

/** Links that keep their full detail before one-row listings are cut, when detail must go. */
const MIN_DETAILS = 5;

function fitTopology(report: RunReport, target: Target): string {
  const render = (l: TopologyLimits): string => topologyReport(report, l);
  const fits = (l: TopologyLimits): boolean => target.fits(render(l));
  let limits: TopologyLimits = { ...ALL, elsewhere: target.elsewhere };
  if (fits(limits)) return render(limits);
  const sizes = listSizes(report);
  // Healthy links go first: counted, not listed.
  limits = { ...limits, note: target.note, healthy: 0 };
  if (fits(limits)) return render(limits);
  // Then what the run leaves alone, listed as far as it fits.
  limits = { ...limits, notInFile: Math.max(0, largest(sizes.notInFile, (k) => fits({ ...limits, notInFile: k }))) };
  // Then detail: as many links in full as fit with the others one row each...
  const details = largest(sizes.details, (k) => fits({ ...limits, details: k }));
  if (details >= Math.min(MIN_DETAILS, sizes.details)) return render({ ...limits, details });
  // ...but a few in full, with their fixes, before rows are cut.
  limits = { ...limits, details: Math.min(MIN_DETAILS, sizes.details) };
  const rows = largest(sizes.rows, (k) => fits({ ...limits, rows: k }));
  if (rows >= 0) return render({ ...limits, rows });
  limits = { ...limits, rows: 0, details: Math.max(0, largest(limits.details, (k) => fits({ ...limits, details: k }))) };
  if (fits(limits)) return render(limits);
  for (const field of ['deletions', 'runProblems'] as const) {
    const n = largest(sizes[field], (k) => fits({ ...limits, [field]: k }));
    limits = { ...limits, [field]: Math.max(0, n) };
    if (n >= 0) return render(limits);
  }
  limits = { ...limits, diagram: false };
  return fits(limits) ? render(limits) : cutLines(render(limits), target.note, target.fits);
}

function fitPair(report: RunReport, lr: LinkResult, target: Target): string {
  const most = Math.min(MAX_RUN_PROBLEMS, report.problems.length);
  const full = pairReport(report, lr, { runProblems: most, note: '' });
  if (target.fits(full)) return full;
  const render = (n: number): string => pairReport(report, lr, { runProblems: n, note: target.note });
  const n = largest(most, (k) => target.fits(render(k)));
  return n >= 0 ? render(n) : cutLines(render(0), target.note, target.fits);
}

/** The report fitted to a target: the pair report for the pair inputs, else the topology report. */
export function renderFitted(report: RunReport, target: Target): string {
  const lr = pairLink(report);
  return lr ? fitPair(report, lr, target) : fitTopology(report, target);
}

/** The job summary: the report, then the run link; under 1 MiB at any size. */
export function renderSummary(report: RunReport, opts: RenderOptions = {}): string {
  const foot = footer(opts.runUrl);
  const tail = foot ? `\n\n${foot}\n` : '\n';
  return `${renderFitted(report, summaryTarget(Buffer.byteLength(tail, 'utf8')))}${tail}`;
}
