// npm run local-action: the action's TypeScript source (src/main.ts) run by GitHub's
// @github/local-action against the emulator, for a create of the default cross-tenant pair.
// Starts the emulator, writes the env file local-action loads (the keys of .env.example), runs
// local-action with scripts/local-action/main.ts as the entrypoint, checks that both peerings are
// Connected, and stops the emulator. Exits 0 when they are.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDS, startEmulator, type Emulator } from '../../test/emulator/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** What local-action's env file holds for a run against `emu`: the OIDC endpoint, its CA, the inputs. */
export function localActionEnv(emu: Emulator, summaryFile: string, inputs: Record<string, string> = {}): Record<string, string> {
  const given: Record<string, string> = {
    'vnet-a': IDS.vnets.hub,
    'vnet-b': IDS.vnets.spoke,
    'tenant-id-a': IDS.tenants.a,
    'tenant-id-b': IDS.tenants.b,
    'client-id-a': IDS.apps.multiTenant,
    'arm-endpoint': emu.endpoints.arm,
    'authority-host': emu.endpoints.authorityHost,
    comment: 'off',
    'timeout-minutes': '2',
    ...inputs,
  };
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: emu.endpoints.oidcRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.world.oidc.requestToken,
    NODE_EXTRA_CA_CERTS: emu.caFile,
    GITHUB_API_URL: emu.endpoints.githubApi,
    GITHUB_REPOSITORY: 'contoso/network',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_STEP_SUMMARY: summaryFile,
    // The result file goes next to the summary, and is removed with it.
    RUNNER_TEMP: dirname(summaryFile),
    ...Object.fromEntries(Object.entries(given).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
}

export interface LocalActionRun {
  readonly exitCode: number;
  readonly output: string;
  readonly summary: string;
}

/** Runs local-action once against a running emulator, with the default pair's inputs overridden by `inputs`. */
export async function runLocalAction(emu: Emulator, inputs: Record<string, string> = {}, echo = false): Promise<LocalActionRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'local-action-'));
  try {
    const summaryFile = join(scratch, 'summary.md');
    writeFileSync(summaryFile, '');
    const envFile = join(scratch, 'local-action.env');
    const env = localActionEnv(emu, summaryFile, inputs);
    writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
    const bin = fileURLToPath(new URL('../bin/local-action.js', import.meta.resolve('@github/local-action')));
    // Not spawnSync: the emulator answers from this process's event loop while local-action runs.
    let output = '';
    const exitCode = await new Promise<number>((done, fail) => {
      const child = spawn(process.execPath, [bin, '.', 'scripts/local-action/main.ts', envFile], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const take = (chunk: Buffer): void => {
        output += chunk.toString();
        if (echo) process.stdout.write(chunk);
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('error', fail);
      child.on('close', (status) => done(status ?? 1));
    });
    return { exitCode, output, summary: readFileSync(summaryFile, 'utf8') };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const emu = await startEmulator();
  try {
    const run = await runLocalAction(emu, {}, true);
    const peerings = [...emu.peerings(IDS.vnets.hub), ...emu.peerings(IDS.vnets.spoke)];
    console.log(`\nJob summary:\n${run.summary.trim() || '(empty)'}`);
    console.log(`\nEmulator after the run: ${peerings.map((p) => `${p.name} ${p.properties.peeringState}`).join(', ') || 'no peerings'}`);
    if (run.exitCode !== 0 || peerings.length !== 2 || !peerings.every((p) => p.properties.peeringState === 'Connected')) {
      console.error(`local-action exited ${run.exitCode}; expected 0 and both peerings Connected.`);
      return 1;
    }
    console.log('local-action created the pair: both directions Connected.');
    return 0;
  } finally {
    await emu.stop();
  }
}

if (import.meta.main) process.exitCode = await main();
