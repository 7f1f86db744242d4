import { describe, expect, it } from 'vitest';
import {
  MAX_COMMENT_CHARS,
  commentDigest,
  commentMarker,
  renderComment,
  renderReport,
} from '../../src/report/markdown.ts';
import type { Problem, SideResult } from '../../src/model.ts';
import {
  HUB,
  SPOKE,
  appliedCreate,
  makeReport,
  missing,
  pairKeyOf,
  planCreate,
  vnetRef,
} from '../fixtures/report/reports.ts';

const RUN_URL = 'https://github.com/contoso/network/actions/runs/42';

const firstLine = (md: string): string => md.split('\n')[0] ?? '';
const lines = (md: string): string[] => md.split('\n');

/** Table rows of the peering table (they start with a label cell and have three columns). */
function tableRows(md: string): string[] {
  return lines(md).filter((l) => l.startsWith('| '));
}

/** Every `&` must start a whole entity: nothing was cut or double-escaped wrongly. */
function entitiesWhole(md: string): boolean {
  return !/&(?!(?:amp|lt|gt|quot|#\d+);)/.test(md);
}

const authorizationFailed: Problem = {
  code: 'AuthorizationFailed',
  message:
    "The client 'app-id' with object id 'oid' does not have authorization to perform action 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write' over scope '/subscriptions/bbbbbbbb-0000-0000-0000-000000000002/resourceGroups/rg-spoke'.",
  advice:
    'Give the app the Network Contributor role (or the peering custom role) on spoke-vnet in tenant B, then run again.',
};

const failedApply = () =>
  makeReport({
    report: { verdict: 'failed', changed: true },
    a: { action: 'create', outcome: 'done', reason: 'missing', state: 'Initiated', syncLevel: 'RemoteNotInSync' },
    b: { ...missing('failed'), problem: authorizationFailed },
  });

describe('verdict on the first line', () => {
  it('in sync (apply): nothing to change', () => {
    const line = firstLine(renderReport(makeReport(), {}));
    expect(line).toMatch(/^### ✅ In sync — hub-vnet ⇄ spoke-vnet/);
    expect(line).toContain('nothing to change');
  });

  it('in sync (plan): says plan and that nothing would change', () => {
    const line = firstLine(renderReport(makeReport({ report: { mode: 'plan' } }), {}));
    expect(line).toContain('In sync (plan)');
    expect(line).toContain('nothing would change');
  });

  it('repaired: Applied, with what was written per direction', () => {
    const line = firstLine(renderReport(appliedCreate(), {}));
    expect(line).toMatch(/^### ✅ Applied — created A→B and B→A/);
    expect(line).not.toContain('would');
  });

  it('pending: Plan, with what apply would do', () => {
    const md = renderReport(
      makeReport({
        report: { mode: 'plan', verdict: 'pending', changed: true },
        b: missing('planned'),
      }),
      {},
    );
    expect(firstLine(md)).toMatch(/^### 📝 Plan — would create B→A/);
    expect(firstLine(md)).toContain('nothing changed yet');
  });

  it('failed: names the direction, the action and the error code', () => {
    const line = firstLine(renderReport(failedApply(), {}));
    expect(line).toMatch(/^### ❌ Failed — /);
    expect(line).toContain('created A→B');
    expect(line).toContain('B→A: create failed (AuthorizationFailed)');
  });

  it('failed before Azure was read (e.g. sign-in): the general code, and the sides marked not read', () => {
    const notRead: Partial<SideResult> = { ...missing('skipped'), action: 'none', reason: 'not read', addressSpace: [] };
    const report = makeReport({
      report: {
        verdict: 'failed',
        problems: [
          {
            code: 'AADSTS700016',
            message: "Application with identifier 'x' was not found in the directory 'tenant B'.",
            advice: 'Grant admin consent for the app in tenant B.',
          },
        ],
      },
      a: notRead,
      b: notRead,
    });
    const md = renderReport(report, {});
    expect(firstLine(md)).toMatch(/^### ❌ Failed — Azure could not be read: AADSTS700016 · hub-vnet ⇄ spoke-vnet$/);
    expect(md).toContain('hub-vnet (A) ──── A→B  not read');
    expect(md).toContain('| State | ❔ not read | ❔ not read |');
    expect(md).toContain('| Action | — not checked | — not checked |');
    expect(md).toContain('- **AADSTS700016**: Application with identifier &#39;x&#39;');
    expect(md).toContain('**Fix:** Grant admin consent for the app in tenant B.');
  });

  it('plan that found a conflict: fails, naming the side and the code', () => {
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
    const md = renderReport(report, {});
    expect(firstLine(md)).toMatch(/^### ❌ Failed — Plan found a blocker: A→B: PeeringNameConflict/);
    expect(md).toContain('| Action | — none (see error) | **Plan — would create** |');
  });

  it('cancelled: says so and what was already done', () => {
    const report = makeReport({
      report: { verdict: 'cancelled', changed: true },
      a: { action: 'create', outcome: 'done', state: 'Initiated', syncLevel: 'RemoteNotInSync' },
      b: missing('skipped'),
    });
    const line = firstLine(renderReport(report, {}));
    expect(line).toMatch(/^### ⏹️ Cancelled — /);
    expect(line).toContain('created A→B');
  });
});

describe('plan vs apply', () => {
  it('plan: every action is "would", the mode line says nothing changed', () => {
    const md = renderReport(planCreate(), {});
    expect(firstLine(md)).toContain('Plan — would create A→B and B→A');
    expect(md).toContain('| Action | **Plan — would create** | **Plan — would create** |');
    expect(md).toContain('nothing was changed in Azure');
    expect(md).not.toMatch(/Applied|created/);
  });

  it('apply: every action is past tense "Applied — created"', () => {
    const md = renderReport(appliedCreate(), {});
    expect(md).toContain('| Action | **Applied — created** | **Applied — created** |');
    expect(md).toContain('changes were written to Azure');
    expect(md).not.toMatch(/would|Plan —/);
  });

  it('diagram shows each direction with its state and action', () => {
    const md = renderReport(planCreate(), {});
    const fence = md.slice(md.indexOf('```text'), md.indexOf('```', md.indexOf('```text') + 3) + 3);
    expect(fence).toContain('hub-vnet (A) ──── A→B  Missing · would create');
    expect(fence).toMatch(/──▶ spoke-vnet \(B\)/);
    expect(fence).toContain('hub-vnet (A) ◀─── B→A  Missing · would create');
  });
});

describe('contents', () => {
  it('both VNets with subscription, tenant and address space, and that it spans two tenants', () => {
    const md = renderReport(
      makeReport({ a: { addressSpace: ['10.0.0.0/16', '10.2.0.0/24'] } }),
      {},
    );
    expect(md).toContain('(two tenants)');
    expect(md).toContain(
      '| A | hub-vnet | aaaaaaaa-0000-0000-0000-000000000001 | rg-hub | 11111111-1111-1111-1111-111111111111 | 10.0.0.0/16, 10.2.0.0/24 |',
    );
    expect(md).toContain(
      '| B | spoke-vnet | bbbbbbbb-0000-0000-0000-000000000002 | rg-spoke | 22222222-2222-2222-2222-222222222222 | 10.1.0.0/16 |',
    );
  });

  it('per direction: peering name, state, sync level and settings (found vs desired when they differ)', () => {
    const md = renderReport(
      makeReport({
        report: { mode: 'plan', verdict: 'pending', changed: true },
        a: {
          settings: {
            allowVirtualNetworkAccess: true,
            allowForwardedTraffic: true,
            allowGatewayTransit: false,
            useRemoteGateways: false,
          },
          action: 'update',
          outcome: 'planned',
          reason: 'settings differ',
        },
      }),
      {},
    );
    expect(md).toContain('| Peering | hub-vnet-to-spoke-vnet (on hub-vnet) | spoke-vnet-to-hub-vnet (on spoke-vnet) |');
    expect(md).toContain('| State | ✅ Connected | ✅ Connected |');
    expect(md).toContain('| Sync level | FullyInSync | FullyInSync |');
    expect(md).toContain('| allowForwardedTraffic | ⚠️ true, want false | false |');
    expect(md).toContain('| allowVirtualNetworkAccess | true | true |');
    expect(md).toContain('| Action | **Plan — would update** | Plan — nothing to do |');
  });

  it('a failure shows the code, the message and the fix', () => {
    const md = renderReport(failedApply(), {});
    expect(md).toContain('| Error | — | ❌ AuthorizationFailed |');
    expect(md).toContain('**B→A · AuthorizationFailed**: The client &#39;app-id&#39;');
    expect(md).toContain('**Fix:** Give the app the Network Contributor role');
  });

  it('many prefixes are listed up to a bound', () => {
    const many = Array.from({ length: 300 }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);
    const md = renderReport(makeReport({ a: { addressSpace: many } }), {});
    expect(md).toContain('… and 280 more');
  });
});

describe('escaping outside text', () => {
  const hostile = vnetRef(
    'aaaaaaaa-0000-0000-0000-000000000001',
    'rg|x',
    '<script>alert(1)</script>`x`|y-->z',
  );
  const hostileProblem: Problem = {
    code: 'Bad|Code<b>',
    message: 'line one\n# not a heading\n```\n<img src=x onerror=alert(1)> | cell --> [click](https://evil.example) @octocat',
    advice: 'Ask <admin> & retry',
  };
  const report = makeReport({
    vnets: [hostile, SPOKE],
    report: { verdict: 'failed' },
    a: {
      peeringName: 'p|`n`',
      addressSpace: ['10.0.0.0/16|<b>'],
      problem: hostileProblem,
      reason: "it's <bad>",
    },
  });
  const md = renderReport(report, { runUrl: RUN_URL });
  const body = renderComment(report, { runUrl: RUN_URL });

  it('no HTML from outside survives', () => {
    for (const out of [md, body]) {
      expect(out).not.toMatch(/<script|<img|<b>|<admin>/);
      expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(out).toContain('Ask &lt;admin&gt; &amp; retry');
      expect(entitiesWhole(out)).toBe(true);
    }
  });

  it('no outside text ends an HTML comment, opens a code span, or makes a link or mention', () => {
    // The only `-->` are our own two hidden markers.
    expect(body.match(/-->/g)).toHaveLength(2);
    expect(md).not.toContain('-->');
    expect(md).not.toMatch(/`x`|`n`/);
    expect(md).not.toContain('[click]');
    expect(md).not.toMatch(/(^|\s)@octocat/);
  });

  it('tables keep their shape and no message line starts a block', () => {
    for (const row of tableRows(md)) {
      const cells = row.split('|').length - 2;
      expect([3, 6]).toContain(cells);
    }
    // Only the verdict is a heading; only our diagram opens a fence.
    expect(lines(md).filter((l) => l.startsWith('#'))).toHaveLength(1);
    expect(lines(md).filter((l) => l.startsWith('```'))).toEqual(['```text', '```']);
  });

  it('long error messages are shortened with an ellipsis', () => {
    const huge = 'x'.repeat(1_000_000);
    const out = renderReport(failedApplyWith({ code: 'Huge', message: huge, advice: huge }), {});
    expect(out.length).toBeLessThan(10_000);
    expect(out).toContain('x…');
  });
});

function failedApplyWith(problem: Problem) {
  return makeReport({ report: { verdict: 'failed' }, b: { ...missing('failed'), problem } });
}

describe('run link', () => {
  it('appears only in the last line', () => {
    const md = renderReport(appliedCreate(), { runUrl: RUN_URL }).trimEnd();
    const all = lines(md);
    expect(all[all.length - 1]).toBe(`<sub>[Workflow run](${RUN_URL})</sub>`);
    expect(all.slice(0, -1).join('\n')).not.toContain('actions/runs');
  });

  it('a link that could break out of the Markdown is encoded, a non-http one dropped', () => {
    const md = renderReport(makeReport(), { runUrl: 'https://x.example/a)(b?q="<x>"&y=1' });
    expect(md).toContain('<sub>[Workflow run](https://x.example/a%29%28b?q=%22%3Cx%3E%22&amp;y=1)</sub>');
    expect(renderReport(makeReport(), { runUrl: 'javascript:alert(1)' })).not.toContain('javascript');
  });
});

describe('sticky comment marker and digest', () => {
  it('the marker identifies the pair in either order and any case, and differs per pair', () => {
    const upper = (r: typeof HUB) => ({ ...r, id: r.id.toUpperCase() });
    const m1 = commentMarker(pairKeyOf(HUB, SPOKE));
    const m2 = commentMarker(pairKeyOf(upper(SPOKE), HUB));
    expect(m1).toBe(m2);
    expect(m1).toMatch(/^<!-- azure-vnet-peering:pair=[0-9a-f]{24} -->$/);
    const other = vnetRef('cccccccc-0000-0000-0000-000000000003', 'rg-x', 'other');
    expect(commentMarker(pairKeyOf(HUB, other))).not.toBe(m1);
  });

  it('the comment opens with the verdict and closes with the marker and a digest', () => {
    const report = appliedCreate();
    const body = renderComment(report, { runUrl: RUN_URL });
    expect(firstLine(body)).toMatch(/^### ✅/);
    expect(body.trimEnd().split('\n').slice(-2)[0]).toBe(commentMarker(report.pairKey));
    expect(commentDigest(body)).toMatch(/^[0-9a-f]{32}$/);
    expect(body).toContain(renderReport(report, { runUrl: RUN_URL }));
  });

  it('the digest is unchanged when only the run link differs, and changes with the report', () => {
    const one = renderComment(appliedCreate(), { runUrl: RUN_URL });
    const two = renderComment(appliedCreate(), { runUrl: 'https://github.com/contoso/network/actions/runs/43' });
    const none = renderComment(appliedCreate(), {});
    expect(one).not.toBe(two);
    expect(commentDigest(two)).toBe(commentDigest(one));
    expect(commentDigest(none)).toBe(commentDigest(one));
    expect(commentDigest(renderComment(planCreate(), { runUrl: RUN_URL }))).not.toBe(commentDigest(one));
  });

  it('a body without a digest reads as undefined', () => {
    expect(commentDigest('just a comment')).toBeUndefined();
    expect(commentDigest(`${commentMarker('k')}\nold format`)).toBeUndefined();
  });

  it('stays within 65,536 characters, cut safely, keeping marker, digest and run link', () => {
    // 200 problems of quote-heavy text: each escapes to ~6x its length.
    const problems: Problem[] = Array.from({ length: 200 }, (_, i) => ({
      code: `Code${i}`,
      message: '"'.repeat(5_000),
      advice: '<'.repeat(5_000),
    }));
    const report = makeReport({ report: { verdict: 'failed', problems } });
    expect(renderReport(report, {}).length).toBeGreaterThan(MAX_COMMENT_CHARS);
    const body = renderComment(report, { runUrl: RUN_URL });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.trimEnd().split('\n').slice(-2)[0]).toBe(commentMarker(report.pairKey));
    expect(commentDigest(body)).toBeDefined();
    expect(body).toContain("cut short to fit GitHub's 65,536-character comment limit");
    expect(body).toContain(`<sub>[Workflow run](${RUN_URL})</sub>`);
    expect(entitiesWhole(body)).toBe(true);
    expect(lines(body).filter((l) => l.startsWith('```')).length % 2).toBe(0);
    expect(firstLine(body)).toMatch(/^### ❌ Failed/);
  });

  it('a report that fits is not cut', () => {
    const body = renderComment(failedApply(), {});
    expect(body).not.toContain('cut short');
  });
});

describe('a plan that already knows apply would fail', () => {
  it('says so on the first line, with the code', () => {
    const base = planCreate();
    const problem = { code: 'VnetAddressSpacesOverlap', message: '10.0.0.0/16 overlaps 10.0.128.0/20', advice: 'Change one.' };
    const report = { ...base, sides: { ...base.sides, a: { ...base.sides.a, problem } } };
    const md = renderReport(report, {});
    expect(firstLine(md)).toMatch(/^### ⚠️ Plan — apply would fail: VnetAddressSpacesOverlap \(would create/);
    expect(md).toContain('Run with `mode: apply`');
    const inSync = renderReport({ ...base, verdict: 'in-sync', changed: false }, {});
    expect(inSync).not.toContain('Run with `mode: apply`');
  });
});
