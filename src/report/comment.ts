// The sticky PR comment: the report, the run link, and a hidden marker that names the VNet pair
// (the pair inputs) or the topology file, so that one comment per pair or per file is updated in
// place. Pure (node:crypto only for the marker's hash).
import { createHash } from 'node:crypto';
import type { RunReport } from '../model.ts';
import { pairLink, renderFitted, type RenderOptions, type Target } from './markdown.ts';
import { FOOTER_LINE, footer } from './sections.ts';

/** GitHub answers 422 for a longer comment body (spec/azure.md §6). */
export const MAX_COMMENT_CHARS = 65_536;

const MARKER_PREFIX = 'azure-vnet-peering';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The hidden marker: `pair=<hash>` of the two VNet IDs (lowercased, sorted; the same hash the pair
 * comment always had), or `topology=<hash>` of the file's path. Hashed because an HTML comment
 * must not contain `--`, and a path or ID could.
 */
export function commentMarker(report: RunReport): string {
  const lr = pairLink(report);
  if (lr || report.source.kind === 'inputs') {
    const ids = lr ? lr.link.key.split('|') : [];
    const key = ids
      .map((id) => id.trim().toLowerCase())
      .sort()
      .join('\n');
    return `<!-- ${MARKER_PREFIX}:pair=${sha256(key).slice(0, 24)} -->`;
  }
  return `<!-- ${MARKER_PREFIX}:topology=${sha256(report.source.path).slice(0, 24)} -->`;
}

const commentTarget = (reserve: number): Target => ({
  // UTF-16 code units: never fewer than the characters GitHub counts.
  fits: (md) => md.length + reserve <= MAX_COMMENT_CHARS,
  note: '> ℹ️ Shortened to fit GitHub’s 65,536-character comment limit: the job summary of this run has the full report, and its `result-file` output (upload it as an artifact) every link as JSON.',
  elsewhere: 'the job summary and the `result-file`',
});

/** The PR comment body: the report (verdict on its first line), the run link, then the marker. */
export function renderComment(report: RunReport, opts: RenderOptions = {}): string {
  const foot = footer(opts.runUrl);
  const tail = `${foot ? `\n\n${foot}` : ''}\n\n${commentMarker(report)}\n`;
  return `${renderFitted(report, commentTarget(tail.length))}${tail}`;
}

/** A body without its run link (the last such line) and trailing blank space: what two runs compare. */
function content(body: string): string {
  const lines = body.replace(/\r\n/g, '\n').trimEnd().split('\n');
  const foot = lines.findLastIndex((line) => FOOTER_LINE.test(line));
  // The run link stands just above the marker, after a blank line.
  if (foot >= 0 && foot >= lines.length - 3) lines.splice(foot, 1);
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * Whether an existing comment already says what the new body says: equal but for the run link.
 * The caller adopts only its own comments (spec/action.md), so nothing here is trusted blindly.
 */
export function sameContent(oldBody: string, newBody: string): boolean {
  return content(oldBody) === content(newBody);
}
