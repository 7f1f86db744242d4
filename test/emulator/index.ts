// The local emulator of Azure (Entra + Resource Manager) and GitHub (OIDC + REST) for this action.
// Four HTTPS servers on 127.0.0.1 sharing one certificate from a CA made at start; state in memory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { armErrorReply, armHandler } from './arm.ts';
import { createServerCertificates } from './certs.ts';
import { accessTokenIssuer, entraHandler } from './entra.ts';
import { generateWorld } from './generate.ts';
import type { GeneratedIds, GeneratedWorld, GenerateSpec } from './generate.ts';
import { githubCommonHeaders, githubHandler, GithubStore } from './github.ts';
import type { CommentView } from './github.ts';
import { Governance } from './governance.ts';
import { processSigningKey, signJwt } from './jwt.ts';
import { defaultSettings, Network, SETTING_NAMES, subnetPeeringOf } from './network.ts';
import type { FailDirective, PeeringBody, PeeringProperties, SubnetBody, VnetBody } from './network.ts';
import { ID_TOKEN_PATH, mintOidcToken, oidcHandler } from './oidc.ts';
import type { OidcDeps } from './oidc.ts';
import { Rbac } from './rbac.ts';
import { FaultQueue, startService } from './server.ts';
import type { CorruptFault, Fault, FaultKind, FaultMatch, HangFault, RecordedRequest, Reply, Service, SlowFault, StatusFault } from './server.ts';
import { Throttle } from './throttle.ts';
import { DEFAULT_TIMING } from './timing.ts';
import type { Timing } from './timing.ts';
import { DEFAULT_API_VERSIONS, defaultWorld, IDS, loadWorld, parseWorld, resolveBehavior } from './world.ts';
import type { Behavior, BehaviorInput, LockSpec, PeeringSpec, PolicySpec, PullRequestSpec, SubnetSpec, World } from './world.ts';

export { defaultWorld, generateWorld, IDS, loadWorld, parseWorld, DEFAULT_API_VERSIONS, DEFAULT_TIMING };
export type {
  Behavior,
  BehaviorInput,
  CommentView,
  CorruptFault,
  Fault,
  FaultKind,
  FaultMatch,
  FailDirective,
  GeneratedIds,
  GeneratedWorld,
  GenerateSpec,
  HangFault,
  PeeringBody,
  PeeringProperties,
  RecordedRequest,
  Service,
  SlowFault,
  StatusFault,
  SubnetBody,
  Timing,
  VnetBody,
  World,
};
export type {
  ApiVersions,
  AppSpec,
  ConflictAnswer,
  ConflictRetryAfter,
  FederatedCredentialSpec,
  GithubSpec,
  GithubTokenSpec,
  LockSpec,
  OidcSpec,
  PeeringSpec,
  PolicySpec,
  PullRequestSpec,
  RepoSpec,
  RoleAssignmentSpec,
  RoleDefinitionSpec,
  SubnetSpec,
  TenantSpec,
  VnetSpec,
} from './world.ts';

export interface Endpoints {
  /** Resource Manager, e.g. https://127.0.0.1:PORT (no trailing slash). */
  arm: string;
  /** Entra authority host. */
  authorityHost: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL: already has a query, since core.getIDToken appends `&audience=`. */
  oidcRequestUrl: string;
  /** GITHUB_API_URL. */
  githubApi: string;
}

/** A peering created out of band: a world's peering without its place, state or address spaces. */
export type PeeringInput = Omit<PeeringSpec, 'vnetId' | 'name' | 'peeringState' | 'remoteAddressPrefixes' | 'provisioningState'>;

export interface StartOptions {
  world?: World;
  timing?: Partial<Timing>;
  /** Overrides the world's `behavior`. */
  behavior?: BehaviorInput;
}

export interface Emulator {
  endpoints: Endpoints;
  caFile: string;
  caPem: string;
  /** Environment for running the bundled action against the emulator. */
  actionEnv(): Record<string, string>;
  /** Trusts the CA in this process (Node 24 tls.setDefaultCACertificates), for in-process SDK clients and fetch. */
  trust(): void;
  world: World;
  requests: RecordedRequest[];
  clearRequests(): void;

  vnet(id: string): VnetBody | undefined;
  peering(vnetId: string, name: string): PeeringBody | undefined;
  peerings(vnetId: string): PeeringBody[];
  comments(repo: string, issue: number): CommentView[];

