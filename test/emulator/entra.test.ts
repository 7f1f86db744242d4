// Entra and the GitHub OIDC issuer: metadata, the federated client-credentials exchange, and every
// AADSTS answer of spec §1.
import { beforeEach, describe, expect, it } from 'vitest';
import { fetchOidcToken, path, useEmulator } from './clients.ts';
import { defaultWorld, IDS, startEmulator } from './index.ts';
import type { Emulator } from './index.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Answer {
  status: number;
  body: unknown;
}

async function tokenRequest(emu: Emulator, tenant: string, fields: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${emu.endpoints.authorityHost}/${tenant}/oauth2/v2.0/token?client-request-id=abc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: await res.json() };
}

function exchange(emu: Emulator, assertion: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: IDS.apps.multiTenant,
    scope: `${emu.endpoints.arm}/.default`,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
    'x-client-SKU': 'msal.js.node',
    'x-client-VER': '7.0.0',
    client_info: '1',
    ...overrides,
  };
}

function claims(jwt: string): unknown {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

function aadsts(answer: Answer): string {
  const codes = path(answer.body, 'error_codes');
  return Array.isArray(codes) ? `${answer.status} ${String(path(answer.body, 'error'))} ${codes.join(',')}` : `${answer.status}`;
}

describe('Entra', () => {
  const emu = useEmulator('all');
  beforeEach(() => {
    emu().setOidcSubject(IDS.oidc.subjects.pullRequest);
    emu().setTiming({ oidcTokenLifetimeSeconds: 300, accessTokenLifetimeSeconds: 3600 });
  });

  it('serves OpenID metadata with the endpoints MSAL needs, by tenant id or domain', async () => {
    for (const tenant of [IDS.tenants.a, 'contoso.onmicrosoft.com']) {
      const res = await fetch(`${emu().endpoints.authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        issuer: `${emu().endpoints.authorityHost}/${IDS.tenants.a}/v2.0`,
        token_endpoint: `${emu().endpoints.authorityHost}/${IDS.tenants.a}/oauth2/v2.0/token`,
        authorization_endpoint: expect.stringContaining('/oauth2/v2.0/authorize'),
        jwks_uri: expect.stringContaining('/discovery/v2.0/keys'),
      });
    }
    const keys = await fetch(`${emu().endpoints.authorityHost}/${IDS.tenants.a}/discovery/v2.0/keys`);
    expect(path(await keys.json(), 'keys.0.kty')).toBe('RSA');
  });

  it('unknown tenant: 400 AADSTS90002 from metadata and token endpoints', async () => {
    const meta = await fetch(
      `${emu().endpoints.authorityHost}/99999999-9999-9999-9999-999999999999/v2.0/.well-known/openid-configuration`,
    );
    expect(aadsts({ status: meta.status, body: await meta.json() })).toBe('400 invalid_tenant 90002');
    const token = await tokenRequest(emu(), '99999999-9999-9999-9999-999999999999', exchange(emu(), await fetchOidcToken(emu())));
    expect(aadsts(token)).toBe('400 invalid_request 90002');
  });

  it('issues an ARM access token with tid, appid, oid, aud, iss and the configured lifetime', async () => {
    emu().setTiming({ accessTokenLifetimeSeconds: 1234 });
    const answer = await tokenRequest(emu(), IDS.tenants.b, exchange(emu(), await fetchOidcToken(emu())));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 1234, ext_expires_in: 1234 });
    const token = claims(String(path(answer.body, 'access_token')));
    expect(token).toMatchObject({
      tid: IDS.tenants.b,
      appid: IDS.apps.multiTenant,
      oid: IDS.objectIds.multiTenantInB,
      aud: emu().endpoints.arm,
      iss: `https://sts.windows.net/${IDS.tenants.b}/`,
    });
    expect(Number(path(token, 'exp')) - Number(path(token, 'iat'))).toBe(1234);
  });

  it('accepts the double-slash scope spelling', async () => {
    const answer = await tokenRequest(
      emu(),
      IDS.tenants.a,
      exchange(emu(), await fetchOidcToken(emu()), { scope: `${emu().endpoints.arm}//.default` }),
    );
    expect(answer.status).toBe(200);
    expect(path(claims(String(path(answer.body, 'access_token'))), 'aud')).toBe(`${emu().endpoints.arm}/`);
  });

  it('AADSTS700016: the app has no service principal in that tenant', async () => {
    const answer = await tokenRequest(
      emu(),
      IDS.tenants.b,
      exchange(emu(), await fetchOidcToken(emu()), { client_id: IDS.apps.singleTenant }),
    );
    expect(aadsts(answer)).toBe('400 unauthorized_client 700016');
    expect(path(answer.body, 'error_description')).toMatch(
      /^AADSTS700016: Application with identifier '44444444-.*' was not found in the directory 'fabrikam'/,
    );
    expect(path(answer.body, 'correlation_id')).toBe('abc');
  });

  it('AADSTS700213: no federated credential for the subject', async () => {
    emu().setOidcSubject('repo:contoso/other:pull_request');
    expect(aadsts(await tokenRequest(emu(), IDS.tenants.a, exchange(emu(), await fetchOidcToken(emu()))))).toBe(
      '401 invalid_client 700213',
    );
  });

  it('AADSTS7002138: the subject matches only when case is ignored', async () => {
    emu().setOidcSubject('repo:Contoso/Network:pull_request');
    expect(aadsts(await tokenRequest(emu(), IDS.tenants.a, exchange(emu(), await fetchOidcToken(emu()))))).toBe(
      '401 invalid_client 7002138',
    );
  });

  it('AADSTS700212: wrong audience (another cloud)', async () => {
    const assertion = await fetchOidcToken(emu(), 'api://AzureADTokenExchangeUSGov');
    expect(aadsts(await tokenRequest(emu(), IDS.tenants.a, exchange(emu(), assertion)))).toBe('401 invalid_client 700212');
  });

  it('AADSTS700024: an expired assertion', async () => {
    const expired = emu().mintOidcToken({ lifetimeSeconds: -60 });
    const answer = await tokenRequest(emu(), IDS.tenants.a, exchange(emu(), expired));
    expect(aadsts(answer)).toBe('401 invalid_client 700024');
    expect(path(answer.body, 'error_description')).toContain('Client assertion is not within its valid time range.');
  });

  it('AADSTS700027: a tampered assertion fails signature validation', async () => {
    const [h, , s] = (await fetchOidcToken(emu())).split('.');
    const forged = Buffer.from(
      JSON.stringify({ iss: IDS.oidc.issuer, sub: IDS.oidc.subjects.main, aud: IDS.oidc.audience, exp: 9999999999 }),
    ).toString('base64url');
    expect(aadsts(await tokenRequest(emu(), IDS.tenants.a, exchange(emu(), `${h}.${forged}.${s}`)))).toBe(
      '401 invalid_client 700027',
    );
  });

  it('malformed requests: not a JWT, no assertion, wrong grant, unknown resource, GET', async () => {
    expect(aadsts(await tokenRequest(emu(), IDS.tenants.a, exchange(emu(), 'not-a-jwt')))).toBe('400 invalid_request 50027');
    const { client_assertion: _, ...noAssertion } = exchange(emu(), 'x');
    expect(aadsts(await tokenRequest(emu(), IDS.tenants.a, noAssertion))).toBe('401 invalid_client 7000218');
    expect(aadsts(await tokenRequest(emu(), IDS.tenants.a, exchange(emu(), 'x', { grant_type: 'password' })))).toBe(
      '400 unsupported_grant_type 70003',
    );
    expect(
      aadsts(await tokenRequest(emu(), IDS.tenants.a, exchange(emu(), 'x', { scope: 'https://graph.microsoft.com/.default' }))),
    ).toBe('400 invalid_resource 500011');
    const get = await fetch(`${emu().endpoints.authorityHost}/${IDS.tenants.a}/oauth2/v2.0/token`);
    expect(aadsts({ status: get.status, body: await get.json() })).toBe('400 invalid_request 900561');
    // Still serving.
    expect((await tokenRequest(emu(), IDS.tenants.a, exchange(emu(), await fetchOidcToken(emu())))).status).toBe(200);
  });
});

describe('Entra with other worlds', () => {
  it('AADSTS700211: the token issuer matches no federated credential', async () => {
    const world = defaultWorld();
    world.oidc.issuer = 'https://token.actions.example.com';
    const emu = await startEmulator({ world });
    emu.trust();
    try {
      expect(aadsts(await tokenRequest(emu, IDS.tenants.a, exchange(emu, await fetchOidcToken(emu))))).toBe(
        '401 invalid_client 700211',
      );
    } finally {
      await emu.stop();
    }
  });

  it('AADSTS70021: the app has no federated credential at all', async () => {
    const world = defaultWorld();
    for (const app of world.apps) app.federatedCredentials = [];
    const emu = await startEmulator({ world });
    emu.trust();
    try {
      expect(aadsts(await tokenRequest(emu, IDS.tenants.a, exchange(emu, await fetchOidcToken(emu))))).toBe(
        '401 invalid_client 70021',
      );
    } finally {
      await emu.stop();
    }
  });
});

describe('GitHub OIDC issuer', () => {
  const emu = useEmulator('all');

  it('needs the request bearer token: 401 without, 403 with a wrong one', async () => {
    const url = `${emu().endpoints.oidcRequestUrl}&audience=x`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { Authorization: 'Bearer nope' } })).status).toBe(403);
  });

  it('tokens carry iss, aud, sub, repository, iat, nbf, exp, jti; the lifetime and subject are settable', async () => {
    emu().setOidcSubject(IDS.oidc.subjects.production);
    emu().setTiming({ oidcTokenLifetimeSeconds: 42 });
    const c = claims(await fetchOidcToken(emu(), 'custom-audience'));
    expect(c).toMatchObject({
      iss: IDS.oidc.issuer,
      aud: 'custom-audience',
      sub: IDS.oidc.subjects.production,
      repository: IDS.github.repo,
      environment: 'production',
    });
    expect(Number(path(c, 'exp')) - Number(path(c, 'iat'))).toBe(42);
    expect(path(c, 'nbf')).toBe(path(c, 'iat'));
    expect(typeof path(c, 'jti')).toBe('string');
  });

  it('serves its discovery document and keys', async () => {
    const origin = new URL(emu().endpoints.oidcRequestUrl).origin;
    const meta: unknown = await (await fetch(`${origin}/.well-known/openid-configuration`)).json();
    expect(path(meta, 'issuer')).toBe(IDS.oidc.issuer);
    const jwks: unknown = await (await fetch(String(path(meta, 'jwks_uri')))).json();
    expect(path(jwks, 'keys.0.alg')).toBe('RS256');
  });
});
