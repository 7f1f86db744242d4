// The committed bundle against the emulator: what goes wrong, and what the user is told.
import { afterEach, describe, expect, it } from 'vitest';
import { pullRequestEvent, signalWhen } from '../support/run-action.ts';
import { CROSS_TENANT, harness, IDS, result, type Harness } from '../support/e2e.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.emu.stop();
  h = undefined;
});

describe('bad input: a clear error and no request to anyone', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['vnet-a', { 'vnet-a': '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v' }, /'vnet-a'.*got '\/subscriptions\/x\/.*not a GUID/],
    ['vnet-b', { 'vnet-b': IDS.vnets.hub.toUpperCase() }, /'vnet-b'.*different VNet from vnet-a/],
    ['tenant-id-a', { 'tenant-id-a': 'contoso.onmicrosoft.com' }, /'tenant-id-a'.*got 'contoso\.onmicrosoft\.com'.*GUID/],
    ['allow-forwarded-traffic', { 'allow-forwarded-traffic': 'yes' }, /'allow-forwarded-traffic'.*got 'yes'.*true or false/],
    ['gateway-transit', { 'gateway-transit': 'hub' }, /'gateway-transit'.*got 'hub'.*none, a, b/],
    ['mode', { mode: 'destroy' }, /'mode'.*got 'destroy'.*apply, plan/],
    ['peering-name-a', { 'peering-name-a': 'ends-with-dash-' }, /'peering-name-a'.*got 'ends-with-dash-'/],
    ['arm-endpoint', { 'arm-endpoint': 'http://127.0.0.1:1' }, /'arm-endpoint'.*https/],
    ['timeout-minutes', { 'timeout-minutes': '0' }, /'timeout-minutes'.*got '0'/],
  ];
  it.each(cases)('%s', async (_name, inputs, message) => {
    h ??= await harness();
    h.emu.clearRequests();
    const run = await h.run(inputs);
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(message);
    expect(run.summary.split('\n')[0]).toBe('### ❌ Invalid input — nothing was sent to Azure');
    expect(h.emu.requests).toEqual([]);
  });

  it('names a required input that is missing', async () => {
    h = await harness();
    const run = await h.run({ 'client-id-a': '' });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(/client-id-a/);
    expect(h.emu.requests).toEqual([]);
  });
});

describe('GitHub OIDC', () => {
  const withoutOidc = { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' };

  it('says to add id-token: write when the job has no OIDC token', async () => {
    h = await harness();
    const run = await h.run({}, { env: withoutOidc });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(/id-token: write/);
    expect(h.emu.requests.filter((r) => r.service !== 'github')).toEqual([]);
    expect(run.summary).toMatch(/NoOidcToken/);
  });

  it('says plainly that a fork pull request gets no OIDC token', async () => {
    h = await harness();
    const run = await h.run({}, { env: withoutOidc, event: pullRequestEvent(7, 'contoso/network', 'mallory/network') });
    expect(run.exitCode).toBe(1);
    const message = run.errors.join('\n');
    expect(message).toMatch(/fork mallory\/network/);
    expect(message).toMatch(/no OIDC token/);
  });

  it('names the subject when no federated credential matches it', async () => {
    h = await harness();
    h.emu.setOidcSubject('repo:contoso/network:ref:refs/heads/feature');
    const run = await h.run();
    expect(run.exitCode).toBe(1);
    const message = run.errors.join('\n');
    expect(message).toMatch(/AADSTS700213|AADSTS70021/);
    expect(message).toContain('repo:contoso/network:ref:refs/heads/feature');
    expect(h.armWrites()).toEqual([]);
  });

  it('keeps working when GitHub and Entra tokens expire during a long run', async () => {
    // OIDC tokens live 2 s, access tokens 3 s, and each operation takes 2.5 s (polled after 1 s):
    // every acquisition must present a fresh GitHub token, and ARM must get renewed access tokens.
    h = await harness({ timing: { oidcTokenLifetimeSeconds: 2, accessTokenLifetimeSeconds: 3, operationMs: 2500, retryAfterSeconds: 1 } });
    const started = Date.now();
    const run = await h.run();
    expect(Date.now() - started).toBeGreaterThan(4000); // the scenario really outlived the tokens
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'state-a': 'Connected', 'state-b': 'Connected' });
    const refused = h.emu.requests.filter((r) => r.status === 401 || r.errorCode === 'invalid_client');
    expect(refused).toEqual([]);
  });
});