  createPeering(vnetId: string, name: string, p: PeeringInput): void;
  deletePeering(vnetId: string, name: string): void;
  updatePeering(vnetId: string, name: string, patch: Partial<PeeringProperties>): void;
  setAddressSpace(vnetId: string, prefixes: string[]): void;
  /** Replaces the VNet's subnets, as the world declares them (a gateway added or removed, subnets renamed). */
  setSubnets(vnetId: string, subnets: SubnetSpec[]): void;
  recreateVnet(vnetId: string): void;
  /** A lock at run time (409 ScopeLocked on writes it covers). */
  addLock(lock: LockSpec): void;
  /** Removes the locks at that scope or with that name; returns how many. */
  removeLock(scopeOrName: string): number;
  /** A policy assignment at run time (403 RequestDisallowedByPolicy on the actions it denies). */
  addPolicy(policy: PolicySpec): void;
  removePolicy(name: string): number;
  /** A comment by someone else (default `octocat`), or by the bot itself (a `[bot]` login), e.g. a concurrent run. */
  addComment(repo: string, issue: number, body: string, user?: string): void;
  /** A pull request at run time, e.g. merged as a commit that GET commits/{sha}/pulls then lists. */
  addPullRequest(repo: string, pull: PullRequestSpec): void;
  setOidcSubject(sub: string): void;
  setTiming(t: Partial<Timing>): void;
  setBehavior(b: BehaviorInput): void;
  readonly timing: Timing;
  readonly behavior: Behavior;

  inject(f: Fault): void;
  failNextOperation(f: FailDirective): void;
  /**
   * Another operation is in progress on this VNet for `ms` (0 releases it): writes on it get 429
   * RetryableError, writes whose remote VNet it is 400 ReferencedResourceNotProvisioned (or as
   * conflictAnswer says); its GET reads Updating. `operation` is named in the answers.
   */
  holdVnet(vnetId: string, ms: number, operation?: string): void;
  /** Ends every accepted operation now, as if operationMs had passed (for deterministic tests). */
  finishOperations(): void;

  /** A GitHub OIDC token as the ID-token endpoint would issue (lifetime may be negative: already expired). */
  mintOidcToken(opts?: { audience?: string; subject?: string; lifetimeSeconds?: number }): string;
  /** An Entra access token for ARM as the token endpoint would issue, without the exchange. */
  mintAccessToken(opts: { tenantId: string; clientId: string; lifetimeSeconds?: number; audience?: string }): string;
  stop(): Promise<void>;
}

