// World files (JSON and YAML), their validation, custom roles with wildcards, the CLI, and the
// small pure pieces: prefixes and certificates.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createServerCertificates } from './certs.ts';
import { isIpv6, overlappingPrefixes, prefixesOverlap, subPrefix } from './cidr.ts';
import { armRequest, putPeering, remote } from './clients.ts';
import { subjectClaims } from './oidc.ts';
import { defaultWorld, IDS, loadWorld, parseWorld, startEmulator } from './index.ts';
import type { World } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'emulator-world-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A small one-tenant world: two VNets, a custom role granting exactly the smallest reported set. */
function smallWorld(): World {
  const sub = '99999999-0000-0000-0000-000000000001';
  const vnet = (name: string) => `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${name}`;
  return {
    tenants: [{ id: '99999999-0000-0000-0000-00000000000a', name: 'solo' }],
    subscriptions: [{ id: sub, tenantId: '99999999-0000-0000-0000-00000000000a' }],
    apps: [
      {
        clientId: '99999999-0000-0000-0000-0000000000c1',
        name: 'solo-app',
        homeTenantId: '99999999-0000-0000-0000-00000000000a',
        servicePrincipals: [
          { tenantId: '99999999-0000-0000-0000-00000000000a', objectId: '99999999-0000-0000-0000-0000000000d1' },
        ],
        federatedCredentials: [
          {
            issuer: 'https://token.actions.githubusercontent.com',
            subject: 'repo:solo/net:pull_request',
            audiences: ['api://AzureADTokenExchange'],
          },
        ],
      },
    ],
    roleDefinitions: [
      {
        name: 'Peering Minimal',
        actions: [
          'Microsoft.Network/virtualNetworks/read',
          'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/*',
          'Microsoft.Network/virtualNetworks/peer/action',
          'Microsoft.Network/locations/*/read',
        ],
        notActions: ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete'],
      },
    ],
    roleAssignments: [
      {
        clientId: '99999999-0000-0000-0000-0000000000c1',
        scope: `/subscriptions/${sub}/resourceGroups/rg`,
        role: 'Peering Minimal',
      },
    ],
    vnets: [
      { id: vnet('one'), location: 'northeurope', addressPrefixes: ['172.16.0.0/16'] },
      {
        id: vnet('two'),
        location: 'northeurope',
        addressPrefixes: ['172.17.0.0/16'],
        subnets: [{ name: 'only', addressPrefix: '172.17.1.0/24' }],
      },
    ],
    peerings: [],
    oidc: { issuer: 'https://token.actions.githubusercontent.com', requestToken: 't', subject: 'repo:solo/net:pull_request' },
    github: { repos: [], tokens: [] },
    behavior: { conflictAnswer: 'ReferencedResourceNotProvisioned', throttling: { enabled: false } },
  };
}

