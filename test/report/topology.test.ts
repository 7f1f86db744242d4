// The topology report: verdict and counts first, deletions, diagram, failures first, healthy collapsed.
import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../src/report/markdown.ts';
import { hubPlan, hubReport, twelveLinks, unmanagedBetween, withVerdict } from '../fixtures/report/reports.ts';

const firstLine = (md: string): string => md.split('\n')[0] ?? '';
const at = (md: string, text: string): number => {
  const i = md.indexOf(text);
  expect(i, `expected to find ${JSON.stringify(text)}`).toBeGreaterThanOrEqual(0);
  return i;
};

describe('the first line: verdict and counts', () => {
  it('applied: what was done, and the size of the topology', () => {
    const report = hubReport({ mode: 'apply', spokes: [100], kind: (i) => (i < 12 ? 'create' : i < 15 ? 'update' : 'in-sync') });
    expect(firstLine(renderSummary(report))).toBe('### ✅ Applied — 12 created, 3 repaired, 85 in sync · 100 links, 101 VNets, 2 tenants');
  });

  it('in sync, in apply and in plan', () => {
    expect(firstLine(renderSummary(hubReport({ mode: 'apply', spokes: [5] })))).toBe('### ✅ In sync — nothing to change · 5 links, 6 VNets, 2 tenants');
    expect(firstLine(renderSummary(hubReport({ mode: 'plan', spokes: [5] })))).toBe('### ✅ In sync (plan) — nothing would change · 5 links, 6 VNets, 2 tenants');
  });

  it('a plan that deletes says so first, with the count of peerings', () => {
    const report = hubReport({ mode: 'plan', spokes: [20], kind: (i) => (i < 2 ? 'teardown' : i === 2 ? 'replace' : i < 6 ? 'create' : 'in-sync') });
    const pruned = withVerdict({ ...report, unmanaged: [unmanagedBetween(report, 7, 8, { action: 'delete', outcome: 'planned' })] });
    expect(firstLine(renderSummary(pruned))).toBe(
      '### 📝 Plan — 🗑️ would delete 7 peerings (tear-down 4, replace 2, prune 1) · would replace 1, create 3 · 14 in sync · 20 links, 21 VNets, 2 tenants',
    );
  });

  it('failed: how many links, and their codes', () => {
    expect(firstLine(renderSummary(twelveLinks()))).toBe(
      '### ❌ Failed — 2 of 12 links failed (AuthorizationFailed, VnetAddressSpacesOverlap) · 🗑️ 3 peerings deleted (tear-down 2, prune 1) · 2 created, 2 repaired, 5 in sync · 12 links, 14 VNets, 2 tenants',
    );
  });

  it('a plan that would fail says so first, without telling anyone to apply', () => {
    const md = renderSummary(hubPlan(300));
    expect(firstLine(md)).toBe('### ❌ Plan — apply would fail for 12 links (AuthorizationFailed ×12) · would create 282 · 6 in sync · 300 links, 301 VNets, 2 tenants');
    expect(md).not.toContain('Run with `mode: apply`');
  });

  it('a plan the engine calls pending still says first that apply would fail', () => {
    const md = renderSummary({ ...hubPlan(100), verdict: 'pending' });
    expect(firstLine(md)).toBe('### ⚠️ Plan — apply would fail for 4 links (AuthorizationFailed ×4) · would create 94 · 2 in sync · 100 links, 101 VNets, 2 tenants');
  });

  it('a shard says which one it is', () => {
    const md = renderSummary(hubReport({ mode: 'apply', spokes: [4], shard: { index: 2, count: 4 } }));
    expect(firstLine(md)).toBe('### ✅ In sync — nothing to change · 4 links (shard 2/4), 5 VNets, 2 tenants');
    expect(md).toContain('This is shard 2/4 of network/topology.yml');
  });

  it('cancelled: what was done before it stopped', () => {
    const report = { ...hubReport({ mode: 'apply', spokes: [10], kind: (i) => (i < 3 ? 'create' : 'in-sync') }), verdict: 'cancelled' as const };
    expect(firstLine(renderSummary(report))).toBe(
      '### ⏹️ Cancelled — stopped before finishing (3 created); the next run picks up from what it finds · 10 links, 11 VNets, 2 tenants',
    );
  });
});

