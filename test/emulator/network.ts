// The network resource provider: VNets, peerings, their life cycle, the rules Azure enforces on a
// peering write, and long-running operations. No HTTP here; `arm.ts` maps requests onto it.
// Time only moves through `settle()`, called before every observation, so no timers are needed.
//
// The busy model (spec §5): a PUT or DELETE on VNet X busies X alone, from acceptance until its
// operation ends. A write on a busy X is refused (429), a write whose remote VNet is busy too (400).
// A write's effects (Connected, sync levels, a deleted peering gone) show at acceptance; only the
// peering's provisioningState and the VNet's busy state wait for the operation to end.
import { randomUUID } from 'node:crypto';
import { isIpv6, overlappingPrefixes, sameAddressSpace, subPrefix } from './cidr.ts';
import { parseVnetId } from './world.ts';
import type { Behavior, PeeringSpec, PeeringStateName, ProvisioningStateName, SubnetSpec, VnetSpec, World } from './world.ts';
import type { Timing } from './timing.ts';

export type SyncLevel = 'FullyInSync' | 'RemoteNotInSync' | 'LocalNotInSync' | 'LocalAndRemoteNotInSync';

export interface AddressSpace {
  addressPrefixes: string[];
}

/** A peering's `properties` as the REST API returns them. */
export interface PeeringProperties {
  remoteVirtualNetwork: { id: string };
  allowVirtualNetworkAccess: boolean;
  allowForwardedTraffic: boolean;
  allowGatewayTransit: boolean;
  useRemoteGateways: boolean;
  doNotVerifyRemoteGateways: boolean;
  peeringState: PeeringStateName;
  peeringSyncLevel: SyncLevel;
  remoteAddressSpace: AddressSpace;
  remoteVirtualNetworkAddressSpace?: AddressSpace;
  localAddressSpace: AddressSpace;
  localVirtualNetworkAddressSpace: AddressSpace;
  /** false: a subnet-level peering, with both name lists. */
  peerCompleteVnets: boolean;
  enableOnlyIPv6Peering: boolean;
  /** Only on subnet-level peerings. */
  localSubnetNames?: string[];
  remoteSubnetNames?: string[];
  provisioningState: ProvisioningStateName;
  resourceGuid: string;
}

export interface PeeringBody {
  id: string;
  name: string;
  etag: string;
  type: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings';
  properties: PeeringProperties;
}

export interface SubnetBody {
  id: string;
  name: string;
  etag: string;
  type: 'Microsoft.Network/virtualNetworks/subnets';
  properties: {
    provisioningState: 'Succeeded';
    /** One of addressPrefix and addressPrefixes, as the subnet was declared. */
    addressPrefix?: string;
    addressPrefixes?: string[];
    /** Present when something (a gateway, a route server) has an IP configuration in the subnet. */
    ipConfigurations?: { id: string }[];
    delegations: never[];
    privateEndpointNetworkPolicies: 'Disabled';
    privateLinkServiceNetworkPolicies: 'Enabled';
  };
}

export interface VnetBody {
  id: string;
  name: string;
  type: 'Microsoft.Network/virtualNetworks';
  location: string;
  etag: string;
  properties: {
    /** Updating while a write on this VNet (or a hold) is running. */
    provisioningState: ProvisioningStateName;
    resourceGuid: string;
    addressSpace: AddressSpace;
    subnets: SubnetBody[];
    /** Every peering, the same body as the peering GET. */
    virtualNetworkPeerings: PeeringBody[];
    enableDdosProtection: boolean;
  };
}

export interface ErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ErrorBody[];
  additionalInfo?: { type: string; info: Record<string, unknown> }[];
}

/** A synchronous error answer; `retryAfter` becomes the Retry-After header. */
export interface ArmError extends ErrorBody {
  status: number;
  retryAfter?: number;
}

export interface PeeringSettings {
  allowVirtualNetworkAccess: boolean;
  allowForwardedTraffic: boolean;
  allowGatewayTransit: boolean;
  useRemoteGateways: boolean;
  doNotVerifyRemoteGateways: boolean;
}

/** The subnet-peering fields of a peering (spec §3). */
export interface SubnetPeering {
  peerCompleteVnets: boolean;
  localSubnetNames: string[];
  remoteSubnetNames: string[];
  enableOnlyIPv6Peering: boolean;
}

/** What a PUT asks for; the computed fields of the body are not part of it. */
export interface PeeringWrite {
  remoteVnetId: string;
  settings: PeeringSettings;
  subnets: SubnetPeering;
}

interface Peering {
  name: string;
  remoteVnetId: string;
  settings: PeeringSettings;
  subnets: SubnetPeering;
  peeringState: PeeringStateName;
  remoteAddressSpace: string[];
  provisioningState: ProvisioningStateName;
  resourceGuid: string;
  etag: string;
  /** The running PUT (or inert DELETE) on this peering. */
  operationId: string | undefined;
}

interface Subnet {
  name: string;
  prefixes: string[];
  /** Declared as addressPrefixes (shown so) rather than addressPrefix. */
  listForm: boolean;
  ipConfigurations: string[];
}

interface Vnet {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  addressPrefixes: string[];
  subnets: Subnet[];
  resourceGuid: string;
  etag: string;
  peerings: Peering[];
  hold: { until: number; operation: string } | undefined;
}

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

type Planned =
  | { status: 'Succeeded' }
  | { status: 'Failed'; error: ErrorBody; revert: boolean }
  | { status: 'Canceled'; error: ErrorBody };

export interface Operation {
  id: string;
  kind: 'PUT' | 'DELETE';
  subscriptionId: string;
  location: string;
  vnetId: string;
  peeringName: string;
  peeringId: string;
  remoteVnetId: string | undefined;
  acceptedAt: number;
  endsAt: number;
  status: OperationStatus;
  error: ErrorBody | undefined;
  planned: Planned;
  /** Accepted only to fail (AnotherOperationInProgress): nothing took effect at acceptance. */
  inert: boolean;
  /** The peering before this write (undefined: it did not exist), to undo a cancelled or failed write. */
  previous: Peering | undefined;
  /** Where the peering stood in its VNet's list. */
  index: number;
  /** The counterpart's state before this write, to undo it. */
  counterpart: { vnetId: string; name: string; peeringState: PeeringStateName } | undefined;
}

type OperationInit = Pick<Operation, 'kind' | 'peeringName' | 'remoteVnetId' | 'planned' | 'inert' | 'previous' | 'index' | 'counterpart'>;

export interface FailDirective {
  status?: 'Failed' | 'Canceled';
  code?: string;
  message?: string;
  method?: 'PUT' | 'DELETE';
  vnetId?: string;
}

