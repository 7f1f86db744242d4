// A small in-memory model of VNets and their peerings behind our own `VnetApi`, following
// spec/azure.md §4 (life cycle, sync levels), the §5 rules the unit tests need, and the busy model:
// a write busies its own VNet until it ends, and is refused while its own VNet (429) or its remote
// VNet (400) is busy. Operations end after a turn of the event loop, so writes the executor runs
// together really overlap; scripted failures stand in for Azure's refusals and races.
import type { PeeringWrite, VnetApi, WriteOptions } from '../../src/azure/vnet-api.ts';
import { readConfig, type RunSettings } from '../../src/config/inputs.ts';
import { overlappingPrefixes, samePrefixes } from '../../src/plan/cidr.ts';
import type { ObservedPeering, PeeringScope, PeeringSettings, Permission, RunReport, SubnetInfo, SyncLevel, Topology, VnetInfo } from '../../src/model.ts';
import { reconcile, type EngineInput } from '../../src/run/engine.ts';

type LiveState = 'Initiated' | 'Connected' | 'Disconnected';

interface FakePeering extends PeeringSettings {
  name: string;
  remoteVnetId: string;
  peeringState: LiveState;
  remoteAddressSpace: string[];
  provisioningState: string;
  scope: PeeringScope;
  preserved: Readonly<Record<string, unknown>>;
  /** Reads that still show provisioningState Updating (another operation running). */
  updatingReads: number;
}

interface FakeVnet {
  id: string;
  name: string;
  location: string;
  addressPrefixes: string[];
  subnets: SubnetInfo[];
  hasGateway: boolean;
  peerings: FakePeering[];
  /** Writes on this VNet still running. */
  busy: number;
  permissions: Permission[] | undefined;
}

export interface VnetSpec {
  readonly id: string;
  readonly addressPrefixes: readonly string[];
  readonly hasGateway?: boolean;
  readonly subnets?: readonly SubnetInfo[];
}

/** What one write did to the fake, as the test sees it. */
export interface WriteRecord {
  readonly method: 'PUT' | 'DELETE';
  readonly vnet: string;
  readonly peering: string;
  readonly write: PeeringWrite | undefined;
}

/**
 * rejected: thrown before Azure accepts the request; nothing changes.
 * reverted: accepted, then the operation fails or is cancelled; nothing changes.
 * landed: accepted and carried out, yet the call throws (a lost answer, a cancellation that came too late).
 * failed: accepted, and the peering ends in provisioningState Failed with the settings asked for.
 */
export type FailureEffect = 'rejected' | 'reverted' | 'landed' | 'failed';

export interface ScriptedFailure {
  readonly method?: 'PUT' | 'DELETE';
  /** VNet name; any VNet when absent. */
  readonly vnet?: string;
  readonly error: unknown;
  readonly effect?: FailureEffect;
  /** How many matching writes fail this way (default 1). */
  readonly times?: number;
}

/** What a re-PUT of a Disconnected peering does. */
export type DisconnectedRePut = 'initiates' | 'refused' | 'ignored';

export const DEFAULT_SETTINGS: PeeringSettings = {
  allowVirtualNetworkAccess: true,
  allowForwardedTraffic: false,
  allowGatewayTransit: false,
  useRemoteGateways: false,
};

const WHOLE: PeeringScope = { complete: true, localSubnets: [], remoteSubnets: [], ipv6Only: false };

/** Shaped like @azure/core-rest-pipeline's RestError: statusCode, code, response.headers.get. */
export class FakeRestError extends Error {
  override name = 'RestError';
  readonly statusCode: number;
  readonly code: string;
  readonly response: { readonly headers: { get(name: string): string | undefined } };
  constructor(statusCode: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.response = { headers: { get: (n: string) => headers[n.toLowerCase()] } };
  }
}

export const restError = (status: number, code: string, message: string, retryAfterSeconds?: number): FakeRestError =>
  new FakeRestError(status, code, message, retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) });

/** The plain Error the SDK throws when a long-running operation ends Failed. */
export const lroFailed = (code: string, message: string): Error => new Error(`The long-running operation has failed. ${code}. ${message}`);

