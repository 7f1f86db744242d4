// The only module that reads the action's inputs. Every input is trimmed and checked here, before
// any network call; an invalid one throws an InputError naming the input, its value and the form.
// The pair inputs become a one-link Topology; a `topology` input is read and checked as a file.
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { armScope, CLOUD_NAMES, CLOUDS, isCloudName, type CloudName } from '../azure/clouds.ts';
import {
  defaultPeeringName,
  isGuid,
  isValidPeeringName,
  parseVnetId,
  PEERING_NAME_FORM,
  sameId,
  VNET_ID_FORM,
} from '../azure/resource-id.ts';
import type {
  Ensure,
  GatewayTransit,
  Identity,
  KindSpec,
  Link,
  Locator,
  Mode,
  ShardSpec,
  Side,
  TenantEntry,
  Topology,
  VnetRef,
} from '../model.ts';
import { parseTopology } from './topology.ts';

export class InputError extends Error {
  override name = 'InputError';
}

/** What applies to the whole run, whatever its links. */
export interface RunSettings {
  /** apply: create or repair; plan: read only. */
  readonly mode: Mode;
  /** plan mode: fail when anything is pending. */
  readonly failOnDrift: boolean;
  /** auto: comment on pull requests (and the merged PR on push); off: never. */
  readonly comment: 'auto' | 'off';
  /** Token for the PR comment: the input, else GITHUB_TOKEN; may be empty. */
  readonly githubToken: string;
  /** The Azure cloud. */
  readonly environment: CloudName;
  /** Audience of the GitHub OIDC token. */
  readonly audience: string;
  /** Resource Manager endpoint, without trailing slash. */
  readonly armEndpoint: string;
  /** Token scope for Resource Manager. */
  readonly armScope: string;
  /** Entra authority host, without trailing slash. */
  readonly authorityHost: string;
  /** True when authority-host was given: instance discovery is then disabled. */
  readonly customAuthorityHost: boolean;
  /** Upper bound on the whole run's waiting, in milliseconds. */
  readonly timeoutMs: number;
  /** Most peering writes in flight at once, over all VNets. */
  readonly maxParallelWrites: number;
}

export type RunConfig =
  /** Read, plan and (in apply mode) write the links; `shard` limits it to one shard's links. */
  | { readonly kind: 'reconcile'; readonly settings: RunSettings; readonly topology: Topology; readonly shard: ShardSpec | undefined }
  /** `results`: merge the result files of earlier shard runs; touch no cloud. */
  | { readonly kind: 'merge'; readonly settings: RunSettings; readonly topology: Topology; readonly results: string };

/** Reads a string input the way the contract says: trimmed, empty means not given. */
export type Reader = (name: string) => string;

/** Where the topology file is read from; injectable for tests. */
export interface FileAccess {
  readonly workspace: string;
  readonly readFile: (path: string) => Buffer;
}

const defaultReader: Reader = (name) => core.getInput(name).trim();

// Long values are shown once, shortened: an error message must stay readable.
const SHOWN = 200;
function shown(value: string): string {
  const flat = value.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return flat.length <= SHOWN ? flat : `${flat.slice(0, SHOWN)}… (${value.length} characters)`;
}

function invalid(input: string, value: string, expected: string): InputError {
  return new InputError(`Invalid input '${input}': got '${shown(value)}'. Expected ${expected}.`);
}

function missing(input: string, expected: string): InputError {
  return new InputError(`Input required and not supplied: '${input}'. Expected ${expected} (or a topology file in 'topology').`);
}

function required(read: Reader, input: string, expected: string): string {
  const value = read(input);
  if (!value) throw missing(input, expected);
  return value;
}

function bool(read: Reader, input: string, fallback: boolean): boolean {
  const value = read(input);
  if (value === '') return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw invalid(input, value, 'true or false');
}

function oneOf<T extends string>(read: Reader, input: string, allowed: readonly T[], fallback: T): T {
  const value = read(input);
  if (value === '') return fallback;
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw invalid(input, value, `one of ${allowed.join(', ')}`);
  return match;
}

const GUID_FORM = 'a GUID such as 00000000-0000-0000-0000-000000000000';

function guid(read: Reader, input: string, fallback?: string): string {
  const value = read(input);
  if (value === '' && fallback !== undefined) return fallback;
  if (value === '') throw missing(input, GUID_FORM);
  if (!isGuid(value)) throw invalid(input, value, GUID_FORM);
  return value.toLowerCase();
}

function vnet(read: Reader, input: string): VnetRef {
  const value = required(read, input, `a VNet resource ID: ${VNET_ID_FORM}`);
  const parsed = parseVnetId(value);
  if ('error' in parsed) throw invalid(input, value, `a VNet resource ID of the form ${VNET_ID_FORM} (${parsed.error})`);
  return parsed;
}

