// ARM's front door (spec §2): api-version, bearer and auxiliary tokens, the subscription's tenant,
// role checks on the local and the linked (remote) VNet, crafted bad requests, throttling, faults.
import { connect } from 'node:net';
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { armRequest, code, message, peeringPath, putPeering, remote, useEmulator } from './clients.ts';
import { defaultWorld, IDS, startEmulator } from './index.ts';

const emu = useEmulator();

/** A request that must succeed: proves the server kept serving. */
async function stillServing(): Promise<void> {
  expect((await armRequest(emu(), { path: IDS.vnets.hub })).status).toBe(200);
}

describe('crafted bad requests get Azure-shaped answers and the server keeps serving', () => {
  it('missing api-version: 400 MissingApiVersionParameter', async () => {
    const r = await armRequest(emu(), { path: IDS.vnets.hub, apiVersion: null });
    expect(code(r)).toBe('400 MissingApiVersionParameter');
    await stillServing();
  });

  it('an older api-version the region serves is accepted; one it does not: 400 NoRegisteredProviderFound', async () => {
    expect((await armRequest(emu(), { path: IDS.vnets.hub, apiVersion: '2024-05-01' })).status).toBe(200);
    expect(code(await armRequest(emu(), { path: IDS.vnets.hub, apiVersion: '2099-01-01' }))).toBe('400 NoRegisteredProviderFound');
    await stillServing();
  });

  it('no Authorization header: 401 AuthenticationFailed with a WWW-Authenticate challenge', async () => {
    const r = await armRequest(emu(), { path: IDS.vnets.hub, token: null });
    expect(code(r)).toBe('401 AuthenticationFailed');
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/);
    await stillServing();
  });

  it('a token that is not a JWT, or not signed by Entra: 401 InvalidAuthenticationToken', async () => {
    expect(code(await armRequest(emu(), { path: IDS.vnets.hub, token: 'abc' }))).toBe('401 InvalidAuthenticationToken');
    const [h, p] = emu().mintAccessToken({ tenantId: IDS.tenants.a, clientId: IDS.apps.multiTenant }).split('.');
    expect(code(await armRequest(emu(), { path: IDS.vnets.hub, token: `${h}.${p}.AAAA` }))).toBe('401 InvalidAuthenticationToken');
    expect(
      code(await armRequest(emu(), { path: IDS.vnets.hub, headers: { Authorization: 'Basic Zm9vOmJhcg==' }, token: null })),
    ).toBe('401 AuthenticationFailed');
    await stillServing();
  });

  it('an expired token: 401 ExpiredAuthenticationToken', async () => {
    const token = emu().mintAccessToken({ tenantId: IDS.tenants.a, clientId: IDS.apps.multiTenant, lifetimeSeconds: -5 });
    const r = await armRequest(emu(), { path: IDS.vnets.hub, token });
    expect(code(r)).toBe('401 ExpiredAuthenticationToken');
    expect(message(r)).toMatch(/^The access token expiry UTC time '.*' is earlier than current UTC time '.*'\.$/);
    await stillServing();
  });

  it('a token for another audience: 401 InvalidAuthenticationTokenAudience', async () => {
    const token = emu().mintAccessToken({
      tenantId: IDS.tenants.a,
      clientId: IDS.apps.multiTenant,
      audience: 'https://graph.microsoft.com',
    });
    expect(code(await armRequest(emu(), { path: IDS.vnets.hub, token }))).toBe('401 InvalidAuthenticationTokenAudience');
  });

  it('a token for the wrong tenant: 401 InvalidAuthenticationTokenTenant', async () => {
    const token = emu().mintAccessToken({ tenantId: IDS.tenants.b, clientId: IDS.apps.multiTenant });
    const r = await armRequest(emu(), { path: IDS.vnets.hub, token });
    expect(code(r)).toBe('401 InvalidAuthenticationTokenTenant');
    expect(message(r)).toContain(`The access token is from the wrong issuer 'https://sts.windows.net/${IDS.tenants.b}/'`);
    await stillServing();
  });

  it('unknown subscription, resource group, VNet and peering: 404 with their codes', async () => {
    const sub =
      '/subscriptions/dddddddd-dddd-dddd-dddd-dddddddddddd/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v';
    expect(code(await armRequest(emu(), { path: sub }))).toBe('404 SubscriptionNotFound');
    // Authorization comes first: without rights on the scope the answer is 403, with them 404.
    const rgA = `/subscriptions/${IDS.subscriptions.a}/resourceGroups/rg-nope/providers/Microsoft.Network/virtualNetworks/v`;
    expect(code(await armRequest(emu(), { path: rgA }))).toBe('403 AuthorizationFailed');
    const rgC = `/subscriptions/${IDS.subscriptions.c}/resourceGroups/rg-nope/providers/Microsoft.Network/virtualNetworks/v`;
    expect(code(await armRequest(emu(), { path: rgC }))).toBe('404 ResourceGroupNotFound');
    const vnet = IDS.vnets.hub.replace('vnet-hub', 'vnet-nope');
    expect(code(await armRequest(emu(), { path: vnet }))).toBe('404 ResourceNotFound');
    expect(code(await armRequest(emu(), { path: peeringPath(vnet, 'p') }))).toBe('404 ResourceNotFound');
    expect(code(await armRequest(emu(), { path: peeringPath(IDS.vnets.hub, 'nope') }))).toBe('404 NotFound');
  });

  it('unknown paths: 404 InvalidResourceType', async () => {
    const other = `/subscriptions/${IDS.subscriptions.a}/resourceGroups/rg-hub/providers/Microsoft.Network/publicIPAddresses/ip`;
    const r = await armRequest(emu(), { path: other });
    expect(code(r)).toBe('404 InvalidResourceType');
    expect(message(r)).toContain("'publicIPAddresses'");
    expect(code(await armRequest(emu(), { path: '/nothing/here' }))).toBe('404 InvalidResourceType');
    expect(code(await armRequest(emu(), { path: `/subscriptions/${IDS.subscriptions.a}/x%E0%A4%A` }))).toBe(
      '404 InvalidResourceType',
    );
    await stillServing();
  });

  it('malformed JSON: 400 InvalidRequestContent; no remote: 400 InvalidRequestFormat; bad remote id: 400 LinkedInvalidPropertyId', async () => {
    const p = peeringPath(IDS.vnets.hub, 'p');
    expect(code(await armRequest(emu(), { method: 'PUT', path: p, rawBody: '{"properties": {' }))).toBe(
      '400 InvalidRequestContent',
    );
    expect(code(await armRequest(emu(), { method: 'PUT', path: p, rawBody: '' }))).toBe('400 InvalidRequestContent');
    expect(code(await armRequest(emu(), { method: 'PUT', path: p, body: { properties: {} } }))).toBe('400 InvalidRequestFormat');
    expect(code(await armRequest(emu(), { method: 'PUT', path: p, body: [1, 2] }))).toBe('400 InvalidRequestFormat');
    expect(code(await putPeering(emu(), IDS.vnets.hub, 'p', { ...remote(IDS.vnets.spoke), allowForwardedTraffic: 'yes' }))).toBe(
      '400 InvalidRequestFormat',
    );
    expect(code(await putPeering(emu(), IDS.vnets.hub, 'p', remote('vnet-spoke')))).toBe('400 LinkedInvalidPropertyId');
    expect(code(await putPeering(emu(), IDS.vnets.hub, 'p', remote(IDS.vnets.spoke.replace('vnet-spoke', 'vnet-nope'))))).toBe(
      '400 InvalidResourceReference',
    );
    await stillServing();
  });

  it('unsupported methods: 405', async () => {
    expect(code(await armRequest(emu(), { method: 'POST', path: peeringPath(IDS.vnets.hub, 'p'), body: {} }))).toBe(
      '405 MethodNotAllowed',
    );
    expect(code(await armRequest(emu(), { method: 'DELETE', path: IDS.vnets.hub }))).toBe('405 MethodNotAllowed');
  });

  it('plain HTTP or garbage on the TLS port does not hurt the server', async () => {
    const port = Number(new URL(emu().endpoints.arm).port);
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff garbage'));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await new Promise<void>((resolve) => {
      const req = request(`${emu().endpoints.arm}/subscriptions/x`, { method: 'GET', headers: { 'Content-Length': '100' } }, () =>
        resolve(),
      );
      req.on('error', () => resolve());
      req.write('{"truncated":');
      req.destroy();
      resolve();
    });
    await stillServing();
  });
});

