import { describe, expect, it } from 'vitest';
import type { RunReport, Verdict } from '../../src/model.ts';
import { failureMessage, shouldFail, toOutputs } from '../../src/report/outputs.ts';
import { A_NAME, B_NAME, connectedWorld, HUB, runOnce, SPOKE, world } from '../support/fake-azure.ts';
import { makeReport, missing } from '../fixtures/report/reports.ts';

const CONTRACT_OUTPUTS = [
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
];

/** The `result` output, parsed, with the fields the contract promises. */
function result(report: RunReport): unknown {
  const out = toOutputs(report).result;
  expect(out).toBeDefined();
  return JSON.parse(out ?? '');
}

describe('toOutputs', () => {
  it('sets exactly the contract’s outputs, all strings', async () => {
    const { report } = await runOnce(world());
    const out = toOutputs(report);
    expect(Object.keys(out).sort()).toEqual([...CONTRACT_OUTPUTS].sort());
    for (const value of Object.values(out)) expect(typeof value).toBe('string');
  });

  it('after creating the pair', async () => {
    const { report } = await runOnce(world());
    const { result: _json, ...out } = toOutputs(report);
    expect(out).toEqual({
      changed: 'true',
      'state-a': 'Connected',
      'state-b': 'Connected',
      'sync-level-a': 'FullyInSync',
      'sync-level-b': 'FullyInSync',
      'action-a': 'create',
      'action-b': 'create',
      'peering-id-a': `${HUB}/virtualNetworkPeerings/${A_NAME}`,
      'peering-id-b': `${SPOKE}/virtualNetworkPeerings/${B_NAME}`,
    });
  });

  it('a healthy pair: nothing changed', async () => {
    const { report } = await runOnce(connectedWorld());
    expect(toOutputs(report)).toMatchObject({ changed: 'false', 'action-a': 'none', 'action-b': 'none', 'state-a': 'Connected' });
  });

  it('a missing side has an empty sync level and peering ID', () => {
    const out = toOutputs(makeReport({ b: missing('failed') }));
    expect(out['state-b']).toBe('Missing');
    expect(out['sync-level-b']).toBe('');
    expect(out['peering-id-b']).toBe('');
  });

  it('result carries the mode, the address spaces and every side’s state, sync level, action and peering ID', async () => {
    const fake = connectedWorld();
    fake.setAddressSpace(SPOKE, ['10.1.0.0/16', '10.5.0.0/16']);
    const { report } = await runOnce(fake, { inputs: { mode: 'plan' } });
    expect(result(report)).toMatchObject({
      mode: 'plan',
      changed: true,
      addressSpaces: { a: ['10.0.0.0/16'], b: ['10.1.0.0/16', '10.5.0.0/16'] },
      a: {
        vnet: HUB,
        remoteVnet: SPOKE,
        peeringName: A_NAME,
        peeringId: `${HUB}/virtualNetworkPeerings/${A_NAME}`,
        state: 'Connected',
        syncLevel: 'LocalNotInSync',
        action: 'sync',
        settings: { allowVirtualNetworkAccess: true, allowForwardedTraffic: false, allowGatewayTransit: false, useRemoteGateways: false },
        error: null,
      },
      b: {
        peeringId: `${SPOKE}/virtualNetworkPeerings/${B_NAME}`,
        state: 'Connected',
        syncLevel: 'RemoteNotInSync',
        action: 'none',
      },
    });
  });

  it('result carries a side’s error with its advice, and problems not tied to a side', () => {
    const report = makeReport({
      report: { verdict: 'failed', problems: [{ code: 'NoOidcToken', message: 'No token.', advice: 'Add id-token: write.' }] },
      b: { ...missing('failed'), problem: { code: 'AuthorizationFailed', message: 'Denied.', advice: 'Assign a role.' } },
    });
    expect(result(report)).toMatchObject({
      b: { state: 'Missing', settings: null, error: { code: 'AuthorizationFailed', message: 'Denied.', advice: 'Assign a role.' } },
      errors: [{ code: 'NoOidcToken', message: 'No token.', advice: 'Add id-token: write.' }],
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
    expect(message).toBe(
      "B→A 'spoke-vnet-to-hub-vnet' on spoke-vnet (state Missing): LinkedAuthorizationFailed: Not authorized. Grant consent in tenant B.",
    );
  });

  it('lists run-wide problems first and says when the run was cancelled', () => {
    const message = failureMessage(
      makeReport({ report: { verdict: 'cancelled', problems: [{ code: 'Aborted', message: 'Cancelled.', advice: '' }] } }),
    );
    expect(message.split('\n')).toEqual([
      'The run was cancelled; operations already accepted by Azure go on, and the next run converges.',
      'Aborted: Cancelled.',
    ]);
  });

  it('says what drifted in plan mode', () => {
    const message = failureMessage(
      makeReport({ report: { mode: 'plan', verdict: 'pending', changed: true }, b: { action: 'update', reason: 'allowForwardedTraffic: true → false' } }),
    );
    expect(message).toBe('Drift: B→A needs update (allowForwardedTraffic: true → false). Run with mode: apply to repair.');
  });

  it('is never empty', () => {
    expect(failureMessage(makeReport({ report: { verdict: 'failed' } }))).toBe('The peering is not healthy.');
  });
});
