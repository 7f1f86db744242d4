// Plain data shared by the pipeline: inputs -> credentials -> Azure -> plan -> apply -> report.
// Nothing here touches @actions/core, an SDK or the clock.

export type Side = 'a' | 'b';
export const SIDES: readonly Side[] = ['a', 'b'];
export const other = (side: Side): Side => (side === 'a' ? 'b' : 'a');

export type Mode = 'apply' | 'plan';
export type GatewayTransit = 'none' | Side;
export type PeeringState = 'Connected' | 'Initiated' | 'Disconnected' | 'Missing';
export type SyncLevel =
  | 'FullyInSync'
  | 'LocalNotInSync'
  | 'RemoteNotInSync'
  | 'LocalAndRemoteNotInSync'
  | '';
export type SideAction = 'none' | 'create' | 'update' | 'sync' | 'recreate';

/** A parsed VNet resource ID. */
export interface VnetRef {
  /** The ID as given, without a trailing slash. */
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** The peering settings the action manages. */
export interface PeeringSettings {
  readonly allowVirtualNetworkAccess: boolean;
  readonly allowForwardedTraffic: boolean;
  readonly allowGatewayTransit: boolean;
  readonly useRemoteGateways: boolean;
}

/** A VNet as read from Azure. */
export interface VnetInfo {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  readonly addressPrefixes: readonly string[];
}

/** A peering as read from Azure (the fields the action looks at). */
export interface ObservedPeering extends PeeringSettings {
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
  /** Writable fields the action does not manage (kept as they are on every write). */
  readonly preserved: Readonly<Record<string, unknown>>;
}

/** One side as read: its VNet and every peering on it. */
export interface SideObservation {
  readonly vnet: VnetInfo;
  readonly peerings: readonly ObservedPeering[];
}

/** An Azure or Entra error reduced to what the user needs. */
export interface Problem {
  /** Azure / Entra error code, or a code of ours (e.g. PeeringNameConflict). */
  readonly code: string;
  /** The original message (outside text: escape before rendering). */
  readonly message: string;
  /** One or two sentences on cause and fix. */
  readonly advice: string;
}

/** The outcome for one direction, as reported. */
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
  readonly settings: PeeringSettings | undefined;
  readonly desired: PeeringSettings;
  readonly action: SideAction;
  /** done: written; planned: plan mode; failed: tried and failed; skipped: not tried. */
  readonly outcome: 'done' | 'planned' | 'failed' | 'skipped' | 'none';
  /** Why the action was chosen, in a few words. */
  readonly reason: string;
  readonly problem: Problem | undefined;
}

export type Verdict =
  | 'in-sync' // nothing to do, all healthy
  | 'repaired' // apply wrote and ended healthy
  | 'pending' // plan: changes pending
  | 'failed' // apply ended unhealthy, or Azure could not be read
  | 'cancelled';

export interface RunReport {
  readonly mode: Mode;
  readonly verdict: Verdict;
  readonly changed: boolean;
  readonly sides: Readonly<Record<Side, SideResult>>;
  /** Problems not tied to one side (sign-in, reading, cancellation). */
  readonly problems: readonly Problem[];
  /** Lowercased, order-free identity of the VNet pair, for the PR comment marker. */
  readonly pairKey: string;
}