describe('two tenants in one request', () => {
  it('a cross-tenant PUT without an auxiliary token: 403 LinkedAuthorizationFailed', async () => {
    const r = await putPeering(emu(), IDS.vnets.hub, 'hub-to-spoke', remote(IDS.vnets.spoke), { aux: [] });
    expect(code(r)).toBe('403 LinkedAuthorizationFailed');
    expect(message(r)).toBe(
      `The client '${IDS.apps.multiTenant}' with object id '${IDS.objectIds.multiTenantInA}' has permission to perform action 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write' on scope '${peeringPath(IDS.vnets.hub, 'hub-to-spoke')}'; however, the current tenant '${IDS.tenants.a}' is not authorized to access linked subscription '${IDS.subscriptions.b}'.`,
    );
  });

  it('an auxiliary token from the same tenant does not help', async () => {
    const aux = [emu().mintAccessToken({ tenantId: IDS.tenants.a, clientId: IDS.apps.multiTenant })];
    expect(code(await putPeering(emu(), IDS.vnets.hub, 'hub-to-spoke', remote(IDS.vnets.spoke), { aux }))).toBe(
      '403 LinkedAuthorizationFailed',
    );
  });

  it('with the other tenant in x-ms-authorization-auxiliary: 201, recorded with both tenants', async () => {
    const r = await putPeering(emu(), IDS.vnets.hub, 'hub-to-spoke', remote(IDS.vnets.spoke));
    expect(r.status).toBe(201);
    const put = emu().requests.find((x) => x.method === 'PUT');
    expect(put).toMatchObject({
      service: 'arm',
      status: 201,
      tenant: IDS.tenants.a,
      auxTenants: [IDS.tenants.b],
      appId: IDS.apps.multiTenant,
      query: { 'api-version': '2026-01-01' },
    });
  });

  it('an expired or malformed auxiliary token: 401, even on reads', async () => {
    const expired = [emu().mintAccessToken({ tenantId: IDS.tenants.b, clientId: IDS.apps.multiTenant, lifetimeSeconds: -1 })];
    const r = await putPeering(emu(), IDS.vnets.hub, 'hub-to-spoke', remote(IDS.vnets.spoke), { aux: expired });
    expect(code(r)).toBe('401 ExpiredAuthenticationToken');
    expect(message(r)).toContain('x-ms-authorization-auxiliary');
    expect(code(await armRequest(emu(), { path: IDS.vnets.hub, aux: expired }))).toBe('401 ExpiredAuthenticationToken');
    expect(
      code(await armRequest(emu(), { path: IDS.vnets.hub, headers: { 'x-ms-authorization-auxiliary': 'Bearer' }, aux: [] })),
    ).toBe('401 InvalidAuthenticationToken');
  });

  it('more than three auxiliary tokens: 401', async () => {
    const one = emu().mintAccessToken({ tenantId: IDS.tenants.b, clientId: IDS.apps.multiTenant });
    expect(code(await armRequest(emu(), { path: IDS.vnets.hub, aux: [one, one, one, one] }))).toBe(
      '401 InvalidAuthenticationToken',
    );
    expect((await armRequest(emu(), { path: IDS.vnets.hub, aux: [one, one, one] })).status).toBe(200);
  });

  it('an auxiliary token of another app is accepted by default, refused when the world says so', async () => {
    const aux = [emu().mintAccessToken({ tenantId: IDS.tenants.b, clientId: IDS.apps.singleTenant })];
    expect((await putPeering(emu(), IDS.vnets.hub, 'hub-to-spoke', remote(IDS.vnets.spoke), { aux })).status).toBe(201);
    emu().setBehavior({ auxiliaryAppMustMatch: true });
    expect(code(await putPeering(emu(), IDS.vnets.hub, 'hub-to-spoke', remote(IDS.vnets.spoke), { aux }))).toBe(
      '403 LinkedAuthorizationFailed',
    );
  });

  it('same tenant, other subscription: no auxiliary token needed', async () => {
    expect((await putPeering(emu(), IDS.vnets.hub, 'hub-to-app', remote(IDS.vnets.app), { aux: [] })).status).toBe(201);
  });
});

