// The only module that imports @azure/arm-network. One VnetApi per VNet and identity: it reads the
// VNet (whose body carries its peerings, subnets and gateway, spec/azure.md §3), writes its
// peerings, and reads what the identity may do there. A write whose remote VNet lives in another
// tenant carries that tenant's token as the auxiliary token Azure needs for the linked check.
import { NetworkManagementClient, type Subnet, type VirtualNetworkPeering } from '@azure/arm-network';
import {
  auxiliaryAuthenticationHeaderPolicy,
  createDefaultHttpClient,
  createPipelineRequest,
  type PipelinePolicy,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { bounded } from '../clock.ts';
import {
  SETTING_KEYS,
  type FoundSettings,
  type ObservedPeering,
  type PeeringScope,
  type PeeringSettings,
  type Permission,
  type PeeringState,
  type SubnetInfo,
  type SyncLevel,
  type VnetInfo,
  type VnetRef,
} from '../model.ts';

/** The api-version `@azure/arm-network` sends for VNets and peerings (named in advice). */
export const NETWORK_API_VERSION = '2026-01-01';
const PERMISSIONS_API_VERSION = '2022-04-01';

/** What one write sends: the managed settings, the remote VNet, and how to send it. */
export interface PeeringWrite extends PeeringSettings {
  readonly remoteVnetId: string;
  /** Subnet peering to write; undefined keeps whatever `preserved` holds (kind not managed). */
  readonly scope: PeeringScope | undefined;
  /** Writable fields of the existing peering that the action does not manage, kept as they are. */
  readonly preserved: Readonly<Record<string, unknown>>;
  /** Send syncRemoteAddressSpace=true (harmless on any PUT of an existing peering). */
  readonly syncRemoteAddressSpace: boolean;
  /** Ask a Disconnected peering to go back to Initiated. */
  readonly reinitiate: boolean;
}

export interface WriteOptions {
  readonly signal: AbortSignal;
  /** The remote VNet's tenant: its token rides along as the auxiliary token when it is not ours. */
  readonly remoteTenantId: string;
  /** Called once Azure has accepted the request (the write happened, whatever the operation's end). */
  readonly onAccepted: () => void;
}

/** Everything the action does on one VNet, as one identity. */
export interface VnetApi {
  readVnet(signal: AbortSignal): Promise<VnetInfo>;
  getPeering(name: string, signal: AbortSignal): Promise<ObservedPeering | undefined>;
  putPeering(name: string, write: PeeringWrite, options: WriteOptions): Promise<void>;
  deletePeering(name: string, options: WriteOptions): Promise<void>;
  /** What this identity may do on the VNet; undefined when it may not read its own permissions. */
  permissions(signal: AbortSignal): Promise<readonly Permission[] | undefined>;
}

export interface VnetConnection {
  readonly vnet: VnetRef;
  readonly tenantId: string;
  readonly credential: TokenCredential;
  /** The credential whose token another tenant's VNet needs; undefined when none is known. */
  readonly auxiliaryFor: (tenantId: string) => TokenCredential | undefined;
  readonly armEndpoint: string;
  readonly armScope: string;
  readonly userAgent: string;
}

// Fields Azure computes, that identify the resource, or that the action writes itself: never
// echoed back from a read. Everything else the user (or another tool) set is sent back as it is.
const NOT_PRESERVED = new Set<string>([
  'id',
  'name',
  'type',
  'etag',
  'provisioningState',
  'resourceGuid',
  'peeringState',
  'peeringSyncLevel',
  'remoteAddressSpace',
  'remoteVirtualNetworkAddressSpace',
  'remoteVirtualNetworkEncryption',
  'localAddressSpace',
  'localVirtualNetworkAddressSpace',
  'remoteBgpCommunities',
  'remoteVirtualNetwork',
  ...SETTING_KEYS,
]);
const SCOPE_FIELDS = ['peerCompleteVnets', 'localSubnetNames', 'remoteSubnetNames', 'enableOnlyIPv6Peering'];

const PEERING_STATES: readonly string[] = ['Connected', 'Initiated', 'Disconnected'];
const SYNC_LEVELS: readonly SyncLevel[] = ['FullyInSync', 'LocalNotInSync', 'RemoteNotInSync', 'LocalAndRemoteNotInSync'];

function toState(value: unknown): Exclude<PeeringState, 'Missing'> {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  const found = PEERING_STATES.find((s) => s.toLowerCase() === text);
  // A peering without a state has not been seen by its counterpart.
  return found === 'Connected' || found === 'Disconnected' ? found : 'Initiated';
}

function toSyncLevel(value: unknown): SyncLevel {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  return SYNC_LEVELS.find((s) => s.toLowerCase() === text) ?? '';
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v) ?? '');
const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const prefixes = (v: unknown): string[] | undefined => (Array.isArray(v) ? names(v) : undefined);