export const PEERING_TYPE = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings';
const NAME_RULE = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;
/** Re-PUT of a Disconnected peering when the world refuses it (Azure's code is not published). */
export const PEERING_IS_DISCONNECTED = 'PeeringIsDisconnected';
/** useRemoteGateways while the remote peering lacks allowGatewayTransit (Azure's code is not published). */
export const REMOTE_PEERING_NO_TRANSIT = 'RemotePeeringDoesNotAllowGatewayTransit';
/** The peering limit (Azure's code is not published). */
export const PEERING_LIMIT_REACHED = 'PeeringLimitReached';
export const PEERING_WITH_ITSELF = 'CannotPeerVirtualNetworkWithItself';
/** Subnet lists that break the rules: too many, repeated, unknown, or given with peerCompleteVnets (invented code). */
export const INVALID_SUBNET_NAMES = 'InvalidSubnetNamesForPeering';
/** Switching a peering between whole-VNet and subnet peering in place (invented code). */
export const CHANGING_PEER_COMPLETE_VNETS = 'ChangingPeerCompleteVnetsNotAllowed';
export const MAX_SUBNETS_PER_SIDE = 200;
/** What a hold names as the operation in progress (recorded answers name subnet operations). */
export const HOLD_OPERATION = 'PutSubnetOperation';

const GATEWAY_CONFIG = /\/providers\/Microsoft\.Network\/virtualNetworkGateways\/[^/]+\/ipConfigurations\/[^/]+$/i;
const ROUTE_SERVER_CONFIG = /\/providers\/Microsoft\.Network\/virtualHubs\/[^/]+\/ipConfigurations\/[^/]+$/i;

const key = (id: string) => id.toLowerCase();
const etag = () => `W/"${randomUUID()}"`;
const opName = (kind: 'PUT' | 'DELETE') =>
  kind === 'PUT' ? 'PutVirtualNetworkPeeringOperation' : 'DeleteVirtualNetworkPeeringOperation';

function cloneSubnetPeering(s: SubnetPeering): SubnetPeering {
  return { ...s, localSubnetNames: [...s.localSubnetNames], remoteSubnetNames: [...s.remoteSubnetNames] };
}

function clonePeering(p: Peering): Peering {
  return { ...p, settings: { ...p.settings }, subnets: cloneSubnetPeering(p.subnets), remoteAddressSpace: [...p.remoteAddressSpace] };
}

export function defaultSettings(): PeeringSettings {
  return {
    allowVirtualNetworkAccess: true,
    allowForwardedTraffic: false,
    allowGatewayTransit: false,
    useRemoteGateways: false,
    doNotVerifyRemoteGateways: false,
  };
}

export function wholeVnets(): SubnetPeering {
  return { peerCompleteVnets: true, localSubnetNames: [], remoteSubnetNames: [], enableOnlyIPv6Peering: false };
}

