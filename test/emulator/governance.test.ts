// What ARM decides before the network provider: what the caller may do (permissions), which
// api-versions are served, management locks and policy assignments (spec §3, §5).
import { describe, expect, it } from 'vitest';
import { armRequest, assertionCredential, code, message, networkClient, path, peeringPath, putPeering, remote, useEmulator } from './clients.ts';
import type { ArmRequest } from './clients.ts';
import { defaultWorld, IDS, startEmulator } from './index.ts';

const HUB = IDS.vnets.hub;
const SPOKE = IDS.vnets.spoke;
const APP = IDS.vnets.app;
const PERMISSIONS = '/providers/Microsoft.Authorization/permissions';

const emu = useEmulator();

const permissions = (scope: string, extra: Partial<ArmRequest> = {}) =>
  armRequest(emu(), { path: `${scope}${PERMISSIONS}`, apiVersion: '2022-04-01', ...extra });

describe('GET {scope}/providers/Microsoft.Authorization/permissions', () => {
  it('lists one entry per role assignment at the scope or above, wildcards as written', async () => {
    const r = await permissions(HUB);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      value: [
        {
          actions: expect.arrayContaining(['Microsoft.Network/*', 'Microsoft.Authorization/*/read']),
          notActions: [],
          dataActions: [],
          notDataActions: [],
        },
      ],
    });
    // Reader on rg-restricted, seen from the VNet in it, with the tenant-B identity.
    const restricted = await permissions(IDS.vnets.restricted);
    expect(path(restricted.body, 'value')).toEqual([{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }]);
    // Above every assignment: nothing.
    expect(path((await permissions(`/subscriptions/${IDS.subscriptions.a}`)).body, 'value')).toEqual([]);
  });

  it('a custom role and direct actions come back as assigned; any valid token of the tenant may ask', async () => {
    const world = defaultWorld();
    world.roleDefinitions = [{ name: 'Peering Operator', actions: ['Microsoft.Network/virtualNetworks/*/read', 'Microsoft.Network/virtualNetworks/peer/action'], notActions: ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete'] }];
    world.roleAssignments.push(
      { clientId: IDS.apps.singleTenant, scope: `/subscriptions/${IDS.subscriptions.a}`, role: 'Peering Operator' },
      { clientId: IDS.apps.singleTenant, scope: HUB, actions: ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write'] },
    );
    const custom = await startEmulator({ world });
    try {
      custom.trust();
      const token = custom.mintAccessToken({ tenantId: IDS.tenants.a, clientId: IDS.apps.singleTenant });
      const r = await armRequest(custom, { path: `${HUB}${PERMISSIONS}`, apiVersion: '2022-04-01', token, aux: [] });
      // In the order the world assigns them: Network Contributor on rg-hub first.
      expect(path(r.body, 'value')).toEqual([
        { actions: expect.arrayContaining(['Microsoft.Network/*']), notActions: [], dataActions: [], notDataActions: [] },
        {
          actions: ['Microsoft.Network/virtualNetworks/*/read', 'Microsoft.Network/virtualNetworks/peer/action'],
          notActions: ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete'],
          dataActions: [],
          notDataActions: [],
        },
        { actions: ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write'], notActions: [], dataActions: [], notDataActions: [] },
      ]);
      // An app with no assignment at all still gets an answer.
      const world2 = defaultWorld();
      world2.roleAssignments = [];
      const none = await startEmulator({ world: world2 });
      try {
        none.trust();
        expect(path((await armRequest(none, { path: `${HUB}${PERMISSIONS}`, apiVersion: '2022-04-01', aux: [] })).body, 'value')).toEqual([]);
      } finally {
        await none.stop();
      }
    } finally {
      await custom.stop();
    }
  });

  it('a token from another tenant: 401; the network api-version: 400 NoRegisteredProviderFound', async () => {
    const token = emu().mintAccessToken({ tenantId: IDS.tenants.b, clientId: IDS.apps.multiTenant });
    expect(code(await permissions(HUB, { token }))).toBe('401 InvalidAuthenticationTokenTenant');
    const r = await permissions(HUB, { apiVersion: '2026-01-01' });
    expect(code(r)).toBe('400 NoRegisteredProviderFound');
    expect(message(r)).toContain("for type 'permissions'");
    expect(code(await permissions(HUB, { method: 'POST', body: {} }))).toBe('405 MethodNotAllowed');
  });

  it('does not count against the network provider window', async () => {
    emu().setBehavior({ throttling: { providerReads: 1 } });
    for (let i = 0; i < 3; i++) expect((await permissions(HUB)).status).toBe(200);
    expect((await armRequest(emu(), { path: HUB })).status).toBe(200);
    expect(code(await armRequest(emu(), { path: HUB }))).toBe('429 TooManyRequests');
  });
});

describe('api-versions', () => {
  it('a version the region does not serve: 400 NoRegisteredProviderFound listing what it serves', async () => {
    const r = await armRequest(emu(), { path: HUB, apiVersion: '2019-02-01' });
    expect(code(r)).toBe('400 NoRegisteredProviderFound');
    expect(message(r)).toMatch(
      /^No registered resource provider found for location 'westeurope' and API version '2019-02-01' for type 'virtualNetworks'\. The supported api-versions are '2026-01-01, 2025-07-01, .*'\. The supported locations are 'westeurope'\.$/,
    );
    expect(code(await armRequest(emu(), { path: peeringPath(HUB, 'p'), apiVersion: '2019-02-01' }))).toBe('400 NoRegisteredProviderFound');
    expect(message(await armRequest(emu(), { path: `${HUB}/virtualNetworkPeerings`, apiVersion: 'x' }))).toContain(
      "for type 'virtualNetworks/virtualNetworkPeerings'",
    );
    expect((await armRequest(emu(), { path: HUB, apiVersion: '2024-03-01' })).status).toBe(200);
    expect(code(await armRequest(emu(), { path: HUB, apiVersion: null }))).toBe('400 MissingApiVersionParameter');
  });

  it('a sovereign cloud that lags: the SDK gets a RestError; an older version works, and its operation polls keep it', async () => {
    emu().setBehavior({ apiVersions: { network: ['2024-05-01', '2024-03-01'] } });
    const client = networkClient(emu(), IDS.subscriptions.a, assertionCredential(emu(), IDS.tenants.a, IDS.apps.multiTenant));
    await expect(client.virtualNetworks.get('rg-hub', 'vnet-hub')).rejects.toMatchObject({
      statusCode: 400,
      code: 'NoRegisteredProviderFound',
      message: expect.stringContaining("The supported api-versions are '2024-05-01, 2024-03-01'"),
    });
    emu().setTiming({ operationMs: 60_000 });
    const put = await putPeering(emu(), HUB, 'hub-to-app', remote(APP), { apiVersion: '2024-05-01' });
    expect(put.status).toBe(201);
    const op = new URL(put.headers.get('azure-asyncoperation') ?? '');
    expect(op.searchParams.get('api-version')).toBe('2024-05-01');
    expect(path((await armRequest(emu(), { path: `${op.pathname}${op.search}`, apiVersion: null })).body, 'status')).toBe('InProgress');
    expect(code(await armRequest(emu(), { path: op.pathname, apiVersion: '2026-01-01' }))).toBe('400 NoRegisteredProviderFound');
  });
});

describe('locks', () => {
  it('ReadOnly refuses PUT and DELETE, CanNotDelete only DELETE: 409 ScopeLocked, nothing accepted', async () => {
    emu().createPeering(HUB, 'hub-to-app', { remoteVnetId: APP });
    const rg = `/subscriptions/${IDS.subscriptions.a}/resourceGroups/rg-hub`;
    emu().addLock({ scope: rg, level: 'CanNotDelete' });
    expect((await putPeering(emu(), HUB, 'hub-to-app', { ...remote(APP), allowForwardedTraffic: true })).status).toBe(200);
    const del = await armRequest(emu(), { method: 'DELETE', path: peeringPath(HUB, 'hub-to-app') });
    expect(code(del)).toBe('409 ScopeLocked');
    expect(message(del)).toBe(
      `The scope '${peeringPath(HUB, 'hub-to-app')}' cannot perform delete operation because following scope(s) are locked: '${rg}'. Please remove the lock and try again.`,
    );
    emu().addLock({ scope: HUB, level: 'ReadOnly', name: 'freeze' });
    const put = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    expect(code(put)).toBe('409 ScopeLocked');
    expect(message(put)).toContain(`cannot perform write operation because following scope(s) are locked: '${HUB}'.`);
    expect(put.headers.get('retry-after')).toBeNull();
    expect(emu().peering(HUB, 'hub-to-spoke')).toBeUndefined();
    expect(emu().vnet(HUB)?.properties.provisioningState).toBe('Succeeded');
    expect(emu().removeLock('freeze')).toBe(1);
    expect(emu().removeLock(rg)).toBe(1);
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(201);
    expect((await armRequest(emu(), { method: 'DELETE', path: peeringPath(HUB, 'hub-to-app') })).status).toBe(202);
  });

  it('a world declares them; the real SDK sees a RestError with the code', async () => {
    const world = defaultWorld();
    world.locks = [{ scope: `/subscriptions/${IDS.subscriptions.c}`, level: 'ReadOnly' }];
    const locked = await startEmulator({ world });
    try {
      locked.trust();
      const client = networkClient(locked, IDS.subscriptions.c, assertionCredential(locked, IDS.tenants.a, IDS.apps.multiTenant));
      await expect(
        client.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-app', 'vnet-app', 'app-to-hub', { remoteVirtualNetwork: { id: HUB } }),
      ).rejects.toMatchObject({ statusCode: 409, code: 'ScopeLocked' });
    } finally {
      await locked.stop();
    }
  });
});

describe('policy', () => {
  it('a denying assignment: 403 RequestDisallowedByPolicy naming it, nothing accepted; removable at run time', async () => {
    emu().addPolicy({
      scope: `/subscriptions/${IDS.subscriptions.a}`,
      name: 'deny-cross-tenant-peering',
      deny: ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write'],
    });
    const r = await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE));
    expect(code(r)).toBe('403 RequestDisallowedByPolicy');
    expect(message(r)).toMatch(
      /^Resource 'hub-to-spoke' was disallowed by policy\. Policy identifiers: '\[\{"policyAssignment":\{"name":"deny-cross-tenant-peering","id":"\/subscriptions\/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa\/providers\/Microsoft\.Authorization\/policyAssignments\/deny-cross-tenant-peering"\},"policyDefinition":/,
    );
    expect(path(r.body, 'error.additionalInfo.0.type')).toBe('PolicyViolation');
    expect(emu().peering(HUB, 'hub-to-spoke')).toBeUndefined();
    // Another subscription, and deletes, are not covered.
    expect((await putPeering(emu(), SPOKE, 'spoke-to-hub', remote(HUB))).status).toBe(201);
    expect(emu().removePolicy('deny-cross-tenant-peering')).toBe(1);
    expect((await putPeering(emu(), HUB, 'hub-to-spoke', remote(SPOKE))).status).toBe(201);
  });

  it('deny patterns take wildcards, and a world declares them', async () => {
    const world = defaultWorld();
    world.policies = [{ scope: SPOKE, name: 'no-peering-changes', deny: ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/*'] }];
    const governed = await startEmulator({ world });
    try {
      governed.trust();
      governed.createPeering(SPOKE, 'spoke-to-hub', { remoteVnetId: HUB });
      expect(code(await armRequest(governed, { method: 'DELETE', path: peeringPath(SPOKE, 'spoke-to-hub') }))).toBe(
        '403 RequestDisallowedByPolicy',
      );
      expect(governed.peering(SPOKE, 'spoke-to-hub')).toBeDefined();
    } finally {
      await governed.stop();
    }
  });
});
