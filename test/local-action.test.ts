// npm run local-action: GitHub's @github/local-action runs src/main.ts against the emulator, with
// the OIDC shim of scripts/local-action/main.ts. Both the create and a failure are real runs.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localActionEnv, runLocalAction } from '../scripts/local-action/run.ts';
import { useEmulator } from './emulator/clients.ts';
import { IDS } from './emulator/index.ts';

const ROOT = resolve(import.meta.dirname, '..');

describe('npm run local-action', () => {
  const emulator = useEmulator();

  it('creates the default pair from the TypeScript source, signing in through the OIDC shim', async () => {
    const emu = emulator();
    const run = await runLocalAction(emu);
    expect(run.exitCode, run.output).toBe(0);
    expect(emu.peering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke')?.properties.peeringState).toBe('Connected');
    expect(emu.peering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub')?.properties.peeringState).toBe('Connected');
    expect(run.summary).toMatch(/^### ✅ Applied/);
    // Both tenants' tokens came from the emulator's OIDC endpoint via the shim.
    expect(emu.requests.filter((r) => r.service === 'oidc' && r.status === 200).length).toBeGreaterThan(0);
  });

  it('exits non-zero when the action fails, and writes nothing', async () => {
    const emu = emulator();
    // Its service principal exists only in tenant A: tenant B answers AADSTS700016.
    const run = await runLocalAction(emu, { 'client-id-a': IDS.apps.singleTenant });
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain('AADSTS700016');
    expect(emu.peerings(IDS.vnets.hub)).toEqual([]);
    expect(emu.peerings(IDS.vnets.spoke)).toEqual([]);
  });

  it('documents in .env.example every variable the script gives local-action', () => {
    const example = readFileSync(resolve(ROOT, '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_-]*)=/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(localActionEnv(emulator(), 'summary.md')).sort());
  });
});
