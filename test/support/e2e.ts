// Shared set-up for end-to-end tests: an emulator per test and the bundled action run against it.
import { IDS, startEmulator, type Emulator, type StartOptions } from '../emulator/index.ts';
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
