// Plain data shared by the pipeline: config -> sign in -> observe -> plan -> schedule -> execute ->
// verify -> report. A run is a list of links; the pair inputs make a one-link topology.
// Nothing here touches @actions/core, an SDK or the clock.

export type Side = 'a' | 'b';
export const SIDES: readonly Side[] = ['a', 'b'];
export const other = (side: Side): Side => (side === 'a' ? 'b' : 'a');

export type Mode = 'apply' | 'plan';
export type Ensure = 'present' | 'absent';
export type GatewayTransit = 'none' | Side;
export type PeeringState = 'Connected' | 'Initiated' | 'Disconnected' | 'Missing';
export type SyncLevel =
  | 'FullyInSync'
  | 'LocalNotInSync'
  | 'RemoteNotInSync'
  | 'LocalAndRemoteNotInSync'
  | '';
/** One direction's action, in precedence order (the first that applies wins, spec/action.md step 3). */
export const SIDE_ACTIONS = ['delete', 'replace', 'recreate', 'create', 'update', 'sync', 'none'] as const;
export type SideAction = (typeof SIDE_ACTIONS)[number];
/** done: written; planned: plan mode; failed: tried and failed; skipped: not tried; none: nothing to do. */
export type Outcome = 'done' | 'planned' | 'failed' | 'skipped' | 'none';

