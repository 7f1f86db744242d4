// Step outputs, the result file, whether the step fails, the failure message and the last log line.
import { describe, expect, it } from 'vitest';
import type { RunReport, Verdict } from '../../src/model.ts';
import { MAX_OUTPUT_BYTES, failureMessage, finalLine, resultFileJson, shouldFail, toOutputs, warningLines } from '../../src/report/outputs.ts';
import { HUB, SPOKE, appliedCreate, hubPlan, hubReport, makeReport, missing, planCreate, twelveLinks, unmanagedBetween, withVerdict } from '../fixtures/report/reports.ts';

const RESULT_FILE = '/runner/_temp/azure-vnet-peering-result.json';

const PAIR_OUTPUTS = [
  'changed',
  'state-a',
  'state-b',
  'sync-level-a',
  'sync-level-b',
  'action-a',
  'action-b',
  'peering-id-a',
  'peering-id-b',
  'result',
  'result-file',
];

function result(report: RunReport): unknown {
  return JSON.parse(toOutputs(report, RESULT_FILE).result ?? '');
}

describe('toOutputs for the pair', () => {
  it('sets exactly the contract’s outputs, all strings', () => {
    const out = toOutputs(appliedCreate(), RESULT_FILE);
    expect(Object.keys(out).sort()).toEqual([...PAIR_OUTPUTS].sort());
    for (const value of Object.values(out)) expect(typeof value).toBe('string');
  });

  it('after creating the pair', () => {
    const { result: _json, ...out } = toOutputs(appliedCreate(), RESULT_FILE);
    expect(out).toEqual({
      changed: 'true',
      'state-a': 'Connected',
      'state-b': 'Connected',
      'sync-level-a': 'FullyInSync',
      'sync-level-b': 'FullyInSync',
      'action-a': 'create',
      'action-b': 'create',
      'peering-id-a': `${HUB.id}/virtualNetworkPeerings/hub-vnet-to-spoke-vnet`,
      'peering-id-b': `${SPOKE.id}/virtualNetworkPeerings/spoke-vnet-to-hub-vnet`,
      'result-file': RESULT_FILE,
    });
  });

  it('a missing side has an empty sync level and peering ID', () => {
    const out = toOutputs(makeReport({ b: missing('failed') }), RESULT_FILE);
    expect(out['state-b']).toBe('Missing');
    expect(out['sync-level-b']).toBe('');
    expect(out['peering-id-b']).toBe('');
  });

  it('result has exactly the pair shape of spec/action.md', () => {
    const report = makeReport({
      report: { mode: 'plan', verdict: 'pending', changed: true, problems: [{ code: 'NoOidcToken', message: 'No token.', advice: 'Add id-token: write.' }] },
      a: { action: 'sync', outcome: 'planned', syncLevel: 'LocalNotInSync', reason: 'remote address space changed' },
      b: { ...missing('planned'), problem: { code: 'AuthorizationFailed', message: 'Denied.', advice: 'Assign a role.' } },
    });
    const json = result(report);
    expect(json).toEqual({
      mode: 'plan',
      verdict: 'pending',
      changed: true,
      addressSpaces: { a: ['10.0.0.0/16'], b: ['10.1.0.0/16'] },
      a: {
        vnet: HUB.id,
        remoteVnet: SPOKE.id,
        tenantId: '11111111-1111-1111-1111-111111111111',
        addressSpace: ['10.0.0.0/16'],
        peeringName: 'hub-vnet-to-spoke-vnet',
        peeringId: `${HUB.id}/virtualNetworkPeerings/hub-vnet-to-spoke-vnet`,
        state: 'Connected',
        syncLevel: 'LocalNotInSync',
        provisioningState: 'Succeeded',
        action: 'sync',
        outcome: 'planned',
        reason: 'remote address space changed',
        settings: { allowVirtualNetworkAccess: true, allowForwardedTraffic: false, allowGatewayTransit: false, useRemoteGateways: false },
        desired: { allowVirtualNetworkAccess: true, allowForwardedTraffic: false, allowGatewayTransit: false, useRemoteGateways: false },
        error: null,
      },
      b: expect.objectContaining({ state: 'Missing', settings: null, peeringId: '', error: { code: 'AuthorizationFailed', message: 'Denied.', advice: 'Assign a role.' } }),
      errors: [{ code: 'NoOidcToken', message: 'No token.', advice: 'Add id-token: write.' }],
    });
  });

  it('a setting Azure returned as text is kept as text', () => {
    const report = makeReport({ a: { settings: { allowVirtualNetworkAccess: 'maybe', allowForwardedTraffic: false, allowGatewayTransit: false, useRemoteGateways: false } } });
    expect(result(report)).toMatchObject({ a: { settings: { allowVirtualNetworkAccess: 'maybe' } } });
  });
});