/** The plain Error the SDK throws when a long-running operation ends Canceled. */
export const canceled = (): Error => new Error('Operation was canceled');

export const throttled = (seconds = 1): FakeRestError =>
  restError(429, 'RetryableError', `Operation PutVirtualNetworkPeeringOperation on resource x can be retried in ${seconds} seconds.`, seconds);

const key = (s: string): string => s.toLowerCase();
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeAzure {
  readonly writes: WriteRecord[] = [];
  /** Writes Azure refused because a VNet was busy: a good schedule provokes none. */
  readonly busyRefusals: { vnet: string; because: 'local' | 'remote' }[] = [];
  /** Most writes running at once, over all VNets. */
  maxConcurrentWrites = 0;
  disconnectedRePut: DisconnectedRePut = 'initiates';
  /** Runs after each write is carried out: someone else changing the world mid-run. */
  afterWrite: ((w: WriteRecord) => void) | undefined;
  readonly #vnets: FakeVnet[];
  readonly #failures: { f: ScriptedFailure; left: number }[] = [];
  readonly #readFailures = new Map<string, unknown>();
  #running = 0;

  constructor(vnets: readonly VnetSpec[]) {
    this.#vnets = vnets.map((v) => ({
      id: v.id,
      name: v.id.split('/').pop() ?? v.id,
      location: 'westeurope',
      addressPrefixes: [...v.addressPrefixes],
      subnets: (v.subnets ?? [{ name: 'default', prefixes: [v.addressPrefixes[0] ?? ''] }]).map((s) => ({ name: s.name, prefixes: [...s.prefixes] })),
      hasGateway: v.hasGateway ?? false,
      peerings: [],
      busy: 0,
      permissions: undefined,
    }));
  }

  // ---- the world, changed out of band ------------------------------------------------------

  /** Creates a peering at once, by the same rules as a PUT (as if made in the portal). */
  peer(vnetId: string, name: string, remoteVnetId: string, settings: Partial<PeeringSettings> & { scope?: PeeringScope } = {}): void {
    const { scope, ...rest } = settings;
    this.#put(this.#vnet(vnetId), name, { ...DEFAULT_SETTINGS, ...rest, remoteVnetId, scope: scope ?? WHOLE, preserved: {}, syncRemoteAddressSpace: false, reinitiate: false });
  }

  /** Both directions, Connected. */
  peerBoth(aId: string, aName: string, bId: string, bName: string, settings: { a?: Partial<PeeringSettings> & { scope?: PeeringScope }; b?: Partial<PeeringSettings> & { scope?: PeeringScope } } = {}): void {
    this.peer(aId, aName, bId, settings.a);
    this.peer(bId, bName, aId, settings.b);
  }

  deletePeering(vnetId: string, name: string): void {
    this.#delete(this.#vnet(vnetId), name);
  }

  /** Delete and re-create a VNet: its peerings vanish, peerings to it turn Disconnected. */
  recreateVnet(vnetId: string): void {
    const v = this.#vnet(vnetId);
    v.peerings = [];
    for (const p of this.#vnets.flatMap((x) => x.peerings)) if (key(p.remoteVnetId) === key(v.id)) p.peeringState = 'Disconnected';
  }

  setAddressSpace(vnetId: string, prefixes: readonly string[]): void {
    this.#vnet(vnetId).addressPrefixes = [...prefixes];
  }

  /** What the identity may do on this VNet (as Microsoft.Authorization/permissions says); undefined: cannot read them. */
  setPermissions(vnetId: string, permissions: Permission[] | undefined): void {
    this.#vnet(vnetId).permissions = permissions;
  }

  /** Changes a peering's stored fields directly (drift, a Failed provisioning state, a stale remote space). */
  patch(vnetId: string, name: string, change: Partial<PeeringSettings & { provisioningState: string; peeringState: LiveState; remoteAddressSpace: string[]; updatingReads: number; scope: PeeringScope }>): void {
    Object.assign(this.#peering(vnetId, name), change);
  }

  failNext(f: ScriptedFailure): void {
    this.#failures.push({ f, left: f.times ?? 1 });
  }

  failReads(vnetId: string, error: unknown): void {
    this.#readFailures.set(key(vnetId), error);
  }

  /** A peering as the action would read it (undefined when absent). */
  peering(vnetId: string, name: string): ObservedPeering | undefined {
    const v = this.#vnet(vnetId);
    const p = v.peerings.find((x) => key(x.name) === key(name));
    return p && this.#observe(v, p, false);
  }

  peeringNames(vnetId: string): string[] {
    return this.#vnet(vnetId).peerings.map((p) => p.name);
  }

  api(vnetId: string): VnetApi {
    const v = this.#vnet(vnetId);
    const check = (): void => {
      const e = this.#readFailures.get(key(v.id));
      if (e !== undefined) throw e;
    };
    return {
      readVnet: async (): Promise<VnetInfo> => {
        check();
        return {
          id: v.id,
          name: v.name,
          location: v.location,
          addressPrefixes: [...v.addressPrefixes],
          subnets: v.subnets.map((s) => ({ ...s })),
          hasGateway: v.hasGateway,
          provisioningState: v.busy > 0 ? 'Updating' : 'Succeeded',
          peerings: v.peerings.map((p) => this.#observe(v, p, true)),
        };
      },
      getPeering: async (name) => {
        check();
        const p = v.peerings.find((x) => key(x.name) === key(name));
        return p && this.#observe(v, p, true);
      },
      putPeering: async (name, write, options) => this.#write('PUT', v, name, write, options),
      deletePeering: async (name, options) => this.#write('DELETE', v, name, undefined, options),
      permissions: async () => v.permissions,
    };
  }

  // ---- internals ---------------------------------------------------------------------------

  #vnet(id: string): FakeVnet {
    const v = this.#vnets.find((x) => key(x.id) === key(id.replace(/\/+$/, '')));
    if (!v) throw new Error(`fake: unknown VNet ${id}`);
    return v;
  }

  #peering(vnetId: string, name: string): FakePeering {
    const p = this.#vnet(vnetId).peerings.find((x) => key(x.name) === key(name));
    if (!p) throw new Error(`fake: no peering ${name} on ${vnetId}`);
    return p;
  }

  #counterpart(of: FakeVnet, p: FakePeering): FakePeering | undefined {
    const remote = this.#vnets.find((x) => key(x.id) === key(p.remoteVnetId));
    return remote?.peerings.find((q) => key(q.remoteVnetId) === key(of.id));
  }

  /** §4: local is stale when P's remoteAddressSpace is not Y's space; remote when Q is missing or Q's is not X's. */
  #syncLevel(v: FakeVnet, p: FakePeering): SyncLevel {
    const remote = this.#vnets.find((x) => key(x.id) === key(p.remoteVnetId));
    const q = this.#counterpart(v, p);
    const local = remote !== undefined && !samePrefixes(p.remoteAddressSpace, remote.addressPrefixes);
    const far = q === undefined || !samePrefixes(q.remoteAddressSpace, v.addressPrefixes);
    return local && far ? 'LocalAndRemoteNotInSync' : local ? 'LocalNotInSync' : far ? 'RemoteNotInSync' : 'FullyInSync';
  }

  #observe(v: FakeVnet, p: FakePeering, consume: boolean): ObservedPeering {
    const remote = this.#vnets.find((x) => key(x.id) === key(p.remoteVnetId));
    const updating = p.updatingReads > 0;
    if (updating && consume) p.updatingReads--;
    return {
      id: `${v.id}/virtualNetworkPeerings/${p.name}`,
      name: p.name,
      remoteVnetId: p.remoteVnetId,
      peeringState: p.peeringState,
      syncLevel: this.#syncLevel(v, p),
      provisioningState: updating ? 'Updating' : p.provisioningState,
      allowVirtualNetworkAccess: p.allowVirtualNetworkAccess,
      allowForwardedTraffic: p.allowForwardedTraffic,
      allowGatewayTransit: p.allowGatewayTransit,
      useRemoteGateways: p.useRemoteGateways,
      remoteAddressSpace: [...p.remoteAddressSpace],
      remoteVirtualNetworkAddressSpace: remote ? [...remote.addressPrefixes] : undefined,
      scope: { ...p.scope },
      preserved: p.preserved,
    };
  }

  #takeFailure(method: 'PUT' | 'DELETE', v: FakeVnet): ScriptedFailure | undefined {
    const i = this.#failures.findIndex(({ f }) => (!f.method || f.method === method) && (!f.vnet || key(f.vnet) === key(v.name)));
    const entry = this.#failures[i];
    if (!entry) return undefined;
    if (--entry.left <= 0) this.#failures.splice(i, 1);
    return entry.f;
  }

  async #write(method: 'PUT' | 'DELETE', v: FakeVnet, name: string, write: PeeringWrite | undefined, options: WriteOptions): Promise<void> {
    const failure = this.#takeFailure(method, v);
    const effect = failure?.effect ?? 'rejected';
    if (failure && effect === 'rejected') throw failure.error;
    // The busy model (§5): refused while this VNet, or the remote VNet, has a write running.
    const remoteId = write?.remoteVnetId ?? v.peerings.find((x) => key(x.name) === key(name))?.remoteVnetId;
    const remote = remoteId ? this.#vnets.find((x) => key(x.id) === key(remoteId)) : undefined;
    if (v.busy > 0) {
      this.busyRefusals.push({ vnet: v.name, because: 'local' });
      throw restError(429, 'RetryableError', `Operation on ${v.name} is in progress. It can be retried in 1 seconds.`, 1);
    }
    if (remote && remote.busy > 0) {
      this.busyRefusals.push({ vnet: v.name, because: 'remote' });
      throw restError(400, 'ReferencedResourceNotProvisioned', `Cannot proceed with operation because resource ${remote.id} used by resource ${v.id} is not in Succeeded state. Resource is in Updating state.`);
    }
    // Azure's own refusals are synchronous: nothing is accepted.
    if (write) this.#validate(v, name, write);
    if (!write && !v.peerings.some((x) => key(x.name) === key(name))) return; // 204: absent already
    options.onAccepted();
    this.writes.push({ method, vnet: v.name, peering: name, write });
    v.busy++;
    this.#running++;
    this.maxConcurrentWrites = Math.max(this.maxConcurrentWrites, this.#running);
    try {
      if (failure && effect === 'reverted') throw failure.error;
      // Effects show at acceptance (§5); the VNet stays busy until the operation ends.
      if (write) this.#put(v, name, write);
      else this.#delete(v, name);
      if (failure && effect === 'failed' && write) this.#peering(v.id, name).provisioningState = 'Failed';
      await tick();
    } finally {
      v.busy--;
      this.#running--;
    }
    this.afterWrite?.({ method, vnet: v.name, peering: name, write });
    if (failure) throw failure.error;
  }

  #validate(v: FakeVnet, name: string, w: PeeringWrite): void {
    const bad = (code: string, message: string): FakeRestError => restError(400, code, message);
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/.test(name)) throw bad('InvalidResourceName', `Resource name ${name} is invalid.`);
    const remote = this.#vnets.find((x) => key(x.id) === key(w.remoteVnetId));
    if (!remote) throw restError(404, 'ResourceNotFound', `Resource ${w.remoteVnetId} was not found.`);
    const existing = v.peerings.find((x) => key(x.name) === key(name));
    if (existing && key(existing.remoteVnetId) !== key(remote.id)) {
      throw bad('ChangingRemoteVirtualNetworkNotAllowed', `Cannot change remote virtual network for peering ${name}.`);
    }
    if (existing && w.scope && existing.scope.complete !== w.scope.complete) {
      throw bad('PeeringKindChangeNotAllowed', `Peering ${name} cannot switch between whole-VNet and subnet peering in place.`);
    }
    const another = v.peerings.find((x) => x !== existing && key(x.remoteVnetId) === key(remote.id));
    if (another) throw bad('AnotherPeeringAlreadyReferencesRemoteVnet', `Peering ${another.name} already references ${remote.id}.`);
    const q = remote.peerings.find((x) => key(x.remoteVnetId) === key(v.id));
    if (q?.peeringState === 'Disconnected') {
      throw bad('RemotePeeringIsDisconnected', `Remote peering ${q.name} is in Disconnected state. Update or re-create the remote peering to get it back to Initiated state.`);
    }
    if (existing?.peeringState === 'Disconnected' && this.disconnectedRePut === 'refused') {
      throw bad('PeeringIsDisconnected', `Cannot update peering ${name} because it is in Disconnected state.`);
    }
    const scope = w.scope ?? existing?.scope ?? WHOLE;
    const names = (vnet: FakeVnet, list: readonly string[]): string[] => vnet.subnets.filter((s) => list.some((n) => key(n) === key(s.name))).flatMap((s) => s.prefixes);
    if (!scope.complete) {
      const unknown = [...scope.localSubnets.filter((n) => !v.subnets.some((s) => key(s.name) === key(n))), ...scope.remoteSubnets.filter((n) => !remote.subnets.some((s) => key(s.name) === key(n)))];
      if (unknown.length) throw bad('InvalidSubnetNamesForPeering', `Subnets ${unknown.join(', ')} do not exist.`);
    }
    const local = scope.complete ? v.addressPrefixes : names(v, scope.localSubnets);
    const far = scope.complete ? remote.addressPrefixes : names(remote, scope.remoteSubnets);
    const overlap = overlappingPrefixes(local, far);
    if (overlap.length) throw bad('VnetAddressSpacesOverlap', `Overlapping address prefixes: ${overlap.map((p) => p.join(' and ')).join(', ')}`);
    if (w.useRemoteGateways && !remote.hasGateway) throw bad('RemoteVnetHasNoGateways', `Remote virtual network ${remote.id} does not have any gateways.`);
  }

  #put(v: FakeVnet, name: string, w: PeeringWrite): void {
    const remote = this.#vnet(w.remoteVnetId);
    let p = v.peerings.find((x) => key(x.name) === key(name));
    const wasDisconnected = p?.peeringState === 'Disconnected';
    if (wasDisconnected && this.disconnectedRePut === 'ignored') return;
    const settings: PeeringSettings = {
      allowVirtualNetworkAccess: w.allowVirtualNetworkAccess,
      allowForwardedTraffic: w.allowForwardedTraffic,
      allowGatewayTransit: w.allowGatewayTransit,
      useRemoteGateways: w.useRemoteGateways,
    };
    if (!p) {
      p = { name, remoteVnetId: remote.id, peeringState: 'Initiated', remoteAddressSpace: [...remote.addressPrefixes], provisioningState: 'Succeeded', scope: w.scope ?? WHOLE, preserved: w.preserved, updatingReads: 0, ...settings };
      v.peerings.push(p);
    } else {
      Object.assign(p, settings, { provisioningState: 'Succeeded', preserved: w.preserved, scope: w.scope ?? p.scope });
      if (w.syncRemoteAddressSpace || wasDisconnected) p.remoteAddressSpace = [...remote.addressPrefixes];
    }
    const q = this.#counterpart(v, p);
    if (q && q.peeringState !== 'Disconnected') {
      p.peeringState = 'Connected';
      q.peeringState = 'Connected';
    } else {
      p.peeringState = 'Initiated';
    }
  }

  #delete(v: FakeVnet, name: string): void {
    const p = v.peerings.find((x) => key(x.name) === key(name));
    if (!p) return;
    v.peerings = v.peerings.filter((x) => x !== p);
    const q = this.#counterpart(v, p);
    if (q) q.peeringState = 'Disconnected';
  }
}

