// The only module that imports @azure/arm-network. One client per side, each signed in to the tenant
// that owns its subscription and carrying the other tenant's token as an auxiliary token, which
// Azure needs to check the remote VNet of a cross-tenant peering.
import { NetworkManagementClient, type VirtualNetworkPeering } from '@azure/arm-network';
import { auxiliaryAuthenticationHeaderPolicy, type PipelinePolicy } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type {
  ObservedPeering,
  PeeringSettings,
  PeeringState,
  SyncLevel,
  VnetInfo,
  VnetRef,
} from '../model.ts';

/** What one write sends: the managed settings, the remote VNet, and how to send it. */
export interface PeeringWrite extends PeeringSettings {
  readonly remoteVnetId: string;
  /** Writable fields of the existing peering that the action does not manage, kept as they are. */
  readonly preserved: Readonly<Record<string, unknown>>;
  /** Send syncRemoteAddressSpace=true (harmless on any PUT of an existing peering). */
  readonly syncRemoteAddressSpace: boolean;
  /** Ask a Disconnected peering to go back to Initiated. */
  readonly reinitiate: boolean;
}

export interface WriteOptions {
  readonly signal: AbortSignal;
  /** Called once Azure has accepted the request (the write happened, whatever the operation's end). */
  readonly onAccepted: () => void;
}

/** Everything the action does on one VNet. */
export interface SideApi {
  readVnet(signal: AbortSignal): Promise<VnetInfo>;
  listPeerings(signal: AbortSignal): Promise<ObservedPeering[]>;
  getPeering(name: string, signal: AbortSignal): Promise<ObservedPeering | undefined>;
  putPeering(name: string, write: PeeringWrite, options: WriteOptions): Promise<void>;
  deletePeering(name: string, options: WriteOptions): Promise<void>;
}

export interface SideConnection {
  readonly vnet: VnetRef;
  readonly credential: TokenCredential;
  /** The other tenant's credential; undefined when both sides share a tenant. */
  readonly auxiliary: TokenCredential | undefined;
  readonly armEndpoint: string;
  readonly armScope: string;
  readonly userAgent: string;
}

// Fields Azure computes or that identify the resource: never echoed back from a read.
const NOT_PRESERVED = new Set([
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
  'allowVirtualNetworkAccess',
  'allowForwardedTraffic',
  'allowGatewayTransit',
  'useRemoteGateways',
]);

const PEERING_STATES: readonly string[] = ['Connected', 'Initiated', 'Disconnected'];
const SYNC_LEVELS: readonly string[] = [
  'FullyInSync',
  'LocalNotInSync',
  'RemoteNotInSync',
  'LocalAndRemoteNotInSync',
];

function toState(value: string | undefined): Exclude<PeeringState, 'Missing'> {
  const found = PEERING_STATES.find((s) => s.toLowerCase() === (value ?? '').toLowerCase());
  // A peering without a state has not been seen by its counterpart.
  return found === 'Connected' || found === 'Disconnected' ? found : 'Initiated';
}

function toSyncLevel(value: string | undefined): SyncLevel {
  const found = SYNC_LEVELS.find((s) => s.toLowerCase() === (value ?? '').toLowerCase());
  return found === 'FullyInSync' ||
    found === 'LocalNotInSync' ||
    found === 'RemoteNotInSync' ||
    found === 'LocalAndRemoteNotInSync'
    ? found
    : '';
}

export function toObserved(p: VirtualNetworkPeering): ObservedPeering {
  const preserved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p)) {
    if (!NOT_PRESERVED.has(key) && value !== undefined) preserved[key] = value;
  }
  return {
    id: p.id ?? '',
    name: p.name ?? '',
    remoteVnetId: p.remoteVirtualNetwork?.id ?? '',
    peeringState: toState(p.peeringState),
    syncLevel: toSyncLevel(p.peeringSyncLevel),
    provisioningState: p.provisioningState ?? '',
    allowVirtualNetworkAccess: p.allowVirtualNetworkAccess ?? true,
    allowForwardedTraffic: p.allowForwardedTraffic ?? false,
    allowGatewayTransit: p.allowGatewayTransit ?? false,
    useRemoteGateways: p.useRemoteGateways ?? false,
    remoteAddressSpace: p.remoteAddressSpace?.addressPrefixes,
    remoteVirtualNetworkAddressSpace: p.remoteVirtualNetworkAddressSpace?.addressPrefixes,
    preserved,
  };
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

export function createSideApi(c: SideConnection): SideApi {
  const policies: { policy: PipelinePolicy; position: 'perCall' | 'perRetry' }[] = [
    { policy: retryHintPolicy, position: 'perCall' },
  ];
  if (c.auxiliary) {
    const aux = auxiliaryAuthenticationHeaderPolicy({ credentials: [c.auxiliary], scopes: [c.armScope] });
    policies.push({ policy: aux, position: 'perRetry' });
  }
  const client = new NetworkManagementClient(c.credential, c.vnet.subscriptionId, {
    endpoint: c.armEndpoint,
    // arm-network does not derive the scope from the endpoint.
    credentials: { scopes: [c.armScope] },
    userAgentOptions: { userAgentPrefix: c.userAgent },
    // Retrying is the action's own job (src/apply.ts, src/retry.ts): it logs every wait, keeps
    // Azure's last refusal to report, and reads the peering again before writing again, which
    // the SDK's silent retries of 429/5xx would not.
    retryOptions: { maxRetries: 0 },
    additionalPolicies: policies,
  });
  const { resourceGroup, name: vnetName } = c.vnet;

  return {
    async readVnet(signal) {
      const v = await client.virtualNetworks.get(resourceGroup, vnetName, { abortSignal: signal });
      return {
        id: v.id ?? c.vnet.id,
        name: v.name ?? vnetName,
        location: v.location ?? '',
        addressPrefixes: v.addressSpace?.addressPrefixes ?? [],
      };
    },
    async listPeerings(signal) {
      const found: ObservedPeering[] = [];
      for await (const p of client.virtualNetworkPeerings.list(resourceGroup, vnetName, { abortSignal: signal })) {
        found.push(toObserved(p));
      }
      return found;
    },
    async getPeering(name, signal) {
      try {
        return toObserved(await client.virtualNetworkPeerings.get(resourceGroup, vnetName, name, { abortSignal: signal }));
      } catch (e: unknown) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async putPeering(name, w, { signal, onAccepted }) {
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
      const poller = client.virtualNetworkPeerings.createOrUpdate(resourceGroup, vnetName, name, body, {
        abortSignal: signal,
        ...(w.syncRemoteAddressSpace ? { syncRemoteAddressSpace: 'true' } : {}),
      });
      await poller.submitted();
      onAccepted();
      await poller.pollUntilDone({ abortSignal: signal });
    },
    async deletePeering(name, { signal, onAccepted }) {
      const poller = client.virtualNetworkPeerings.delete(resourceGroup, vnetName, name, { abortSignal: signal });
      await poller.submitted();
      onAccepted();
      await poller.pollUntilDone({ abortSignal: signal });
    },
  };
}