describe('Entra and Azure refusals', () => {
  it('explains admin consent missing in the other tenant, before writing anything', async () => {
    h = await harness();
    const run = await h.run({ 'client-id-a': IDS.apps.singleTenant });
    expect(run.exitCode).toBe(1);
    const message = run.errors.join('\n');
    expect(message).toContain('AADSTS700016');
    expect(message).toContain(IDS.tenants.b);
    expect(message).toMatch(/consent/i);
    expect(h.armWrites()).toEqual([]);
  });

  it('explains a role missing on the remote VNet', async () => {
    h = await harness({}, { ...CROSS_TENANT, 'vnet-b': IDS.vnets.restricted });
    const run = await h.run();
    expect(run.exitCode).toBe(1);
    const message = run.errors.join('\n');
    expect(message).toContain('LinkedAuthorizationFailed');
    expect(message).toMatch(/peer\/action/);
    expect(message).toContain('vnet-restricted');
    expect(run.outputs['state-a']).toBe('Missing');
    expect(result(run).verdict).toBe('failed');
    expect(h.emu.peerings(IDS.vnets.hub)).toEqual([]);
  });

  it('stops overlapping address spaces before Azure does, naming the prefixes', async () => {
    h = await harness({}, { ...CROSS_TENANT, 'vnet-b': IDS.vnets.overlap });
    const run = await h.run();
    expect(run.exitCode).toBe(1);
    const message = run.errors.join('\n');
    expect(message).toContain('VnetAddressSpacesOverlap');
    expect(message).toContain('10.0.0.0/16 overlaps 10.0.128.0/20');
    expect(h.armWrites()).toEqual([]);
    expect(run.outputs.changed).toBe('false');
  });

  it('refuses to touch a peering of the same name that points elsewhere, in both modes', async () => {
    h = await harness();
    h.emu.createPeering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke', { remoteVnetId: IDS.vnets.app });
    for (const mode of ['plan', 'apply']) {
      const run = await h.run({ mode });
      expect(run.exitCode, mode).toBe(1);
      expect(run.outputs).toMatchObject({ 'action-a': 'none', 'state-a': 'Missing' });
      const message = run.errors.join('\n');
      expect(message).toContain('PeeringNameConflict');
      expect(message).toContain('vnet-app');
      expect(message).toMatch(/delete/i);
    }
    expect(h.armWrites()).toEqual([]);
    expect(h.emu.peering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke')?.properties.remoteVirtualNetwork.id).toBe(IDS.vnets.app);
  });

  it('reports an operation that ends Failed, and the next run repairs it', async () => {
    h = await harness();
    h.emu.failNextOperation({ status: 'Failed', code: 'InternalPeeringFailure', message: 'The peering could not be programmed.', method: 'PUT' });
    const run = await h.run();
    expect(run.exitCode).toBe(1);
    const message = run.errors.join('\n');
    expect(message).toContain('InternalPeeringFailure');
    expect(message).toContain('The peering could not be programmed.');
    expect(message).toContain('A→B');

    const again = await h.run();
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs).toMatchObject({ 'state-a': 'Connected', 'state-b': 'Connected' });
    expect(['update', 'create']).toContain(again.outputs['action-a']);
  });
});