export async function startEmulator(opts: StartOptions = {}): Promise<Emulator> {
  const world = parseWorld(structuredClone(opts.world ?? defaultWorld()));
  let behavior = resolveBehavior(opts.behavior, resolveBehavior(world.behavior));
  const timing: Timing = { ...DEFAULT_TIMING, ...opts.timing };
  const oidcSpec = { ...world.oidc };
  const now = () => Date.now();

  const certs = createServerCertificates();
  const entraKey = processSigningKey('entra');
  const oidcKey = processSigningKey('oidc');
  const dir = mkdtempSync(join(tmpdir(), 'azure-emulator-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.caPem);

  const network = new Network(world, { now, timing: () => timing, behavior: () => behavior });
  const rbac = new Rbac(world);
  const governance = new Governance(world.locks ?? [], world.policies ?? []);
  const throttle = new Throttle();
  const github = new GithubStore(world.github, now);
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const origins: Record<Service, string> = { arm: '', login: '', oidc: '', github: '' };

  const oidcDeps: OidcDeps = { spec: () => oidcSpec, key: oidcKey, origin: () => origins.oidc, timing: () => timing, now };

  const common = { cert: certs.certPem, key: certs.keyPem, faults, record: (r: RecordedRequest) => requests.push(r) };
  const servers = await Promise.all([
    startService({
      ...common,
      service: 'arm',
      latencyMs: () => timing.armLatencyMs,
      handler: armHandler({
        world,
        network,
        rbac,
        governance,
        throttle,
        entraKey,
        origin: () => origins.arm,
        authorityHost: () => origins.login,
        timing: () => timing,
        behavior: () => behavior,
        now,
      }),
      errorReply: (status, code, message, details) => armErrorReply(status, code, message, details),
    }),
    startService({
      ...common,
      service: 'login',
      latencyMs: () => timing.tokenLatencyMs,
      handler: entraHandler({
        world,
        key: entraKey,
        issuerKeys: () => new Map([[oidcSpec.issuer, oidcKey]]),
        authorityHost: () => origins.login,
        resources: () => [origins.arm],
        timing: () => timing,
        now,
      }),
      errorReply: (status, code, message): Reply => {
        const n = /AADSTS(\d+)/.exec(message)?.[1];
        return {
          status,
          errorCode: code,
          body: {
            error: code,
            error_description: message,
            error_codes: n ? [Number(n)] : [],
            timestamp: new Date().toISOString(),
          },
        };
      },
    }),
    startService({
      ...common,
      service: 'oidc',
      latencyMs: () => timing.oidcLatencyMs,
      handler: oidcHandler(oidcDeps),
      errorReply: (status, code, message) => ({ status, errorCode: code, body: { message } }),
    }),
    startService({
      ...common,
      service: 'github',
      latencyMs: () => timing.githubLatencyMs,
      handler: githubHandler(github, () => origins.github),
      errorReply: (status, code, message) => ({
        status,
        errorCode: code,
        body: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) },
      }),
      commonHeaders: githubCommonHeaders,
    }),
  ]);
  const [arm, login, oidc, gh] = servers;
  origins.arm = arm.origin;
  origins.login = login.origin;
  origins.oidc = oidc.origin;
  origins.github = gh.origin;

  const endpoints: Endpoints = {
    arm: arm.origin,
    authorityHost: login.origin,
    oidcRequestUrl: `${oidc.origin}${ID_TOKEN_PATH}?api-version=2.0`,
    githubApi: gh.origin,
  };

  let stopped = false;
  const emulator: Emulator = {
    endpoints,
    caFile,
    caPem: certs.caPem,
    world: structuredClone(world),
    requests,
    actionEnv: () => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: endpoints.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidcSpec.requestToken,
      GITHUB_API_URL: endpoints.githubApi,
      NODE_EXTRA_CA_CERTS: caFile,
      'INPUT_ARM-ENDPOINT': endpoints.arm,
      'INPUT_AUTHORITY-HOST': endpoints.authorityHost,
    }),
    trust: () => {
      const current = tls.getCACertificates('default');
      if (!current.includes(certs.caPem)) tls.setDefaultCACertificates([...current, certs.caPem]);
    },
    clearRequests: () => {
      requests.length = 0;
    },
    vnet: (id) => network.vnetBody(id),
    peering: (vnetId, name) => network.peeringBody(vnetId, name),
    peerings: (vnetId) => network.peeringBodies(vnetId) ?? [],
    comments: (repo, issue) => github.comments(repo, issue),
    createPeering: (vnetId, name, p) => {
      const settings = defaultSettings();
      for (const k of SETTING_NAMES) {
        const v = p[k];
        if (v !== undefined) settings[k] = v;
      }
      network.createPeering(vnetId, name, { remoteVnetId: p.remoteVnetId, settings, subnets: subnetPeeringOf(p) });
    },
    deletePeering: (vnetId, name) => network.deletePeering(vnetId, name),
    updatePeering: (vnetId, name, patch) => network.updatePeering(vnetId, name, patch),
    setAddressSpace: (vnetId, prefixes) => network.setAddressSpace(vnetId, prefixes),
    setSubnets: (vnetId, subnets) => network.setSubnets(vnetId, subnets),
    recreateVnet: (vnetId) => network.recreateVnet(vnetId),
    addLock: (lock) => governance.addLock(lock),
    removeLock: (scopeOrName) => governance.removeLock(scopeOrName),
    addPolicy: (policy) => governance.addPolicy(policy),
    removePolicy: (name) => governance.removePolicy(name),
    addComment: (repo, issue, body, user = 'octocat') => {
      github.add(repo, issue, body, user);
    },
    addPullRequest: (repo, pull) => github.addPull(repo, pull),
    setOidcSubject: (sub) => {
      oidcSpec.subject = sub;
    },
    setTiming: (t) => {
      Object.assign(timing, t);
    },
    setBehavior: (b) => {
      behavior = resolveBehavior(b, behavior);
    },
    get timing() {
      return { ...timing };
    },
    get behavior() {
      return structuredClone(behavior);
    },
    inject: (f) => faults.add(f),
    failNextOperation: (f) => network.failNextOperation(f),
    holdVnet: (vnetId, ms, operation) => network.hold(vnetId, ms, operation),
    finishOperations: () => network.finishOperations(),
    mintOidcToken: (o = {}) =>
      mintOidcToken(oidcDeps, o.audience ?? IDS.oidc.audience, {
        ...(o.subject !== undefined ? { subject: o.subject } : {}),
        ...(o.lifetimeSeconds !== undefined ? { lifetimeSeconds: o.lifetimeSeconds } : {}),
      }),
    mintAccessToken: (o) => {
      const app = world.apps.find((a) => a.clientId.toLowerCase() === o.clientId.toLowerCase());
      const sp = app?.servicePrincipals.find((s) => s.tenantId.toLowerCase() === o.tenantId.toLowerCase());
      const iat = Math.floor(now() / 1000);
      return signJwt(
        {
          aud: o.audience ?? endpoints.arm,
          iss: accessTokenIssuer(o.tenantId),
          iat,
          nbf: iat,
          exp: iat + (o.lifetimeSeconds ?? timing.accessTokenLifetimeSeconds),
          appid: o.clientId,
          appidacr: '2',
          oid: sp?.objectId ?? o.clientId,
          sub: sp?.objectId ?? o.clientId,
          tid: o.tenantId,
          ver: '1.0',
        },
        entraKey,
      );
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await Promise.all(servers.map((s) => s.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return emulator;
}