describe('role checks', () => {
  it('Reader can read vnet-restricted and its peerings', async () => {
    expect((await armRequest(emu(), { path: IDS.vnets.restricted })).status).toBe(200);
    expect((await armRequest(emu(), { path: `${IDS.vnets.restricted}/virtualNetworkPeerings` })).status).toBe(200);
  });

  it('no peerings/write on the local VNet: 403 AuthorizationFailed', async () => {
    const r = await putPeering(emu(), IDS.vnets.restricted, 'r-to-hub', remote(IDS.vnets.hub));
    expect(code(r)).toBe('403 AuthorizationFailed');
    expect(message(r)).toContain(
      `does not have authorization to perform action 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write' over scope '${peeringPath(IDS.vnets.restricted, 'r-to-hub')}'`,
    );
  });

  it('no peer/action on the remote VNet: 403 LinkedAuthorizationFailed, checked with the auxiliary principal', async () => {
    const r = await putPeering(emu(), IDS.vnets.hub, 'hub-to-restricted', remote(IDS.vnets.restricted));
    expect(code(r)).toBe('403 LinkedAuthorizationFailed');
    expect(message(r)).toContain(
      `it does not have permission to perform action(s) 'Microsoft.Network/virtualNetworks/peer/action' on the linked scope(s) '${IDS.vnets.restricted}'`,
    );
  });

  it('no peerings/delete: 403 AuthorizationFailed; no read at all: 403 on GET', async () => {
    emu().createPeering(IDS.vnets.restricted, 'r-to-app', { remoteVnetId: IDS.vnets.app });
    expect(code(await armRequest(emu(), { method: 'DELETE', path: peeringPath(IDS.vnets.restricted, 'r-to-app') }))).toBe(
      '403 AuthorizationFailed',
    );
    const token = emu().mintAccessToken({ tenantId: IDS.tenants.a, clientId: IDS.apps.singleTenant });
    expect(code(await armRequest(emu(), { path: IDS.vnets.app, token }))).toBe('403 AuthorizationFailed');
  });

  it('a custom role without locations/operations/read: the PUT is accepted, its poll is refused', async () => {
    const world = defaultWorld();
    world.roleDefinitions = [
      {
        name: 'Peering Operator',
        actions: [
          'Microsoft.Network/virtualNetworks/read',
          'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/*',
          'Microsoft.Network/virtualNetworks/peer/action',
        ],
      },
    ];
    world.roleAssignments = [
      { clientId: IDS.apps.multiTenant, scope: `/subscriptions/${IDS.subscriptions.a}`, role: 'Peering Operator' },
      { clientId: IDS.apps.multiTenant, scope: `/subscriptions/${IDS.subscriptions.c}`, role: 'Peering Operator' },
    ];
    const custom = await startEmulator({ world });
    try {
      custom.trust();
      const put = await putPeering(custom, IDS.vnets.hub, 'hub-to-app', remote(IDS.vnets.app));
      expect(put.status).toBe(201);
      const op = new URL(put.headers.get('azure-asyncoperation') ?? '');
      const poll = await armRequest(custom, { path: op.pathname });
      expect(code(poll)).toBe('403 AuthorizationFailed');
      expect(message(poll)).toContain('Microsoft.Network/locations/operations/read');
    } finally {
      await custom.stop();
    }
  });
});