describe('what the report lists, in order', () => {
  const md = renderSummary(twelveLinks());

  it('every deleted peering: tear-down and prune, each named, after the failures', () => {
    expect(at(md, '#### Needs attention')).toBeLessThan(at(md, '#### 🗑️ Deleted: 3 peerings'));
    const block = md.slice(at(md, '#### 🗑️ Deleted: 3 peerings'), at(md, '#### Not in the file'));
    expect(block).toContain('- ✅ **hub-0-to-spoke-0-8** on hub-0 (to spoke-0-8) · tear-down, hubs&#91;0&#93;.spokes&#91;8&#93;');
    expect(block).toContain('- ✅ **spoke-0-8-to-hub-0** on spoke-0-8 (to hub-0) · tear-down');
    expect(block).toContain('- ✅ **spoke-0-0-to-spoke-1-0** on spoke-0-0 (to spoke-1-0) · not in the file, prune');
  });

  it('a plan lists every peering it would delete, replace included', () => {
    const plan = renderSummary(hubReport({ mode: 'plan', spokes: [4], kind: (i) => (i === 0 ? 'replace' : i === 1 ? 'teardown' : 'in-sync') }));
    // Before the diagram: what a reviewer approves.
    expect(at(plan, '#### 🗑️ Would delete 4 peerings')).toBeLessThan(at(plan, '```mermaid'));
    const block = plan.slice(at(plan, '#### 🗑️ Would delete 4 peerings'));
    expect(block).toContain('**hub-0-to-spoke-0-0** on hub-0 (to spoke-0-0) · replace, hubs&#91;0&#93;.spokes&#91;0&#93;');
    expect(block).toContain('**spoke-0-1-to-hub-0** on spoke-0-1 (to hub-0) · tear-down');
  });

  it('failures first, each with its two directions, error and fix; then unmanaged; then healthy, collapsed', () => {
    const attention = at(md, '#### Needs attention: 2 links (2 failed)');
    const failedLink = at(md, '**❌ hub-0 ⇄ spoke-0-3** — create failed');
    const notInFile = at(md, '#### Not in the file: 1 peering, left alone');
    const healthy = at(md, '<details><summary>✅ 10 healthy links</summary>');
    expect(at(md, '```mermaid')).toBeLessThan(attention);
    expect(attention).toBeLessThan(failedLink);
    expect(failedLink).toBeLessThan(notInFile);
    expect(notInFile).toBeLessThan(healthy);
    const detail = md.slice(failedLink, at(md, '**❌ hub-0 ⇄ spoke-0-7**'));
    expect(detail).toContain('| | hub-0 → spoke-0-3 | spoke-0-3 → hub-0 |');
    expect(detail).toContain('| State | ⏳ Initiated | ❌ Missing |');
    expect(detail).toContain('| Sync level | RemoteNotInSync | — |');
    expect(detail).toContain('| allowForwardedTraffic | false | —, want false |');
    expect(detail).toContain('| Action | **Applied — created** | **Failed — create** |');
    expect(detail).toContain('- **spoke-0-3 → hub-0 · AuthorizationFailed** — **Fix:** Give the app');
    expect(detail).toContain('hubs&#91;0&#93;.spokes&#91;3&#93; in network/topology.yml · contoso ⇄ fabrikam');
  });

  it('the healthy table names each link, its entry, tenants and result', () => {
    const table = md.slice(at(md, '<details>'), at(md, '</details>'));
    expect(table).toContain('| hub-0 ⇄ spoke-0-5 | hubs&#91;0&#93;.spokes&#91;5&#93; | contoso ⇄ fabrikam | ✅ reconnected |');
    expect(table).toContain('| hub-0 ⇄ spoke-0-8 | hubs&#91;0&#93;.spokes&#91;8&#93; | contoso ⇄ fabrikam | ✅ deleted |');
    expect(table.split('\n').filter((l) => l.startsWith('| hub-'))).toHaveLength(10);
  });

  it('peerings not in the file are listed and left alone', () => {
    expect(md).toContain('| spoke-0-2 | spoke-0-2-to-spoke-1-1 | spoke-1-1 | Connected | left alone |');
    expect(md).toContain('set `prune: true` in the file to delete them');
  });

  it('a pending plan of plain creates lists them one row each, with both directions', () => {
    const plan = renderSummary(hubReport({ mode: 'plan', spokes: [60], kind: () => 'create' }));
    expect(plan).toContain('One row each (direction a → b, then b → a):');
    expect(plan).toContain('| 📝 | hub-0 ⇄ spoke-0-0 | hubs&#91;0&#93;.spokes&#91;0&#93; | ➕ Missing · would create | ➕ Missing · would create |');
    expect(plan).toContain('#### Would change: 60 links');
    expect(plan).toContain('Run with `mode: apply` to carry it out.');
  });
});

describe('run-level problems, warnings and estimates', () => {
  it('run-level problems come first, before the diagram', () => {
    const report = hubReport({ mode: 'apply', spokes: [3], problems: [{ code: 'ShardResultMissing', message: 'No result file for shard 2/3.', advice: 'Re-run shard 2.' }] });
    const md = renderSummary(withVerdict(report));
    expect(firstLine(md)).toMatch(/^### ❌ Failed — ShardResultMissing/);
    expect(at(md, '#### ❌ Problems with the run')).toBeLessThan(at(md, '```mermaid'));
    expect(md).toContain('- **ShardResultMissing** — **Fix:** Re-run shard 2.<br><sub>No result file for shard 2/3.</sub>');
  });

  it('warnings are grouped by code and shown as warnings, not failures', () => {
    const report = hubReport({ mode: 'plan', spokes: [30], kind: (i) => (i < 20 ? 'warn' : 'create') });
    const md = renderSummary(report);
    expect(report.verdict).toBe('pending');
    expect(firstLine(md)).toMatch(/^### 📝 Plan — would create 10 · 20 in sync/);
    expect(md).toContain('#### ⚠️ 20 warnings (not failures; apply may still be refused for these)');
    expect(md).toContain(
      '- ⚠️ **20 links: hub-0 ⇄ spoke-0-0, hub-0 ⇄ spoke-0-1, hub-0 ⇄ spoke-0-2 and 17 more · PlanPermissionMissing** — **Fix:** Apply uses its own identity; check that one has Network Contributor on both VNets. (for hub-0 ⇄ spoke-0-0; the others alike)',
    );
    expect(md).not.toContain('Problems with the run');
  });

  it('a plan whose writes outlast timeout-minutes says so with the time it needs', () => {
    const md = renderSummary(hubPlan(300));
    expect(md).toContain(
      '> ⏱️ **Apply would run out of time:** 600 writes need about 1 h 41 min (20 s an operation, one write at a time per VNet), and `timeout-minutes` allows 15 min. Set `timeout-minutes` to 125 or more (one hub\'s writes take as long whatever the number of jobs: `shard` only splits independent groups).',
    );
    const within = renderSummary({ ...hubPlan(3), estimate: { writes: 6, seconds: 80, operationSeconds: 20, limitSeconds: 900 } });
    expect(within).not.toContain('run out of time');
  });
});