function peeringName(read: Reader, input: string): string | undefined {
  const value = read(input);
  if (value === '') return undefined;
  if (!isValidPeeringName(value)) throw invalid(input, value, PEERING_NAME_FORM);
  return value;
}

function httpsUrl(read: Reader, input: string, fallback: string): { url: string; given: boolean } {
  const value = read(input);
  if (value === '') return { url: fallback, given: false };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(input, value, 'an absolute https URL such as https://management.azure.com');
  }
  if (url.protocol !== 'https:') throw invalid(input, value, 'an https URL (Azure SDKs refuse plain http)');
  if (url.search || url.hash) throw invalid(input, value, 'an https URL without query or fragment');
  return { url: value.replace(/\/+$/, ''), given: true };
}

const MIN_TIMEOUT_MINUTES = 0.1;
const MAX_TIMEOUT_MINUTES = 360;

function minutes(read: Reader, input: string): number {
  const value = read(input);
  if (value === '') return 15 * 60_000;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n < MIN_TIMEOUT_MINUTES || n > MAX_TIMEOUT_MINUTES) {
    throw invalid(input, value, `a number of minutes from ${MIN_TIMEOUT_MINUTES} (6 seconds) to ${MAX_TIMEOUT_MINUTES}`);
  }
  return Math.round(n * 60_000);
}

function count(read: Reader, input: string, fallback: number, max: number): number {
  const value = read(input);
  if (value === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw invalid(input, value, `a whole number from 1 to ${max}`);
  return n;
}

// An audience is a URI-like string; whitespace or a control character would reach GitHub and Entra.
const AUDIENCE = /^[\x21-\x7e]{1,256}$/;

function audience(read: Reader, fallback: string): string {
  const value = read('audience');
  if (value === '') return fallback;
  if (!AUDIENCE.test(value)) throw invalid('audience', value, 'an audience such as api://AzureADTokenExchange (printable characters, no spaces, at most 256)');
  return value;
}

/** An expression a harness passed on without evaluating it (`${{ github.token }}`). */
const unevaluated = (value: string): boolean => /^\$\{\{[\s\S]*\}\}$/.test(value);

// A header value GitHub's API accepts: visible ASCII only.
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

function githubToken(read: Reader, env: NodeJS.ProcessEnv): string {
  const given = read('github-token');
  const fallback = (env.GITHUB_TOKEN ?? '').trim();
  // A runner fills in action.yml's default (github.token); some harnesses pass it unevaluated.
  const token = given && !unevaluated(given) ? given : unevaluated(fallback) ? '' : fallback;
  if (token && !TOKEN_CHARS.test(token)) {
    // Never echo a token, not even a broken one.
    throw new InputError(
      "Invalid input 'github-token': it contains a space, a control character or a non-ASCII character, which no GitHub token has " +
        '(the value is not shown). Expected a token such as ${{ github.token }} or a secret holding one.',
    );
  }
  return token;
}

function shard(read: Reader): ShardSpec | undefined {
  const value = read('shard');
  if (value === '') return undefined;
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(value);
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || index < 1 || total < 1 || index > total || total > 256) {
    throw invalid('shard', value, 'K/N with 1 ≤ K ≤ N ≤ 256, such as 2/4');
  }
  return { index, count: total };
}

function runSettings(read: Reader, env: NodeJS.ProcessEnv): RunSettings {
  const environment = oneOf(read, 'environment', CLOUD_NAMES.filter(isCloudName), 'AzureCloud');
  const cloud = CLOUDS[environment];
  const arm = httpsUrl(read, 'arm-endpoint', cloud.armEndpoint);
  const authority = httpsUrl(read, 'authority-host', cloud.authorityHost);
  return {
    mode: oneOf<Mode>(read, 'mode', ['apply', 'plan'], 'apply'),
    failOnDrift: bool(read, 'fail-on-drift', false),
    comment: oneOf(read, 'comment', ['auto', 'off'], 'auto'),
    githubToken: githubToken(read, env),
    environment,
    audience: audience(read, cloud.audience),
    armEndpoint: arm.url,
    armScope: armScope(arm.url),
    authorityHost: authority.url,
    customAuthorityHost: authority.given,
    timeoutMs: minutes(read, 'timeout-minutes'),
    maxParallelWrites: count(read, 'max-parallel-writes', 50, 1000),
  };
}

// ---------------------------------------------------------------------------------------------
// The pair inputs: one link