describe('world files', () => {
  it('the default world round-trips through JSON and YAML', () => {
    const world = defaultWorld();
    expect(loadWorld(write('default.json', JSON.stringify(world)))).toEqual(parseWorld(world));
    expect(loadWorld(write('default.yaml', stringify(world)))).toEqual(parseWorld(world));
  });

  it('a custom world drives the emulator: custom role with wildcards and notActions, own location and subnets', async () => {
    const world = smallWorld();
    const emu = await startEmulator({ world: loadWorld(write('small.yml', stringify(world))) });
    emu.trust();
    try {
      expect(emu.behavior.conflictAnswer).toBe('ReferencedResourceNotProvisioned');
      const one = world.vnets[0]?.id ?? '';
      const two = world.vnets[1]?.id ?? '';
      const token = emu.mintAccessToken({ tenantId: world.tenants[0]?.id ?? '', clientId: world.apps[0]?.clientId ?? '' });
      const put = await putPeering(emu, one, 'one-to-two', remote(two), { token, aux: [] });
      expect(put.status).toBe(201);
      expect(put.headers.get('azure-asyncoperation')).toContain('/locations/northeurope/operations/');
      const poll = await armRequest(emu, {
        path: new URL(put.headers.get('azure-asyncoperation') ?? '').pathname,
        token,
        aux: [],
      });
      expect(poll.body).toEqual({ status: 'Succeeded' });
      const del = await armRequest(emu, { method: 'DELETE', path: `${one}/virtualNetworkPeerings/one-to-two`, token, aux: [] });
      expect(del.status).toBe(403);
      expect(emu.vnet(two)?.properties.subnets.map((s) => s.name)).toEqual(['only']);
    } finally {
      await emu.stop();
    }
  });

  it('the new fields round-trip: locks, policies, subnets, route servers, subnet peerings, token kinds, pull requests, knobs', () => {
    const world = smallWorld();
    const one = world.vnets[0]?.id ?? '';
    const two = world.vnets[1]?.id ?? '';
    world.vnets[0] = {
      id: one,
      location: 'northeurope',
      addressPrefixes: ['172.16.0.0/16', 'fd00:16::/48'],
      hasRouteServer: true,
      subnets: [
        { name: 'dual', addressPrefixes: ['172.16.1.0/24', 'fd00:16:0:1::/64'] },
        { name: 'GatewaySubnet', addressPrefix: '172.16.255.224/27', ipConfigurations: [`/subscriptions/${world.subscriptions[0]?.id ?? ''}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/gw/ipConfigurations/x`] },
      ],
    };
    world.peerings = [{ vnetId: one, name: 'one-to-two', remoteVnetId: two, peerCompleteVnets: false, localSubnetNames: ['dual'], remoteSubnetNames: ['only'], enableOnlyIPv6Peering: false }];
    world.locks = [{ scope: `/subscriptions/${world.subscriptions[0]?.id ?? ''}`, level: 'CanNotDelete', name: 'keep' }];
    world.policies = [{ scope: one, name: 'no', deny: ['Microsoft.Network/*/delete'] }];
    world.github = {
      repos: [{ fullName: 'solo/net', pulls: [1], pullRequests: [{ number: 2, state: 'merged', mergeCommitSha: 'f'.repeat(40), headRef: 'x' }], issues: [], comments: [] }],
      tokens: [{ token: 'ghp_x', permission: 'write', login: 'me', kind: 'personal' }],
    };
    world.behavior = { conflictAnswer: 'realistic', conflictRetryAfter: 'never', apiVersions: { network: ['2024-05-01'] } };
    const parsed = parseWorld(world);
    expect(loadWorld(write('full.yaml', stringify(world)))).toEqual(parsed);
    expect(parsed).toMatchObject({
      locks: world.locks,
      policies: world.policies,
      peerings: world.peerings,
      vnets: [{ hasRouteServer: true, subnets: world.vnets[0]?.subnets }, {}],
      github: world.github,
      behavior: world.behavior,
    });
  });

  it('bad worlds are refused with the path of the problem', () => {
    const world = smallWorld();
    expect(() => parseWorld({ ...world, tenants: 'x' })).toThrow('world.tenants: expected a list');
    expect(() => parseWorld({ ...world, subscriptions: [{ id: 's', tenantId: 'nope' }] })).toThrow(
      'world.subscriptions[0].tenantId: unknown tenant nope',
    );
    expect(() => parseWorld({ ...world, vnets: [{ id: '/subscriptions/x/bad', location: 'l', addressPrefixes: [] }] })).toThrow(
      'world.vnets[0].id: not a virtual network resource ID',
    );
    expect(() => parseWorld({ ...world, roleAssignments: [{ clientId: 'c', scope: '/', role: 'Wizard' }] })).toThrow(
      'unknown role Wizard',
    );
    expect(() => parseWorld({ ...world, behavior: { conflictAnswer: 'maybe' } })).toThrow(
      'world.behavior.conflictAnswer: expected one of',
    );
    expect(() => loadWorld(write('broken.json', '{'))).toThrow(/cannot parse/);
    const vnet = world.vnets[0];
    expect(() => parseWorld({ ...world, vnets: [{ ...vnet, subnets: [{ name: 's' }] }] })).toThrow(
      'world.vnets[0].subnets[0]: needs addressPrefix or addressPrefixes',
    );
    expect(() => parseWorld({ ...world, locks: [{ scope: '/subscriptions/nope', level: 'ReadOnly' }] })).toThrow(
      'world.locks[0].scope: unknown subscription nope',
    );
    expect(() => parseWorld({ ...world, locks: [{ scope: '/subscriptions/nope', level: 'Frozen' }] })).toThrow('world.locks[0].level: expected one of');
    expect(() => parseWorld({ ...world, policies: [{ scope: 'rg', name: 'p', deny: [] }] })).toThrow('world.policies[0].scope: expected /subscriptions/');
    expect(() => parseWorld({ ...world, behavior: { conflictRetryAfter: 'sometimes' } })).toThrow('world.behavior.conflictRetryAfter');
  });
});

