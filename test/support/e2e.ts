// Shared set-up for end-to-end tests: an emulator per test and the bundled action run against it.
import { generateWorld, IDS, startEmulator, type Emulator, type GeneratedWorld, type GenerateSpec, type StartOptions } from '../emulator/index.ts';
import { workspace, type Workspace } from './topology-files.ts';
import { runAction, type ActionRun, type RunOptions } from './run-action.ts';

export { IDS };

/** The default cross-tenant pair: vnet-hub (tenant A) ⇄ vnet-spoke (tenant B), one multi-tenant app. */
export const CROSS_TENANT: Record<string, string> = {
  'vnet-a': IDS.vnets.hub,
  'vnet-b': IDS.vnets.spoke,
  'tenant-id-a': IDS.tenants.a,
  'tenant-id-b': IDS.tenants.b,
  'client-id-a': IDS.apps.multiTenant,
};

export const peeringName = (peeringId: string | undefined): string => (peeringId ?? '').split('/').pop() ?? '';

export interface Harness {
  readonly emu: Emulator;
  run(inputs?: Record<string, string>, opts?: Omit<RunOptions, 'inputs'>): Promise<ActionRun>;
  /** ARM writes (PUT/DELETE) recorded since the last clearRequests(). */
  armWrites(): { method: string; path: string; query: Record<string, string>; status: number }[];
}

export async function harness(opts: StartOptions = {}, base: Record<string, string> = CROSS_TENANT): Promise<Harness> {
  const emu = await startEmulator(opts);
  return {
    emu,
    run: (inputs = {}, runOpts = {}) =>
      runAction({ ...runOpts, inputs: { ...base, ...inputs }, env: { ...emu.actionEnv(), ...runOpts.env } }),
    armWrites: () =>
      emu.requests
        .filter((r) => r.service === 'arm' && (r.method === 'PUT' || r.method === 'DELETE'))
        .map(({ method, path, query, status }) => ({ method, path, query, status })),
  };
}

/** Parses the `result` output. */
export function result(run: ActionRun): {
  mode: string;
  verdict: string;
  changed: boolean;
  addressSpaces: { a: string[]; b: string[] };
  a: Record<string, unknown>;
  b: Record<string, unknown>;
} {
  return JSON.parse(run.outputs.result ?? '{}');
}

/** A generated estate in the emulator, a workspace holding its topology file, and the bundle run on it. */
export interface TopologyHarness {
  readonly emu: Emulator;
  readonly g: GeneratedWorld;
  readonly ws: Workspace;
  /** Writes (or rewrites) the topology file; returns its path relative to the workspace. */
  write(yaml: string, name?: string): string;
  run(inputs?: Record<string, string>, opts?: Omit<RunOptions, 'inputs'>): Promise<ActionRun>;
  armWrites(): { method: string; path: string; query: Record<string, string>; status: number }[];
  stop(): Promise<void>;
}

export async function topologyHarness(spec: GenerateSpec, opts: Omit<StartOptions, 'world'> = {}): Promise<TopologyHarness> {
  const g = generateWorld(spec);
  const emu = await startEmulator({ ...opts, world: g.world });
  const ws = workspace();
  let file = 'network/topology.yml';
  return {
    emu,
    g,
    ws,
    write: (yaml, name = 'network/topology.yml') => (file = ws.write(name, yaml)),
    run: (inputs = {}, runOpts = {}) =>
      runAction({ ...runOpts, inputs: { topology: file, ...inputs }, env: { ...emu.actionEnv(), GITHUB_WORKSPACE: ws.dir, ...runOpts.env } }),
    armWrites: () =>
      emu.requests
        .filter((r) => r.service === 'arm' && (r.method === 'PUT' || r.method === 'DELETE'))
        .map(({ method, path, query, status }) => ({ method, path, query, status })),
    stop: async () => {
      await emu.stop();
      ws.remove();
    },
  };
}

export interface TopologySideJson {
  readonly vnet: string;
  readonly peeringName: string;
  readonly state: string;
  readonly syncLevel: string;
  readonly action: string;
  readonly outcome: string;
  readonly error: { code: string; message: string; advice: string } | null;
}

export interface TopologyResultJson {
  readonly mode: string;
  readonly verdict: string;
  readonly changed: boolean;
  readonly truncated?: boolean;
  readonly counts: Record<'links' | 'healthy' | 'changed' | 'failed' | 'pending' | 'pruned', number>;
  readonly links: { key: string; entry: string; ensure: string; vnets: string[]; aliases: string[]; a: TopologySideJson; b: TopologySideJson }[];
  readonly unmanaged: { vnet: string; remoteVnet: string; peeringName: string; action: string; outcome: string }[];
  readonly errors: { code: string; message: string; advice: string }[];
}

/** The whole result of a topology run: the result file (the `result` output may be cut at 1 MiB). */
export function topologyResult(run: ActionRun): TopologyResultJson {
  return JSON.parse(run.resultFile ?? run.outputs.result ?? '{}');
}
