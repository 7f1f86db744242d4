// The only module that reads the action's inputs. Every input is trimmed and checked here, before
// any network call; an invalid one throws an InputError naming the input, its value and the form.
import * as core from '@actions/core';
import { armScope, CLOUD_NAMES, CLOUDS, isCloudName, type CloudName } from '../azure/clouds.ts';
import type { GatewayTransit, Mode, VnetRef } from '../model.ts';
import {
  defaultPeeringName,
  isGuid,
  isValidPeeringName,
  parseVnetId,
  PEERING_NAME_FORM,
  sameId,
  VNET_ID_FORM,
} from '../azure/resource-id.ts';

export class InputError extends Error {
  override name = 'InputError';
}

/** One side of the pair: which VNet, and who signs in for it. */
export interface SideSettings {
  /** The VNet this side's peering lives on. */
  readonly vnet: VnetRef;
  /** Entra tenant that owns the VNet's subscription. */
  readonly tenantId: string;
  /** Client ID of the identity that signs in to that tenant. */
  readonly clientId: string;
  /** The peering name given by the user, or undefined to adopt or default. */
  readonly givenPeeringName: string | undefined;
  /** The name used when the peering must be created and none was given. */
  readonly defaultPeeringName: string;
}

export interface Settings {
  readonly a: SideSettings;
  readonly b: SideSettings;
  /** allowVirtualNetworkAccess, both directions. */
  readonly allowVirtualNetworkAccess: boolean;
  /** allowForwardedTraffic, both directions. */
  readonly allowForwardedTraffic: boolean;
  /** Whose gateway the other side uses. */
  readonly gatewayTransit: GatewayTransit;
  /** apply: create or repair; plan: read only. */
  readonly mode: Mode;
  /** plan mode: fail when anything is pending. */
  readonly failOnDrift: boolean;
  /** auto: comment on pull requests; off: never. */
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
  /** Upper bound on waiting for Azure, in milliseconds. */
  readonly timeoutMs: number;
}

/** Reads a string input the way the contract says: trimmed, empty means not given. */
type Reader = (name: string) => string;

const defaultReader: Reader = (name) => core.getInput(name).trim();

function invalid(input: string, value: string, expected: string): InputError {
  return new InputError(`Invalid input '${input}': got '${value}'. Expected ${expected}.`);
}

function missing(input: string, expected: string): InputError {
  return new InputError(`Input required and not supplied: '${input}'. Expected ${expected}.`);
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

function minutes(read: Reader, input: string): number {
  const value = read(input);
  if (value === '') return 15 * 60_000;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n <= 0 || n > 360) {
    throw invalid(input, value, 'a number of minutes greater than 0 and at most 360');
  }
  return Math.round(n * 60_000);
}

/** Reads and validates every input. Throws InputError on the first invalid one. */
export function readSettings(read: Reader = defaultReader): Readonly<Settings> {
  const vnetA = vnet(read, 'vnet-a');
  const vnetB = vnet(read, 'vnet-b');
  if (sameId(vnetA.id, vnetB.id)) {
    throw invalid('vnet-b', read('vnet-b'), 'a different VNet from vnet-a (a VNet cannot be peered with itself)');
  }
  const tenantA = guid(read, 'tenant-id-a');
  const clientA = guid(read, 'client-id-a');
  const tenantB = guid(read, 'tenant-id-b', tenantA);
  const clientB = guid(read, 'client-id-b', clientA);

  const environment = oneOf(read, 'environment', CLOUD_NAMES.filter(isCloudName), 'AzureCloud');
  const cloud = CLOUDS[environment];
  const arm = httpsUrl(read, 'arm-endpoint', cloud.armEndpoint);
  const authority = httpsUrl(read, 'authority-host', cloud.authorityHost);

  const settings: Settings = {
    a: {
      vnet: vnetA,
      tenantId: tenantA,
      clientId: clientA,
      givenPeeringName: peeringName(read, 'peering-name-a'),
      defaultPeeringName: defaultPeeringName(vnetA, vnetB),
    },
    b: {
      vnet: vnetB,
      tenantId: tenantB,
      clientId: clientB,
      givenPeeringName: peeringName(read, 'peering-name-b'),
      defaultPeeringName: defaultPeeringName(vnetB, vnetA),
    },
    allowVirtualNetworkAccess: bool(read, 'allow-virtual-network-access', true),
    allowForwardedTraffic: bool(read, 'allow-forwarded-traffic', false),
    gatewayTransit: oneOf<GatewayTransit>(read, 'gateway-transit', ['none', 'a', 'b'], 'none'),
    mode: oneOf<Mode>(read, 'mode', ['apply', 'plan'], 'apply'),
    failOnDrift: bool(read, 'fail-on-drift', false),
    comment: oneOf(read, 'comment', ['auto', 'off'], 'auto'),
    // A runner fills in action.yml's default (github.token); a runner-like harness may not.
    githubToken: read('github-token') || (process.env.GITHUB_TOKEN ?? '').trim(),
    environment,
    audience: read('audience') || cloud.audience,
    armEndpoint: arm.url,
    armScope: armScope(arm.url),
    authorityHost: authority.url,
    customAuthorityHost: authority.given,
    timeoutMs: minutes(read, 'timeout-minutes'),
  };
  return Object.freeze(settings);
}