describe('pure pieces', () => {
  it('prefix overlap and sub-prefixes', () => {
    expect(prefixesOverlap('10.0.0.0/16', '10.0.128.0/20')).toBe(true);
    expect(prefixesOverlap('10.0.0.0/16', '10.1.0.0/16')).toBe(false);
    expect(prefixesOverlap('10.0.0.1/16', '10.0.255.0/24')).toBe(true);
    expect(overlappingPrefixes(['10.0.0.0/16', '192.168.0.0/24'], ['10.0.128.0/20', '172.16.0.0/12'])).toEqual([
      '10.0.0.0/16',
      '10.0.128.0/20',
    ]);
    expect(subPrefix('10.0.0.0/16', 27, 'last')).toBe('10.0.255.224/27');
    expect(subPrefix('10.0.128.0/20', 24, 'first')).toBe('10.0.128.0/24');
    expect(prefixesOverlap('fd00::/8', 'fd00::/8')).toBe(true);
    expect(subPrefix('10.0.0.0/16', 27, { fromEnd: 1 })).toBe('10.0.255.192/27');
  });

  it('IPv6 prefixes overlap by their addresses; the two families never overlap each other', () => {
    expect(prefixesOverlap('fd00:1::/48', 'fd00:1:0:5::/64')).toBe(true);
    expect(prefixesOverlap('fd00:1::/48', 'fd00:2::/48')).toBe(false);
    expect(prefixesOverlap('fd00:0001:0000::/48', 'FD00:1::/48')).toBe(true);
    expect(prefixesOverlap('::/0', '2001:db8::/32')).toBe(true);
    expect(prefixesOverlap('::ffff:10.0.0.0/104', '::ffff:10.0.1.0/120')).toBe(true);
    expect(prefixesOverlap('10.0.0.0/8', 'fd00::/8')).toBe(false);
    expect(overlappingPrefixes(['10.1.0.0/16', 'fd00:1::/48'], ['fd00:1:0:1::/64'])).toEqual(['fd00:1::/48', 'fd00:1:0:1::/64']);
    expect(isIpv6('fd00::/8')).toBe(true);
    expect(isIpv6('10.0.0.0/8')).toBe(false);
    expect(isIpv6('fd00::1::/8')).toBe(false);
  });

  it('OIDC claims derived from old- and new-style subjects', () => {
    expect(subjectClaims('repo:contoso/network:ref:refs/heads/main')).toEqual({
      repository: 'contoso/network',
      repository_owner: 'contoso',
      event_name: 'push',
      ref: 'refs/heads/main',
      ref_type: 'branch',
    });
    expect(subjectClaims('repo:contoso@1234/network@5678:pull_request')).toMatchObject({
      repository: 'contoso/network',
      event_name: 'pull_request',
    });
  });

  it('the certificate is issued by the CA for 127.0.0.1 and localhost', () => {
    const certs = createServerCertificates();
    const ca = new X509Certificate(certs.caPem);
    const leaf = new X509Certificate(certs.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
  });
});

describe('CLI', () => {
  it('prints shell lines that point the action at the emulator, then stops on SIGTERM', async () => {
    const cli = resolve(import.meta.dirname, 'cli.ts');
    const output = await new Promise<string>((done, fail) => {
      const child = execFile(
        process.execPath,
        [cli, '--arm-latency-ms', '5', '--operation-ms', '100'],
        { timeout: 20_000 },
        (err, stdout) => {
          if (err && err.signal !== 'SIGTERM' && err.code !== 0) fail(err);
          else done(stdout);
        },
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('node dist/index.js')) child.kill('SIGTERM');
      });
    });
    expect(output).toMatch(/^export ACTIONS_ID_TOKEN_REQUEST_URL='https:\/\/127\.0\.0\.1:\d+\/.*\?api-version=2\.0'$/m);
    expect(output).toContain(`export ACTIONS_ID_TOKEN_REQUEST_TOKEN='${IDS.oidc.requestToken}'`);
    expect(output).toMatch(/^export NODE_EXTRA_CA_CERTS='.*ca\.pem'$/m);
    expect(output).toMatch(/^#\s+arm-endpoint: https:\/\/127\.0\.0\.1:\d+$/m);
  });

  it('writes KEY=VALUE lines for $GITHUB_ENV with --write-env once it is ready', async () => {
    const cli = resolve(import.meta.dirname, 'cli.ts');
    const envDir = mkdtempSync(join(tmpdir(), 'cli-env-'));
    const file = join(envDir, 'emulator.env');
    const child = execFile(process.execPath, [cli, '--write-env', file], { timeout: 20_000 });
    try {
      for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      const keys = lines.map((l) => l.slice(0, l.indexOf('=')));
      expect(keys).toEqual(expect.arrayContaining(['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'NODE_EXTRA_CA_CERTS', 'ARM_ENDPOINT', 'AUTHORITY_HOST']));
      expect(lines.find((l) => l.startsWith('ARM_ENDPOINT='))).toMatch(/^ARM_ENDPOINT=https:\/\/127\.0\.0\.1:\d+$/);
      // The endpoint answers: the file is written only once the servers listen.
      const url = lines.find((l) => l.startsWith('ARM_ENDPOINT='))?.slice('ARM_ENDPOINT='.length) ?? '';
      const ca = lines.find((l) => l.startsWith('NODE_EXTRA_CA_CERTS='))?.slice('NODE_EXTRA_CA_CERTS='.length) ?? '';
      const status = await new Promise<number>((done, fail) =>
        httpsGet(`${url}/subscriptions`, { ca: readFileSync(ca) }, (res) => done(res.statusCode ?? 0)).on('error', fail),
      );
      expect(status).toBeGreaterThanOrEqual(400); // no api-version, no token: an ARM error, but an answer
    } finally {
      // Let it stop (it removes its own temp folder) before this test's folder goes.
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(envDir, { recursive: true, force: true });
    }
  });
});