// ---- a run against the fake ----------------------------------------------------------------

export const TENANT_A = '11111111-1111-1111-1111-111111111111';
export const TENANT_B = '22222222-2222-2222-2222-222222222222';
export const CLIENT = '33333333-3333-3333-3333-333333333333';
export const SUB_A = 'aaaaaaaa-0000-0000-0000-000000000001';
export const SUB_B = 'bbbbbbbb-0000-0000-0000-000000000002';
export const HUB = `/subscriptions/${SUB_A}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/hub`;
export const SPOKE = `/subscriptions/${SUB_B}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/spoke`;
export const OTHER = `/subscriptions/${SUB_B}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/other`;
/** Default peering names for hub (A) and spoke (B). */
export const A_NAME = 'hub-to-spoke';
export const B_NAME = 'spoke-to-hub';

/** Hub 10.0.0.0/16 with a gateway, spoke 10.1.0.0/16, and a third VNet 10.2.0.0/16. */
export function world(): FakeAzure {
  return new FakeAzure([
    { id: HUB, addressPrefixes: ['10.0.0.0/16'], hasGateway: true },
    { id: SPOKE, addressPrefixes: ['10.1.0.0/16'], subnets: [{ name: 'app', prefixes: ['10.1.1.0/24'] }, { name: 'data', prefixes: ['10.1.2.0/24'] }] },
    { id: OTHER, addressPrefixes: ['10.2.0.0/16'] },
  ]);
}