/** The peering settings the action manages, in the order reports list them. */
export const SETTING_KEYS = ['allowVirtualNetworkAccess', 'allowForwardedTraffic', 'allowGatewayTransit', 'useRemoteGateways'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
export type PeeringSettings = { readonly [K in SettingKey]: boolean };
/** Settings as Azure returned them: a value that is not a boolean is kept as text (and differs). */
export type FoundSettings = { readonly [K in SettingKey]: boolean | string };
/** The four settings, each taken from `pick`: copies exactly these keys out of a wider object. */
export function settingsOf<T>(pick: (key: SettingKey) => T): { readonly [K in SettingKey]: T } {
  return Object.fromEntries(SETTING_KEYS.map((k) => [k, pick(k)])) as { [K in SettingKey]: T };
}

/** A parsed VNet resource ID. */
export interface VnetRef {
  /** The ID as given, without a trailing slash. */
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** Who signs in: one credential per distinct identity, shared by every request that needs it. */
export interface Identity {
  readonly tenantId: string;
  readonly clientId: string;
}

/** A tenant of the run: the file's alias (pair inputs: 'A' and 'B', one when both are equal). */
export interface TenantEntry {
  readonly alias: string;
  readonly identity: Identity;
}

/** A VNet of the run and the identity that reads and writes it. */
export interface VnetEntry {
  readonly vnet: VnetRef;
  /** The file's alias; for the pair inputs, the VNet's name. */
  readonly alias: string;
  /** The alias of its tenant entry. */
  readonly tenant: string;
  readonly identity: Identity;
}

/**
 * Subnet-level peering of one direction (spec/azure.md §3): `peerCompleteVnets`,
 * `localSubnetNames` (this side's subnets), `remoteSubnetNames`, `enableOnlyIPv6Peering`.
 */
export interface PeeringScope {
  readonly complete: boolean;
  readonly localSubnets: readonly string[];
  readonly remoteSubnets: readonly string[];
  readonly ipv6Only: boolean;
}

/** The peering kind a link declares (spec/topology.md, Subnet-level peering). */
export type KindSpec =
  /** No `subnets`: a new peering is whole-VNet, an existing subnet peering is kept as it is. */
  | { readonly kind: 'unmanaged' }
  /** `subnets: '*'`: whole-VNet peering. */
  | { readonly kind: 'whole' }
  /** Lists of subnet names on VNet a and on VNet b. */
  | { readonly kind: 'subnets'; readonly subnets: Readonly<Record<Side, readonly string[]>>; readonly ipv6Only: boolean };

/**
 * Where a user fixes a link, as the config layer words it: input names for the pair inputs
 * ("input 'peering-name-a'"), the file entry for a topology ("peering-names of hubs[0].spokes[3]
 * in network/topology.yml"). Advice quotes these; no pure layer knows input names.
 */
export interface Locator {
  /** The link as a whole: "the step inputs" or "hubs[0].spokes[3] in network/topology.yml". */
  readonly link: string;
  readonly vnet: Readonly<Record<Side, string>>;
  readonly tenant: Readonly<Record<Side, string>>;
  readonly client: Readonly<Record<Side, string>>;
  readonly peeringName: Readonly<Record<Side, string>>;
  readonly gatewayTransit: string;
  readonly subnets: Readonly<Record<Side, string>>;
}

export interface LinkEnd {
  readonly vnet: VnetRef;
  readonly alias: string;
  /** The alias of the VNet's tenant entry. */
  readonly tenant: string;
  readonly identity: Identity;
  /** The peering name the user gave, or undefined to adopt an existing peering or default. */
  readonly givenPeeringName: string | undefined;
  /** `<local name>-to-<remote name>`, cut to 80 and trimmed: used when creating without a given name. */
  readonly defaultPeeringName: string;
}

/** One unordered VNet pair to keep peered (or torn down), and how. */
export interface Link {
  /** The two VNet resource IDs lowercased, sorted and joined with '|'. */
  readonly key: string;
  /** The file entry it came from ('hubs[0].spokes[3]'); 'inputs' for the pair inputs. */
  readonly entry: string;
  /** Declaration order in the file (0 for the pair): earlier links win conflicts. */
  readonly index: number;
  readonly ensure: Ensure;
  readonly ends: Readonly<Record<Side, LinkEnd>>;
  readonly allowVirtualNetworkAccess: boolean;
  readonly allowForwardedTraffic: boolean;
  /** Whose gateway the other side uses: 'a' sets allowGatewayTransit on a→b and useRemoteGateways on b→a. */
  readonly gatewayTransit: GatewayTransit;
  readonly kind: KindSpec;
  readonly locator: Locator;
}

export type TopologySource =
  | { readonly kind: 'inputs' }
  /** `path` relative to the workspace with '/', `digest` 'sha256:<hex>' of the file's bytes. */
  | { readonly kind: 'file'; readonly path: string; readonly digest: string };

/** Everything one run is asked to keep: the pair inputs give one link, a file gives many. */
export interface Topology {
  readonly links: readonly Link[];
  /** Every VNet of the file (also those in no link), in declaration order. */
  readonly vnets: readonly VnetEntry[];
  readonly tenants: readonly TenantEntry[];
  /** Delete undeclared peerings between two VNets of the file. */
  readonly prune: boolean;
  readonly source: TopologySource;
}

/** `shard: K/N`: this run carries out shard `index` (1-based) of `count`. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

// ---------------------------------------------------------------------------------------------
// What Azure holds

export interface SubnetInfo {
  readonly name: string;
  readonly prefixes: readonly string[];
}

/** A VNet as read (one GET carries its peerings, subnets and gateway, spec/azure.md §3). */
export interface VnetInfo {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly addressPrefixes: readonly string[];
  readonly subnets: readonly SubnetInfo[];
  /** A virtual network gateway or Route Server is attached (what useRemoteGateways needs). */
  readonly hasGateway: boolean;
  readonly provisioningState: string;
  readonly peerings: readonly ObservedPeering[];
}

/** A peering as read from Azure (the fields the action looks at). */
export interface ObservedPeering extends FoundSettings {
  readonly id: string;
  readonly name: string;
  readonly remoteVnetId: string;
  readonly peeringState: Exclude<PeeringState, 'Missing'>;
  readonly syncLevel: SyncLevel;
  readonly provisioningState: string;
  /** What is peered now, as Azure reports it; undefined when Azure did not say. */
  readonly remoteAddressSpace: readonly string[] | undefined;
  /** The remote VNet's current space, as Azure reports it; undefined when Azure did not say. */
  readonly remoteVirtualNetworkAddressSpace: readonly string[] | undefined;
  readonly scope: PeeringScope;
  /** Writable fields the action does not manage (sent back as they are on every write). */
  readonly preserved: Readonly<Record<string, unknown>>;
}

/** One role assignment's effective rights at a scope (Microsoft.Authorization/permissions). */
export interface Permission {
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// What the run found and did

/** An Azure or Entra error, or a finding of ours, reduced to what the user needs. */
export interface Problem {
  /** Azure / Entra error code, or a code of ours (e.g. PeeringNameConflict). */
  readonly code: string;
  /** The original message (outside text: escape before rendering). */
  readonly message: string;
  /** One or two sentences on cause and fix; '' when none is known. */
  readonly advice: string;
}

/** The outcome for one direction of a link, as reported. */
export interface SideResult {
  readonly side: Side;
  readonly vnet: VnetRef;
  readonly remoteVnet: VnetRef;
  readonly tenantId: string;
  readonly addressSpace: readonly string[];
  readonly peeringName: string;
  readonly peeringId: string;
  readonly state: PeeringState;
  readonly syncLevel: SyncLevel;
  readonly provisioningState: string;
  /** Settings found on the peering after the run (undefined when missing). */
  readonly settings: FoundSettings | undefined;
  readonly desired: PeeringSettings;
  /** Subnet peering as found (undefined when missing). */
  readonly scope: PeeringScope | undefined;
  /** Subnet peering as wanted; undefined when the link does not manage the kind. */
  readonly desiredScope: PeeringScope | undefined;
  readonly action: SideAction;
  readonly outcome: Outcome;
  /**
   * The writes Azure accepted on this direction, in order: a recreate that re-PUT the side is
   * ['PUT'] (reconnected), one that had to delete and create it is ['PUT', 'DELETE', 'PUT'].
   */
  readonly writes: readonly ('PUT' | 'DELETE')[];
  /** Why the action was chosen, in a few words. */
  readonly reason: string;
  readonly problem: Problem | undefined;
}

export interface LinkResult {
  readonly link: Link;
  readonly sides: Readonly<Record<Side, SideResult>>;
  /**
   * Ends as asked: present, both directions Connected, FullyInSync, Succeeded, with the asked-for
   * settings and subnets; absent, no peering left on either side. In plan mode: as found.
   */
  readonly healthy: boolean;
  /** Findings that do not block (plan mode: a permission the planning identity lacks). */
  readonly warnings: readonly Problem[];
}

/** A peering between two VNets of the file that no link declares. */
export interface UnmanagedPeering {
  readonly vnet: string;
  readonly remoteVnet: string;
  readonly peeringName: string;
  readonly peeringId: string;
  readonly state: PeeringState;
  /** 'delete' under `prune` (when both VNets are this run's to write). */
  readonly action: 'none' | 'delete';
  readonly outcome: Outcome;
  readonly problem: Problem | undefined;
}

export type Verdict =
  | 'in-sync' // nothing to do, all healthy
  | 'repaired' // apply wrote and ended healthy
  | 'pending' // plan: changes pending, nothing known to block them
  | 'failed' // apply ended unhealthy; Azure could not be read; a plan found a blocker
  | 'cancelled';

/** Plan: the writes would take longer than timeout-minutes. */
export interface TimeEstimate {
  readonly writes: number;
  /** Seconds the writes need under the busy rules. */
  readonly seconds: number;
  /** Seconds per operation the estimate assumed. */
  readonly operationSeconds: number;
  readonly limitSeconds: number;
}

export interface RunReport {
  readonly mode: Mode;
  readonly verdict: Verdict;
  readonly changed: boolean;
  readonly links: readonly LinkResult[];
  readonly unmanaged: readonly UnmanagedPeering[];
  /** Problems not tied to one link (sign-in, cancellation, a missing shard result). */
  readonly problems: readonly Problem[];
  readonly source: TopologySource;
  /** This run's shard; undefined when not sharded (a merged report is not sharded). */
  readonly shard: ShardSpec | undefined;
  /** Tenants and VNets of the file (or of the pair), for the report's counts and grouping. */
  readonly tenants: readonly TenantEntry[];
  readonly vnets: readonly VnetEntry[];
  readonly estimate: TimeEstimate | undefined;
}