/** The pair inputs with the value a runner fills in when they are not given. */
const PAIR_DEFAULTS: Readonly<Record<string, string>> = {
  'vnet-a': '',
  'vnet-b': '',
  'tenant-id-a': '',
  'tenant-id-b': '',
  'client-id-a': '',
  'client-id-b': '',
  'peering-name-a': '',
  'peering-name-b': '',
  'allow-virtual-network-access': 'true',
  'allow-forwarded-traffic': 'false',
  'gateway-transit': 'none',
  ensure: 'present',
  'subnets-a': '',
  'subnets-b': '',
  'ipv6-only': 'false',
};

// Subnet names: 1-80 of letters, digits, _ . -; starting with a letter or digit, ending with one or _.
const SUBNET_NAME = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])$/;
const MAX_SUBNETS = 200;

function subnetList(read: Reader, input: string): string[] | '*' | undefined {
  const value = read(input);
  if (value === '') return undefined;
  if (value === '*') return '*';
  const names = value.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== '');
  const bad = names.find((n) => !SUBNET_NAME.test(n));
  if (bad !== undefined || names.length === 0) {
    throw invalid(input, value, `subnet names separated by commas or new lines (each 1-80 letters, digits, _ . -), or * for the whole VNet${bad ? `; '${shown(bad)}' is not a subnet name` : ''}`);
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n.toLowerCase())) throw invalid(input, value, `each subnet named once; '${n}' is listed twice`);
    seen.add(n.toLowerCase());
  }
  if (names.length > MAX_SUBNETS) throw invalid(input, value, `at most ${MAX_SUBNETS} subnets per side (Azure's limit); got ${names.length}`);
  return names;
}

function pairKind(read: Reader): KindSpec {
  const a = subnetList(read, 'subnets-a');
  const b = subnetList(read, 'subnets-b');
  const ipv6Only = bool(read, 'ipv6-only', false);
  if ((a === undefined) !== (b === undefined)) {
    const [given, other] = a === undefined ? ['subnets-b', 'subnets-a'] : ['subnets-a', 'subnets-b'];
    throw invalid(other, '', `subnet names too, since ${given} is given (subnet peering names both sides' subnets, or use * in both for whole-VNet peering)`);
  }
  if ((a === '*') !== (b === '*')) {
    throw invalid(a === '*' ? 'subnets-b' : 'subnets-a', read(a === '*' ? 'subnets-b' : 'subnets-a'), '* as well: whole-VNet peering is asked for with * in both subnets-a and subnets-b');
  }
  if (ipv6Only && (a === undefined || a === '*')) throw invalid('ipv6-only', read('ipv6-only'), 'false unless subnets-a and subnets-b list subnets (enableOnlyIPv6Peering applies to subnet peering)');
  if (a === undefined || b === undefined) return { kind: 'unmanaged' };
  if (a === '*' || b === '*') return { kind: 'whole' };
  return { kind: 'subnets', subnets: { a, b }, ipv6Only };
}

const pairLocator = (): Locator => {
  const both = (f: (s: Side) => string): Record<Side, string> => ({ a: f('a'), b: f('b') });
  return {
    link: 'the step inputs',
    vnet: both((s) => `input 'vnet-${s}'`),
    tenant: both((s) => `input 'tenant-id-${s}'`),
    client: both((s) => `input 'client-id-${s}'`),
    peeringName: both((s) => `input 'peering-name-${s}'`),
    gatewayTransit: "input 'gateway-transit'",
    subnets: both((s) => `input 'subnets-${s}'`),
  };
};

/** The pair inputs as a one-link topology (spec/topology.md: one pair is the one-link case). */
function pairTopology(read: Reader): Topology {
  const vnetA = vnet(read, 'vnet-a');
  const vnetB = vnet(read, 'vnet-b');
  if (sameId(vnetA.id, vnetB.id)) {
    throw invalid('vnet-b', read('vnet-b'), 'a different VNet from vnet-a (a VNet cannot be peered with itself)');
  }
  const tenantA = guid(read, 'tenant-id-a');
  const clientA = guid(read, 'client-id-a');
  const identity: Record<Side, Identity> = {
    a: { tenantId: tenantA, clientId: clientA },
    b: { tenantId: guid(read, 'tenant-id-b', tenantA), clientId: guid(read, 'client-id-b', clientA) },
  };
  const sameTenant = identity.a.tenantId === identity.b.tenantId;
  const tenantAlias: Record<Side, string> = { a: 'A', b: sameTenant ? 'A' : 'B' };
  const tenants: TenantEntry[] = sameTenant ? [{ alias: 'A', identity: identity.a }] : [{ alias: 'A', identity: identity.a }, { alias: 'B', identity: identity.b }];
  const names = { a: peeringName(read, 'peering-name-a'), b: peeringName(read, 'peering-name-b') };
  const link: Link = {
    key: [vnetA.id.toLowerCase(), vnetB.id.toLowerCase()].sort().join('|'),
    entry: 'inputs',
    index: 0,
    ensure: oneOf<Ensure>(read, 'ensure', ['present', 'absent'], 'present'),
    ends: {
      a: { vnet: vnetA, alias: vnetA.name, tenant: tenantAlias.a, identity: identity.a, givenPeeringName: names.a, defaultPeeringName: defaultPeeringName(vnetA, vnetB) },
      b: { vnet: vnetB, alias: vnetB.name, tenant: tenantAlias.b, identity: identity.b, givenPeeringName: names.b, defaultPeeringName: defaultPeeringName(vnetB, vnetA) },
    },
    allowVirtualNetworkAccess: bool(read, 'allow-virtual-network-access', true),
    allowForwardedTraffic: bool(read, 'allow-forwarded-traffic', false),
    gatewayTransit: oneOf<GatewayTransit>(read, 'gateway-transit', ['none', 'a', 'b'], 'none'),
    kind: pairKind(read),
    locator: pairLocator(),
  };
  return {
    links: [link],
    vnets: [
      { vnet: vnetA, alias: vnetA.name, tenant: tenantAlias.a, identity: identity.a },
      { vnet: vnetB, alias: vnetB.name, tenant: tenantAlias.b, identity: identity.b },
    ],
    tenants,
    prune: false,
    source: { kind: 'inputs' },
  };
}

