// The network resource provider: VNets, peerings, their life cycle, the rules Azure enforces on a
// peering write, and long-running operations. No HTTP here; `arm.ts` maps requests onto it.
// Time only moves through `settle()`, called before every observation, so no timers are needed.
import { randomUUID } from 'node:crypto';
import { overlappingPrefixes, sameAddressSpace, subPrefix } from './cidr.ts';
import { parseVnetId } from './world.ts';
import type { Behavior, PeeringSpec, PeeringStateName, ProvisioningStateName, SubnetSpec, World } from './world.ts';
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
  peerCompleteVnets: boolean;
  enableOnlyIPv6Peering: boolean;
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
    addressPrefix: string;
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
    provisioningState: ProvisioningStateName;
    resourceGuid: string;
    addressSpace: AddressSpace;
    subnets: SubnetBody[];
    virtualNetworkPeerings: PeeringBody[];
    enableDdosProtection: boolean;
  };
}

export interface ErrorBody {
  code: string;
  message: string;
  details?: ErrorBody[];
}

/** A synchronous error answer. */
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

/** What a PUT asks for; the computed fields of the body are not part of it. */
export interface PeeringWrite {
  remoteVnetId: string;
  settings: PeeringSettings;
}

interface Peering {
  name: string;
  remoteVnetId: string;
  settings: PeeringSettings;
  peeringState: PeeringStateName;
  remoteAddressSpace: string[];
  provisioningState: ProvisioningStateName;
  resourceGuid: string;
  etag: string;
  operationId: string | undefined;
}

interface Vnet {
  id: string;
  name: string;
  subscriptionId: string;
  location: string;
  addressPrefixes: string[];
  hasGateway: boolean;
  subnets: SubnetSpec[];
  resourceGuid: string;
  etag: string;
  peerings: Peering[];
  heldUntil: number;
}

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

type Planned =
  { status: 'Succeeded' } | { status: 'Failed'; error: ErrorBody; revert: boolean } | { status: 'Canceled'; error: ErrorBody };

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
  sync: boolean;
  /** The peering before this write (undefined: it did not exist), to revert a cancelled write. */
  previous: Peering | undefined;
}

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

const key = (id: string) => id.toLowerCase();
const etag = () => `W/"${randomUUID()}"`;
const opName = (kind: 'PUT' | 'DELETE') =>
  kind === 'PUT' ? 'PutVirtualNetworkPeeringOperation' : 'DeleteVirtualNetworkPeeringOperation';

function clonePeering(p: Peering): Peering {
  return { ...p, settings: { ...p.settings }, remoteAddressSpace: [...p.remoteAddressSpace] };
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
  for (const name of SETTING_NAMES) {
    const v = p[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'boolean') return bad(`Cannot parse the request. Property '${name}' must be true or false.`);
    settings[name] = v;
  }
  return { ok: true, write: { remoteVnetId: remoteId, settings } };
}

export interface NetworkDeps {
  now: () => number;
  timing: () => Timing;
  behavior: () => Behavior;
}

export class Network {
  readonly #vnets = new Map<string, Vnet>();
  readonly #operations = new Map<string, Operation>();
  readonly #failNext: FailDirective[] = [];
  readonly #deps: NetworkDeps;

