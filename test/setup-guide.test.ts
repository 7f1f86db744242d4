// The README's Azure set-up, followed literally: its commands cover every OIDC subject the example
// workflows' jobs present, and in the emulator the apps they create let every job sign in to both
// tenants, read as a planner, and (the writer) create the peering with the real bundled action.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { armScope, assertionCredential, networkClient } from './emulator/clients.ts';
import { defaultWorld, parseWorld, startEmulator } from './emulator/index.ts';
import type { World } from './emulator/index.ts';
import { exampleRuns, type JobRun } from './setup-guide/jobs.ts';
import { follow, type Setup, type SetupApp } from './setup-guide/shell.ts';
import { pushEvent, runAction } from './support/run-action.ts';

const ROOT = resolve(import.meta.dirname, '..');
const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');

/** The bash blocks of a `### ` subsection of the README's Azure set-up, joined. */
function commands(heading: string): string {
  const setup = readme.slice(readme.indexOf('\n## Azure set-up\n'), readme.indexOf('\n## ', readme.indexOf('\n## Azure set-up\n') + 1));
  const start = setup.indexOf(`\n### ${heading}`);
  const end = setup.indexOf('\n### ', start + 1);
  const section = setup.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').join('\n');
}

const oneTenant = follow(commands('One tenant'));
const twoTenants = follow(commands('Two tenants'));
const runs = exampleRuns(resolve(ROOT, 'examples'));
const ISSUER = 'https://token.actions.githubusercontent.com';
const AUDIENCE = 'api://AzureADTokenExchange';

const trusted = (setup: Setup): string[] => setup.apps.flatMap((a) => a.credentials.map((c) => c.subject));
const fullSubject = (setup: Setup, run: JobRun): string => `repo:${setup.vars.get('REPO')}:${run.subject}`;

describe("the README's set-up commands", () => {
  it('find jobs in the examples to check', () => {
    expect(runs.map((r) => r.subject)).toEqual(expect.arrayContaining(['pull_request', 'environment:production', 'ref:refs/heads/main']));
  });

  it.each([
    ['one tenant', oneTenant],
    ['two tenants', twoTenants],
  ])("(%s) trust every OIDC subject the example workflows' jobs present", (_name, setup) => {
    expect(setup.vars.get('REPO')).toBeTruthy();
    const missing = runs.filter((r) => !trusted(setup).includes(fullSubject(setup, r))).map((r) => `${r.file} ${r.job} on ${r.event}: ${r.subject}`);
    expect(missing).toEqual([]);
    for (const app of setup.apps) {
      for (const c of app.credentials) {
        expect(c.issuer).toBe(ISSUER);
        expect(c.audiences).toEqual([AUDIENCE]);
      }
    }
  });

  it('(two tenants) make both apps multi-tenant, consented in both tenants, with a role on each VNet', () => {
    expect(twoTenants.tenants).toHaveLength(2);
    for (const app of twoTenants.apps) {
      expect(app.multiTenant, app.displayName).toBe(true);
      expect([...app.servicePrincipals.keys()].sort()).toEqual([...twoTenants.tenants].sort());
      const scopes = twoTenants.roleAssignments.filter((r) => r.appId === app.appId).map((r) => r.scope);
      expect(scopes.sort()).toEqual(twoTenants.vnets.map((v) => v.id).sort());
    }
  });

  it('name the Entra and Azure roles the person in each tenant needs', () => {
    const section = readme.slice(readme.indexOf('\n## Azure set-up\n'), readme.indexOf('\n### One tenant'));
    for (const role of ['Application Developer', 'Cloud Application Administrator', 'Application Administrator', 'Owner', 'User Access Administrator', 'Role Based Access Control Administrator']) {
      expect(section).toContain(`**${role}**`);
    }
    expect(section).toMatch(/PrincipalNotFound/);
  });
});