/** A healthy cross-tenant pair under the default names. */
export function connectedWorld(): FakeAzure {
  const fake = world();
  fake.peerBoth(HUB, A_NAME, SPOKE, B_NAME);
  return fake;
}

/** A virtual clock: sleeping moves it on, so deadlines are reached without waiting. */
export function clock(start = 1_000_000): { now: () => number; sleep: (ms: number, signal: AbortSignal) => Promise<void> } {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms, signal) => {
      signal.throwIfAborted();
      t += ms;
    },
  };
}

export interface RunOptions {
  readonly inputs?: Readonly<Record<string, string>>;
  /** Overrides the deadline, in virtual milliseconds from the start. */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
  /** Called at each wait (to cancel the run mid-wait, say). */
  readonly onSleep?: () => void;
}

/** The pair inputs, cross-tenant hub (A) ⇄ spoke (B), read through the real input module. */
export function pairConfig(inputs: Readonly<Record<string, string>> = {}): { settings: RunSettings; topology: Topology } {
  const all: Record<string, string> = { 'vnet-a': HUB, 'vnet-b': SPOKE, 'tenant-id-a': TENANT_A, 'tenant-id-b': TENANT_B, 'client-id-a': CLIENT, ...inputs };
  const config = readConfig((name) => (all[name] ?? '').trim(), {});
  if (config.kind !== 'reconcile') throw new Error('expected a reconcile run');
  return { settings: config.settings, topology: config.topology };
}