  constructor(world: World, deps: NetworkDeps) {
    this.#deps = deps;
    for (const spec of world.vnets) {
      const parsed = parseVnetId(spec.id);
      if (!parsed) continue;
      const subnets = spec.subnets ?? defaultSubnets(spec.addressPrefixes, spec.hasGateway ?? false);
      this.#vnets.set(key(spec.id), {
        id: spec.id,
        name: parsed.name,
        subscriptionId: parsed.subscriptionId,
        location: spec.location,
        addressPrefixes: [...spec.addressPrefixes],
        hasGateway: spec.hasGateway ?? false,
        subnets,
        resourceGuid: randomUUID(),
        etag: etag(),
        peerings: [],
        heldUntil: 0,
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
    vnet.peerings.push({
      name: spec.name,
      remoteVnetId: remote?.id ?? spec.remoteVnetId,
      settings,
      peeringState: spec.peeringState ?? (counterpartListed ? 'Connected' : 'Initiated'),
      remoteAddressSpace: [...(spec.remoteAddressPrefixes ?? remote?.addressPrefixes ?? [])],
      provisioningState: spec.provisioningState ?? 'Succeeded',
      resourceGuid: randomUUID(),
      etag: etag(),
      operationId: undefined,
    });
  }

  // ---- time ------------------------------------------------------------------------------

  /** Completes every operation whose time has come, in order. */
  settle(): void {
    const now = this.#deps.now();
    const due = [...this.#operations.values()]
      .filter((o) => o.status === 'InProgress' && o.endsAt <= now)
      .sort((a, b) => a.endsAt - b.endsAt);
    for (const op of due) this.#complete(op);
  }

  // ---- reading ---------------------------------------------------------------------------

  #vnet(id: string): Vnet | undefined {
    return this.#vnets.get(key(id));
  }

  hasVnet(id: string): boolean {
    return this.#vnets.has(key(id));
  }

  resourceGroupExists(subscriptionId: string, resourceGroup: string): boolean {
    const prefix = key(`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/`);
    return [...this.#vnets.keys()].some((k) => k.startsWith(prefix));
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

  #active(): Operation[] {
    return [...this.#operations.values()].filter((o) => o.status === 'InProgress');
  }

  #renderVnet(vnet: Vnet): VnetBody {
    const now = this.#deps.now();
    const updating = vnet.heldUntil > now || this.#active().some((o) => key(o.vnetId) === key(vnet.id));
    return {
      id: vnet.id,
      name: vnet.name,
      type: 'Microsoft.Network/virtualNetworks',
      location: vnet.location,
      etag: vnet.etag,
      properties: {
        provisioningState: updating ? 'Updating' : 'Succeeded',
        resourceGuid: vnet.resourceGuid,
        addressSpace: { addressPrefixes: [...vnet.addressPrefixes] },
        subnets: vnet.subnets.map((s) => ({
          id: `${vnet.id}/subnets/${s.name}`,
          name: s.name,
          etag: vnet.etag,
          type: 'Microsoft.Network/virtualNetworks/subnets',
          properties: {
            provisioningState: 'Succeeded',
            addressPrefix: s.addressPrefix,
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

  /** spec §4: local is stale when P's remoteAddressSpace is not Y's current space; remote is stale when Q is missing or Q's remoteAddressSpace is not X's current space. */
  #syncLevel(vnet: Vnet, p: Peering): SyncLevel {
    const remote = this.#vnet(p.remoteVnetId);
    const localStale = remote ? !sameAddressSpace(p.remoteAddressSpace, remote.addressPrefixes) : false;
    const q = remote ? this.#counterpart(remote, vnet.id) : undefined;
    const remoteStale = !q || !sameAddressSpace(q.remoteAddressSpace, vnet.addressPrefixes);
    if (localStale && remoteStale) return 'LocalAndRemoteNotInSync';
    if (localStale) return 'LocalNotInSync';
    if (remoteStale) return 'RemoteNotInSync';
    return 'FullyInSync';
  }

  #renderPeering(vnet: Vnet, p: Peering): PeeringBody {
    const remote = this.#vnet(p.remoteVnetId);
    const q = remote ? this.#counterpart(remote, vnet.id) : undefined;
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
        localAddressSpace: { addressPrefixes: [...(q?.remoteAddressSpace ?? vnet.addressPrefixes)] },
        localVirtualNetworkAddressSpace: { addressPrefixes: [...vnet.addressPrefixes] },
        peerCompleteVnets: true,
        enableOnlyIPv6Peering: false,
      },
    };
  }

  // ---- rules -----------------------------------------------------------------------------

  /** spec §4 and §5, in the order they are checked. */
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
    const remote = this.#vnet(write.remoteVnetId);
    if (!remote) {
      return err(
        'InvalidResourceReference',
        `Resource ${write.remoteVnetId} referenced by resource ${peeringId} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
      );
    }
    if (remote === vnet)
      return err(PEERING_WITH_ITSELF, `Peering ${peeringId} cannot reference its own virtual network ${vnet.id}.`);
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
    const overlap = overlappingPrefixes(vnet.addressPrefixes, remote.addressPrefixes);
    if (overlap.length > 0) {
      return err(
        'VnetAddressSpacesOverlap',
        `Cannot create or update peering ${peeringId}. Virtual networks ${vnet.id} and ${remote.id} cannot be peered because their address spaces overlap. Overlapping address prefixes: ${overlap.join(', ')}`,
      );
    }
    const peeredOverlap = (side: Vnet, newcomer: Vnet): ArmError | undefined => {
      for (const o of side.peerings) {
        if (key(o.remoteVnetId) === key(newcomer.id)) continue;
        const found = overlappingPrefixes(newcomer.addressPrefixes, o.remoteAddressSpace);
        if (found.length > 0) {
          return err(
            'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet',
            `Cannot create or update peering ${peeringId}. Address space of virtual network ${newcomer.id} overlaps with address space of virtual network ${o.remoteVnetId} already peered with virtual network ${side.id}. Overlapping address prefixes: ${found.join(', ')}`,
          );
        }
      }
      return undefined;
    };
    const peered = peeredOverlap(vnet, remote) ?? peeredOverlap(remote, vnet);
    if (peered) return peered;
    if (write.settings.useRemoteGateways && !remote.hasGateway) {
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

  /** What blocks a write touching these VNets: an operation in progress (other than `except`) or a hold. */
  #blocker(vnetIds: string[], except: Operation | undefined): { vnetId: string; operation: Operation | undefined } | undefined {
    const keys = vnetIds.map(key);
    for (const op of this.#active()) {
      if (op === except) continue;
      const hit = [op.vnetId, op.remoteVnetId].find((id) => id !== undefined && keys.includes(key(id)));
      if (hit) return { vnetId: hit, operation: op };
    }
    const now = this.#deps.now();
    for (const id of vnetIds) {
      const vnet = this.#vnet(id);
      if (vnet && vnet.heldUntil > now) return { vnetId: vnet.id, operation: undefined };
    }
    return undefined;
  }

  #conflict(kind: 'PUT' | 'DELETE', peeringId: string, blocker: { vnetId: string; operation: Operation | undefined }): ArmError {
    const seconds = this.#deps.timing().retryAfterSeconds;
    const otherName = blocker.operation ? opName(blocker.operation.kind) : 'PutVirtualNetworkOperation';
    const otherId = blocker.operation?.id ?? randomUUID();
    if (this.#deps.behavior().conflictAnswer === 'ReferencedResourceNotProvisioned') {
      return {
        status: 400,
        code: 'ReferencedResourceNotProvisioned',
        message: `Cannot proceed with operation because resource ${blocker.vnetId} used by resource ${peeringId} is not in Succeeded state. Resource is in Updating state and the last operation that updated/is updating the resource is ${otherName}.`,
      };
    }
    return {
      status: 429,
      code: 'RetryableError',
      message: 'A retryable error occurred.',
      details: [
        {
          code: 'RetryableErrorDueToAnotherOperation',
          message: `Operation ${otherName} (${otherId}) on resource ${blocker.vnetId} is in progress. Operation ${opName(kind)} on resource ${peeringId} can be retried in ${seconds} seconds.`,
        },
      ],
      retryAfter: seconds,
    };
  }

  #anotherOperation(blocker: { vnetId: string; operation: Operation | undefined }): ErrorBody {
    const url = blocker.operation ? operationPath(blocker.operation) : `${blocker.vnetId}`;
    return {
      code: 'AnotherOperationInProgress',
      message: `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${url}.`,
    };
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

  #newOperation(
    kind: 'PUT' | 'DELETE',
    vnet: Vnet,
    name: string,
    remoteVnetId: string,
    planned: Planned,
    sync: boolean,
    previous: Peering | undefined,
  ): Operation {
    const now = this.#deps.now();
    const op: Operation = {
      id: randomUUID(),
      kind,
      subscriptionId: vnet.subscriptionId,
      location: vnet.location,
      vnetId: vnet.id,
      peeringName: name,
      peeringId: `${vnet.id}/virtualNetworkPeerings/${name}`,
      remoteVnetId,
      acceptedAt: now,
      endsAt: now + Math.max(0, this.#deps.timing().operationMs),
      status: 'InProgress',
      error: undefined,
      planned,
      sync,
      previous,
    };
    this.#operations.set(key(op.id), op);
    return op;
  }

  #supersede(old: Operation, by: Operation): void {
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
    const superseded = running?.status === 'InProgress' ? running : undefined;
    let planned: Planned = { status: 'Succeeded' };
    const blocker =
      superseded?.kind === 'DELETE' ? { vnetId: vnet.id, operation: superseded } : this.#blocker([vnet.id, remoteId], superseded);
    if (blocker) {
      if (this.#deps.behavior().conflictAnswer !== 'AnotherOperationInProgress')
        return { ok: false, error: this.#conflict('PUT', peeringId, blocker) };
      planned = { status: 'Failed', error: this.#anotherOperation(blocker), revert: true };
    }
    planned = planned.status === 'Succeeded' ? (this.#takeDirective('PUT', vnet.id) ?? planned) : planned;
    const previous = superseded ? superseded.previous : existing ? clonePeering(existing) : undefined;
    let p = existing;
    if (!p) {
      p = {
        name,
        remoteVnetId: remoteId,
        settings: { ...write.settings },
        peeringState: 'Initiated',
        remoteAddressSpace: [...(remote?.addressPrefixes ?? [])],
        provisioningState: 'Updating',
        resourceGuid: randomUUID(),
        etag: etag(),
        operationId: undefined,
      };
      vnet.peerings.push(p);
    }
    p.settings = { ...write.settings };
    p.provisioningState = 'Updating';
    p.etag = etag();
    vnet.etag = etag();
    const op = this.#newOperation('PUT', vnet, p.name, remoteId, planned, sync, previous);
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
    const superseded = running?.status === 'InProgress' ? running : undefined;
    let planned: Planned = { status: 'Succeeded' };
    const blocker = this.#blocker([vnet.id, p.remoteVnetId], superseded);
    if (blocker) {
      if (this.#deps.behavior().conflictAnswer !== 'AnotherOperationInProgress')
        return { ok: false, error: this.#conflict('DELETE', peeringId, blocker) };
      planned = { status: 'Failed', error: this.#anotherOperation(blocker), revert: true };
    }
    planned = planned.status === 'Succeeded' ? (this.#takeDirective('DELETE', vnet.id) ?? planned) : planned;
    const previous = superseded ? superseded.previous : clonePeering(p);
    p.provisioningState = 'Deleting';
    p.etag = etag();
    const op = this.#newOperation('DELETE', vnet, p.name, p.remoteVnetId, planned, false, previous);
    if (superseded) this.#supersede(superseded, op);
    p.operationId = op.id;
    return { ok: true, operation: op };
  }

  #complete(op: Operation): void {
    op.status = op.planned.status;
    op.error = op.planned.status === 'Succeeded' ? undefined : op.planned.error;
    const vnet = this.#vnet(op.vnetId);
    const p = vnet ? findPeering(vnet, op.peeringName) : undefined;
    if (!vnet || !p || p.operationId !== op.id) return;
    p.operationId = undefined;
    p.etag = etag();
    const planned = op.planned;
    if (planned.status === 'Succeeded') {
      if (op.kind === 'PUT') this.#finishPut(vnet, p, op.sync || !op.previous || op.previous.peeringState === 'Disconnected');
      else this.#removePeering(vnet, p);
    } else if (planned.status === 'Canceled' || planned.revert) {
      this.#restore(vnet, op.peeringName, op.previous);
    } else {
      p.provisioningState = 'Failed';
    }
  }

  #finishPut(vnet: Vnet, p: Peering, refreshRemoteSpace: boolean): void {
    p.provisioningState = 'Succeeded';
    const remote = this.#vnet(p.remoteVnetId);
    if (refreshRemoteSpace && remote) p.remoteAddressSpace = [...remote.addressPrefixes];
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
    vnet.etag = etag();
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

  #restore(vnet: Vnet, name: string, previous: Peering | undefined): void {
    const others = vnet.peerings.filter((x) => key(x.name) !== key(name));
    const index = vnet.peerings.findIndex((x) => key(x.name) === key(name));
    if (previous) others.splice(Math.max(0, index), 0, { ...clonePeering(previous), operationId: undefined, etag: etag() });
    vnet.peerings = others;
    vnet.etag = etag();
  }

  // ---- test controls ---------------------------------------------------------------------

  failNextOperation(d: FailDirective): void {
    this.#failNext.push(d);
  }

  /** Another operation is in progress on the VNet for `ms` from now (0 releases it). */
  hold(vnetId: string, ms: number): void {
    const vnet = this.#mustVnet(vnetId);
    vnet.heldUntil = this.#deps.now() + Math.max(0, ms);
  }

  /** Ends every operation in progress now, in the order they were accepted, as if their time had come. */
  finishOperations(): void {
    this.settle();
    for (const op of this.#active().sort((a, b) => a.acceptedAt - b.acceptedAt)) this.#complete(op);
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
      peeringState: 'Initiated',
      remoteAddressSpace: [...remote.addressPrefixes],
      provisioningState: 'Succeeded',
      resourceGuid: randomUUID(),
      etag: etag(),
      operationId: undefined,
    };
    vnet.peerings.push(p);
    this.#finishPut(vnet, p, true);
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

function defaultSubnets(prefixes: string[], hasGateway: boolean): SubnetSpec[] {
  const first = prefixes[0];
  if (!first) return [];
  const subnets: SubnetSpec[] = [{ name: 'default', addressPrefix: subPrefix(first, 24, 'first') ?? first }];
  const gw = subPrefix(first, 27, 'last');
  if (hasGateway && gw) subnets.push({ name: 'GatewaySubnet', addressPrefix: gw });
  return subnets;
}
