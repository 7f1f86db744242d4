// Faults for hardening tests (any service): requests that hang, answers that come late, answers
// corrupted after the request was processed (so a PUT is really accepted), plain status answers.
import { getOctokit } from '@actions/github';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ClientAssertionCredential } from '@azure/identity';
import { armRequest, assertionCredential, fetchOidcToken, networkClient, peeringPath, putPeering, remote, useEmulator } from './clients.ts';
import { IDS, startEmulator } from './index.ts';
import type { RecordedRequest } from './index.ts';

const HUB = IDS.vnets.hub;
const APP = IDS.vnets.app;
const emu = useEmulator();

const url = (p: string) => `${emu().endpoints.arm}${p}?api-version=2026-01-01`;
const auth = () => ({ Authorization: `Bearer ${emu().mintAccessToken({ tenantId: IDS.tenants.a, clientId: IDS.apps.multiTenant })}` });
const putBody = JSON.stringify({ properties: remote(APP) });

/** Waits (generously) until the emulator has recorded a request matching `test`. */
async function recorded(test: (r: RecordedRequest) => boolean): Promise<void> {
  for (let i = 0; i < 100 && !emu().requests.some(test); i++) await sleep(20);
}

describe('hang', () => {
  it('never answers the next matching request; the client gives up; then service resumes', async () => {
    emu().inject({ service: 'arm', method: 'GET', path: 'vnet-hub', hang: true });
    await expect(fetch(url(HUB), { headers: auth(), signal: AbortSignal.timeout(300) })).rejects.toThrow();
    await recorded((r) => r.fault === 'hang');
    expect(emu().requests.find((r) => r.fault === 'hang')).toMatchObject({ method: 'GET', status: 0 });
    expect((await armRequest(emu(), { path: HUB })).status).toBe(200);
  });

  it('afterProcessing: the PUT is accepted, but its answer never comes', async () => {
    emu().inject({ service: 'arm', method: 'PUT', hang: true, afterProcessing: true });
    const put = fetch(url(peeringPath(HUB, 'hub-to-app')), {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: putBody,
      signal: AbortSignal.timeout(300),
    });
    await expect(put).rejects.toThrow();
    expect(emu().peering(HUB, 'hub-to-app')?.properties.peeringState).toBe('Initiated');
  });

  it('the real SDK gives up with its abort signal; stop() ends a hung request at once', async () => {
    const own = await startEmulator();
    own.trust();
    const client = networkClient(own, IDS.subscriptions.a, assertionCredential(own, IDS.tenants.a, IDS.apps.multiTenant));
    await client.virtualNetworks.get('rg-hub', 'vnet-hub');
    own.inject({ service: 'arm', hang: true, times: 2 });
    await expect(client.virtualNetworks.get('rg-hub', 'vnet-hub', { abortSignal: AbortSignal.timeout(300) })).rejects.toMatchObject({
      name: 'AbortError',
    });
    // A raw request (the SDK would retry against the stopped server for seconds).
    const pending = fetch(`${own.endpoints.arm}${HUB}?api-version=2026-01-01`).then(
      () => 'answered',
      () => 'failed',
    );
    await sleep(200);
    const started = performance.now();
    await own.stop();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await pending).toBe('failed');
  });
});