/** One whole run of a topology against the fake, with zero-delay sleeps on a virtual clock. */
export async function runTopology(
  fake: FakeAzure,
  topology: Topology,
  settings: Pick<RunSettings, 'mode' | 'maxParallelWrites' | 'timeoutMs'>,
  options: Omit<RunOptions, 'inputs'> = {},
): Promise<{ report: RunReport; logs: string[]; waitedMs: number }> {
  const c = clock();
  const start = c.now();
  const logs: string[] = [];
  const input: EngineInput = {
    topology,
    links: topology.links,
    vnets: topology.vnets,
    shard: undefined,
    mode: settings.mode,
    maxParallelWrites: settings.maxParallelWrites,
    timeoutMs: settings.timeoutMs,
    problems: [],
  };
  const report = await reconcile(input, {
    api: (vnet) => fake.api(vnet.id),
    signedIn: () => true,
    signal: options.signal ?? new AbortController().signal,
    cancelled: () => false,
    sleep: async (ms, signal) => {
      options.onSleep?.();
      await c.sleep(ms, signal);
    },
    now: c.now,
    deadline: c.now() + (options.deadlineMs ?? settings.timeoutMs),
    log: (m) => logs.push(m),
    group: (_name, fn) => fn(),
  });
  return { report, logs, waitedMs: c.now() - start };
}

/** One whole run of the pair inputs against the fake. */
export async function runOnce(fake: FakeAzure, options: RunOptions = {}): Promise<{ report: RunReport; settings: RunSettings; logs: string[]; waitedMs: number }> {
  const { settings, topology } = pairConfig(options.inputs);
  const { report, logs, waitedMs } = await runTopology(fake, topology, settings, options);
  return { report, settings, logs, waitedMs };
}