/** The subnet-peering fields a world peering or an out-of-band peering gives, with their defaults. */
export function subnetPeeringOf(p: {
  peerCompleteVnets?: boolean | undefined;
  localSubnetNames?: string[] | undefined;
  remoteSubnetNames?: string[] | undefined;
  enableOnlyIPv6Peering?: boolean | undefined;
}): SubnetPeering {
  return {
    peerCompleteVnets: p.peerCompleteVnets ?? true,
    localSubnetNames: [...(p.localSubnetNames ?? [])],
    remoteSubnetNames: [...(p.remoteSubnetNames ?? [])],
    enableOnlyIPv6Peering: p.enableOnlyIPv6Peering ?? false,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const SETTING_NAMES = [
  'allowVirtualNetworkAccess',
  'allowForwardedTraffic',
  'allowGatewayTransit',
  'useRemoteGateways',
  'doNotVerifyRemoteGateways',
] as const;

/** Reads a PUT body (`{properties: {...}}`). Fields Azure computes are ignored, as Azure does. */
export function parsePeeringBody(body: unknown): { ok: true; write: PeeringWrite } | { ok: false; error: ArmError } {
  const bad = (message: string): { ok: false; error: ArmError } => ({
    ok: false,
    error: { status: 400, code: 'InvalidRequestFormat', message },
  });
  if (!isRecord(body)) return bad('Cannot parse the request. The request body must be a JSON object.');
  const props = body['properties'];
  if (props !== undefined && !isRecord(props)) return bad("Cannot parse the request. Property 'properties' must be an object.");
  const p = props ?? {};
  const remote = p['remoteVirtualNetwork'];
  const remoteId = isRecord(remote) ? remote['id'] : undefined;
  if (typeof remoteId !== 'string' || remoteId === '') {
    return bad('Value for reference id is missing. Path properties.remoteVirtualNetwork.');
  }
  const settings = defaultSettings();
  const flags = [...SETTING_NAMES, 'peerCompleteVnets', 'enableOnlyIPv6Peering'] as const;
  const read: Partial<Record<(typeof flags)[number], boolean>> = {};
  for (const name of flags) {
    const v = p[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'boolean') return bad(`Cannot parse the request. Property '${name}' must be true or false.`);
    read[name] = v;
  }
  for (const name of SETTING_NAMES) settings[name] = read[name] ?? settings[name];
  const lists: Record<'localSubnetNames' | 'remoteSubnetNames', string[]> = { localSubnetNames: [], remoteSubnetNames: [] };
  for (const name of ['localSubnetNames', 'remoteSubnetNames'] as const) {
    const v = p[name];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string'))
      return bad(`Cannot parse the request. Property '${name}' must be a list of strings.`);
    lists[name] = [...v];
  }
  return {
    ok: true,
    write: {
      remoteVnetId: remoteId,
      settings,
      subnets: {
        peerCompleteVnets: read.peerCompleteVnets ?? true,
        enableOnlyIPv6Peering: read.enableOnlyIPv6Peering ?? false,
        ...lists,
      },
    },
  };
}

export interface NetworkDeps {
  now: () => number;
  timing: () => Timing;
  behavior: () => Behavior;
}

/** What keeps a VNet busy: an operation of its own, or a hold. */
interface Busy {
  vnetId: string;
  operation: Operation | undefined;
  operationName: string;
}

export class Network {
  readonly #vnets = new Map<string, Vnet>();
  readonly #operations = new Map<string, Operation>();
  /** Operations in progress (a small set, so every look at busy state stays cheap). */
  readonly #active = new Set<Operation>();
  readonly #failNext: FailDirective[] = [];
  readonly #deps: NetworkDeps;
  /** 429 conflict answers given, for the Retry-After mix. */
  #retryable = 0;

  constructor(world: World, deps: NetworkDeps) {
    this.#deps = deps;
    for (const spec of world.vnets) {
      const parsed = parseVnetId(spec.id);
      if (!parsed) continue;
      this.#vnets.set(key(spec.id), {
        id: spec.id,
        name: parsed.name,
        subscriptionId: parsed.subscriptionId,
        resourceGroup: parsed.resourceGroup,
        location: spec.location,
        addressPrefixes: [...spec.addressPrefixes],
        subnets: buildSubnets(spec),
        resourceGuid: randomUUID(),
        etag: etag(),
        peerings: [],
        hold: undefined,
      });
    }
    for (const spec of world.peerings ?? []) this.#seedPeering(spec, world.peerings ?? []);
  }

  #seedPeering(spec: PeeringSpec, all: PeeringSpec[]): void {
    const vnet = this.#vnets.get(key(spec.vnetId));
    if (!vnet) return;
    const remote = this.#vnets.get(key(spec.remoteVnetId));
    const counterpartListed = all.some(
      (q) => key(q.vnetId) === key(spec.remoteVnetId) && key(q.remoteVnetId) === key(spec.vnetId),
    );
    const settings = defaultSettings();
    for (const name of SETTING_NAMES) {
      const v = spec[name];
      if (v !== undefined) settings[name] = v;
    }
    const p: Peering = {
      name: spec.name,
      remoteVnetId: remote?.id ?? spec.remoteVnetId,
      settings,
      subnets: subnetPeeringOf(spec),
      peeringState: spec.peeringState ?? (counterpartListed ? 'Connected' : 'Initiated'),
      remoteAddressSpace: [],
      provisioningState: spec.provisioningState ?? 'Succeeded',
      resourceGuid: randomUUID(),
      etag: etag(),
      operationId: undefined,
    };
    p.remoteAddressSpace = [...(spec.remoteAddressPrefixes ?? this.#expectedRemote(p) ?? [])];
    vnet.peerings.push(p);
  }

  // ---- time ------------------------------------------------------------------------------

  /** Completes every operation whose time has come, in order. */
  settle(): void {
    if (this.#active.size === 0) return;
    const now = this.#deps.now();
    const due = [...this.#active].filter((o) => o.endsAt <= now).sort((a, b) => a.endsAt - b.endsAt);
    for (const op of due) this.#complete(op);
  }

  // ---- reading ---------------------------------------------------------------------------

  #vnet(id: string): Vnet | undefined {
    return this.#vnets.get(key(id));
  }

  hasVnet(id: string): boolean {
    return this.#vnets.has(key(id));
  }

  /** The VNet's location, for messages. */
  location(id: string): string | undefined {
    return this.#vnet(id)?.location;
  }

  locations(): string[] {
    return [...new Set([...this.#vnets.values()].map((v) => v.location))];
  }

  resourceGroupExists(subscriptionId: string, resourceGroup: string): boolean {
    const prefix = key(`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/`);
    for (const k of this.#vnets.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  vnetBody(id: string): VnetBody | undefined {
    this.settle();
    const vnet = this.#vnet(id);
    return vnet ? this.#renderVnet(vnet) : undefined;
  }

  vnetBodiesIn(subscriptionId: string, resourceGroup: string): VnetBody[] {
    this.settle();
    const prefix = key(`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/`);
    return [...this.#vnets.values()].filter((v) => key(v.id).startsWith(prefix)).map((v) => this.#renderVnet(v));
  }

  peeringBody(vnetId: string, name: string): PeeringBody | undefined {
    this.settle();
    const vnet = this.#vnet(vnetId);
    const p = vnet && findPeering(vnet, name);
    return vnet && p ? this.#renderPeering(vnet, p) : undefined;
  }

  peeringBodies(vnetId: string): PeeringBody[] | undefined {
    this.settle();
    const vnet = this.#vnet(vnetId);
    return vnet?.peerings.map((p) => this.#renderPeering(vnet, p));
  }

  operation(id: string): Operation | undefined {
    this.settle();
    return this.#operations.get(key(id));
  }

  /** What keeps this VNet busy now, other than `except`. */
  #busy(vnet: Vnet, except?: Operation): Busy | undefined {
    for (const op of this.#active) {
      if (op !== except && key(op.vnetId) === key(vnet.id)) return { vnetId: vnet.id, operation: op, operationName: opName(op.kind) };
    }
    if (vnet.hold && vnet.hold.until > this.#deps.now())
      return { vnetId: vnet.id, operation: undefined, operationName: vnet.hold.operation };
    return undefined;
  }

  #renderVnet(vnet: Vnet): VnetBody {
    return {
      id: vnet.id,
      name: vnet.name,
      type: 'Microsoft.Network/virtualNetworks',
      location: vnet.location,
      etag: vnet.etag,
      properties: {
        provisioningState: this.#busy(vnet) ? 'Updating' : 'Succeeded',
        resourceGuid: vnet.resourceGuid,
        addressSpace: { addressPrefixes: [...vnet.addressPrefixes] },
        subnets: vnet.subnets.map((s) => ({
          id: `${vnet.id}/subnets/${s.name}`,
          name: s.name,
          etag: vnet.etag,
          type: 'Microsoft.Network/virtualNetworks/subnets',
          properties: {
            provisioningState: 'Succeeded',
            ...(s.listForm ? { addressPrefixes: [...s.prefixes] } : { addressPrefix: s.prefixes[0] ?? '' }),
            ...(s.ipConfigurations.length > 0 ? { ipConfigurations: s.ipConfigurations.map((id) => ({ id })) } : {}),
            delegations: [],
            privateEndpointNetworkPolicies: 'Disabled',
            privateLinkServiceNetworkPolicies: 'Enabled',
          },
        })),
        virtualNetworkPeerings: vnet.peerings.map((p) => this.#renderPeering(vnet, p)),
        enableDdosProtection: false,
      },
    };
  }

  #counterpart(remote: Vnet, localId: string): Peering | undefined {
    return remote.peerings.find((q) => key(q.remoteVnetId) === key(localId));
  }

  /** What a peering covers of `vnet`: the whole space, or the named subnets' prefixes; only IPv6 with enableOnlyIPv6Peering. */
  #peeredSpace(vnet: Vnet, names: string[] | undefined, onlyIpv6: boolean): string[] {
    const prefixes =
      names === undefined ? vnet.addressPrefixes : names.flatMap((n) => findSubnet(vnet, n)?.prefixes ?? []);
    return onlyIpv6 ? prefixes.filter(isIpv6) : [...prefixes];
  }

  #localSpace(vnet: Vnet, s: SubnetPeering): string[] {
    return this.#peeredSpace(vnet, s.peerCompleteVnets ? undefined : s.localSubnetNames, s.enableOnlyIPv6Peering);
  }

  #remoteSpace(remote: Vnet, s: SubnetPeering): string[] {
    return this.#peeredSpace(remote, s.peerCompleteVnets ? undefined : s.remoteSubnetNames, s.enableOnlyIPv6Peering);
  }

  /** What P should have peered of its remote VNet now (undefined: the remote VNet is gone). */
  #expectedRemote(p: Peering): string[] | undefined {
    const remote = this.#vnet(p.remoteVnetId);
    return remote ? this.#remoteSpace(remote, p.subnets) : undefined;
  }

  /**
   * spec §4: local is stale when P's remoteAddressSpace is not what P covers of Y now; remote is
   * stale when Q is missing or Q's remoteAddressSpace is not what P offers of X now (the whole space,
   * or P's local subnets: so lists that do not match on both sides read as not in sync).
   */
  #syncLevel(vnet: Vnet, p: Peering): SyncLevel {
    const remote = this.#vnet(p.remoteVnetId);
    const expected = this.#expectedRemote(p);
    const localStale = expected ? !sameAddressSpace(p.remoteAddressSpace, expected) : false;
    const q = remote ? this.#counterpart(remote, vnet.id) : undefined;
    const remoteStale = !q || !sameAddressSpace(q.remoteAddressSpace, this.#localSpace(vnet, p.subnets));
    if (localStale && remoteStale) return 'LocalAndRemoteNotInSync';
    if (localStale) return 'LocalNotInSync';
    if (remoteStale) return 'RemoteNotInSync';
    return 'FullyInSync';
  }

  #renderPeering(vnet: Vnet, p: Peering): PeeringBody {
    const remote = this.#vnet(p.remoteVnetId);
    const q = remote ? this.#counterpart(remote, vnet.id) : undefined;
    const s = p.subnets;
    return {
      id: `${vnet.id}/virtualNetworkPeerings/${p.name}`,
      name: p.name,
      etag: p.etag,
      type: PEERING_TYPE,
      properties: {
        provisioningState: p.provisioningState,
        resourceGuid: p.resourceGuid,
        peeringState: p.peeringState,
        peeringSyncLevel: this.#syncLevel(vnet, p),
        remoteVirtualNetwork: { id: p.remoteVnetId },
        allowVirtualNetworkAccess: p.settings.allowVirtualNetworkAccess,
        allowForwardedTraffic: p.settings.allowForwardedTraffic,
        allowGatewayTransit: p.settings.allowGatewayTransit,
        useRemoteGateways: p.settings.useRemoteGateways,
        doNotVerifyRemoteGateways: p.settings.doNotVerifyRemoteGateways,
        remoteAddressSpace: { addressPrefixes: [...p.remoteAddressSpace] },
        ...(remote ? { remoteVirtualNetworkAddressSpace: { addressPrefixes: [...remote.addressPrefixes] } } : {}),
        localAddressSpace: { addressPrefixes: [...(q?.remoteAddressSpace ?? this.#localSpace(vnet, s))] },
        localVirtualNetworkAddressSpace: { addressPrefixes: [...vnet.addressPrefixes] },
        peerCompleteVnets: s.peerCompleteVnets,
        enableOnlyIPv6Peering: s.enableOnlyIPv6Peering,
        ...(s.peerCompleteVnets
          ? {}
          : { localSubnetNames: [...s.localSubnetNames], remoteSubnetNames: [...s.remoteSubnetNames] }),
      },
    };
  }

  // ---- rules -----------------------------------------------------------------------------

  /** spec §3, §4 and §5, in the order they are checked. */
  #validate(vnet: Vnet, name: string, write: PeeringWrite): ArmError | undefined {
    const behavior = this.#deps.behavior();
    const peeringId = `${vnet.id}/virtualNetworkPeerings/${name}`;
    const err = (code: string, message: string): ArmError => ({ status: 400, code, message });
    if (!NAME_RULE.test(name)) {
      return err(
        'InvalidResourceName',
        `Resource name ${name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.`,
      );
    }
    const existing = findPeering(vnet, name);
    if (existing && key(existing.remoteVnetId) !== key(write.remoteVnetId)) {
      return err(
        'ChangingRemoteVirtualNetworkNotAllowed',
        `Cannot change remote virtual network for peering ${peeringId} from ${existing.remoteVnetId} to ${write.remoteVnetId}. Delete the peering and create it again.`,
      );
    }
    if (existing && existing.subnets.peerCompleteVnets !== write.subnets.peerCompleteVnets) {
      return err(
        CHANGING_PEER_COMPLETE_VNETS,
        `Cannot change peerCompleteVnets of peering ${peeringId} from ${existing.subnets.peerCompleteVnets} to ${write.subnets.peerCompleteVnets}. Switching between virtual network peering and subnet peering needs the peering to be deleted and created again.`,
      );
    }
    const remote = this.#vnet(write.remoteVnetId);
    if (!remote) {
      return err(
        'InvalidResourceReference',
        `Resource ${write.remoteVnetId} referenced by resource ${peeringId} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
      );
    }
    if (remote === vnet)
      return err(PEERING_WITH_ITSELF, `Peering ${peeringId} cannot reference its own virtual network ${vnet.id}.`);
    const subnetProblem = this.#checkSubnetNames(vnet, remote, peeringId, write.subnets);
    if (subnetProblem) return err(INVALID_SUBNET_NAMES, subnetProblem);
    const other = vnet.peerings.find((p) => p !== existing && key(p.remoteVnetId) === key(remote.id));
    if (other) {
      return err(
        'AnotherPeeringAlreadyReferencesRemoteVnet',
        `Peering ${peeringId} cannot be created because another peering ${vnet.id}/virtualNetworkPeerings/${other.name} already references remote virtual network ${remote.id}.`,
      );
    }
    if (!existing && vnet.peerings.length >= behavior.peeringLimit) {
      return err(
        PEERING_LIMIT_REACHED,
        `Cannot create peering ${peeringId}. Virtual network ${vnet.id} already has the maximum number of peerings (${behavior.peeringLimit}).`,
      );
    }
    const q = this.#counterpart(remote, vnet.id);
    if (q && q.peeringState === 'Disconnected') {
      return err(
        'RemotePeeringIsDisconnected',
        `Cannot create or update peering ${peeringId} because remote peering ${remote.id}/virtualNetworkPeerings/${q.name} referencing parent virtual network ${vnet.id} is in Disconnected state. Update or re-create the remote peering to get it back to Initiated state. Peering gets Disconnected when remote vnet or remote peering is deleted and re-created.`,
      );
    }
    if (existing && existing.peeringState === 'Disconnected' && behavior.disconnectedRePut === 'refused') {
      return err(
        PEERING_IS_DISCONNECTED,
        `Cannot update peering ${peeringId} because it is in Disconnected state. Delete the peering and create it again, on both virtual networks.`,
      );
    }
    const localSpace = this.#localSpace(vnet, write.subnets);
    const remoteSpace = this.#remoteSpace(remote, write.subnets);
    const overlap = overlappingPrefixes(localSpace, remoteSpace);
    if (overlap.length > 0) {
      return err(
        'VnetAddressSpacesOverlap',
        `Cannot create or update peering ${peeringId}. Virtual networks ${vnet.id} and ${remote.id} cannot be peered because their address spaces overlap. Overlapping address prefixes: ${overlap.join(', ')}`,
      );
    }
    const peeredOverlap = (side: Vnet, newcomer: Vnet, newcomerSpace: string[]): ArmError | undefined => {
      for (const o of side.peerings) {
        if (key(o.remoteVnetId) === key(newcomer.id)) continue;
        const found = overlappingPrefixes(newcomerSpace, o.remoteAddressSpace);
        if (found.length > 0) {
          return err(
            'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet',
            `Cannot create or update peering ${peeringId}. Address space of virtual network ${newcomer.id} overlaps with address space of virtual network ${o.remoteVnetId} already peered with virtual network ${side.id}. Overlapping address prefixes: ${found.join(', ')}`,
          );
        }
      }
      return undefined;
    };
    const peered = peeredOverlap(vnet, remote, remoteSpace) ?? peeredOverlap(remote, vnet, localSpace);
    if (peered) return peered;
    if (write.settings.useRemoteGateways && !hasGateway(remote)) {
      return err(
        'RemoteVnetHasNoGateways',
        `Peering ${peeringId} cannot have UseRemoteGateway flag set to true because remote virtual network ${remote.id} referenced by the peering does not have any gateways.`,
      );
    }
    if (write.settings.useRemoteGateways && behavior.requireRemoteGatewayTransit && q && !q.settings.allowGatewayTransit) {
      return err(
        REMOTE_PEERING_NO_TRANSIT,
        `Peering ${peeringId} cannot have UseRemoteGateways flag set to true, because corresponding remote peering ${remote.id}/virtualNetworkPeerings/${q.name} has AllowGatewayTransit flag set to false.`,
      );
    }
    return undefined;
  }

  /** The subnet lists' problem, as a message, or undefined. */
  #checkSubnetNames(vnet: Vnet, remote: Vnet, peeringId: string, s: SubnetPeering): string | undefined {
    const sides = [
      { field: 'localSubnetNames', names: s.localSubnetNames, on: vnet },
      { field: 'remoteSubnetNames', names: s.remoteSubnetNames, on: remote },
    ] as const;
    for (const { field, names, on } of sides) {
      if (s.peerCompleteVnets) {
        if (names.length > 0)
          return `Peering ${peeringId} has peerCompleteVnets set to true and cannot have ${field}. Set peerCompleteVnets to false to peer subnets.`;
        continue;
      }
      if (names.length === 0)
        return `Peering ${peeringId} has peerCompleteVnets set to false and needs at least one subnet in ${field}.`;
      if (names.length > MAX_SUBNETS_PER_SIDE)
        return `Peering ${peeringId} has ${names.length} subnets in ${field}; at most ${MAX_SUBNETS_PER_SIDE} subnets can be peered on each side.`;
      const seen = new Set<string>();
      for (const n of names) {
        if (seen.has(key(n))) return `Peering ${peeringId} lists subnet '${n}' more than once in ${field}.`;
        seen.add(key(n));
        if (!findSubnet(on, n))
          return `Subnet '${n}' in ${field} of peering ${peeringId} was not found in virtual network ${on.id}.`;
      }
    }
    return undefined;
  }

  #conflict(kind: 'PUT' | 'DELETE', peeringId: string, blocker: Busy, local: boolean): ArmError {
    const behavior = this.#deps.behavior();
    const seconds = this.#deps.timing().retryAfterSeconds;
    const mode = behavior.conflictAnswer;
    const answer = mode === 'realistic' ? (local ? 'RetryableError' : 'ReferencedResourceNotProvisioned') : mode;
    if (answer === 'ReferencedResourceNotProvisioned') {
      return {
        status: 400,
        code: 'ReferencedResourceNotProvisioned',
        message: `Cannot proceed with operation because resource ${blocker.vnetId} used by resource ${peeringId} is not in Succeeded state. Resource is in Updating state and the last operation that updated/is updating the resource is ${blocker.operationName}.`,
        details: [],
      };
    }
    this.#retryable += 1;
    const omit =
      behavior.conflictRetryAfter === 'never' || (behavior.conflictRetryAfter === 'mixed' && this.#retryable % 3 === 0);
    const otherId = blocker.operation?.id ?? randomUUID();
    return {
      status: 429,
      code: 'RetryableError',
      message: 'A retryable error occurred.',
      details: [
        {
          code: 'RetryableErrorDueToAnotherOperation',
          message: `Operation ${blocker.operationName} (${otherId}) on resource ${blocker.vnetId} is in progress. Operation ${opName(kind)} on resource ${peeringId} can be retried in ${seconds} seconds.`,
        },
      ],
      ...(omit ? {} : { retryAfter: seconds }),
    };
  }

  #anotherOperation(blocker: Busy): ErrorBody {
    const url = blocker.operation ? operationPath(blocker.operation) : blocker.vnetId;
    return {
      code: 'AnotherOperationInProgress',
      message: `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${url}.`,
    };
  }

  /** The first busy VNet a write on `vnet` towards `remote` meets: its own (local) first. */
  #blocker(vnet: Vnet, remote: Vnet | undefined, except: Operation | undefined): { busy: Busy; local: boolean } | undefined {
    const own = this.#busy(vnet, except);
    if (own) return { busy: own, local: true };
    const other = remote ? this.#busy(remote) : undefined;
    return other ? { busy: other, local: false } : undefined;
  }

  #takeDirective(kind: 'PUT' | 'DELETE', vnetId: string): Planned | undefined {
    const i = this.#failNext.findIndex((d) => (!d.method || d.method === kind) && (!d.vnetId || key(d.vnetId) === key(vnetId)));
    if (i < 0) return undefined;
    const [d] = this.#failNext.splice(i, 1);
    if (!d) return undefined;
    if (d.status === 'Canceled') {
      return {
        status: 'Canceled',
        error: {
          code: d.code ?? 'Canceled',
          message: d.message ?? 'Operation was canceled.',
          details: [
            {
              code: 'CanceledAndSupersededDueToAnotherOperation',
              message: `Operation ${opName(kind)} was canceled and superseded by operation ${randomUUID()}.`,
            },
          ],
        },
      };
    }
    return {
      status: 'Failed',
      error: { code: d.code ?? 'InternalServerError', message: d.message ?? 'An error occurred.' },
      revert: false,
    };
  }

  #newOperation(vnet: Vnet, init: OperationInit): Operation {
    const now = this.#deps.now();
    const op: Operation = {
      ...init,
      id: randomUUID(),
      subscriptionId: vnet.subscriptionId,
      location: vnet.location,
      vnetId: vnet.id,
      peeringId: `${vnet.id}/virtualNetworkPeerings/${init.peeringName}`,
      acceptedAt: now,
      endsAt: now + Math.max(0, this.#deps.timing().operationMs),
      status: 'InProgress',
      error: undefined,
    };
    this.#operations.set(key(op.id), op);
    this.#active.add(op);
    return op;
  }

  #supersede(old: Operation, by: Operation): void {
    this.#active.delete(old);
    old.status = 'Canceled';
    old.error = {
      code: 'Canceled',
      message: 'Operation was canceled.',
      details: [
        {
          code: 'CanceledAndSupersededDueToAnotherOperation',
          message: `Operation ${opName(old.kind)} (${old.id}) was canceled and superseded by operation ${opName(by.kind)} (${by.id}).`,
        },
      ],
    };
  }

  #counterpartSnapshot(vnet: Vnet, remoteId: string): Operation['counterpart'] {
    const remote = this.#vnet(remoteId);
    const q = remote ? this.#counterpart(remote, vnet.id) : undefined;
    return remote && q ? { vnetId: remote.id, name: q.name, peeringState: q.peeringState } : undefined;
  }

  /** A PUT's effects: settings, subnets, what is peered, Connected on both sides when the counterpart is there. */
  #applyPut(vnet: Vnet, p: Peering, write: PeeringWrite, refreshRemoteSpace: boolean): void {
    p.settings = { ...write.settings };
    p.subnets = cloneSubnetPeering(write.subnets);
    const remote = this.#vnet(p.remoteVnetId);
    if (refreshRemoteSpace && remote) p.remoteAddressSpace = this.#remoteSpace(remote, p.subnets);
    const q = remote ? this.#counterpart(remote, vnet.id) : undefined;
    if (remote && q && q.peeringState !== 'Disconnected') {
      p.peeringState = 'Connected';
      if (q.peeringState !== 'Connected') {
        q.peeringState = 'Connected';
        q.etag = etag();
        remote.etag = etag();
      }
    } else {
      p.peeringState = 'Initiated';
    }
    p.etag = etag();
    vnet.etag = etag();
  }

  // ---- writes ----------------------------------------------------------------------------

  /** A PUT accepted or refused. The returned body is the one the PUT answers with (provisioningState Updating). */
  put(
    vnetId: string,
    name: string,
    write: PeeringWrite,
    sync: boolean,
  ): { ok: true; created: boolean; body: PeeringBody; operation: Operation } | { ok: false; error: ArmError } {
    this.settle();
    const vnet = this.#vnet(vnetId);
    if (!vnet) return { ok: false, error: vnetNotFound(vnetId) };
    const invalid = this.#validate(vnet, name, write);
    if (invalid) return { ok: false, error: invalid };
    const peeringId = `${vnet.id}/virtualNetworkPeerings/${name}`;
    const remote = this.#vnet(write.remoteVnetId);
    const remoteId = remote?.id ?? write.remoteVnetId;
    const existing = findPeering(vnet, name);
    const running = existing?.operationId ? this.#operations.get(key(existing.operationId)) : undefined;
    const superseded = running?.status === 'InProgress' && running.kind === 'PUT' && !running.inert ? running : undefined;
    let planned: Planned = { status: 'Succeeded' };
    let inert = false;
    const blocker = this.#blocker(vnet, remote, superseded);
    if (blocker) {
      if (this.#deps.behavior().conflictAnswer !== 'AnotherOperationInProgress')
        return { ok: false, error: this.#conflict('PUT', peeringId, blocker.busy, blocker.local) };
      planned = { status: 'Failed', error: this.#anotherOperation(blocker.busy), revert: true };
      inert = true;
    } else {
      planned = this.#takeDirective('PUT', vnet.id) ?? planned;
    }
    const previous = superseded ? superseded.previous : existing ? clonePeering(existing) : undefined;
    const index = existing ? vnet.peerings.indexOf(existing) : vnet.peerings.length;
    const counterpart = inert ? undefined : superseded ? superseded.counterpart : this.#counterpartSnapshot(vnet, remoteId);
    let p = existing;
    if (!p) {
      p = {
        name,
        remoteVnetId: remoteId,
        settings: { ...write.settings },
        subnets: cloneSubnetPeering(write.subnets),
        peeringState: 'Initiated',
        remoteAddressSpace: remote ? this.#remoteSpace(remote, write.subnets) : [],
        provisioningState: 'Updating',
        resourceGuid: randomUUID(),
        etag: etag(),
        operationId: undefined,
      };
      vnet.peerings.push(p);
    }
    if (inert) {
      // Shown while it runs, undone when it fails: the peering's state and its counterpart stay.
      p.settings = { ...write.settings };
      p.subnets = cloneSubnetPeering(write.subnets);
    } else {
      // What is peered is refreshed for a new peering, a Disconnected one, a sync PUT, or new subnet lists.
      const coverageChanged =
        previous !== undefined &&
        (previous.subnets.enableOnlyIPv6Peering !== write.subnets.enableOnlyIPv6Peering ||
          !sameNames(previous.subnets.remoteSubnetNames, write.subnets.remoteSubnetNames));
      this.#applyPut(vnet, p, write, sync || !previous || previous.peeringState === 'Disconnected' || coverageChanged);
    }
    p.provisioningState = 'Updating';
    p.etag = etag();
    vnet.etag = etag();
    const op = this.#newOperation(vnet, {
      kind: 'PUT',
      peeringName: p.name,
      remoteVnetId: remoteId,
      planned,
      inert,
      previous,
      index,
      counterpart,
    });
    if (superseded) this.#supersede(superseded, op);
    p.operationId = op.id;
    return { ok: true, created: !existing, body: this.#renderPeering(vnet, p), operation: op };
  }

  /** A DELETE accepted (with an operation), already absent (no operation) or refused. */
  delete(vnetId: string, name: string): { ok: true; operation: Operation | undefined } | { ok: false; error: ArmError } {
    this.settle();
    const vnet = this.#vnet(vnetId);
    if (!vnet) return { ok: false, error: vnetNotFound(vnetId) };
    const p = findPeering(vnet, name);
    if (!p) return { ok: true, operation: undefined };
    const peeringId = `${vnet.id}/virtualNetworkPeerings/${p.name}`;
    const running = p.operationId ? this.#operations.get(key(p.operationId)) : undefined;
    if (running?.status === 'InProgress' && running.kind === 'DELETE') return { ok: true, operation: running };
    const superseded = running?.status === 'InProgress' && !running.inert ? running : undefined;
    let planned: Planned = { status: 'Succeeded' };
    let inert = false;
    const blocker = this.#blocker(vnet, this.#vnet(p.remoteVnetId), superseded);
    if (blocker) {
      if (this.#deps.behavior().conflictAnswer !== 'AnotherOperationInProgress')
        return { ok: false, error: this.#conflict('DELETE', peeringId, blocker.busy, blocker.local) };
      planned = { status: 'Failed', error: this.#anotherOperation(blocker.busy), revert: true };
      inert = true;
    } else {
      planned = this.#takeDirective('DELETE', vnet.id) ?? planned;
    }
    const previous = superseded ? superseded.previous : clonePeering(p);
    const index = vnet.peerings.indexOf(p);
    const counterpart = inert ? undefined : superseded ? superseded.counterpart : this.#counterpartSnapshot(vnet, p.remoteVnetId);
    const op = this.#newOperation(vnet, {
      kind: 'DELETE',
      peeringName: p.name,
      remoteVnetId: p.remoteVnetId,
      planned,
      inert,
      previous,
      index,
      counterpart,
    });
    if (superseded) this.#supersede(superseded, op);
    if (inert) {
      p.provisioningState = 'Deleting';
      p.etag = etag();
      p.operationId = op.id;
    } else {
      this.#removePeering(vnet, p);
    }
    return { ok: true, operation: op };
  }

  #complete(op: Operation): void {
    this.#active.delete(op);
    op.status = op.planned.status;
    op.error = op.planned.status === 'Succeeded' ? undefined : op.planned.error;
    const vnet = this.#vnet(op.vnetId);
    if (!vnet) return;
    vnet.etag = etag();
    const planned = op.planned;
    const p = findPeering(vnet, op.peeringName);
    const ours = p !== undefined && p.operationId === op.id;
    if (op.kind === 'PUT' || op.inert) {
      // The peering is in the list (a PUT, or a DELETE that never took effect), unless changed since.
      if (!p || !ours) return;
      p.operationId = undefined;
      p.etag = etag();
      if (planned.status === 'Succeeded') p.provisioningState = 'Succeeded';
      else if (planned.status === 'Canceled' || planned.revert) this.#undo(vnet, op, undefined);
      else p.provisioningState = 'Failed';
      return;
    }
    // A DELETE that took effect: nothing left to do unless it did not succeed; then the peering comes back.
    if (planned.status === 'Succeeded' || p) return;
    this.#undo(vnet, op, planned.status === 'Failed' ? 'Failed' : undefined);
  }

  /** Puts the peering (and its counterpart's state) back as they were before `op`. */
  #undo(vnet: Vnet, op: Operation, provisioningState: ProvisioningStateName | undefined): void {
    const others = vnet.peerings.filter((x) => key(x.name) !== key(op.peeringName));
    if (op.previous) {
      const back: Peering = { ...clonePeering(op.previous), operationId: undefined, etag: etag() };
      if (provisioningState) back.provisioningState = provisioningState;
      others.splice(Math.min(Math.max(0, op.index), others.length), 0, back);
    }
    vnet.peerings = others;
    vnet.etag = etag();
    const c = op.counterpart;
    const remote = c ? this.#vnet(c.vnetId) : undefined;
    const q = c && remote ? findPeering(remote, c.name) : undefined;
    if (c && remote && q && key(q.remoteVnetId) === key(vnet.id)) {
      q.peeringState = c.peeringState;
      q.etag = etag();
      remote.etag = etag();
    }
  }

  #removePeering(vnet: Vnet, p: Peering): void {
    vnet.peerings = vnet.peerings.filter((x) => x !== p);
    vnet.etag = etag();
    const remote = this.#vnet(p.remoteVnetId);
    const q = remote ? this.#counterpart(remote, vnet.id) : undefined;
    if (remote && q) {
      q.peeringState = 'Disconnected';
      q.etag = etag();
      remote.etag = etag();
    }
  }

  // ---- test controls ---------------------------------------------------------------------

  failNextOperation(d: FailDirective): void {
    this.#failNext.push(d);
  }

  /** Another operation is in progress on the VNet for `ms` from now (0 releases it). */
  hold(vnetId: string, ms: number, operation: string = HOLD_OPERATION): void {
    const vnet = this.#mustVnet(vnetId);
    vnet.hold = ms > 0 ? { until: this.#deps.now() + ms, operation } : undefined;
  }

  /** Ends every operation in progress now, in the order they were accepted, as if their time had come. */
  finishOperations(): void {
    this.settle();
    for (const op of [...this.#active].sort((a, b) => a.acceptedAt - b.acceptedAt)) this.#complete(op);
  }

  #mustVnet(id: string): Vnet {
    const vnet = this.#vnet(id);
    if (!vnet) throw new Error(`Unknown VNet ${id}`);
    return vnet;
  }

  #mustPeering(vnetId: string, name: string): { vnet: Vnet; p: Peering } {
    const vnet = this.#mustVnet(vnetId);
    const p = findPeering(vnet, name);
    if (!p) throw new Error(`Unknown peering ${name} on ${vnetId}`);
    return { vnet, p };
  }

  /** As if created in the portal: the same rules as a PUT, applied at once. Throws `Error("<code>: <message>")`. */
  createPeering(vnetId: string, name: string, write: PeeringWrite): void {
    this.settle();
    const vnet = this.#mustVnet(vnetId);
    if (findPeering(vnet, name)) throw new Error(`Peering ${name} already exists on ${vnetId}`);
    const invalid = this.#validate(vnet, name, write);
    if (invalid) throw new Error(`${invalid.code}: ${invalid.message}`);
    const remote = this.#mustVnet(write.remoteVnetId);
    const p: Peering = {
      name,
      remoteVnetId: remote.id,
      settings: { ...write.settings },
      subnets: cloneSubnetPeering(write.subnets),
      peeringState: 'Initiated',
      remoteAddressSpace: [],
      provisioningState: 'Succeeded',
      resourceGuid: randomUUID(),
      etag: etag(),
      operationId: undefined,
    };
    vnet.peerings.push(p);
    this.#applyPut(vnet, p, write, true);
  }

  deletePeering(vnetId: string, name: string): void {
    this.settle();
    const { vnet, p } = this.#mustPeering(vnetId, name);
    this.#removePeering(vnet, p);
  }

  updatePeering(vnetId: string, name: string, patch: Partial<PeeringProperties>): void {
    this.settle();
    const { vnet, p } = this.#mustPeering(vnetId, name);
    if (patch.remoteVirtualNetwork && key(patch.remoteVirtualNetwork.id) !== key(p.remoteVnetId)) {
      throw new Error('ChangingRemoteVirtualNetworkNotAllowed: delete the peering and create it again');
    }
    for (const s of SETTING_NAMES) {
      const v = patch[s];
      if (v !== undefined) p.settings[s] = v;
    }
    if (patch.peerCompleteVnets !== undefined) p.subnets.peerCompleteVnets = patch.peerCompleteVnets;
    if (patch.enableOnlyIPv6Peering !== undefined) p.subnets.enableOnlyIPv6Peering = patch.enableOnlyIPv6Peering;
    if (patch.localSubnetNames) p.subnets.localSubnetNames = [...patch.localSubnetNames];
    if (patch.remoteSubnetNames) p.subnets.remoteSubnetNames = [...patch.remoteSubnetNames];
    if (patch.peeringState) p.peeringState = patch.peeringState;
    if (patch.provisioningState) p.provisioningState = patch.provisioningState;
    if (patch.remoteAddressSpace) p.remoteAddressSpace = [...patch.remoteAddressSpace.addressPrefixes];
    p.etag = etag();
    vnet.etag = etag();
  }

  setAddressSpace(vnetId: string, prefixes: string[]): void {
    this.settle();
    const vnet = this.#mustVnet(vnetId);
    vnet.addressPrefixes = [...prefixes];
    vnet.etag = etag();
  }

  /** Replaces the VNet's subnets (a gateway added or removed, a subnet renamed); sync levels follow. */
  setSubnets(vnetId: string, subnets: SubnetSpec[]): void {
    this.settle();
    const vnet = this.#mustVnet(vnetId);
    vnet.subnets = subnets.map(toSubnet);
    vnet.etag = etag();
  }

  /** Delete and re-create the VNet: its peerings vanish; peerings pointing at it turn Disconnected. */
  recreateVnet(vnetId: string): void {
    this.settle();
    const vnet = this.#mustVnet(vnetId);
    vnet.peerings = [];
    vnet.resourceGuid = randomUUID();
    vnet.etag = etag();
    for (const other of this.#vnets.values()) {
      for (const q of other.peerings) {
        if (key(q.remoteVnetId) === key(vnet.id)) {
          q.peeringState = 'Disconnected';
          q.etag = etag();
          other.etag = etag();
        }
      }
    }
  }
}

function findPeering(vnet: Vnet, name: string): Peering | undefined {
  return vnet.peerings.find((p) => key(p.name) === key(name));
}

function findSubnet(vnet: Vnet, name: string): Subnet | undefined {
  return vnet.subnets.find((s) => key(s.name) === key(name));
}

function sameNames(a: string[], b: string[]): boolean {
  return sameAddressSpace(a, b);
}

/** spec §3: a gateway in GatewaySubnet, or a route server in RouteServerSubnet, shown by their IP configurations. */
export function hasGateway(vnet: { subnets: { name: string; ipConfigurations: string[] }[] }): boolean {
  return vnet.subnets.some(
    (s) =>
      (key(s.name) === 'gatewaysubnet' && s.ipConfigurations.some((id) => GATEWAY_CONFIG.test(id))) ||
      (key(s.name) === 'routeserversubnet' && s.ipConfigurations.some((id) => ROUTE_SERVER_CONFIG.test(id))),
  );
}

function toSubnet(s: SubnetSpec): Subnet {
  const listForm = s.addressPrefixes !== undefined;
  return {
    name: s.name,
    prefixes: [...(s.addressPrefixes ?? (s.addressPrefix !== undefined ? [s.addressPrefix] : []))],
    listForm,
    ipConfigurations: [...(s.ipConfigurations ?? [])],
  };
}

/** The world's subnets, with GatewaySubnet and RouteServerSubnet added (or given their IP configuration) as the flags ask. */
function buildSubnets(spec: VnetSpec): Subnet[] {
  const first = spec.addressPrefixes.find((p) => !isIpv6(p)) ?? spec.addressPrefixes[0];
  const subnets: Subnet[] = spec.subnets
    ? spec.subnets.map(toSubnet)
    : first
      ? [toSubnet({ name: 'default', addressPrefix: subPrefix(first, 24, 'first') ?? first })]
      : [];
  const base = spec.id.replace(/\/providers\/Microsoft\.Network\/virtualNetworks\/.*$/i, '/providers/Microsoft.Network');
  const vnetName = parseVnetId(spec.id)?.name ?? 'vnet';
  const ensure = (name: string, prefix: string | undefined, config: string) => {
    let s = subnets.find((x) => key(x.name) === key(name));
    if (!s) {
      if (!prefix) return;
      s = toSubnet({ name, addressPrefix: prefix });
      subnets.push(s);
    }
    if (!s.ipConfigurations.some((id) => key(id) === key(config))) s.ipConfigurations.push(config);
  };
  if (spec.hasGateway) {
    ensure(
      'GatewaySubnet',
      first ? subPrefix(first, 27, 'last') : undefined,
      `${base}/virtualNetworkGateways/${vnetName}-gw/ipConfigurations/default`,
    );
  }
  if (spec.hasRouteServer) {
    ensure(
      'RouteServerSubnet',
      first ? subPrefix(first, 27, { fromEnd: 1 }) : undefined,
      `${base}/virtualHubs/${vnetName}-rs/ipConfigurations/ipconfig1`,
    );
  }
  return subnets;
}

export function vnetNotFound(vnetId: string): ArmError {
  const parsed = parseVnetId(vnetId);
  return {
    status: 404,
    code: 'ResourceNotFound',
    message: `The Resource 'Microsoft.Network/virtualNetworks/${parsed?.name ?? vnetId}' under resource group '${parsed?.resourceGroup ?? '?'}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  };
}

export function operationPath(op: Operation): string {
  return `/subscriptions/${op.subscriptionId}/providers/Microsoft.Network/locations/${op.location}/operations/${op.id}`;
}

export function operationResultPath(op: Operation): string {
  return `/subscriptions/${op.subscriptionId}/providers/Microsoft.Network/locations/${op.location}/operationResults/${op.id}`;
}
