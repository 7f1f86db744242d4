// The sticky comment: its marker (per pair, per topology file) and how two bodies compare.
import { describe, expect, it } from 'vitest';
import { commentMarker, renderComment, sameContent } from '../../src/report/comment.ts';
import { createHash } from 'node:crypto';
import { HUB, SPOKE, appliedCreate, hubReport, makeReport, planCreate, twelveLinks, vnetRef } from '../fixtures/report/reports.ts';

const RUN_URL = 'https://github.com/contoso/network/actions/runs/42';

describe('commentMarker', () => {
  it('a pair: the hash the pair comment always had, in either order and any case', () => {
    // Today's marker: sha256 of the two IDs lowercased, sorted, joined by a newline; 24 hex digits.
    const key = [HUB.id.toLowerCase(), SPOKE.id.toLowerCase()].sort().join('\n');
    const expected = `<!-- azure-vnet-peering:pair=${createHash('sha256').update(key).digest('hex').slice(0, 24)} -->`;
    expect(commentMarker(makeReport())).toBe(expected);
    const upper = { ...SPOKE, id: SPOKE.id.toUpperCase() };
    expect(commentMarker(makeReport({ vnets: [upper, HUB] }))).toBe(expected);
    expect(commentMarker(planCreate())).toBe(expected);
  });

  it('differs per pair', () => {
    const other = vnetRef('cccccccc-0000-0000-0000-000000000003', 'rg-x', 'other');
    expect(commentMarker(makeReport({ vnets: [HUB, other] }))).not.toBe(commentMarker(makeReport()));
  });

  it('a topology: keyed by the file path, whatever its links', () => {
    const m = commentMarker(twelveLinks());
    expect(m).toMatch(/^<!-- azure-vnet-peering:topology=[0-9a-f]{24} -->$/);
    expect(commentMarker(hubReport({ mode: 'plan', spokes: [3] }))).toBe(m);
    const elsewhere = { ...twelveLinks(), source: { kind: 'file' as const, path: 'network/other.yml', digest: 'sha256:00' } };
    expect(commentMarker(elsewhere)).not.toBe(m);
  });

  it('a path with "--" cannot end the HTML comment early', () => {
    const report = { ...twelveLinks(), source: { kind: 'file' as const, path: 'net--x/-->.yml', digest: 'sha256:00' } };
    expect(commentMarker(report).match(/-->/g)).toHaveLength(1);
  });
});

describe('the body', () => {
  it('is the report, the run link, then the marker on the last line', () => {
    const body = renderComment(twelveLinks(), { runUrl: RUN_URL });
    const all = body.trimEnd().split('\n');
    expect(all[0]).toMatch(/^### ❌ Failed — 2 of 12 links failed/);
    expect(all.at(-1)).toBe(commentMarker(twelveLinks()));
    expect(all.at(-3)).toBe(`<sub>[Workflow run](${RUN_URL})</sub>`);
    expect(body).not.toContain('digest');
  });
});

describe('sameContent', () => {
  it('ignores only the run link', () => {
    const one = renderComment(appliedCreate(), { runUrl: RUN_URL });
    const two = renderComment(appliedCreate(), { runUrl: 'https://github.com/contoso/network/actions/runs/43' });
    const none = renderComment(appliedCreate());
    expect(one).not.toBe(two);
    expect(sameContent(one, two)).toBe(true);
    expect(sameContent(none, one)).toBe(true);
  });

  it('sees any other difference', () => {
    const applied = renderComment(appliedCreate(), { runUrl: RUN_URL });
    expect(sameContent(applied, renderComment(planCreate(), { runUrl: RUN_URL }))).toBe(false);
    expect(sameContent(applied, applied.replace('created', 'created!'))).toBe(false);
    // Another pair's marker is another comment.
    const other = vnetRef('cccccccc-0000-0000-0000-000000000003', 'rg-x', 'other');
    const otherPair = renderComment(makeReport({ vnets: [HUB, other], report: { verdict: 'repaired', changed: true } }));
    expect(sameContent(applied, otherPair)).toBe(false);
  });

  it('a line like the run link anywhere but at the end is content', () => {
    const body = renderComment(appliedCreate(), { runUrl: RUN_URL });
    expect(sameContent(body, body.replace('### ✅', '<sub>[Workflow run](https://x)</sub>\n### ✅'))).toBe(false);
  });

  it('tolerates CRLF and trailing space as GitHub may store them', () => {
    const body = renderComment(twelveLinks(), { runUrl: RUN_URL });
    expect(sameContent(body.replace(/\n/g, '\r\n'), `${body}\n\n`)).toBe(true);
  });
});
