// Azure resource IDs and names: parsing, comparison and the peering naming rules.
import type { VnetRef } from '../model.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (value: string): boolean => GUID.test(value);

// Resource group: 1-90 of letters, digits, _ ( ) - . and not ending in a period.
const RESOURCE_GROUP = /^[\p{L}\p{N}_().-]{1,90}$/u;
// VNet: 2-64 of letters, digits, _ . -; starts with a letter or digit, ends with one or _.
const VNET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$/;
// Peering: 1-80 of letters, digits, _ . -; starts with a letter or digit, ends with one or _.
const PEERING_NAME = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])$/;

const VNET_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i;

export const VNET_ID_FORM =
  '/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.Network/virtualNetworks/<vnet name>';

/** Parses a VNet resource ID; returns a reason when it is not one. */
export function parseVnetId(value: string): VnetRef | { error: string } {
  const id = value.replace(/\/+$/, '');
  const m = VNET_ID.exec(id);
  if (!m) return { error: 'the path does not have that shape' };
  const [, subscriptionId = '', resourceGroup = '', name = ''] = m;
  if (!isGuid(subscriptionId)) return { error: `subscription "${subscriptionId}" is not a GUID` };
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) {
    return { error: `resource group "${resourceGroup}" is not a valid resource group name` };
  }
  if (!VNET_NAME.test(name)) {
    return {
      error: `VNet name "${name}" is not valid (2-64 letters, digits, _ . -, starting with a letter or digit, ending with a letter, digit or _)`,
    };
  }
  return { id, subscriptionId, resourceGroup, name };
}

/** Resource IDs compare case-insensitively, as Azure does. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

export const isValidPeeringName = (name: string): boolean => PEERING_NAME.test(name);

export const PEERING_NAME_FORM =
  '1-80 letters, digits, underscores, periods or hyphens, starting with a letter or digit and ending with a letter, digit or underscore';

/** `<local>-to-<remote>`, cut to 80 characters and trimmed to end as Azure requires. */
export function defaultPeeringName(local: VnetRef, remote: VnetRef): string {
  return `${local.name}-to-${remote.name}`.slice(0, 80).replace(/[.-]+$/, '');
}

/** The order-free, case-free identity of a VNet pair. */
export function pairKey(a: VnetRef, b: VnetRef): string {
  return [a.id.toLowerCase(), b.id.toLowerCase()].sort().join('\n');
}

/** `Link.key`: the two IDs lowercased, sorted and joined with '|' (spec/topology.md, Outputs). */
export function linkKey(a: VnetRef, b: VnetRef): string {
  return [a.id.toLowerCase(), b.id.toLowerCase()].sort().join('|');
}

// Subnet: Azure's rule is the peering rule (1-80 of letters, digits, _ . -; starts with a letter or
// digit, ends with one or _).
export const isValidSubnetName = (name: string): boolean => PEERING_NAME.test(name);

export const SUBNET_NAME_FORM =
  '1-80 letters, digits, underscores, periods or hyphens, starting with a letter or digit and ending with a letter, digit or underscore';
