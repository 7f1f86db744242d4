// node test/emulator/cli.ts [--world FILE] [--arm-latency-ms N] ... [--json] [--write-env FILE]
// Starts the emulator, prints what points the action at it, and runs until SIGINT or SIGTERM.
import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultWorld, IDS, loadWorld, startEmulator } from './index.ts';
import type { Timing } from './index.ts';

const TIMING_FLAGS: Record<string, keyof Timing> = {
  'arm-latency-ms': 'armLatencyMs',
  'token-latency-ms': 'tokenLatencyMs',
  'oidc-latency-ms': 'oidcLatencyMs',
  'github-latency-ms': 'githubLatencyMs',
  'operation-ms': 'operationMs',
  'retry-after-seconds': 'retryAfterSeconds',
  'access-token-lifetime-seconds': 'accessTokenLifetimeSeconds',
  'oidc-token-lifetime-seconds': 'oidcTokenLifetimeSeconds',
};

const USAGE = `Usage: node test/emulator/cli.ts [options]
  --world FILE                         world in JSON or YAML (default: the built-in two-tenant world)
  --json                               print one JSON object instead of shell lines
  --write-env FILE                     (not --env-file: Node takes that one for itself) once ready, also write KEY=VALUE lines (the environment, plus
                                       ARM_ENDPOINT and AUTHORITY_HOST) to FILE, e.g. for $GITHUB_ENV
${Object.keys(TIMING_FLAGS)
  .map((f) => `  --${f} N`)
  .join('\n')}
  --help`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        world: { type: 'string' },
        json: { type: 'boolean', default: false },
        'write-env': { type: 'string' },
        help: { type: 'boolean', default: false },
        ...Object.fromEntries(Object.keys(TIMING_FLAGS).map((f) => [f, { type: 'string' as const }])),
      },
      strict: true,
    });
  } catch (e: unknown) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const values: Record<string, string | boolean | undefined> = parsed.values;
  if (values['help']) {
    console.log(USAGE);
    return;
  }
  const timing: Partial<Timing> = {};
  for (const [flag, field] of Object.entries(TIMING_FLAGS)) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) fail(`--${flag}: expected a number, got '${raw}'`);
    timing[field] = n;
  }
  const worldFile = values['world'];
  const world = typeof worldFile === 'string' ? loadWorld(worldFile) : defaultWorld();
  const emu = await startEmulator({ world, timing });
  const env = emu.actionEnv();
  const envFile = values['write-env'];
  if (typeof envFile === 'string') {
    // Written in one go, after the servers listen: its appearance means "ready".
    const plain = Object.entries(env).filter(([k]) => !k.startsWith('INPUT_'));
    const lines = [...plain, ['ARM_ENDPOINT', emu.endpoints.arm], ['AUTHORITY_HOST', emu.endpoints.authorityHost]];
    writeFileSync(`${envFile}.tmp`, lines.map(([k, v]) => `${k}=${v}\n`).join(''));
    renameSync(`${envFile}.tmp`, envFile);
  }

  if (values['json']) {
    console.log(JSON.stringify({ endpoints: emu.endpoints, caFile: emu.caFile, env, timing: emu.timing }, null, 2));
  } else {
    const lines = [
      `# Azure VNet peering emulator: ARM ${emu.endpoints.arm}, Entra ${emu.endpoints.authorityHost}, GitHub ${emu.endpoints.githubApi}`,
      `# World: ${typeof worldFile === 'string' ? worldFile : 'built-in default'}. Ctrl-C stops it.`,
      ...Object.entries(env)
        .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        .map(([k, v]) => `export ${k}=${quote(v)}`),
      '# Action inputs (a shell cannot export names with "-"; give them to `env`, or in a workflow `with:`):',
      ...Object.entries(env)
        .filter(([k]) => k.startsWith('INPUT_'))
        .map(([k, v]) => `#   ${k.slice('INPUT_'.length).toLowerCase()}: ${v}`),
    ];
    if (typeof worldFile !== 'string') {
      lines.push(
        '# Default world: vnet-a / tenant-id-a / client-id-a and vnet-b / tenant-id-b:',
        `#   vnet-a: ${IDS.vnets.hub}`,
        `#   tenant-id-a: ${IDS.tenants.a}`,
        `#   vnet-b: ${IDS.vnets.spoke}`,
        `#   tenant-id-b: ${IDS.tenants.b}`,
        `#   client-id-a: ${IDS.apps.multiTenant}`,
        `# e.g. env ${Object.entries(env)
          .filter(([k]) => k.startsWith('INPUT_'))
          .map(([k, v]) => quote(`${k}=${v}`))
          .join(
            ' ',
          )} ${quote(`INPUT_VNET-A=${IDS.vnets.hub}`)} ${quote(`INPUT_VNET-B=${IDS.vnets.spoke}`)} ${quote(`INPUT_TENANT-ID-A=${IDS.tenants.a}`)} ${quote(`INPUT_TENANT-ID-B=${IDS.tenants.b}`)} ${quote(`INPUT_CLIENT-ID-A=${IDS.apps.multiTenant}`)} node dist/index.js`,
      );
    }
    console.log(lines.join('\n'));
  }

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.error(`# ${emu.requests.length} requests served; stopping.`);
    void emu.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