/** A setting as found: Azure's boolean, its default when absent, or the odd value as text. */
function setting(v: unknown, fallback: boolean): boolean | string {
  if (typeof v === 'boolean') return v;
  return v === undefined || v === null ? fallback : text(v);
}

export function toObserved(p: VirtualNetworkPeering): ObservedPeering {
  const preserved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p)) {
    if (!NOT_PRESERVED.has(key) && value !== undefined) preserved[key] = value;
  }
  const settings: FoundSettings = {
    allowVirtualNetworkAccess: setting(p.allowVirtualNetworkAccess, true),
    allowForwardedTraffic: setting(p.allowForwardedTraffic, false),
    allowGatewayTransit: setting(p.allowGatewayTransit, false),
    useRemoteGateways: setting(p.useRemoteGateways, false),
  };
  return {
    id: text(p.id),
    name: text(p.name),
    remoteVnetId: text(p.remoteVirtualNetwork?.id),
    peeringState: toState(p.peeringState),
    syncLevel: toSyncLevel(p.peeringSyncLevel),
    provisioningState: text(p.provisioningState),
    ...settings,
    remoteAddressSpace: prefixes(p.remoteAddressSpace?.addressPrefixes),
    remoteVirtualNetworkAddressSpace: prefixes(p.remoteVirtualNetworkAddressSpace?.addressPrefixes),
    scope: {
      complete: p.peerCompleteVnets !== false,
      localSubnets: names(p.localSubnetNames),
      remoteSubnets: names(p.remoteSubnetNames),
      ipv6Only: p.enableOnlyIPv6Peering === true,
    },
    preserved,
  };
}

// A gateway lives in GatewaySubnet (virtualNetworkGateways) and a Route Server in
// RouteServerSubnet (virtualHubs); either serves useRemoteGateways. An empty GatewaySubnet does not.
const GATEWAY_REFERENCE = /\/providers\/Microsoft\.Network\/(virtualNetworkGateways|virtualHubs)\//i;

function subnetInfo(s: Subnet): SubnetInfo {
  const list = s.addressPrefixes?.length ? s.addressPrefixes : s.addressPrefix ? [s.addressPrefix] : [];
  return { name: text(s.name), prefixes: names(list) };
}

function hasGateway(subnets: readonly Subnet[]): boolean {
  return subnets.some(
    (s) =>
      /^(GatewaySubnet|RouteServerSubnet)$/i.test(text(s.name)) &&
      (s.ipConfigurations ?? []).some((c) => GATEWAY_REFERENCE.test(text(c.id))),
  );
}

/**
 * ARM often says when to retry only in its error body ("... can be retried in 7 seconds", in a
 * detail), and the SDK keeps no error body for write refusals. This turns that sentence into the
 * Retry-After header the action's retry loop reads.
 */
const retryHintPolicy: PipelinePolicy = {
  name: 'retryHintFromErrorBody',
  async sendRequest(request, next) {
    const response = await next(request);
    if (response.status >= 400 && !response.headers.get('retry-after') && response.bodyAsText) {
      const hint = /retried in (\d+) seconds?/i.exec(response.bodyAsText);
      if (hint?.[1]) response.headers.set('retry-after', hint[1]);
    }
    return response;
  },
};

function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && Reflect.get(e, 'statusCode') === 404;
}

function peeringBody(w: PeeringWrite): VirtualNetworkPeering {
  const body: VirtualNetworkPeering = {
    ...w.preserved,
    remoteVirtualNetwork: { id: w.remoteVnetId },
    allowVirtualNetworkAccess: w.allowVirtualNetworkAccess,
    allowForwardedTraffic: w.allowForwardedTraffic,
    allowGatewayTransit: w.allowGatewayTransit,
    useRemoteGateways: w.useRemoteGateways,
    // Azure ignores computed fields in a PUT body, but asking for Initiated is how one
    // published implementation brings a Disconnected peering back.
    ...(w.reinitiate ? { peeringState: 'Initiated' } : {}),
  };
  if (w.scope === undefined) return body;
  for (const f of SCOPE_FIELDS) Reflect.deleteProperty(body, f);
  if (w.scope.complete) return { ...body, peerCompleteVnets: true };
  return {
    ...body,
    peerCompleteVnets: false,
    localSubnetNames: [...w.scope.localSubnets],
    remoteSubnetNames: [...w.scope.remoteSubnets],
    enableOnlyIPv6Peering: w.scope.ipv6Only,
  };
}

