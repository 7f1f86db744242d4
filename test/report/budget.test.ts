// Size budgets: the comment under 65,536 characters, the summary under 1 MiB, at any size; past
// the budget healthy links are counted, then detail is cut, never inside a tag or a fence.
import { describe, expect, it } from 'vitest';
import { MAX_COMMENT_CHARS, commentMarker, renderComment } from '../../src/report/comment.ts';
import { MAX_SUMMARY_BYTES, renderSummary } from '../../src/report/markdown.ts';
import type { Problem, RunReport } from '../../src/model.ts';
import { hubReport, withVerdict } from '../fixtures/report/reports.ts';

const RUN_URL = 'https://github.com/contoso/network/actions/runs/42';
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const lines = (md: string): string[] => md.split('\n');

/** Structure a cut could break: fences paired, <details> closed, entities whole, tables whole. */
function wellFormed(md: string): void {
  expect(lines(md).filter((l) => l.startsWith('```')).length % 2).toBe(0);
  expect((md.match(/<details>/g) ?? []).length).toBe((md.match(/<\/details>/g) ?? []).length);
  expect((md.match(/<sub>/g) ?? []).length).toBe((md.match(/<\/sub>/g) ?? []).length);
  expect(md).not.toMatch(/&(?!(?:amp|lt|gt|quot|#\d+);)/);
  for (const row of lines(md).filter((l) => l.startsWith('| '))) expect(row.endsWith(' |')).toBe(true);
}

const healthy500 = () => hubReport({ mode: 'apply', spokes: [250, 250] });
const failing500 = () => hubReport({ mode: 'apply', spokes: [250, 250], kind: () => 'fail', messageLength: 3_000 });

describe('500 healthy links', () => {
  const report = healthy500();

  it('the summary lists every link, collapsed', () => {
    const md = renderSummary(report);
    expect(bytes(md)).toBeLessThan(MAX_SUMMARY_BYTES);
    expect(md).toContain('<details><summary>✅ 500 healthy links</summary>');
    expect(lines(md).filter((l) => l.startsWith('| hub-'))).toHaveLength(500);
    expect(md).not.toContain('Shortened');
    wellFormed(md);
  });

  it('the comment lists them too, while they fit', () => {
    const body = renderComment(report, { runUrl: RUN_URL });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.split('\n')[0]).toBe('### ✅ In sync — nothing to change · 500 links, 502 VNets, 2 tenants');
    expect(lines(body).filter((l) => l.startsWith('| hub-'))).toHaveLength(500);
    expect(body).not.toContain('Shortened');
    expect(body.trimEnd().split('\n').at(-1)).toBe(commentMarker(report));
    wellFormed(body);
  });

  it('past the budget the comment counts them instead, and says where they are listed', () => {
    const long = hubReport({ mode: 'apply', spokes: [400, 400] });
    const body = renderComment(long, { runUrl: RUN_URL });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body).toContain('✅ 800 healthy links, counted here and listed in the job summary and the `result-file`.');
    expect(body).toContain('Shortened to fit GitHub’s 65,536-character comment limit: the job summary of this run has the full report');
    expect(lines(body).filter((l) => l.startsWith('| hub-'))).toHaveLength(0);
    wellFormed(body);
  });
});

describe('500 links, all failing with long Azure messages', () => {
  const report = failing500();

  it('the summary stays under 1 MiB: as much detail as fits, the rest one row each', () => {
    const md = renderSummary(report, { runUrl: RUN_URL });
    expect(bytes(md)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(md.split('\n')[0]).toBe('### ❌ Failed — 500 of 500 links failed (AuthorizationFailed ×500) · 500 links, 502 VNets, 2 tenants');
    const detailed = lines(md).filter((l) => l.startsWith('**❌ hub-')).length;
    const rows = lines(md).filter((l) => l.startsWith('| ❌ | hub-')).length;
    expect(detailed).toBeGreaterThan(100);
    expect(detailed + rows).toBe(500);
    expect(md).toContain('Shortened to fit the job summary’s 1 MiB limit');
    expect(lines(md).at(-2)).toBe(`<sub>[Workflow run](${RUN_URL})</sub>`);
    wellFormed(md);
  });

  it('the comment stays under 65,536 characters, with the cause and its fix, some links in full, and a count', () => {
    const body = renderComment(report, { runUrl: RUN_URL });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body).toContain('#### ❌ Why 500 links failed, by cause');
    expect(body).toContain('AuthorizationFailed** — **Fix:** Give the app the Network Contributor role');
    expect(lines(body).filter((l) => l.startsWith('**❌ hub-')).length).toBeGreaterThanOrEqual(5);
    expect(body).toMatch(/_… and \d+ more links that need attention, listed in the job summary and the `result-file`\._/);
    expect(body).toContain('```mermaid');
    expect(body.trimEnd().split('\n').at(-1)).toBe(commentMarker(report));
    expect(body).toContain(`<sub>[Workflow run](${RUN_URL})</sub>`);
    wellFormed(body);
  });

  it('fails in order: healthy listed when room, failing detail first', () => {
    const mixed = hubReport({ mode: 'apply', spokes: [250, 250], kind: (i) => (i % 10 === 0 ? 'fail' : 'in-sync'), messageLength: 3_000 });
    const body = renderComment(mixed);
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body).toContain('✅ 450 healthy links, counted here');
    expect(body.indexOf('**❌ hub-0 ⇄ spoke-0-0**')).toBeGreaterThan(0);
    wellFormed(body);
  });
});

describe('a plan of 500 deletions lists every one where it can', () => {
  const report = withVerdict({ ...hubReport({ mode: 'plan', spokes: [250, 250], kind: () => 'teardown' }) });

  it('the summary names all 1,000 peerings it would delete', () => {
    const md = renderSummary(report);
    expect(md.split('\n')[0]).toMatch(/^### 📝 Plan — 🗑️ would delete 1000 peerings \(tear-down 1000\)/);
    expect(lines(md).filter((l) => l.startsWith('- **hub-') || l.startsWith('- **spoke-'))).toHaveLength(1000);
  });

  it('the comment says the count first, and where the rest are', () => {
    const body = renderComment(report);
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.split('\n')[0]).toMatch(/would delete 1000 peerings/);
    wellFormed(body);
  });
});

describe('run-level problems past any budget', () => {
  it('are counted past what fits, and the report keeps its shape', () => {
    const problems: Problem[] = Array.from({ length: 3_000 }, (_, i) => ({ code: `Code${i}`, message: '"<>'.repeat(400), advice: '&'.repeat(800) }));
    const report: RunReport = withVerdict({ ...hubReport({ mode: 'apply', spokes: [10] }), problems });
    const md = renderSummary(report);
    const body = renderComment(report);
    expect(bytes(md)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body).toMatch(/… and \d+ more problems \(all of them are in the `result-file`\)/);
    wellFormed(md);
    wellFormed(body);
  });
});