describe('toOutputs for a topology', () => {
  it('the per-side outputs are empty; result has the topology shape', () => {
    const report = twelveLinks();
    const out = toOutputs(report, RESULT_FILE);
    expect(Object.keys(out).sort()).toEqual([...PAIR_OUTPUTS].sort());
    for (const k of PAIR_OUTPUTS.filter((k) => /-(a|b)$/.test(k))) expect(out[k]).toBe('');
    const json = result(report);
    expect(Object.keys(json as object).sort()).toEqual(['changed', 'counts', 'errors', 'links', 'mode', 'unmanaged', 'verdict']);
    expect(json).toMatchObject({
      mode: 'apply',
      verdict: 'failed',
      changed: true,
      counts: { links: 12, healthy: 10, changed: 6, failed: 2, pending: 0, pruned: 1 },
    });
  });

  it('each link: key, entry, ensure, vnets, aliases, and two sides of the pair shape', () => {
    const report = twelveLinks();
    const links = (result(report) as { links: Record<string, unknown>[] }).links;
    const first = links[0] ?? {};
    expect(Object.keys(first).sort()).toEqual(['a', 'aliases', 'b', 'ensure', 'entry', 'key', 'vnets']);
    const lr = report.links[0];
    expect(first).toMatchObject({
      key: lr?.link.key,
      entry: 'hubs[0].spokes[0]',
      ensure: 'present',
      vnets: [lr?.link.ends.a.vnet.id, lr?.link.ends.b.vnet.id],
      aliases: ['hub-0', 'spoke-0-0'],
      a: { action: 'create', outcome: 'done', state: 'Connected' },
    });
    expect(Object.keys(first.a as object).sort()).toEqual(
      ['vnet', 'remoteVnet', 'tenantId', 'addressSpace', 'peeringName', 'peeringId', 'state', 'syncLevel', 'provisioningState', 'action', 'outcome', 'reason', 'settings', 'desired', 'error'].sort(),
    );
    expect(links[key(report, 'hubs[0].spokes[8]')]).toMatchObject({ ensure: 'absent', a: { action: 'delete', state: 'Missing' } });
  });

  it('unmanaged peerings with their action', () => {
    const json = result(twelveLinks()) as { unmanaged: unknown[] };
    expect(json.unmanaged).toEqual([
      expect.objectContaining({ peeringName: 'spoke-0-0-to-spoke-1-0', action: 'delete', outcome: 'done', state: 'Missing' }),
      expect.objectContaining({ peeringName: 'spoke-0-2-to-spoke-1-1', action: 'none', outcome: 'none', state: 'Connected' }),
    ]);
    expect(Object.keys(json.unmanaged[0] as object).sort()).toEqual(['action', 'outcome', 'peeringId', 'peeringName', 'remoteVnet', 'state', 'vnet']);
  });

  it('counts in plan mode: pending and changed are links with an action, pruned what would be', () => {
    const json = result(twelveLinks('plan'));
    expect(json).toMatchObject({ verdict: 'failed', counts: { links: 12, pending: 7, changed: 7, failed: 2, pruned: 1 } });
  });

  it('past 1 MiB, result holds the short form, always valid JSON', () => {
    const big = hubReport({ mode: 'apply', spokes: [300, 300], kind: () => 'fail', messageLength: 2_000 });
    const out = toOutputs(big, RESULT_FILE);
    expect(Buffer.byteLength(out.result ?? '', 'utf8')).toBeLessThan(MAX_OUTPUT_BYTES);
    expect(JSON.parse(out.result ?? '')).toEqual({
      truncated: true,
      mode: 'apply',
      verdict: 'failed',
      changed: true,
      counts: { links: 600, healthy: 0, changed: 600, failed: 600, pending: 0, pruned: 0 },
      resultFile: RESULT_FILE,
    });
    expect(Buffer.byteLength(resultFileJson(big), 'utf8')).toBeGreaterThan(MAX_OUTPUT_BYTES);
  });
});

function key(report: RunReport, entry: string): number {
  return report.links.findIndex((l) => l.link.entry === entry);
}

