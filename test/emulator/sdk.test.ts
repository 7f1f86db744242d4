// The real SDKs against the emulator over HTTPS: @azure/identity, @azure/arm-network with the
// auxiliary-token policy, @actions/core's getIDToken and @actions/github's Octokit.
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertionCredential, networkClient, path } from './clients.ts';
import { IDS, startEmulator } from './index.ts';
import type { Emulator } from './index.ts';

const hubToSpoke = { remoteVirtualNetwork: { id: IDS.vnets.spoke }, allowVirtualNetworkAccess: true };
const spokeToHub = { remoteVirtualNetwork: { id: IDS.vnets.hub }, allowVirtualNetworkAccess: true };

function clients(emu: Emulator, clientId: string = IDS.apps.multiTenant) {
  const credA = assertionCredential(emu, IDS.tenants.a, clientId);
  const credB = assertionCredential(emu, IDS.tenants.b, clientId);
  return {
    credA,
    credB,
    a: networkClient(emu, IDS.subscriptions.a, credA, [credB]),
    b: networkClient(emu, IDS.subscriptions.b, credB, [credA]),
  };
}

describe('real Azure SDK clients', () => {
  let emu: Emulator;
  afterEach(async () => {
    await emu.stop();
  });

  describe('fast mode', () => {
    beforeEach(async () => {
      emu = await startEmulator();
      emu.trust();
    });

    it('authenticate in both tenants and create both directions across them', async () => {
      const { a, b } = clients(emu);
      const vnet = await a.virtualNetworks.get('rg-hub', 'vnet-hub');
      expect(vnet.addressSpace?.addressPrefixes).toEqual(['10.0.0.0/16']);
      expect(vnet.subnets?.map((s) => s.name)).toEqual(['default', 'GatewaySubnet']);

      const first = await a.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hub', 'vnet-hub', 'hub-to-spoke', hubToSpoke, {
        syncRemoteAddressSpace: 'true',
      });
      expect(first).toMatchObject({
        peeringState: 'Initiated',
        peeringSyncLevel: 'RemoteNotInSync',
        provisioningState: 'Succeeded',
      });

      const second = await b.virtualNetworkPeerings.beginCreateOrUpdateAndWait(
        'rg-spoke',
        'vnet-spoke',
        'spoke-to-hub',
        spokeToHub,
      );
      expect(second).toMatchObject({
        peeringState: 'Connected',
        peeringSyncLevel: 'FullyInSync',
        provisioningState: 'Succeeded',
      });
      expect(emu.peering(IDS.vnets.hub, 'hub-to-spoke')?.properties).toMatchObject({
        peeringState: 'Connected',
        peeringSyncLevel: 'FullyInSync',
        remoteAddressSpace: { addressPrefixes: ['10.1.0.0/16'] },
      });

      const puts = emu.requests.filter((r) => r.service === 'arm' && r.method === 'PUT');
      expect(puts.map((r) => [r.status, r.tenant, r.auxTenants, r.appId])).toEqual([
        [201, IDS.tenants.a, [IDS.tenants.b], IDS.apps.multiTenant],
        [201, IDS.tenants.b, [IDS.tenants.a], IDS.apps.multiTenant],
      ]);
      expect(
        emu.requests.some((r) => r.service === 'login' && r.path.endsWith('/oauth2/v2.0/token') && r.tenant === IDS.tenants.b),
      ).toBe(true);
    });

    it('list and delete; the surviving side turns Disconnected', async () => {
      const { a, b } = clients(emu);
      await a.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hub', 'vnet-hub', 'hub-to-spoke', hubToSpoke);
      await b.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-spoke', 'vnet-spoke', 'spoke-to-hub', spokeToHub);
      await a.virtualNetworkPeerings.beginDeleteAndWait('rg-hub', 'vnet-hub', 'hub-to-spoke');
      const left = [];
      for await (const p of b.virtualNetworkPeerings.list('rg-spoke', 'vnet-spoke')) left.push(p);
      expect(left.map((p) => [p.name, p.peeringState, p.peeringSyncLevel])).toEqual([
        ['spoke-to-hub', 'Disconnected', 'RemoteNotInSync'],
      ]);
      await expect(a.virtualNetworkPeerings.get('rg-hub', 'vnet-hub', 'hub-to-spoke')).rejects.toMatchObject({
        statusCode: 404,
        code: 'NotFound',
      });
    });

    it('an operation that ends Failed gives the SDK its plain LRO error, and the peering is Failed', async () => {
      const { a } = clients(emu);
      emu.failNextOperation({ status: 'Failed', code: 'InternalServerError', message: 'Something broke.' });
      await expect(
        a.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hub', 'vnet-hub', 'hub-to-spoke', hubToSpoke),
      ).rejects.toThrow('The long-running operation has failed. InternalServerError. Something broke.');
      expect(emu.peering(IDS.vnets.hub, 'hub-to-spoke')?.properties.provisioningState).toBe('Failed');
      const again = await a.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hub', 'vnet-hub', 'hub-to-spoke', hubToSpoke);
      expect(again.provisioningState).toBe('Succeeded');
    });

    it('an operation that ends Canceled gives "Operation was canceled" and leaves nothing behind', async () => {
      const { a } = clients(emu);
      emu.failNextOperation({ status: 'Canceled' });
      await expect(
        a.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hub', 'vnet-hub', 'hub-to-spoke', hubToSpoke),
      ).rejects.toThrow('Operation was canceled');
      expect(emu.peering(IDS.vnets.hub, 'hub-to-spoke')).toBeUndefined();
    });

    it('without the auxiliary token the cross-tenant PUT is a 403 LinkedAuthorizationFailed RestError', async () => {
      const credA = assertionCredential(emu, IDS.tenants.a, IDS.apps.multiTenant);
      const a = networkClient(emu, IDS.subscriptions.a, credA);
      await expect(
        a.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hub', 'vnet-hub', 'hub-to-spoke', hubToSpoke),
      ).rejects.toMatchObject({
        statusCode: 403,
        code: 'LinkedAuthorizationFailed',
        message: expect.stringContaining(
          `however, the current tenant '${IDS.tenants.a}' is not authorized to access linked subscription '${IDS.subscriptions.b}'`,
        ),
      });
    });

    it('the single-tenant app gets AADSTS700016 from tenant B', async () => {
      const credB = assertionCredential(emu, IDS.tenants.b, IDS.apps.singleTenant);
      await expect(credB.getToken(`${emu.endpoints.arm}/.default`)).rejects.toThrow(/AADSTS700016/);
      const credA = assertionCredential(emu, IDS.tenants.a, IDS.apps.singleTenant);
      expect((await credA.getToken(`${emu.endpoints.arm}/.default`)).token).toMatch(/^ey/);
    });

    it('@actions/core getIDToken gets a signed OIDC token with the asked audience', async () => {
      const saved = { ...process.env };
      Object.assign(process.env, emu.actionEnv());
      try {
        const jwt = await core.getIDToken(IDS.oidc.audience);
        const claims: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
        expect(claims).toMatchObject({
          iss: IDS.oidc.issuer,
          aud: IDS.oidc.audience,
          sub: IDS.oidc.subjects.pullRequest,
          repository: IDS.github.repo,
        });
        const iat = Number(path(claims, 'iat'));
        expect(Number(path(claims, 'exp')) - iat).toBe(300);
        expect(typeof path(claims, 'jti')).toBe('string');
      } finally {
        process.env = saved;
      }
    });

    it('Octokit creates, lists (paginated) and updates PR comments; the read-only token is refused', async () => {
      const octokit = getOctokit(IDS.github.writeToken, { baseUrl: emu.endpoints.githubApi });
      const [owner, repo] = IDS.github.repo.split('/');
      if (!owner || !repo) throw new Error('bad repo');
      for (let i = 0; i < 3; i++) emu.addComment(IDS.github.repo, IDS.github.pullRequest, `human ${i}`);
      const created = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: IDS.github.pullRequest,
        body: 'hello',
      });
      expect(created.status).toBe(201);
      expect(created.data.user?.login).toBe('github-actions[bot]');
      const all = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: IDS.github.pullRequest,
        per_page: 2,
      });
      expect(all.map((c) => c.body)).toEqual(['human 0', 'human 1', 'human 2', 'hello']);
      const updated = await octokit.rest.issues.updateComment({ owner, repo, comment_id: created.data.id, body: 'hello again' });
      expect(updated.status).toBe(200);
      expect(emu.comments(IDS.github.repo, IDS.github.pullRequest).at(-1)).toMatchObject({
        body: 'hello again',
        user: 'github-actions[bot]',
      });

      const reader = getOctokit(IDS.github.readToken, { baseUrl: emu.endpoints.githubApi });
      await expect(
        reader.rest.issues.createComment({ owner, repo, issue_number: IDS.github.pullRequest, body: 'x' }),
      ).rejects.toMatchObject({
        status: 403,
        message: expect.stringContaining('Resource not accessible by integration'),
      });
    });
  });

  describe('Octokit on who the token is and where a commit came from', () => {
    beforeEach(async () => {
      emu = await startEmulator();
      emu.trust();
    });

    it('graphql viewer login, the authenticated user, the pull requests of a merge commit', async () => {
      const bot = getOctokit(IDS.github.writeToken, { baseUrl: emu.endpoints.githubApi });
      const user = getOctokit(IDS.github.userToken, { baseUrl: emu.endpoints.githubApi });
      expect(await bot.graphql<{ viewer: { login: string } }>('query { viewer { login } }')).toEqual({ viewer: { login: 'github-actions[bot]' } });
      expect(await user.graphql<{ viewer: { login: string } }>('{ viewer { login } }')).toEqual({ viewer: { login: IDS.github.userLogin } });
      await expect(bot.graphql('{ rateLimit { remaining } }')).rejects.toMatchObject({
        name: 'GraphqlResponseError',
        errors: [expect.objectContaining({ message: "Field 'rateLimit' doesn't exist on type 'Query'" })],
      });
      expect((await user.rest.users.getAuthenticated()).data).toMatchObject({ login: IDS.github.userLogin, type: 'User' });
      await expect(bot.rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 });
      const [owner = '', repo = ''] = IDS.github.repo.split('/');
      const pulls = await bot.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: IDS.github.mergeCommitSha });
      expect(pulls.data.map((p) => [p.number, p.state, p.merge_commit_sha])).toEqual([
        [IDS.github.mergedPullRequest, 'closed', IDS.github.mergeCommitSha],
      ]);
    });
  });

  describe('operations that take time', () => {
    beforeEach(async () => {
      emu = await startEmulator({ timing: { operationMs: 700, retryAfterSeconds: 1 } });
      emu.trust();
    });

    it('the SDK polls Azure-AsyncOperation until the operation ends, on both sides', async () => {
      const { a, b } = clients(emu);
      const first = await a.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-hub', 'vnet-hub', 'hub-to-spoke', hubToSpoke);
      expect(first.peeringState).toBe('Initiated');
      const second = await b.virtualNetworkPeerings.beginCreateOrUpdateAndWait(
        'rg-spoke',
        'vnet-spoke',
        'spoke-to-hub',
        spokeToHub,
      );
      expect(second).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync' });
      const polls = emu.requests.filter((r) => r.service === 'arm' && r.path.includes('/operations/'));
      // At least one poll per operation saw it still running, so each was polled more than once.
      expect(new Set(polls.map((r) => r.path)).size).toBe(2);
      expect(polls.length).toBeGreaterThanOrEqual(4);
    });
  });
});