describe('conflicts and throttling during writes', () => {
  it('retries 429 RetryableError answers and ends healthy', async () => {
    h = await harness();
    h.emu.inject({
      service: 'arm',
      method: 'PUT',
      times: 2,
      status: 429,
      code: 'RetryableError',
      message: 'A retryable error occurred. Operation can be retried in 1 seconds.',
      details: [{ code: 'RetryableErrorDueToAnotherOperation', message: 'Another operation is in progress.' }],
    });
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'state-a': 'Connected', 'state-b': 'Connected', changed: 'true' });
  });

  it('waits out another operation holding a VNet, whatever Azure answers', async () => {
    for (const conflictAnswer of ['RetryableError', 'ReferencedResourceNotProvisioned', 'AnotherOperationInProgress'] as const) {
      h = await harness({ behavior: { conflictAnswer } });
      h.emu.holdVnet(IDS.vnets.spoke, 1500);
      const run = await h.run();
      expect(run.exitCode, `${conflictAnswer}\n${run.stdout}`).toBe(0);
      expect(run.outputs).toMatchObject({ 'state-a': 'Connected', 'state-b': 'Connected' });
      await h.emu.stop();
      h = undefined;
    }
  });

  it('takes the retry hint from the error body when Azure sends no Retry-After header', async () => {
    h = await harness();
    h.emu.inject({
      service: 'arm',
      method: 'PUT',
      status: 429,
      code: 'RetryableError',
      message: 'A retryable error occurred.',
      details: [{ code: 'RetryableErrorDueToAnotherOperation', message: 'Operation on the peering can be retried in 3 seconds.' }],
    });
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toContain('RetryableError, retrying in 3 s');
  });

  it('keeps reconnecting a pair left Initiated on both sides through conflict answers', async () => {
    h = await harness();
    await h.run();
    h.emu.updatePeering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke', { peeringState: 'Initiated' });
    h.emu.updatePeering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub', { peeringState: 'Initiated' });
    h.emu.holdVnet(IDS.vnets.spoke, 4000);
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'action-a': 'update', 'state-a': 'Connected', 'state-b': 'Connected' });
  });

  it('does not linger after a read fails for good while another read is being retried', async () => {
    h = await harness({}, { ...CROSS_TENANT, 'vnet-a': IDS.vnets.hub.replace('vnet-hub', 'vnet-gone') });
    h.emu.inject({ service: 'arm', method: 'GET', path: 'vnet-spoke', times: 2, status: 429, code: 'TooManyRequests', message: 'Throttled.', retryAfter: 20 });
    const started = Date.now();
    const run = await h.run();
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(/Reading VNet vnet-gone/);
    expect(Date.now() - started).toBeLessThan(15_000); // not the 20 s the sibling read was told to wait
  });

  it('re-reads and retries after an operation is superseded (Canceled)', async () => {
    h = await harness();
    h.emu.failNextOperation({ status: 'Canceled', method: 'PUT' });
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'state-a': 'Connected', 'state-b': 'Connected' });
  });

  it('gives up at timeout-minutes naming what Azure kept answering (429 with Retry-After)', async () => {
    h = await harness();
    h.emu.holdVnet(IDS.vnets.hub, 120_000);
    const run = await h.run({ 'timeout-minutes': '0.1' });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toContain('RetryableError');
    expect(run.stdout).toMatch(/RetryableError, retrying in \d+ s/); // every wait is in the log
  });

  it('when time runs out mid-operation, reports what Azure holds after all', async () => {
    h = await harness({ timing: { operationMs: 30_000, retryAfterSeconds: 1 } });
    const run = await h.run({ 'timeout-minutes': '0.1' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.changed).toBe('true');
    // The accepted PUT left A→B in Azure: the outputs say so, not 'Missing'.
    expect(run.outputs['peering-id-a']).toContain('vnet-hub-to-vnet-spoke');
    expect(run.outputs['state-a']).not.toBe('Missing');
    expect(run.errors.join('\n')).toMatch(/timeout-minutes/);
    expect(run.summary.split('\n')[0]).toMatch(/Apply did not end healthy/);
  });

  it('gives up at timeout-minutes with the Azure code', async () => {
    h = await harness({ behavior: { conflictAnswer: 'ReferencedResourceNotProvisioned' } });
    h.emu.holdVnet(IDS.vnets.hub, 120_000);
    const run = await h.run({ 'timeout-minutes': '0.1' });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toContain('ReferencedResourceNotProvisioned');
    expect(run.errors.join('\n')).toMatch(/timeout-minutes/);
  });
});

describe('cancellation', () => {
  it('stops on SIGINT, writes the summary, and the next run converges', async () => {
    h = await harness({ timing: { operationMs: 60_000, retryAfterSeconds: 1 } });
    const run = await h.run({}, { onSpawn: signalWhen("A→B 'vnet-hub-to-vnet-spoke': create", 'SIGINT', 300) });
    expect(run.exitCode).not.toBe(0);
    expect(run.summary).toMatch(/cancel/i);
    expect(result(run).verdict).toBe('cancelled');

    h.emu.finishOperations();
    h.emu.setTiming({ operationMs: 0 });
    const next = await h.run();
    expect(next.exitCode, next.stdout).toBe(0);
    expect(next.outputs).toMatchObject({ 'state-a': 'Connected', 'state-b': 'Connected' });
  });

  it('waits for an operation a cancelled run left behind instead of misjudging the half-done pair', async () => {
    h = await harness({ timing: { operationMs: 3000, retryAfterSeconds: 1 } });
    const cancelled = await h.run({}, { onSpawn: signalWhen("B→A 'vnet-spoke-to-vnet-hub': create", 'SIGINT', 300) });
    expect(result(cancelled).verdict).toBe('cancelled');
    expect(h.emu.peering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub')?.properties.provisioningState).toBe('Updating');

    // No finishOperations(): the next run finds B→A still Updating and must wait for it.
    const next = await h.run();
    expect(next.exitCode, next.stdout).toBe(0);
    expect(next.outputs).toMatchObject({ 'state-a': 'Connected', 'state-b': 'Connected', 'action-b': 'none' });
    expect(next.stdout).toMatch(/is Updating: waiting/);
  });

  it('a cancel while waiting for such an operation keeps what was read', async () => {
    h = await harness();
    await h.run();
    h.emu.updatePeering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub', { provisioningState: 'Updating' });
    const run = await h.run({}, { onSpawn: signalWhen('is Updating: waiting', 'SIGINT', 300) });
    expect(result(run).verdict).toBe('cancelled');
    expect(run.outputs['state-a']).toBe('Connected');
    expect(run.outputs['peering-id-a']).toContain('vnet-hub-to-vnet-spoke');
  });
});
