// The pair report (one link from the step inputs): today's report on the new model.
import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../src/report/markdown.ts';
import { MAX_COMMENT_CHARS, commentMarker, renderComment } from '../../src/report/comment.ts';
import type { Problem, SideResult } from '../../src/model.ts';
import { SPOKE, appliedCreate, authorizationFailed, makeReport, missing, planCreate, vnetRef } from '../fixtures/report/reports.ts';

const RUN_URL = 'https://github.com/contoso/network/actions/runs/42';

const firstLine = (md: string): string => md.split('\n')[0] ?? '';
const lines = (md: string): string[] => md.split('\n');
const tableRows = (md: string): string[] => lines(md).filter((l) => l.startsWith('| '));
/** Every `&` starts a whole entity: nothing was cut or double-escaped wrongly. */
const entitiesWhole = (md: string): boolean => !/&(?!(?:amp|lt|gt|quot|#\d+);)/.test(md);

const failedApply = () =>
  makeReport({
    report: { verdict: 'failed', changed: true },
    a: { action: 'create', outcome: 'done', reason: 'missing', state: 'Initiated', syncLevel: 'RemoteNotInSync', writes: ['PUT'] },
    b: { ...missing('failed'), problem: authorizationFailed },
  });

describe('verdict on the first line', () => {
  it('in sync (apply): nothing to change', () => {
    const line = firstLine(renderSummary(makeReport()));
    expect(line).toBe('### ✅ In sync — hub-vnet ⇄ spoke-vnet: Connected and FullyInSync both ways, nothing to change');
  });

  it('in sync (plan): says plan and that nothing would change', () => {
    expect(firstLine(renderSummary(makeReport({ report: { mode: 'plan' } })))).toBe('### ✅ In sync (plan) — hub-vnet ⇄ spoke-vnet: nothing would change');
  });

  it('repaired: Applied, with what was written per direction', () => {
    const line = firstLine(renderSummary(appliedCreate()));
    expect(line).toBe('### ✅ Applied — created A→B and B→A · hub-vnet ⇄ spoke-vnet now Connected and FullyInSync');
  });

  it('a recreate that only re-PUT the side is "reconnected", one that deleted and created it "recreated"', () => {
    const reconnect = makeReport({ report: { verdict: 'repaired', changed: true }, a: { action: 'recreate', outcome: 'done', writes: ['PUT'] } });
    expect(firstLine(renderSummary(reconnect))).toMatch(/^### ✅ Applied — reconnected A→B ·/);
    expect(renderSummary(reconnect)).toContain('| Action | **Applied — reconnected** | — none needed |');
    const recreate = makeReport({ report: { verdict: 'repaired', changed: true }, a: { action: 'recreate', outcome: 'done', writes: ['PUT', 'DELETE', 'PUT'] } });
    expect(firstLine(renderSummary(recreate))).toMatch(/^### ✅ Applied — recreated A→B ·/);
  });

  it('pending: Plan, with what apply would do', () => {
    const md = renderSummary(makeReport({ report: { mode: 'plan', verdict: 'pending', changed: true }, b: missing('planned') }));
    expect(firstLine(md)).toBe('### 📝 Plan — would create B→A · hub-vnet ⇄ spoke-vnet (nothing changed yet)');
  });

  it('failed: names the direction, the action and the error code', () => {
    const line = firstLine(renderSummary(failedApply()));
    expect(line).toBe('### ❌ Failed — Apply did not end healthy: created A→B; B→A: create failed (AuthorizationFailed) · hub-vnet ⇄ spoke-vnet');
  });

  it('failed before Azure was read (e.g. sign-in): the run code, and the sides marked not read', () => {
    const notRead: Partial<SideResult> = { ...missing('skipped'), action: 'none', reason: 'not read', addressSpace: [] };
    const report = makeReport({
      report: {
        verdict: 'failed',
        problems: [
          {
            code: 'AADSTS700016',
            message: "Application with identifier 'x' was not found in the directory 'tenant B'. Trace ID: 0000. Correlation ID: 1111.",
            advice: 'Grant admin consent for the app in tenant B.',
          },
        ],
      },
      a: notRead,
      b: notRead,
    });
    const md = renderSummary(report);
    expect(firstLine(md)).toBe('### ❌ Failed — Azure could not be read: AADSTS700016 · hub-vnet ⇄ spoke-vnet');
    expect(md).toContain('hub-vnet (A) ──── A→B  not read');
    expect(md).toContain('| State | ❔ not read | ❔ not read |');
    expect(md).toContain('| Action | — not checked | — not checked |');
    // The fix before Entra's long text.
    expect(md).toContain(
      '- **AADSTS700016** — **Fix:** Grant admin consent for the app in tenant B.<br><sub>Application with identifier &#39;x&#39;',
    );
  });

  it('a plan that found a conflict says apply would fail, naming the side and the code', () => {
    const conflict: Problem = {
      code: 'PeeringNameConflict',
      message: "Peering 'hub-vnet-to-spoke-vnet' on hub-vnet points at other-vnet.",
      advice: 'Delete it, or name the peering with peering-name-a.',
    };
    const report = makeReport({
      report: { mode: 'plan', verdict: 'failed' },
      a: { ...missing('none'), action: 'none', problem: conflict, reason: 'name taken' },
      b: missing('planned'),
    });
    const md = renderSummary(report);
    expect(firstLine(md)).toBe('### ❌ Plan — apply would fail: A→B: PeeringNameConflict (would create B→A) · hub-vnet ⇄ spoke-vnet');
    expect(md).toContain('| Action | — none (see error) | **Plan — would create** |');
    expect(md).not.toContain('Run with `mode: apply`');
  });

  it('cancelled: says so and what was already done', () => {
    const report = makeReport({
      report: { verdict: 'cancelled', changed: true },
      a: { action: 'create', outcome: 'done', state: 'Initiated', syncLevel: 'RemoteNotInSync', writes: ['PUT'] },
      b: missing('skipped'),
    });
    expect(firstLine(renderSummary(report))).toBe(
      '### ⏹️ Cancelled — stopped before finishing (created A→B) · hub-vnet ⇄ spoke-vnet; the next run picks up from what it finds',
    );
  });
});

describe('tear-down and replace', () => {
  const absent = { state: 'Missing' as const, syncLevel: '' as const, provisioningState: '', settings: undefined, scope: undefined, peeringId: '' };

  it('a plan that tears the pair down says delete on the first line, for both directions', () => {
    const report = makeReport({
      ensure: 'absent',
      report: { mode: 'plan', verdict: 'pending', changed: true },
      a: { action: 'delete', outcome: 'planned', reason: 'ensure: absent' },
      b: { action: 'delete', outcome: 'planned', reason: 'ensure: absent' },
    });
    const md = renderSummary(report);
    expect(firstLine(md)).toBe("### 🗑️ Plan — would delete 2 peerings: A→B 'hub-vnet-to-spoke-vnet' and B→A 'spoke-vnet-to-hub-vnet' · hub-vnet ⇄ spoke-vnet (nothing changed yet)");
    expect(md).toContain('| Action | **Plan — would delete** | **Plan — would delete** |');
    // Settings do not matter for a peering that goes.
    expect(md).not.toContain('allowForwardedTraffic');
  });

  it('applied tear-down: deleted, torn down, Missing is what was asked', () => {
    const report = makeReport({
      ensure: 'absent',
      report: { verdict: 'repaired', changed: true },
      a: { ...absent, action: 'delete', outcome: 'done', writes: ['DELETE'] },
      b: { ...absent, action: 'delete', outcome: 'done', writes: ['DELETE'] },
    });
    const md = renderSummary(report);
    expect(firstLine(md)).toBe('### ✅ Applied — deleted A→B and B→A · hub-vnet ⇄ spoke-vnet torn down: no peering left on either side');
    expect(md).toContain('| State | ✅ Missing | ✅ Missing |');
  });

  it('absent already: in sync, no peering on either side', () => {
    const md = renderSummary(makeReport({ ensure: 'absent', a: absent, b: absent }));
    expect(firstLine(md)).toBe('### ✅ In sync — hub-vnet ⇄ spoke-vnet: no peering on either side, as asked; nothing to change');
  });

  it('replace: whole VNet to subnet peering, found and wanted in the Subnets row', () => {
    const want = { complete: false, localSubnets: ['snet-app'], remoteSubnets: ['snet-data'], ipv6Only: false };
    const report = makeReport({
      report: { mode: 'plan', verdict: 'pending', changed: true },
      a: { action: 'replace', outcome: 'planned', desiredScope: want, reason: 'subnet peering declared' },
      b: { action: 'replace', outcome: 'planned', desiredScope: { ...want, localSubnets: ['snet-data'], remoteSubnets: ['snet-app'] } },
    });
    const md = renderSummary(report);
    expect(firstLine(md)).toBe("### 🗑️ Plan — would delete 2 peerings (replace: delete, then create): A→B 'hub-vnet-to-spoke-vnet' and B→A 'spoke-vnet-to-hub-vnet' · hub-vnet ⇄ spoke-vnet (nothing changed yet)");
    expect(md).toContain('| Subnets | ⚠️ whole VNet, want snet-app ⇄ snet-data | ⚠️ whole VNet, want snet-data ⇄ snet-app |');
  });

  it('a subnet peering the inputs do not manage is kept, and said so', () => {
    const scope = { complete: false, localSubnets: ['a1', 'a2'], remoteSubnets: ['b1'], ipv6Only: true };
    const md = renderSummary(makeReport({ a: { scope } }));
    expect(md).toContain('| Subnets | a1, a2 ⇄ b1 (IPv6 only) (kept: the link does not manage subnets) | whole VNet |');
  });
});

describe('plan vs apply', () => {
  it('plan: every action is "would", the mode line says nothing changed and how to go on', () => {
    const md = renderSummary(planCreate());
    expect(firstLine(md)).toContain('Plan — would create A→B and B→A');
    expect(md).toContain('| Action | **Plan — would create** | **Plan — would create** |');
    expect(md).toContain('_Mode: **plan** — read only; nothing was changed in Azure. Run with `mode: apply` to carry it out._');
    expect(md).not.toMatch(/Applied|created/);
  });

  it('apply: every action is past tense "Applied — created"', () => {
    const md = renderSummary(appliedCreate());
    expect(md).toContain('| Action | **Applied — created** | **Applied — created** |');
    expect(md).toContain('changes were written to Azure');
    expect(md).not.toMatch(/would|Plan —/);
  });

  it('diagram shows each direction with its state and action', () => {
    const md = renderSummary(planCreate());
    const fence = md.slice(md.indexOf('```text'), md.indexOf('```', md.indexOf('```text') + 3) + 3);
    expect(fence).toContain('hub-vnet (A) ──── A→B  Missing · would create');
    expect(fence).toMatch(/──▶ spoke-vnet \(B\)/);
    expect(fence).toContain('hub-vnet (A) ◀─── B→A  Missing · would create');
  });

  it('a plan that would fail never says to go ahead', () => {
    const base = planCreate();
    const blocked = makeReport({
      report: { mode: 'plan', verdict: 'failed' },
      a: { ...missing('planned'), problem: { code: 'VnetAddressSpacesOverlap', message: '10.0.0.0/16 overlaps 10.0.128.0/20', advice: 'Change one.' } },
      b: missing('planned'),
    });
    const md = renderSummary(blocked);
    expect(firstLine(md)).toBe('### ❌ Plan — apply would fail: A→B: VnetAddressSpacesOverlap (would create A→B and B→A) · hub-vnet ⇄ spoke-vnet');
    expect(md).not.toContain('Run with `mode: apply`');
    expect(md).toContain('Apply would be refused until the errors above are fixed.');
    expect(renderSummary({ ...base, verdict: 'in-sync', changed: false })).not.toContain('Run with `mode: apply`');
  });

  it('a warning (plan: a permission the planning identity lacks) is a warning, not a failure', () => {
    const report = makeReport({
      report: { mode: 'plan', verdict: 'pending', changed: true },
      b: missing('planned'),
      warnings: [{ code: 'PlanPermissionMissing', message: 'The planning identity cannot write peerings.', advice: 'Apply uses its own identity.' }],
    });
    const md = renderSummary(report);
    expect(firstLine(md)).toMatch(/^### 📝 Plan — would create B→A/);
    expect(md).toContain('**Warnings**');
    expect(md).toContain('- ⚠️ **PlanPermissionMissing** — **Fix:** Apply uses its own identity.');
    expect(md).not.toContain('Errors and fixes');
  });
});

describe('contents', () => {
  it('both VNets with subscription, tenant and address space, and that it spans two tenants', () => {
    const md = renderSummary(makeReport({ a: { addressSpace: ['10.0.0.0/16', '10.2.0.0/24'] } }));
    expect(md).toContain('(two tenants)');
    expect(md).toContain(
      '| A | hub-vnet | aaaaaaaa-0000-0000-0000-000000000001 | rg-hub | 11111111-1111-1111-1111-111111111111 | 10.0.0.0/16, 10.2.0.0/24 |',
    );
    expect(md).toContain(
      '| B | spoke-vnet | bbbbbbbb-0000-0000-0000-000000000002 | rg-spoke | 22222222-2222-2222-2222-222222222222 | 10.1.0.0/16 |',
    );
  });

  it('per direction: peering name, state, sync level and settings (found vs desired when they differ)', () => {
    const md = renderSummary(
      makeReport({
        report: { mode: 'plan', verdict: 'pending', changed: true },
        a: {
          settings: { allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: false, useRemoteGateways: false },
          action: 'update',
          outcome: 'planned',
          reason: 'settings differ',
        },
      }),
    );
    expect(md).toContain('| Peering | hub-vnet-to-spoke-vnet (on hub-vnet) | spoke-vnet-to-hub-vnet (on spoke-vnet) |');
    expect(md).toContain('| State | ✅ Connected | ✅ Connected |');
    expect(md).toContain('| Sync level | FullyInSync | FullyInSync |');
    expect(md).toContain('| allowForwardedTraffic | ⚠️ true, want false | false |');
    expect(md).toContain('| allowVirtualNetworkAccess | true | true |');
    expect(md).toContain('| Action | **Plan — would update** | Plan — nothing to do |');
  });

  it('a setting Azure returned as text is outside text: quoted, escaped, and differs', () => {
    const md = renderSummary(
      makeReport({
        a: { settings: { allowVirtualNetworkAccess: '<b>yes</b> @admin', allowForwardedTraffic: false, allowGatewayTransit: false, useRemoteGateways: false } },
      }),
    );
    expect(md).toContain('| allowVirtualNetworkAccess | ⚠️ “&lt;b&gt;yes&lt;/b&gt; @\u200badmin”, want true | true |');
  });

  it('a failure shows the code, then the fix, then the message', () => {
    const md = renderSummary(failedApply());
    expect(md).toContain('| Error | — | ❌ AuthorizationFailed |');
    const item = lines(md).find((l) => l.startsWith('- **B→A · AuthorizationFailed**')) ?? '';
    expect(item.indexOf('**Fix:** Give the app the Network Contributor role')).toBeGreaterThan(0);
    expect(item.indexOf('The client &#39;app-id&#39;')).toBeGreaterThan(item.indexOf('**Fix:**'));
  });

  it('a problem without advice shows its message plainly', () => {
    const md = renderSummary(makeReport({ report: { verdict: 'failed' }, b: { ...missing('failed'), problem: { code: 'Weird', message: 'Something odd.', advice: '' } } }));
    expect(md).toContain('- **B→A · Weird**: Something odd.');
  });

  it('many prefixes are listed up to a bound', () => {
    const many = Array.from({ length: 300 }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);
    expect(renderSummary(makeReport({ a: { addressSpace: many } }))).toContain('… and 280 more');
  });

  it('a time estimate beyond timeout-minutes is said plainly', () => {
    const md = renderSummary({ ...planCreate(), estimate: { writes: 2, seconds: 40, operationSeconds: 20, limitSeconds: 6 } });
    expect(md).toContain('**Apply would run out of time:** 2 writes need about 40 s');
    expect(md).toContain('`timeout-minutes` allows 6 s');
  });
});

describe('escaping outside text', () => {
  const hostile = vnetRef('aaaaaaaa-0000-0000-0000-000000000001', 'rg|x', '<script>alert(1)</script>`x`|y-->z');
  const hostileProblem: Problem = {
    code: 'Bad|Code<b>',
    message: 'line one\n# not a heading\n```\n<img src=x onerror=alert(1)> | cell --> [click](https://evil.example) @octocat #12',
    advice: 'Ask <admin> & retry',
  };
  const report = makeReport({
    vnets: [hostile, SPOKE],
    report: { verdict: 'failed' },
    a: { peeringName: 'p|`n`', addressSpace: ['10.0.0.0/16|<b>'], problem: hostileProblem, reason: "it's <bad>" },
  });
  const md = renderSummary(report, { runUrl: RUN_URL });
  const body = renderComment(report, { runUrl: RUN_URL });

  it('no HTML from outside survives', () => {
    for (const out of [md, body]) {
      expect(out).not.toMatch(/<script|<img|<b>|<admin>/);
      expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(out).toContain('Ask &lt;admin&gt; &amp; retry');
      expect(entitiesWhole(out)).toBe(true);
    }
  });

  it('no outside text ends an HTML comment, opens a code span, or makes a link, mention or reference', () => {
    // The only `-->` is our own hidden marker.
    expect(body.match(/-->/g)).toHaveLength(1);
    expect(md).not.toContain('-->');
    expect(md).not.toMatch(/`x`|`n`/);
    expect(md).not.toContain('[click]');
    expect(md).not.toContain('https://evil');
    expect(md).not.toMatch(/@octocat|(?<!&)#12/);
  });

  it('tables keep their shape and no message line starts a block', () => {
    for (const row of tableRows(md)) {
      const cells = row.split('|').length - 2;
      expect([3, 6]).toContain(cells);
    }
    expect(lines(md).filter((l) => l.startsWith('#'))).toHaveLength(1);
    expect(lines(md).filter((l) => l.startsWith('```'))).toEqual(['```text', '```']);
  });

  it('long error messages are shortened with an ellipsis', () => {
    const huge = 'x'.repeat(1_000_000);
    const out = renderSummary(makeReport({ report: { verdict: 'failed' }, b: { ...missing('failed'), problem: { code: 'Huge', message: huge, advice: huge } } }));
    expect(out.length).toBeLessThan(10_000);
    expect(out).toContain('x…');
  });
});

describe('run link', () => {
  it('appears only in the last line', () => {
    const all = lines(renderSummary(appliedCreate(), { runUrl: RUN_URL }).trimEnd());
    expect(all[all.length - 1]).toBe(`<sub>[Workflow run](${RUN_URL})</sub>`);
    expect(all.slice(0, -1).join('\n')).not.toContain('actions/runs');
  });

  it('a link that could break out of the Markdown is encoded, a non-http one dropped', () => {
    const md = renderSummary(makeReport(), { runUrl: 'https://x.example/a)(b?q="<x>"&y=1' });
    expect(md).toContain('<sub>[Workflow run](https://x.example/a%29%28b?q=%22%3Cx%3E%22&amp;y=1)</sub>');
    expect(renderSummary(makeReport(), { runUrl: 'javascript:alert(1)' })).not.toContain('javascript');
  });
});

describe('the pair comment', () => {
  it('opens with the verdict and closes with the pair marker', () => {
    const report = appliedCreate();
    const body = renderComment(report, { runUrl: RUN_URL });
    expect(firstLine(body)).toMatch(/^### ✅/);
    expect(body.trimEnd().split('\n').at(-1)).toBe(commentMarker(report));
    expect(body).toContain(renderSummary(report, { runUrl: RUN_URL }).trimEnd());
  });

  it('stays within 65,536 characters, shortened safely, keeping marker and run link', () => {
    // 200 run problems of quote-heavy text: each escapes to about 6 times its length.
    const problems: Problem[] = Array.from({ length: 200 }, (_, i) => ({ code: `Code${i}`, message: '"'.repeat(5_000), advice: '<'.repeat(5_000) }));
    const report = makeReport({ report: { verdict: 'failed', problems } });
    expect(renderSummary(report).length).toBeGreaterThan(MAX_COMMENT_CHARS);
    const body = renderComment(report, { runUrl: RUN_URL });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.trimEnd().split('\n').at(-1)).toBe(commentMarker(report));
    expect(body).toContain('Shortened to fit GitHub’s 65,536-character comment limit: the job summary of this run has the full report');
    expect(body).toMatch(/… and \d+ more problems \(all of them are in the `result-file`\)/);
    expect(body).toContain(`<sub>[Workflow run](${RUN_URL})</sub>`);
    expect(entitiesWhole(body)).toBe(true);
    expect(lines(body).filter((l) => l.startsWith('```')).length % 2).toBe(0);
    expect(firstLine(body)).toMatch(/^### ❌ Failed/);
  });

  it('a report that fits is not shortened', () => {
    expect(renderComment(failedApply())).not.toContain('Shortened');
  });
});

describe('a setting Azure returned that is not a boolean', () => {
  it('is shown as escaped text, and as differing from what is wanted', () => {
    const odd = '<img src=x onerror=alert(1)> @octocat | #123';
    const md = renderSummary(
      makeReport({
        report: { mode: 'plan', verdict: 'pending', changed: true },
        a: { settings: { allowVirtualNetworkAccess: true, allowForwardedTraffic: odd, allowGatewayTransit: false, useRemoteGateways: false }, action: 'update', outcome: 'planned' },
      }),
    );
    const row = lines(md).find((l) => l.startsWith('| allowForwardedTraffic'));
    expect(row).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(row).toContain('want false');
    expect(md).not.toContain('<img');
    expect(md).not.toContain('@octocat');
    expect(md).not.toMatch(/(^|[^\w&])#123\b/);
    expect(tableRows(md).every((r) => r.split(' | ').length >= 3)).toBe(true);
  });
});