describe('resultFileJson', () => {
  it('a topology: the whole result, never cut, plus shard and topologyDigest', () => {
    const big = hubReport({ mode: 'apply', spokes: [300, 300], kind: () => 'fail', messageLength: 2_000, shard: { index: 2, count: 3 } });
    const file = JSON.parse(resultFileJson(big));
    expect(file).toMatchObject({ shard: '2/3', topologyDigest: big.source.kind === 'file' ? big.source.digest : '', topology: 'network/topology.yml' });
    expect(file.links).toHaveLength(600);
    expect(file.counts).toEqual({ links: 600, healthy: 0, changed: 600, failed: 600, pending: 0, pruned: 0 });
    expect(file.links[0].b.error.message.length).toBeGreaterThan(2_000);
  });

  it('a pair: the pair result, shard and digest null', () => {
    const file = JSON.parse(resultFileJson(appliedCreate()));
    expect(file).toMatchObject({ mode: 'apply', verdict: 'repaired', shard: null, topologyDigest: null, a: { action: 'create', writes: ['PUT'] } });
    expect(file.links).toBeUndefined();
  });

  it('carries what a merge needs: tenants, VNets, each side’s scope and writes, each link’s ends and locator', () => {
    const file = JSON.parse(resultFileJson(twelveLinks()));
    expect(file.tenants).toEqual([
      { alias: 'contoso', tenantId: expect.any(String), clientId: expect.any(String) },
      { alias: 'fabrikam', tenantId: expect.any(String), clientId: expect.any(String) },
    ]);
    expect(file.vnets).toHaveLength(14);
    expect(file.links[5]).toMatchObject({
      index: 5,
      healthy: true,
      warnings: [],
      kind: { kind: 'unmanaged' },
      locator: { link: 'hubs[0].spokes[5] in network/topology.yml' },
      ends: { a: { alias: 'hub-0', givenPeeringName: null }, b: { alias: 'spoke-0-5' } },
      a: { action: 'recreate', writes: ['PUT'], scope: { complete: true }, desiredScope: null },
    });
  });
});

describe('shouldFail', () => {
  const report = (mode: 'apply' | 'plan', verdict: Verdict, changed: boolean): RunReport => makeReport({ report: { mode, verdict, changed } });
  it.each<['apply' | 'plan', Verdict, boolean, boolean, boolean]>([
    ['apply', 'in-sync', false, false, false],
    ['apply', 'repaired', true, false, false],
    ['apply', 'repaired', true, true, false], // fail-on-drift has no effect in apply mode
    ['apply', 'failed', true, false, true],
    ['apply', 'cancelled', false, false, true],
    ['plan', 'in-sync', false, true, false],
    ['plan', 'pending', true, false, false],
    ['plan', 'pending', true, true, true],
    ['plan', 'failed', false, false, true],
  ])('%s, %s, changed %s, fail-on-drift %s → %s', (mode, verdict, changed, failOnDrift, fails) => {
    expect(shouldFail(report(mode, verdict, changed), failOnDrift)).toBe(fails);
  });

  it('a plan that knows apply would fail fails, even when the engine called it pending', () => {
    const blocked = makeReport({ report: { mode: 'plan', verdict: 'pending', changed: true }, a: { ...missing('planned'), problem: { code: 'RemoteVnetHasNoGateways', message: 'm', advice: 'a' } } });
    expect(shouldFail(blocked, false)).toBe(true);
  });

  it('a plan with only warnings does not fail', () => {
    expect(shouldFail(hubReport({ mode: 'plan', spokes: [3], kind: () => 'warn' }), false)).toBe(false);
  });

  it('a topology plan with prunes pending fails under fail-on-drift', () => {
    const base = hubReport({ mode: 'plan', spokes: [3] });
    const pruning = withVerdict({ ...base, unmanaged: [unmanagedBetween(base, 1, 2, { action: 'delete', outcome: 'planned' })] });
    expect(shouldFail(pruning, true)).toBe(true);
    expect(shouldFail(pruning, false)).toBe(false);
  });
});