describe('slow', () => {
  it('answers after delayMs; the request is processed after the wait by default', async () => {
    emu().inject({ service: 'arm', method: 'GET', path: 'vnet-hub', delayMs: 400 });
    const started = performance.now();
    expect((await armRequest(emu(), { path: HUB })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    expect(emu().requests.at(-1)).toMatchObject({ fault: 'slow', status: 200 });
  });

  it('afterProcessing: the PUT is accepted before the late answer', async () => {
    emu().inject({ service: 'arm', method: 'PUT', delayMs: 500, afterProcessing: true });
    const put = putPeering(emu(), HUB, 'hub-to-app', remote(APP));
    await sleep(250);
    expect(emu().peering(HUB, 'hub-to-app')).toBeDefined();
    expect((await put).status).toBe(201);
  });
});

describe('corrupt', () => {
  it('truncate: a processed PUT whose answer stops mid-JSON, Content-Length kept, connection closed', async () => {
    emu().inject({ service: 'arm', method: 'PUT', corrupt: 'truncate' });
    const res = await fetch(url(peeringPath(HUB, 'hub-to-app')), {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: putBody,
    });
    expect(res.status).toBe(201);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(10);
    await expect(res.text()).rejects.toThrow();
    expect(emu().peering(HUB, 'hub-to-app')).toBeDefined();
    expect(emu().requests.at(-1)).toMatchObject({ method: 'PUT', status: 201, fault: 'truncate' });
  });

  it('truncate through the real SDK: a RestError, and yet the peering was created', async () => {
    const a = networkClient(emu(), IDS.subscriptions.a, assertionCredential(emu(), IDS.tenants.a, IDS.apps.multiTenant));
    emu().inject({ service: 'arm', method: 'PUT', corrupt: 'truncate' });
    await expect(
      a.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hub', 'vnet-hub', 'hub-to-app', { remoteVirtualNetwork: { id: APP } }),
    ).rejects.toMatchObject({ name: 'RestError' });
    expect(emu().peering(HUB, 'hub-to-app')?.properties.provisioningState).toBe('Succeeded');
  });

  it('empty: the status (or the one given) with an empty body', async () => {
    emu().inject({ service: 'arm', method: 'PUT', corrupt: 'empty' });
    const r = await putPeering(emu(), HUB, 'hub-to-app', remote(APP));
    expect([r.status, r.text]).toEqual([201, '']);
    expect(r.headers.get('azure-asyncoperation')).toContain('/operations/');
    emu().inject({ service: 'arm', method: 'DELETE', corrupt: 'empty', status: 200 });
    const d = await armRequest(emu(), { method: 'DELETE', path: peeringPath(HUB, 'hub-to-app') });
    expect([d.status, d.text]).toEqual([200, '']);
    expect(emu().peering(HUB, 'hub-to-app')).toBeUndefined();
  });
});

describe('plain status faults on every service', () => {
  it('Entra 503: the credential (without retries of its own) fails; a new one signs in', async () => {
    emu().inject({ service: 'login', method: 'POST', status: 503, code: 'temporarily_unavailable', message: 'AADSTS50196: try later.' });
    const credential = () =>
      new ClientAssertionCredential(IDS.tenants.a, IDS.apps.multiTenant, () => fetchOidcToken(emu()), {
        authorityHost: emu().endpoints.authorityHost,
        disableInstanceDiscovery: true,
        retryOptions: { maxRetries: 0 },
      });
    await expect(credential().getToken(`${emu().endpoints.arm}/.default`)).rejects.toThrow(/AADSTS50196/);
    expect(emu().requests.filter((r) => r.service === 'login' && r.method === 'POST').map((r) => [r.status, r.fault])).toEqual([[503, 'status']]);
    // (The failed instance keeps refusing for a while: MSAL throttles itself after a 5xx.)
    expect((await credential().getToken(`${emu().endpoints.arm}/.default`)).token).toMatch(/^ey/);
  });

  it('GitHub 429 without Retry-After, then the comment goes through', async () => {
    emu().inject({ service: 'github', method: 'POST', status: 429, message: 'You have exceeded a secondary rate limit.' });
    const octokit = getOctokit(IDS.github.writeToken, { baseUrl: emu().endpoints.githubApi, request: { retries: 0 } });
    const [owner = '', repo = ''] = IDS.github.repo.split('/');
    await expect(octokit.rest.issues.createComment({ owner, repo, issue_number: 7, body: 'x' })).rejects.toMatchObject({ status: 429 });
    expect(emu().requests.at(-1)?.status).toBe(429);
    expect((await octokit.rest.issues.createComment({ owner, repo, issue_number: 7, body: 'x' })).status).toBe(201);
  });

  it('the OIDC endpoint can hang too', async () => {
    emu().inject({ service: 'oidc', hang: true });
    await expect(
      fetch(`${emu().endpoints.oidcRequestUrl}&audience=x`, {
        headers: { Authorization: `Bearer ${IDS.oidc.requestToken}` },
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
  });
});