// ---------------------------------------------------------------------------------------------
// A topology file

/** A broken file can hold thousands of problems: the message lists this many. */
const MAX_FILE_PROBLEMS = 100;

/** Pair inputs given a value other than the default a runner fills in (spec/topology.md). */
function pairInputsGiven(read: Reader): string[] {
  return Object.entries(PAIR_DEFAULTS)
    .filter(([name, fallback]) => {
      const value = read(name);
      return value !== '' && value.toLowerCase() !== fallback;
    })
    .map(([name]) => name);
}

function fileTopology(read: Reader, files: FileAccess): Topology {
  const given = read('topology');
  const pair = pairInputsGiven(read);
  if (pair.length > 0) {
    throw new InputError(
      `Invalid input: 'topology' is given, so the pair inputs must not be; got ${pair.map((n) => `'${n}'`).join(', ')}. ` +
        'Expected the links in the topology file, or the pair inputs without topology.',
    );
  }
  const absolute = given.startsWith('/') ? given : `${files.workspace.replace(/\/+$/, '')}/${given}`;
  let bytes: Buffer;
  try {
    bytes = files.readFile(absolute);
  } catch (e: unknown) {
    const why = typeof e === 'object' && e !== null && Reflect.get(e, 'code') === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
    throw invalid('topology', given, `the path of a YAML or JSON topology file, relative to the workspace (${files.workspace}); ${why}`);
  }
  // Messages, locators and the comment key use the path relative to the workspace, with '/'.
  const workspace = `${files.workspace.replace(/\/+$/, '')}/`;
  const path = (absolute.startsWith(workspace) ? absolute.slice(workspace.length) : given).replace(/\\/g, '/').replace(/^\.\//, '');
  const parsed = parseTopology(bytes, { path });
  if (!parsed.ok) {
    const n = parsed.problems.length;
    const shown = parsed.problems.slice(0, MAX_FILE_PROBLEMS).map((p) => p.message);
    if (n > MAX_FILE_PROBLEMS) shown.push(`… and ${n - MAX_FILE_PROBLEMS} more problems`);
    throw new InputError(`Invalid topology file ${path}: ${n} problem${n === 1 ? '' : 's'}, nothing was sent to Azure.\n${shown.join('\n')}`);
  }
  return parsed.topology;
}

/** Reads and validates every input (and the topology file). Throws InputError. */
export function readConfig(read: Reader = defaultReader, env: NodeJS.ProcessEnv = process.env, files?: FileAccess): RunConfig {
  const settings = runSettings(read, env);
  const topologyPath = read('topology');
  const shardSpec = shard(read);
  const results = read('results');
  if (topologyPath === '') {
    if (shardSpec) throw invalid('shard', read('shard'), "no shard without 'topology': sharding splits a topology file's links");
    if (results) throw invalid('results', results, "no results without 'topology': the result files are merged against the topology file they came from");
    return { kind: 'reconcile', settings, topology: pairTopology(read), shard: undefined };
  }
  if (shardSpec && results) throw invalid('results', results, "no results together with 'shard': a shard run writes one result file, the merge run reads them all");
  const access: FileAccess = files ?? { workspace: env.GITHUB_WORKSPACE || process.cwd(), readFile: (path) => readFileSync(path) };
  const topology = fileTopology(read, access);
  return results ? { kind: 'merge', settings, topology, results } : { kind: 'reconcile', settings, topology, shard: shardSpec };
}