describe('throttling and injected faults', () => {
  it('a principal over its read bucket gets 429 with Retry-After; another principal does not', async () => {
    emu().setBehavior({ throttling: { reads: { burst: 2, perSecond: 0.01 } } });
    expect((await armRequest(emu(), { path: IDS.vnets.hub })).status).toBe(200);
    const second = await armRequest(emu(), { path: IDS.vnets.hub });
    expect(second.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('0');
    const r = await armRequest(emu(), { path: IDS.vnets.hub });
    expect(code(r)).toBe('429 SubscriptionRequestsThrottled');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = emu().mintAccessToken({ tenantId: IDS.tenants.a, clientId: IDS.apps.singleTenant });
    expect((await armRequest(emu(), { path: IDS.vnets.hub, token: other })).status).toBe(200);
  });

  it('the network provider window counts all principals of a subscription', async () => {
    emu().setBehavior({ throttling: { providerWrites: 1 } });
    expect((await putPeering(emu(), IDS.vnets.hub, 'hub-to-app', remote(IDS.vnets.app))).status).toBe(201);
    const r = await putPeering(emu(), IDS.vnets.hub, 'hub-to-app', remote(IDS.vnets.app));
    expect(code(r)).toBe('429 TooManyRequests');
    expect(message(r)).toContain('Write_ObservationWindow_00:05:00');
  });

  it('injected answers replace the next matching requests, then normal service resumes', async () => {
    emu().inject({
      service: 'arm',
      method: 'PUT',
      path: '/virtualNetworkPeerings/',
      times: 2,
      status: 429,
      code: 'TooManyRequests',
      message: 'slow down',
      retryAfter: 7,
    });
    const first = await putPeering(emu(), IDS.vnets.hub, 'hub-to-app', remote(IDS.vnets.app));
    expect(code(first)).toBe('429 TooManyRequests');
    expect(first.headers.get('retry-after')).toBe('7');
    expect((await armRequest(emu(), { path: IDS.vnets.hub })).status).toBe(200);
    expect(code(await putPeering(emu(), IDS.vnets.hub, 'hub-to-app', remote(IDS.vnets.app)))).toBe('429 TooManyRequests');
    expect((await putPeering(emu(), IDS.vnets.hub, 'hub-to-app', remote(IDS.vnets.app))).status).toBe(201);
    emu().inject({ path: /\/vnet-hub$/, status: 500, code: 'InternalServerError', details: [{ code: 'X', message: 'y' }] });
    const broken = await armRequest(emu(), { path: IDS.vnets.hub });
    expect(broken.body).toMatchObject({ error: { code: 'InternalServerError', details: [{ code: 'X', message: 'y' }] } });
    expect(emu().requests.filter((x) => x.errorCode === 'TooManyRequests')).toHaveLength(2);
  });
});