describe('failureMessage', () => {
  it('names the side, its state, the Azure code and the advice', () => {
    const message = failureMessage(
      makeReport({
        report: { verdict: 'failed' },
        a: { state: 'Initiated', syncLevel: 'RemoteNotInSync' },
        b: { ...missing('failed'), problem: { code: 'LinkedAuthorizationFailed', message: 'Not authorized.', advice: 'Grant consent in tenant B.' } },
      }),
    );
    expect(message).toBe("B→A 'spoke-vnet-to-hub-vnet' on spoke-vnet (state Missing): LinkedAuthorizationFailed: Not authorized. Grant consent in tenant B.");
  });

  it('lists run-wide problems first and says when the run was cancelled', () => {
    const message = failureMessage(makeReport({ report: { verdict: 'cancelled', problems: [{ code: 'Aborted', message: 'Cancelled.', advice: '' }] } }));
    expect(message.split('\n')).toEqual(['The run was cancelled; operations already accepted by Azure go on, and the next run converges.', 'Aborted: Cancelled.']);
  });

  it('says what drifted in plan mode', () => {
    const message = failureMessage(
      makeReport({ report: { mode: 'plan', verdict: 'pending', changed: true }, b: { action: 'update', reason: 'allowForwardedTraffic: true → false' } }),
    );
    expect(message).toBe('Drift: B→A needs update (allowForwardedTraffic: true → false). Run with mode: apply to repair.');
  });

  it('outside text cannot start a workflow command', () => {
    const message = failureMessage(makeReport({ report: { verdict: 'failed' }, b: { ...missing('failed'), problem: { code: 'X\n::warning::y', message: 'a\r\n::error::b', advice: '' } } }));
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('X\\n::warning::y: a\\r\\n::error::b');
  });

  it('is never empty', () => {
    expect(failureMessage(makeReport({ report: { verdict: 'failed' } }))).toBe('The peering is not healthy.');
  });

  it('a topology: names each failed link, side, state, code and fix', () => {
    const lines = failureMessage(twelveLinks()).split('\n');
    expect(lines[0]).toBe('2 of 12 links failed:');
    expect(lines[1]).toBe(
      "hub-0 ⇄ spoke-0-3 (hubs[0].spokes[3]): spoke-0-3 → hub-0 'spoke-0-3-to-hub-0' on spoke-0-3 (state Missing): AuthorizationFailed: " +
        "The client 'app-id' with object id 'oid' does not have authorization to perform action 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write' over scope '/subscriptions/bbbbbbbb-0000-0000-0000-000000000002/resourceGroups/rg-spoke'. " +
        'Give the app the Network Contributor role (or the peering custom role) on spoke-vnet in tenant B, then run again.',
    );
    expect(lines[2]).toMatch(/^hub-0 ⇄ spoke-0-7 \(hubs\[0\]\.spokes\[7\]\): hub-0 → spoke-0-7 'hub-0-to-spoke-0-7' on hub-0 \(state Missing\): VnetAddressSpacesOverlap: /);
    expect(lines).toHaveLength(3);
  });

  it('a topology plan that would fail says so; 500 failures are named up to a bound', () => {
    expect(failureMessage(hubPlan(100)).split('\n')[0]).toBe('Apply would fail for 4 of 100 links:');
    const lines = failureMessage(hubReport({ mode: 'apply', spokes: [500], kind: () => 'fail' })).split('\n');
    expect(lines[0]).toBe('500 of 500 links failed:');
    expect(lines).toHaveLength(52);
    expect(lines.at(-1)).toBe('… and 450 more links: see the job summary and the result-file.');
  });

  it('a topology under fail-on-drift says what is pending', () => {
    const report = hubReport({ mode: 'plan', spokes: [30], kind: (i) => (i < 25 ? 'create' : 'in-sync') });
    expect(failureMessage(report)).toMatch(/^Drift: hub-0 ⇄ spoke-0-0 \(would create\), .* and 5 more\. Run with mode: apply to carry it out\.$/);
  });
});

describe('warningLines', () => {
  it('plan-mode warnings and blockers, one line each', () => {
    const lines = warningLines(hubReport({ mode: 'plan', spokes: [3], kind: (i) => (i === 0 ? 'warn' : i === 1 ? 'overlap' : 'in-sync') }));
    expect(lines).toEqual([
      "hub-0 ⇄ spoke-0-0: PlanPermissionMissing: The planning identity lacks 'Microsoft.Network/virtualNetworks/peer/action' on the remote VNet. Apply uses its own identity; check that one has Network Contributor on both VNets.",
      expect.stringMatching(/^Apply would fail: hub-0 ⇄ spoke-0-1: hub-0 → spoke-0-1: VnetAddressSpacesOverlap: /),
    ]);
  });
});

describe('finalLine', () => {
  it('a pair: per direction', () => {
    expect(finalLine(appliedCreate())).toBe(
      "Applied — A→B 'hub-vnet-to-spoke-vnet': created, Connected/FullyInSync; B→A 'spoke-vnet-to-hub-vnet': created, Connected/FullyInSync",
    );
    expect(finalLine(planCreate())).toBe("Plan: changes pending — A→B 'hub-vnet-to-spoke-vnet': would create, Missing; B→A 'spoke-vnet-to-hub-vnet': would create, Missing");
    expect(finalLine(makeReport({ report: { verdict: 'failed' }, b: { ...missing('failed'), problem: { code: 'Bad\ncode', message: '', advice: '' } } }))).toBe(
      "Failed — A→B 'hub-vnet-to-spoke-vnet': nothing done, Connected/FullyInSync; B→A 'spoke-vnet-to-hub-vnet': create failed, Missing (Bad\\ncode)",
    );
  });

  it('a topology: counts', () => {
    expect(finalLine(twelveLinks())).toBe('Failed — 12 links: 2 failed, 1 torn down, 2 created, 2 repaired, 5 in sync, 1 pruned');
    expect(finalLine(hubPlan(300))).toBe('Plan: apply would fail — 300 links: 12 blocked, would create 282, 6 in sync');
    expect(finalLine(hubReport({ mode: 'apply', spokes: [10], shard: { index: 1, count: 2 } }))).toBe('In sync — 10 links (shard 1/2): 10 in sync');
  });
});
