import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { advice, classify, errorMessage, toProblem } from '../../src/errors/classify.ts';
import { CODES, type AdviceContext } from '../../src/errors/codes.ts';
import { linkContext } from '../../src/errors/context.ts';
import { canceled, FakeRestError, lroFailed, pairConfig, restError, TENANT_A, TENANT_B } from '../support/fake-azure.ts';

const CLIENT_A = '44444444-4444-4444-4444-444444444444';
const CLIENT_B = '55555555-5555-5555-5555-555555555555';

/** The context of a direction of the pair inputs' link (hub in tenant A, spoke in tenant B). */
function pairContext(side: 'a' | 'b', inputs: Record<string, string> = {}): AdviceContext {
  const link = pairConfig({ 'client-id-a': CLIENT_A, ...inputs }).topology.links[0];
  if (!link) throw new Error('no link');
  return linkContext(link, side, { subject: 'repo:contoso/network:ref:refs/heads/main', audience: 'api://AzureADTokenExchange' });
}
const ctx = pairContext('a');
const withLink = (c: AdviceContext, over: Partial<NonNullable<AdviceContext['link']>>): AdviceContext => (c.link ? { ...c, link: { ...c.link, ...over } } : c);

describe('classify: RestError-like objects', () => {
  it('reads code and status, and the Retry-After header in seconds', () => {
    const c = classify(restError(429, 'RetryableError', 'A retryable error occurred.', 7));
    expect(c).toEqual({ code: 'RetryableError', message: 'A retryable error occurred.', statusCode: 429, transient: true, curedByRecreate: false, retryAfterMs: 7000 });
  });

  it('takes the hint from "can be retried in N seconds" when no header came', () => {
    const c = classify(restError(429, 'RetryableError', 'Operation PutVirtualNetworkPeeringOperation on resource x can be retried in 3 seconds.'));
    expect(c.retryAfterMs).toBe(3000);
    expect(c.transient).toBe(true);
  });

  it('reads a Retry-After given as an HTTP date', () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    const c = classify(new FakeRestError(429, 'TooManyRequests', 'slow down', { 'retry-after': at }));
    expect(c.retryAfterMs).toBeGreaterThan(0);
    expect(c.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('has no hint when Azure gave none', () => {
    expect(classify(restError(400, 'ReferencedResourceNotProvisioned', 'Resource is in Updating state.')).retryAfterMs).toBeUndefined();
  });

  it.each<[number, string, boolean]>([
    [400, 'ReferencedResourceNotProvisioned', true],
    [409, 'Conflict', true],
    [429, 'TooManyRequests', true],
    [500, 'InternalServerError', true],
    [503, 'ServiceUnavailable', true],
    [408, 'RequestTimeout', true],
    [400, 'VnetAddressSpacesOverlap', false],
    [400, 'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet', false],
    [400, 'RemoteVnetHasNoGateways', false],
    [400, 'RemotePeeringIsDisconnected', false],
    [400, 'AnotherPeeringAlreadyReferencesRemoteVnet', false],
    [403, 'AuthorizationFailed', false],
    [403, 'LinkedAuthorizationFailed', false],
    [401, 'InvalidAuthenticationTokenTenant', false],
    [404, 'ResourceNotFound', false],
  ])('%i %s: transient %s', (status, code, transient) => {
    const c = classify(restError(status, code, 'message'));
    expect(c.code).toBe(code);
    expect(c.statusCode).toBe(status);
    expect(c.transient).toBe(transient);
  });

  it('treats a message naming another operation as transient whatever the code', () => {
    expect(classify(restError(400, 'BadRequest', 'RetryableErrorDueToAnotherOperation: try later')).transient).toBe(true);
  });

  it('names a status without a code HTTP<status>', () => {
    expect(classify(Object.assign(new Error('teapot'), { statusCode: 418 })).code).toBe('HTTP418');
  });
});

describe('classify: the SDK long-running-operation errors', () => {
  it('reads the code and message out of "The long-running operation has failed. <code>. <message>"', () => {
    const c = classify(lroFailed('AnotherOperationInProgress', 'Another operation on this or dependent resource is in progress. To retrieve status use uri: x.'));
    expect(c.code).toBe('AnotherOperationInProgress');
    expect(c.message).toBe('Another operation on this or dependent resource is in progress. To retrieve status use uri: x.');
    expect(c.statusCode).toBeUndefined();
    expect(c.transient).toBe(true);
  });

  it('keeps a non-transient code from a failed operation', () => {
    const c = classify(lroFailed('VnetAddressSpacesOverlap', 'Cannot create or update peering p. Overlapping address prefixes: 10.0.0.0/16.'));
    expect(c.code).toBe('VnetAddressSpacesOverlap');
    expect(c.message).toBe('Cannot create or update peering p. Overlapping address prefixes: 10.0.0.0/16.');
    expect(c.transient).toBe(false);
  });

  it('calls a bare failure OperationFailed and keeps the whole message', () => {
    const c = classify(new Error('The long-running operation has failed'));
    expect(c.code).toBe('OperationFailed');
    expect(c.message).toBe('The long-running operation has failed');
    expect(c.transient).toBe(false);
  });

  it('reads "Operation was canceled" as Canceled, to be retried', () => {
    const c = classify(canceled());
    expect(c.code).toBe('Canceled');
    expect(c.transient).toBe(true);
  });

  it('reads Node’s own AbortError (code ABORT_ERR, as when the run’s time is up during a wait) as Aborted', async () => {
    const caught = await sleep(60_000, undefined, { signal: AbortSignal.abort(new DOMException('timed out', 'TimeoutError')) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const c = classify(caught);
    expect(c.code).toBe('Aborted');
    expect(c.transient).toBe(false);
  });

  it('does not retry an abort', () => {
    const c = classify(new DOMException('This operation was aborted', 'AbortError'));
    expect(c.code).toBe('Aborted');
    expect(c.transient).toBe(false);
  });
});

describe('classify: Entra and anything else', () => {
  it.each(['700016', '70021', '700211', '700212', '700213', '7002138', '700024'])('finds AADSTS%s in an Entra message', (n) => {
    const e = Object.assign(
      new Error(`ClientAssertionCredential authentication failed. invalid_client: AADSTS${n}: something about the client. Trace ID: 1 Correlation ID: 2`),
      { statusCode: 400 },
    );
    const c = classify(e);
    expect(c.code).toBe(`AADSTS${n}`);
    expect(c.transient).toBe(false);
  });

  it('keeps an unknown error as it is', () => {
    expect(classify(new Error('boom'))).toEqual({ code: 'UnknownError', message: 'boom', statusCode: undefined, transient: false, curedByRecreate: false, retryAfterMs: undefined });
    expect(classify('just a string').message).toBe('just a string');
    expect(errorMessage(42)).toBe('42');
  });
});

describe('advice', () => {
  // Every code spec/azure.md §1, §2, §4 and §5 names as one a user can meet.
  const known = [
    'AADSTS700016',
    'AADSTS70021',
    'AADSTS700211',
    'AADSTS700212',
    'AADSTS700213',
    'AADSTS7002138',
    'AADSTS700024',
    'InvalidAuthenticationTokenTenant',
    'ExpiredAuthenticationToken',
    'LinkedAuthorizationFailed',
    'AuthorizationFailed',
    'RemotePeeringIsDisconnected',
    'ChangingRemoteVirtualNetworkNotAllowed',
    'VnetAddressSpacesOverlap',
    'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet',
    'RemoteVnetHasNoGateways',
    'AnotherPeeringAlreadyReferencesRemoteVnet',
    'InvalidResourceName',
    'ReferencedResourceNotProvisioned',
    'RetryableError',
    'RetryableErrorDueToAnotherOperation',
    'AnotherOperationInProgress',
    'CanceledAndSupersededDueToAnotherOperation',
    'Canceled',
    'TooManyRequests',
  ];

  it.each(known)('%s has advice', (code) => {
    expect(advice(code, 'message', ctx)?.length ?? 0).toBeGreaterThan(20);
  });

  it.each(['SomethingNew', 'UnknownError', 'OperationFailed', 'HTTP418'])('%s gets none', (code) => {
    expect(advice(code, 'message', ctx)).toBeUndefined();
    expect(toProblem(restError(400, code, 'Azure said so.'), ctx)).toEqual({ code, message: 'Azure said so.', advice: '' });
  });

  it('AuthorizationFailed names the identity, the VNet, its tenant and the role', () => {
    const text = advice('AuthorizationFailed', '', ctx) ?? '';
    for (const part of [CLIENT_A, 'hub', TENANT_A, 'Network Contributor', 'virtualNetworks/peer/action']) expect(text).toContain(part);
  });

  it('LinkedAuthorizationFailed across tenants points at consent in the other tenant', () => {
    const msg = "The client has permission to perform action on scope; however the current tenant 'x' is not authorized to access linked subscription 'y'.";
    const text = advice('LinkedAuthorizationFailed', msg, ctx) ?? '';
    expect(text).toContain(TENANT_B);
    expect(text).toContain('admin consent');
    expect(text).not.toContain('name different apps');
    const twoApps = advice('LinkedAuthorizationFailed', msg, withLink(ctx, { remoteClientId: CLIENT_B })) ?? '';
    expect(twoApps).toContain("input 'client-id-a' and input 'client-id-b' name different apps");
  });

  it('LinkedAuthorizationFailed otherwise names the missing peer action on the remote VNet', () => {
    const text = advice('LinkedAuthorizationFailed', 'does not have authorization to perform action peer/action', withLink(ctx, { remoteTenantId: TENANT_A })) ?? '';
    expect(text).toContain('virtualNetworks/peer/action');
    expect(text).toContain('spoke');
  });

  it('AADSTS700016 gives the admin-consent link for that tenant and app', () => {
    expect(advice('AADSTS700016', '', ctx)).toContain(`https://login.microsoftonline.com/${TENANT_A}/adminconsent?client_id=${CLIENT_A}`);
  });

  it('subject and audience problems quote what the workflow sent', () => {
    expect(advice('AADSTS700213', '', ctx)).toContain('repo:contoso/network:ref:refs/heads/main');
    expect(advice('AADSTS70021', '', ctx)).toContain('repo:contoso/network:ref:refs/heads/main');
    expect(advice('AADSTS700212', '', ctx)).toContain('api://AzureADTokenExchange');
  });

  it('names the input to fix for the side that failed', () => {
    expect(advice('InvalidAuthenticationTokenTenant', '', pairContext('b'))).toContain('tenant-id-b');
    expect(advice('InvalidResourceName', '', ctx)).toContain('peering-name-a');
    expect(advice('RemoteVnetHasNoGateways', '', ctx)).toContain('gateway-transit');
  });
});

describe('toProblem', () => {
  it('turns an SDK operation failure into code, message and advice', () => {
    const p = toProblem(lroFailed('VnetAddressSpacesOverlap', 'Overlapping address prefixes: 10.0.0.0/16.'), ctx);
    expect(p.code).toBe('VnetAddressSpacesOverlap');
    expect(p.message).toBe('Overlapping address prefixes: 10.0.0.0/16.');
    expect(p.advice).toContain('overlap');
  });
});

describe('classify: what the SDK really throws for ARM conflicts', () => {
  it('reads the retry hint from the error body details the SDK keeps in .details', () => {
    const e = Object.assign(restError(429, 'RetryableError', 'A retryable error occurred.'), {
      details: { error: { code: 'RetryableError', message: 'A retryable error occurred.', details: [{ code: 'RetryableErrorDueToAnotherOperation', message: 'Operation on peering x can be retried in 6 seconds.' }] } },
    });
    const c = classify(e);
    expect(c.transient).toBe(true);
    expect(c.retryAfterMs).toBe(6000);
  });

  it('treats a known refusal as final even with status 409', () => {
    for (const code of ['VnetAddressSpaceOverlapsWithAlreadyPeeredVnet', 'AnotherPeeringAlreadyReferencesRemoteVnet', 'RemotePeeringIsDisconnected']) {
      expect(classify(restError(409, code, 'refused')).transient, code).toBe(false);
    }
    expect(classify(restError(409, 'Conflict', 'Another operation is in progress.')).transient).toBe(true);
  });
});

describe('advice: two apps across tenants', () => {
  const twoApps: AdviceContext = withLink(ctx, { remoteClientId: CLIENT_B });
  it('says the other app\'s auxiliary token may be refused, whatever the wording of the refusal', () => {
    for (const code of ['LinkedAuthorizationFailed', 'InvalidAuthenticationToken', 'HTTP401']) {
      const text = advice(code, 'The access token is invalid.', twoApps) ?? '';
      expect(text, code).toMatch(/input 'client-id-a' and input 'client-id-b' name different apps/);
      expect(text, code).toMatch(/one multi-tenant app/);
    }
  });

  it('does not say so with one app, or within one tenant', () => {
    expect(advice('LinkedAuthorizationFailed', 'x', ctx)).not.toMatch(/name different apps/);
    expect(advice('LinkedAuthorizationFailed', 'x', withLink(twoApps, { remoteTenantId: TENANT_A }))).not.toMatch(/different apps/);
  });

  it('explains the spec\'s NotFound code for a missing VNet', () => {
    expect(advice('NotFound', 'not found', ctx)).toMatch(/not found, or identity/);
  });
});

describe('the one table: permanent refusals fail fast, with their advice', () => {
  it.each<[number, string, RegExp]>([
    [409, 'ScopeLocked', /lock/],
    [403, 'RequestDisallowedByPolicy', /Policy/],
    [400, 'NoRegisteredProviderFound', /2026-01-01/],
    [400, 'InvalidApiVersionParameter', /api-version/],
  ])('%i %s is not retried and says what to do', (status, code, words) => {
    const c = classify(restError(status, code, 'refused'));
    expect(c.transient).toBe(false);
    expect(c.curedByRecreate).toBe(false);
    expect(advice(code, 'refused', ctx)).toMatch(words);
  });

  it('an unknown 409 is still worth another try; an unknown 400 is what a fresh create cures', () => {
    expect(classify(restError(409, 'Conflict', 'x'))).toMatchObject({ transient: true, curedByRecreate: false });
    expect(classify(restError(400, 'SomethingAzureSaysOfDisconnected', 'x'))).toMatchObject({ transient: false, curedByRecreate: true });
  });

  it('a policy or permission refusal is never cured by deleting', () => {
    for (const [status, code] of [[403, 'RequestDisallowedByPolicy'], [403, 'AuthorizationFailed'], [403, 'LinkedAuthorizationFailed'], [409, 'ScopeLocked'], [403, 'SomethingNew']] as const) {
      expect(classify(restError(status, code, 'x')).curedByRecreate, code).toBe(false);
    }
  });

  it('a body cut short is a transient fault', () => {
    const c = classify(new SyntaxError('Unexpected end of JSON input'));
    expect(c).toMatchObject({ code: 'TruncatedResponse', transient: true });
    expect(classify(Object.assign(new Error('Error "Unexpected end of JSON input" occurred while parsing the response body'), { code: 'PARSE_ERROR' })).transient).toBe(true);
  });

  it('every code with advice says something a person can act on', () => {
    for (const [code, info] of Object.entries(CODES)) {
      if (!info.advice) continue;
      expect(info.advice(ctx, '').length, code).toBeGreaterThan(30);
    }
  });

  it('names the place to fix in the words of a topology file when the link came from one', () => {
    const fileLink = { ...ctx, tenantField: 'tenants.fabrikam.tenant-id in net.yml' };
    expect(advice('InvalidAuthenticationTokenTenant', '', fileLink)).toContain('tenants.fabrikam.tenant-id in net.yml');
  });

  it('does not tell a user to name a peering they already named', () => {
    const named = pairContext('a', { 'peering-name-a': 'mine' });
    expect(advice('AnotherPeeringAlreadyReferencesRemoteVnet', '', named)).not.toMatch(/leave .* unset|name the peering/i);
    expect(advice('AnotherPeeringAlreadyReferencesRemoteVnet', '', ctx)).toContain("leave input 'peering-name-a' unset");
  });
});