/**
 * The example jobs' client IDs, each bound to the one README app that trusts every subject the
 * examples use it with (the README names apps by variable; the examples by GUID).
 */
function bindClients(setup: Setup, pairRuns: JobRun[]): Map<string, SetupApp> {
  const subjects = new Map<string, Set<string>>();
  for (const r of pairRuns) {
    for (const id of [r.with['client-id-a'] ?? '', r.with['client-id-b'] || r.with['client-id-a'] || '']) {
      subjects.set(id, (subjects.get(id) ?? new Set()).add(fullSubject(setup, r)));
    }
  }
  const bound = new Map<string, SetupApp>();
  for (const [id, needed] of subjects) {
    const apps = setup.apps.filter((a) => [...needed].every((s) => a.credentials.some((c) => c.subject === s)));
    expect(apps.map((a) => a.displayName), `the one app for client ${id}, used with ${[...needed].join(', ')}`).toHaveLength(1);
    const app = apps[0];
    if (app) bound.set(id, app);
  }
  expect(new Set([...bound.values()]).size, 'two example client IDs for one README app').toBe(bound.size);
  return bound;
}

/** An emulator world holding exactly what the README's commands create. */
function worldOf(setup: Setup, clients: Map<string, SetupApp>): World {
  const base = defaultWorld();
  let n = 0;
  const guid = (): string => `5e700000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  // Apps no example uses get a client ID of their own; service principals get object IDs.
  const unbound = new Map(setup.apps.filter((a) => ![...clients.values()].includes(a)).map((a) => [a, guid()]));
  const clientOf = (app: SetupApp): string => [...clients].find(([, a]) => a === app)?.[0] ?? unbound.get(app) ?? '';
  const objectIds = new Map(setup.apps.flatMap((a) => [...a.servicePrincipals.values()].map((o) => [o, guid()])));
  return parseWorld({
    tenants: setup.tenants.map((id, i) => ({ id, name: `tenant${i}` })),
    subscriptions: [...new Map(setup.vnets.map((v) => [v.subscription, { id: v.subscription, tenantId: v.tenant }])).values()],
    apps: setup.apps.map((a) => ({
      clientId: clientOf(a),
      name: a.displayName,
      homeTenantId: a.homeTenant,
      servicePrincipals: [...a.servicePrincipals].map(([tenantId, o]) => ({ tenantId, objectId: objectIds.get(o) })),
      federatedCredentials: a.credentials,
    })),
    roleAssignments: setup.roleAssignments.flatMap((r) => {
      const app = setup.apps.find((a) => a.appId === r.appId);
      return app ? [{ clientId: clientOf(app), scope: r.scope, role: r.role }] : [];
    }),
    // The VNets themselves (address spaces, gateways) are the emulator's; the README only names them.
    vnets: setup.vnets.map((v, i) => base.vnets.find((b) => b.id.toLowerCase() === v.id.toLowerCase()) ?? { id: v.id, location: 'westeurope', addressPrefixes: [`10.${100 + i}.0.0/16`] }),
    oidc: base.oidc,
    github: base.github,
  });
}

const actionYml: unknown = parse(readFileSync(resolve(ROOT, 'action.yml'), 'utf8'));
const actionInputs = new Set(
  typeof actionYml === 'object' && actionYml !== null && 'inputs' in actionYml && typeof actionYml.inputs === 'object' && actionYml.inputs !== null
    ? Object.keys(actionYml.inputs)
    : [],
);

describe("the README's two-tenant set-up, followed in the emulator", () => {
  const pairRuns = runs.filter((r) => r.with['client-id-a']);
  // Built in the first test that needs it, so a README the binding rejects fails a test, not the file.
  let built: World | undefined;
  const world = (): World => (built ??= worldOf(twoTenants, bindClients(twoTenants, pairRuns)));

  it('binds each client ID of the examples to one app of the README', () => {
    expect(world().apps.map((a) => a.clientId)).toEqual(expect.arrayContaining(pairRuns.map((r) => r.with['client-id-a'])));
  });
  const label = (r: JobRun): string => `${r.file} ${r.job} (${r.event}${Object.keys(r.inputs).length ? ` ${JSON.stringify(r.inputs)}` : ''}, ${r.subject}, ${r.with['mode'] || 'apply'})`;

  it.each(pairRuns.map((r) => [label(r), r] as const))('%s signs in to both tenants and does its job', async (_label, run) => {
    const w = run.with;
    const [tenantA, tenantB] = [w['tenant-id-a'] ?? '', w['tenant-id-b'] || w['tenant-id-a'] || ''];
    const [clientA, clientB] = [w['client-id-a'] ?? '', w['client-id-b'] || w['client-id-a'] || ''];
    // The README's values are the examples': the job's VNets and tenants are the ones set up.
    expect(twoTenants.vnets.map((v) => v.id)).toEqual(expect.arrayContaining([w['vnet-a'], w['vnet-b']]));
    expect(twoTenants.tenants).toEqual(expect.arrayContaining([tenantA, tenantB]));

    const emu = await startEmulator({ world: world() });
    emu.trust();
    try {
      emu.setOidcSubject(fullSubject(twoTenants, run));
      const credA = assertionCredential(emu, tenantA, clientA);
      const credB = assertionCredential(emu, tenantB, clientB);
      expect((await credA.getToken(armScope(emu)))?.token).toBeTruthy();
      expect((await credB.getToken(armScope(emu)))?.token).toBeTruthy();

      if ((w['mode'] || 'apply') === 'plan') {
        // A planner reads both VNets, each with its own tenant's token.
        for (const [vnet, cred] of [[w['vnet-a'] ?? '', credA], [w['vnet-b'] ?? '', credB]] as const) {
          const [, sub = '', rg = '', name = ''] = /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/.*\/virtualNetworks\/([^/]+)$/.exec(vnet) ?? [];
          const got = await networkClient(emu, sub, cred).virtualNetworks.get(rg, name);
          expect(got.id?.toLowerCase()).toBe(vnet.toLowerCase());
        }
      } else {
        // The writer: the bundled action, with the job's inputs, creates both directions.
        const inputs = Object.fromEntries(Object.entries(w).filter(([k, v]) => actionInputs.has(k) && v !== ''));
        const result = await runAction({
          inputs: { ...inputs, 'arm-endpoint': emu.endpoints.arm, 'authority-host': emu.endpoints.authorityHost, comment: 'off' },
          env: emu.actionEnv(),
          event: pushEvent(),
        });
        expect(result.exitCode, `${result.errors.join('\n')}\n${result.stdout.slice(-2000)}`).toBe(0);
        expect([result.outputs['state-a'], result.outputs['state-b']]).toEqual(['Connected', 'Connected']);
      }
    } finally {
      await emu.stop();
    }
  });

  it('keeps the plan app a reader: it cannot write a peering', async () => {
    const planRun = pairRuns.find((r) => r.subject === 'pull_request');
    if (!planRun) throw new Error('no example plans on pull requests');
    const emu = await startEmulator({ world: world() });
    emu.trust();
    try {
      emu.setOidcSubject(fullSubject(twoTenants, planRun));
      const w = planRun.with;
      const result = await runAction({
        inputs: {
          ...Object.fromEntries(Object.entries(w).filter(([k, v]) => actionInputs.has(k) && v !== '')),
          mode: 'apply',
          'arm-endpoint': emu.endpoints.arm,
          'authority-host': emu.endpoints.authorityHost,
          comment: 'off',
        },
        env: emu.actionEnv(),
      });
      expect(result.exitCode).not.toBe(0);
      expect(result.stdout).toContain('AuthorizationFailed');
      expect(emu.peerings(w['vnet-a'] ?? '')).toEqual([]);
    } finally {
      await emu.stop();
    }
  });
});