export function createVnetApi(c: VnetConnection): VnetApi {
  const clients = new Map<string, NetworkManagementClient>();
  /** One client per auxiliary tenant (none for reads and same-tenant writes). */
  const clientFor = (remoteTenantId: string | undefined): NetworkManagementClient => {
    const aux = remoteTenantId && remoteTenantId.toLowerCase() !== c.tenantId.toLowerCase() ? c.auxiliaryFor(remoteTenantId) : undefined;
    const key = aux ? remoteTenantId?.toLowerCase() ?? '' : '';
    const known = clients.get(key);
    if (known) return known;
    const policies: { policy: PipelinePolicy; position: 'perCall' | 'perRetry' }[] = [{ policy: retryHintPolicy, position: 'perCall' }];
    if (aux) policies.push({ policy: auxiliaryAuthenticationHeaderPolicy({ credentials: [aux], scopes: [c.armScope] }), position: 'perRetry' });
    const client = new NetworkManagementClient(c.credential, c.vnet.subscriptionId, {
      endpoint: c.armEndpoint,
      // arm-network does not derive the scope from the endpoint.
      credentials: { scopes: [c.armScope] },
      userAgentOptions: { userAgentPrefix: c.userAgent },
      // Retrying is the action's own job (src/run/): it logs every wait, keeps Azure's last
      // refusal to report, and reads the peering again before writing again, which the SDK's
      // silent retries of 429/5xx would not.
      retryOptions: { maxRetries: 0 },
      additionalPolicies: policies,
    });
    clients.set(key, client);
    return client;
  };
  const { resourceGroup, name: vnetName } = c.vnet;

  return {
    async readVnet(signal) {
      const v = await bounded(clientFor(undefined).virtualNetworks.get(resourceGroup, vnetName, { abortSignal: signal }), signal);
      const subnets = v.subnets ?? [];
      return {
        id: v.id ?? c.vnet.id,
        name: v.name ?? vnetName,
        location: v.location ?? '',
        addressPrefixes: names(v.addressSpace?.addressPrefixes),
        subnets: subnets.map(subnetInfo),
        hasGateway: hasGateway(subnets),
        provisioningState: text(v.provisioningState),
        peerings: (v.virtualNetworkPeerings ?? []).map(toObserved),
      };
    },
    async getPeering(name, signal) {
      try {
        return toObserved(await bounded(clientFor(undefined).virtualNetworkPeerings.get(resourceGroup, vnetName, name, { abortSignal: signal }), signal));
      } catch (e: unknown) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async putPeering(name, w, { signal, onAccepted, remoteTenantId }) {
      const poller = clientFor(remoteTenantId).virtualNetworkPeerings.createOrUpdate(resourceGroup, vnetName, name, peeringBody(w), {
        abortSignal: signal,
        ...(w.syncRemoteAddressSpace ? { syncRemoteAddressSpace: 'true' } : {}),
      });
      await bounded(poller.submitted(), signal);
      onAccepted();
      await bounded(poller.pollUntilDone({ abortSignal: signal }), signal);
    },
    async deletePeering(name, { signal, onAccepted, remoteTenantId }) {
      const poller = clientFor(remoteTenantId).virtualNetworkPeerings.delete(resourceGroup, vnetName, name, { abortSignal: signal });
      await bounded(poller.submitted(), signal);
      onAccepted();
      await bounded(poller.pollUntilDone({ abortSignal: signal }), signal);
    },
    async permissions(signal) {
      const client = clientFor(undefined);
      const url = `${c.armEndpoint}${c.vnet.id}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API_VERSION}`;
      const response = await bounded(client.pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url, abortSignal: signal })), signal);
      // Reading one's own permissions needs Microsoft.Authorization/*/read; without it, say nothing.
      if (response.status === 401 || response.status === 403) return undefined;
      if (response.status !== 200) throw Object.assign(new Error(`Reading permissions on ${c.vnet.name}: HTTP ${response.status}`), { statusCode: response.status });
      const parsed: unknown = JSON.parse(response.bodyAsText ?? '{}');
      const value: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'value') : undefined;
      if (!Array.isArray(value)) return [];
      return value.map((p: unknown) => ({
        actions: names(typeof p === 'object' && p !== null ? Reflect.get(p, 'actions') : undefined),
        notActions: names(typeof p === 'object' && p !== null ? Reflect.get(p, 'notActions') : undefined),
      }));
    },
  };
}
