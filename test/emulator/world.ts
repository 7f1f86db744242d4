// The declarative world: who exists, who may do what, which networks and peerings exist, and the
// GitHub side. The default world is one instance; `loadWorld` reads another from JSON or YAML.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type PeeringStateName = 'Initiated' | 'Connected' | 'Disconnected';
export type ProvisioningStateName = 'Succeeded' | 'Updating' | 'Deleting' | 'Failed';

export interface World {
  tenants: TenantSpec[];
  subscriptions: SubscriptionSpec[];
  apps: AppSpec[];
  /** Custom roles, referenced by name or id from role assignments. Built-in: Owner, Contributor, Reader, Network Contributor. */
  roleDefinitions?: RoleDefinitionSpec[];
  roleAssignments: RoleAssignmentSpec[];
  vnets: VnetSpec[];
  /** Peerings that exist when the emulator starts. */
  peerings?: PeeringSpec[];
  /** Management locks (spec §5): a PUT under a ReadOnly lock, a DELETE under either, is refused (409 ScopeLocked). */
  locks?: LockSpec[];
  /** Policy assignments that deny actions at a scope and below (403 RequestDisallowedByPolicy). */
  policies?: PolicySpec[];
  oidc: OidcSpec;
  github: GithubSpec;
  behavior?: BehaviorInput;
}

export interface TenantSpec {
  id: string;
  /** Short name; `<name>.onmicrosoft.com` is accepted in place of the id by Entra. */
  name: string;
}

export interface SubscriptionSpec {
  id: string;
  tenantId: string;
  name?: string;
}

export interface AppSpec {
  clientId: string;
  name: string;
  homeTenantId: string;
  /** One per tenant where the app is consented (has an enterprise application). */
  servicePrincipals: ServicePrincipalSpec[];
  federatedCredentials: FederatedCredentialSpec[];
}

export interface ServicePrincipalSpec {
  tenantId: string;
  objectId: string;
}

export interface FederatedCredentialSpec {
  name?: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface RoleDefinitionSpec {
  name: string;
  id?: string;
  actions: string[];
  notActions?: string[];
}

/** Grants `role` (a built-in or custom role's name or id) or the listed `actions` to the app's service principal at `scope` and below. */
export interface RoleAssignmentSpec {
  clientId: string;
  scope: string;
  role?: string;
  actions?: string[];
  notActions?: string[];
}

/** One subnet: `addressPrefix` or `addressPrefixes` (dual stack, IPv6), shown in the VNet body as given. */
export interface SubnetSpec {
  name: string;
  addressPrefix?: string;
  addressPrefixes?: string[];
  /**
   * Resource IDs of the IP configurations in this subnet. A `GatewaySubnet` holds a gateway only when
   * one of them is `.../virtualNetworkGateways/{gw}/ipConfigurations/{name}`, a `RouteServerSubnet` a
   * route server only with `.../virtualHubs/{name}/ipConfigurations/{name}`.
   */
  ipConfigurations?: string[];
}

export interface VnetSpec {
  id: string;
  location: string;
  addressPrefixes: string[];
  /** A virtual network gateway in `GatewaySubnet` (added, last /27 of the first IPv4 prefix, when not listed). */
  hasGateway?: boolean;
  /** An Azure Route Server in `RouteServerSubnet` (added, the /27 before the last, when not listed); counts as a gateway. */
  hasRouteServer?: boolean;
  /** Default: `default` (first /24). A listed `GatewaySubnet` without a gateway IP configuration holds no gateway. */
  subnets?: SubnetSpec[];
}

export type LockLevel = 'CanNotDelete' | 'ReadOnly';

export interface LockSpec {
  /** A subscription, resource group or resource ID; the lock covers it and everything below. */
  scope: string;
  level: LockLevel;
  /** Default: `lock-<level>`. */
  name?: string;
}

export interface PolicySpec {
  /** Where the policy is assigned; it applies there and below. */
  scope: string;
  /** The policy assignment's name, named in the error. */
  name: string;
  /** Action patterns denied (wildcards as in roles), e.g. `Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write`. */
  deny: string[];
}

export interface PeeringSpec {
  vnetId: string;
  name: string;
  remoteVnetId: string;
  allowVirtualNetworkAccess?: boolean;
  allowForwardedTraffic?: boolean;
  allowGatewayTransit?: boolean;
  useRemoteGateways?: boolean;
  doNotVerifyRemoteGateways?: boolean;
  /** Default: Connected when the counterpart is listed too, else Initiated. */
  peeringState?: PeeringStateName;
  /** Subnet-level peering: false with both subnet lists (default true: the whole VNets). */
  peerCompleteVnets?: boolean;
  localSubnetNames?: string[];
  remoteSubnetNames?: string[];
  enableOnlyIPv6Peering?: boolean;
  /** What is peered now; default: what the peering covers of the remote VNet now. */
  remoteAddressPrefixes?: string[];
  provisioningState?: ProvisioningStateName;
}

export interface OidcSpec {
  issuer: string;
  /** The bearer token the job presents to the ID-token endpoint. */
  requestToken: string;
  subject: string;
  /** Extra claims for issued tokens. */
  claims?: Record<string, string | number | boolean>;
}

export interface GithubSpec {
  repos: RepoSpec[];
  tokens: GithubTokenSpec[];
}

export interface RepoSpec {
  /** owner/name */
  fullName: string;
  /** Open pull requests by number; `pullRequests` declares them in full. */
  pulls?: number[];
  /** Pull requests in full, e.g. merged ones with their merge commit. */
  pullRequests?: PullRequestSpec[];
  issues?: number[];
  comments?: CommentSpec[];
}

export interface PullRequestSpec {
  number: number;
  /** Default: merged when mergeCommitSha is given, else open. */
  state?: 'open' | 'closed' | 'merged';
  /** Default: 40 hex digits derived from the repository and number. */
  headSha?: string;
  /** The commit on the base branch that merged it. */
  mergeCommitSha?: string;
  title?: string;
  /** Default `feature-<number>`. */
  headRef?: string;
}

export interface CommentSpec {
  issue: number;
  body: string;
  user?: string;
}

export interface GithubTokenSpec {
  token: string;
  /** read: GET only; write: may create and update comments. */
  permission: 'read' | 'write';
  /** Default: `github-actions[bot]` for an installation token, `octocat` for a personal one. */
  login?: string;
  /** Default: `personal` for `ghp_`, `gho_`, `github_pat_` tokens, else `installation` (GITHUB_TOKEN, app tokens). */
  kind?: GithubTokenKind;
}

export type GithubTokenKind = 'installation' | 'personal';

export interface TokenBucket {
  burst: number;
  perSecond: number;
}

export interface Throttling {
  enabled: boolean;
  /** Per principal, subscription and region. */
  reads: TokenBucket;
  writes: TokenBucket;
  deletes: TokenBucket;
  /** All principals together get this many times the per-principal buckets. */
  allPrincipalsFactor: number;
  /** The network provider's own window per subscription (deletes count as writes). */
  providerWindowSeconds: number;
  providerReads: number;
  providerWrites: number;
}

/**
 * `realistic`: a write on a busy VNet gets 429 RetryableError, a write whose remote VNet is busy 400
 * ReferencedResourceNotProvisioned (spec §5). The others answer every conflict, local or remote, one way.
 */
export type ConflictAnswer = 'realistic' | 'RetryableError' | 'ReferencedResourceNotProvisioned' | 'AnotherOperationInProgress';
export const CONFLICT_ANSWERS: readonly ConflictAnswer[] = [
  'realistic',
  'RetryableError',
  'ReferencedResourceNotProvisioned',
  'AnotherOperationInProgress',
];

/** Whether a 429 RetryableError carries Retry-After: `mixed` leaves it out of every third one. */
export type ConflictRetryAfter = 'mixed' | 'always' | 'never';

export interface ApiVersions {
  /** Microsoft.Network: VNets, peerings, their operations. */
  network: string[];
  /** Microsoft.Authorization: permissions. */
  authorization: string[];
}

/** What the emulator serves by default: what @azure/arm-network 39 sends, and some older versions. */
export const DEFAULT_API_VERSIONS: ApiVersions = {
  network: [
    '2026-01-01',
    '2025-07-01',
    '2025-05-01',
    '2025-03-01',
    '2025-01-01',
    '2024-10-01',
    '2024-07-01',
    '2024-05-01',
    '2024-03-01',
    '2024-01-01',
    '2023-11-01',
    '2023-09-01',
    '2023-06-01',
    '2023-05-01',
    '2023-04-01',
    '2023-02-01',
    '2022-11-01',
    '2022-09-01',
    '2022-07-01',
    '2022-05-01',
    '2022-01-01',
    '2021-08-01',
    '2021-05-01',
    '2021-02-01',
    '2020-11-01',
  ],
  authorization: ['2022-04-01', '2022-05-01-preview', '2018-07-01', '2018-01-01-preview', '2015-07-01'],
};

export interface Behavior {
  /** Re-PUT of a Disconnected peering: brings it back to Initiated, or is refused (400 PeeringIsDisconnected). */
  disconnectedRePut: 'initiated' | 'refused';
  /** Answer to a write while its own or its remote VNet has another operation in progress. */
  conflictAnswer: ConflictAnswer;
  conflictRetryAfter: ConflictRetryAfter;
  /** api-versions served; others get 400 NoRegisteredProviderFound (a sovereign cloud lags). */
  apiVersions: ApiVersions;
  peeringLimit: number;
  /** useRemoteGateways while the existing remote peering lacks allowGatewayTransit is refused. */
  requireRemoteGatewayTransit: boolean;
  /** Refuse an auxiliary token whose appid differs from the primary token's (unconfirmed in Azure). */
  auxiliaryAppMustMatch: boolean;
  throttling: Throttling;
}

export const DEFAULT_THROTTLING: Throttling = {
  enabled: true,
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  deletes: { burst: 200, perSecond: 10 },
  allPrincipalsFactor: 15,
  providerWindowSeconds: 300,
  providerReads: 10000,
  providerWrites: 1000,
};

export const DEFAULT_BEHAVIOR: Behavior = {
  disconnectedRePut: 'initiated',
  conflictAnswer: 'realistic',
  conflictRetryAfter: 'mixed',
  apiVersions: DEFAULT_API_VERSIONS,
  peeringLimit: 500,
  requireRemoteGatewayTransit: true,
  auxiliaryAppMustMatch: false,
  throttling: DEFAULT_THROTTLING,
};

/** Behavior as a world file or a test gives it: any subset, throttling and api-versions included. */
export type BehaviorInput = Partial<Omit<Behavior, 'throttling' | 'apiVersions'>> & {
  throttling?: Partial<Throttling>;
  apiVersions?: Partial<ApiVersions>;
};

/** `partial` over `base` (default: the defaults), nested knobs merged field by field. */
export function resolveBehavior(partial: BehaviorInput | undefined, base: Behavior = DEFAULT_BEHAVIOR): Behavior {
  return {
    ...base,
    ...partial,
    throttling: { ...base.throttling, ...partial?.throttling },
    apiVersions: { ...base.apiVersions, ...partial?.apiVersions },
  };
}

// ---------------------------------------------------------------------------------------------
// The default world

const TENANT_A = '11111111-1111-1111-1111-111111111111';
const TENANT_B = '22222222-2222-2222-2222-222222222222';
const SUB_A = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const SUB_B = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb';
const SUB_C = 'cccccccc-cccc-cccc-cccc-cccccccccccc';
const vnetId = (sub: string, rg: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const AUDIENCE = 'api://AzureADTokenExchange';
const REPO = 'contoso/network';

export const IDS = {
  tenants: { a: TENANT_A, b: TENANT_B },
  tenantNames: { a: 'contoso', b: 'fabrikam' },
  subscriptions: { a: SUB_A, b: SUB_B, c: SUB_C },
  vnets: {
    /** Tenant A, 10.0.0.0/16, has a virtual network gateway. */
    hub: vnetId(SUB_A, 'rg-hub', 'vnet-hub'),
    /** Tenant B, 10.1.0.0/16. */
    spoke: vnetId(SUB_B, 'rg-spoke', 'vnet-spoke'),
    /** Tenant B, 10.0.128.0/20: overlaps the hub. */
    overlap: vnetId(SUB_B, 'rg-spoke', 'vnet-overlap'),
    /** Tenant B, 10.2.0.0/16: the multi-tenant app is only Reader there. */
    restricted: vnetId(SUB_B, 'rg-restricted', 'vnet-restricted'),
    /** Tenant A, other subscription, 10.3.0.0/16. */
    app: vnetId(SUB_C, 'rg-app', 'vnet-app'),
  },
  apps: {
    /** Service principals in tenants A and B. */
    multiTenant: '33333333-3333-3333-3333-333333333333',
    /** Service principal only in tenant A (AADSTS700016 from tenant B). */
    singleTenant: '44444444-4444-4444-4444-444444444444',
  },
  /** Service principal object ids (`oid` claims) per app and tenant. */
  objectIds: {
    multiTenantInA: 'a3333333-0000-4000-8000-00000000000a',
    multiTenantInB: 'b3333333-0000-4000-8000-00000000000b',
    singleTenantInA: 'a4444444-0000-4000-8000-00000000000a',
  },
  roles: { networkContributor: '4d97b98b-1d4f-4787-a291-c67834d212e7' },
  oidc: {
    issuer: GITHUB_ISSUER,
    audience: AUDIENCE,
    requestToken: 'emulator-request-token',
    subjects: {
      pullRequest: `repo:${REPO}:pull_request`,
      main: `repo:${REPO}:ref:refs/heads/main`,
      production: `repo:${REPO}:environment:production`,
    },
  },
  github: {
    repo: REPO,
    pullRequest: 7,
    otherPullRequest: 8,
    writeToken: 'ghs_write',
    readToken: 'ghs_read',
    /** The workflow's installation token identity (viewer login, comment author). */
    botLogin: 'github-actions[bot]',
    /** A personal access token of a user with write permission. */
    userToken: 'ghp_user',
    userLogin: 'octocat-admin',
    /** PR 9 was merged into main as commit 9999…: GET commits/9999…/pulls lists it. */
    mergedPullRequest: 9,
    mergeCommitSha: '9'.repeat(40),
  },
};

export function defaultWorld(): World {
  const federatedCredentials: FederatedCredentialSpec[] = [
    { name: 'pull-requests', issuer: GITHUB_ISSUER, subject: IDS.oidc.subjects.pullRequest, audiences: [AUDIENCE] },
    { name: 'main', issuer: GITHUB_ISSUER, subject: IDS.oidc.subjects.main, audiences: [AUDIENCE] },
    { name: 'production', issuer: GITHUB_ISSUER, subject: IDS.oidc.subjects.production, audiences: [AUDIENCE] },
  ];
  const rg = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/${name}`;
  return {
    tenants: [
      { id: TENANT_A, name: 'contoso' },
      { id: TENANT_B, name: 'fabrikam' },
    ],
    subscriptions: [
      { id: SUB_A, tenantId: TENANT_A, name: 'contoso-hub' },
      { id: SUB_C, tenantId: TENANT_A, name: 'contoso-apps' },
      { id: SUB_B, tenantId: TENANT_B, name: 'fabrikam-spokes' },
    ],
    apps: [
      {
        clientId: IDS.apps.multiTenant,
        name: 'peering-app',
        homeTenantId: TENANT_A,
        servicePrincipals: [
          { tenantId: TENANT_A, objectId: IDS.objectIds.multiTenantInA },
          { tenantId: TENANT_B, objectId: IDS.objectIds.multiTenantInB },
        ],
        federatedCredentials,
      },
      {
        clientId: IDS.apps.singleTenant,
        name: 'single-tenant-app',
        homeTenantId: TENANT_A,
        servicePrincipals: [{ tenantId: TENANT_A, objectId: IDS.objectIds.singleTenantInA }],
        federatedCredentials: federatedCredentials.map((c) => ({ ...c, audiences: [...c.audiences] })),
      },
    ],
    roleAssignments: [
      { clientId: IDS.apps.multiTenant, scope: rg(SUB_A, 'rg-hub'), role: 'Network Contributor' },
      { clientId: IDS.apps.multiTenant, scope: rg(SUB_B, 'rg-spoke'), role: 'Network Contributor' },
      { clientId: IDS.apps.multiTenant, scope: `/subscriptions/${SUB_C}`, role: 'Network Contributor' },
      { clientId: IDS.apps.multiTenant, scope: rg(SUB_B, 'rg-restricted'), role: 'Reader' },
      { clientId: IDS.apps.singleTenant, scope: rg(SUB_A, 'rg-hub'), role: 'Network Contributor' },
      { clientId: IDS.apps.singleTenant, scope: rg(SUB_B, 'rg-spoke'), role: 'Network Contributor' },
    ],
    vnets: [
      { id: IDS.vnets.hub, location: 'westeurope', addressPrefixes: ['10.0.0.0/16'], hasGateway: true },
      { id: IDS.vnets.spoke, location: 'westeurope', addressPrefixes: ['10.1.0.0/16'] },
      { id: IDS.vnets.overlap, location: 'westeurope', addressPrefixes: ['10.0.128.0/20'] },
      { id: IDS.vnets.restricted, location: 'westeurope', addressPrefixes: ['10.2.0.0/16'] },
      { id: IDS.vnets.app, location: 'westeurope', addressPrefixes: ['10.3.0.0/16'] },
    ],
    peerings: [],
    locks: [],
    policies: [],
    oidc: { issuer: GITHUB_ISSUER, requestToken: IDS.oidc.requestToken, subject: IDS.oidc.subjects.pullRequest },
    github: {
      repos: [
        {
          fullName: REPO,
          pulls: [IDS.github.pullRequest, IDS.github.otherPullRequest],
          pullRequests: [
            {
              number: IDS.github.mergedPullRequest,
              state: 'merged',
              mergeCommitSha: IDS.github.mergeCommitSha,
              title: 'Peer the spokes',
            },
          ],
          issues: [],
          comments: [],
        },
      ],
      tokens: [
        { token: IDS.github.writeToken, permission: 'write', login: IDS.github.botLogin, kind: 'installation' },
        { token: IDS.github.readToken, permission: 'read', login: IDS.github.botLogin, kind: 'installation' },
        { token: IDS.github.userToken, permission: 'write', login: IDS.github.userLogin, kind: 'personal' },
      ],
    },
    behavior: {},
  };
}

// ---------------------------------------------------------------------------------------------
// Reading a world file

class WorldError extends Error {
  override name = 'WorldError';
}

type Item<T> = (v: unknown, path: string) => T;

function record(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new WorldError(`${path}: expected an object`);
  return Object.fromEntries(Object.entries(v));
}

const str: Item<string> = (v, path) => {
  if (typeof v !== 'string' || v === '') throw new WorldError(`${path}: expected a non-empty string`);
  return v;
};
const bool: Item<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new WorldError(`${path}: expected true or false`);
  return v;
};
const num: Item<number> = (v, path) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new WorldError(`${path}: expected a number`);
  return v;
};

function list<T>(item: Item<T>): Item<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new WorldError(`${path}: expected a list`);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

function oneOf<const T extends string>(options: readonly T[]): Item<T> {
  return (v, path) => {
    const found = options.find((o) => o === v);
    if (found === undefined) throw new WorldError(`${path}: expected one of ${options.join(', ')}`);
    return found;
  };
}

/** Field reader for one object: `req` throws when absent, `opt` returns undefined. */
function fields(v: unknown, path: string) {
  const r = record(v, path);
  return {
    req<T>(key: string, item: Item<T>): T {
      if (r[key] === undefined) throw new WorldError(`${path}.${key}: missing`);
      return item(r[key], `${path}.${key}`);
    },
    opt<T>(key: string, item: Item<T>): T | undefined {
      return r[key] === undefined || r[key] === null ? undefined : item(r[key], `${path}.${key}`);
    },
  };
}

const tenant: Item<TenantSpec> = (v, p) => {
  const f = fields(v, p);
  return { id: f.req('id', str), name: f.req('name', str) };
};
const subscription: Item<SubscriptionSpec> = (v, p) => {
  const f = fields(v, p);
  const name = f.opt('name', str);
  return { id: f.req('id', str), tenantId: f.req('tenantId', str), ...(name ? { name } : {}) };
};
const federated: Item<FederatedCredentialSpec> = (v, p) => {
  const f = fields(v, p);
  const name = f.opt('name', str);
  return {
    ...(name ? { name } : {}),
    issuer: f.req('issuer', str),
    subject: f.req('subject', str),
    audiences: f.req('audiences', list(str)),
  };
};
const servicePrincipal: Item<ServicePrincipalSpec> = (v, p) => {
  const f = fields(v, p);
  return { tenantId: f.req('tenantId', str), objectId: f.req('objectId', str) };
};
const app: Item<AppSpec> = (v, p) => {
  const f = fields(v, p);
  return {
    clientId: f.req('clientId', str),
    name: f.req('name', str),
    homeTenantId: f.req('homeTenantId', str),
    servicePrincipals: f.req('servicePrincipals', list(servicePrincipal)),
    federatedCredentials: f.opt('federatedCredentials', list(federated)) ?? [],
  };
};
const roleDefinition: Item<RoleDefinitionSpec> = (v, p) => {
  const f = fields(v, p);
  const id = f.opt('id', str);
  return {
    name: f.req('name', str),
    ...(id ? { id } : {}),
    actions: f.req('actions', list(str)),
    notActions: f.opt('notActions', list(str)) ?? [],
  };
};
const roleAssignment: Item<RoleAssignmentSpec> = (v, p) => {
  const f = fields(v, p);
  const role = f.opt('role', str);
  const actions = f.opt('actions', list(str));
  const notActions = f.opt('notActions', list(str));
  if (!role && !actions) throw new WorldError(`${p}: needs role or actions`);
  return {
    clientId: f.req('clientId', str),
    scope: f.req('scope', str),
    ...(role ? { role } : {}),
    ...(actions ? { actions } : {}),
    ...(notActions ? { notActions } : {}),
  };
};
const subnet: Item<SubnetSpec> = (v, p) => {
  const f = fields(v, p);
  const one = f.opt('addressPrefix', str);
  const many = f.opt('addressPrefixes', list(str));
  if ((one === undefined) === (many === undefined)) throw new WorldError(`${p}: needs addressPrefix or addressPrefixes (one of them)`);
  const ipConfigurations = f.opt('ipConfigurations', list(str));
  return {
    name: f.req('name', str),
    ...(one !== undefined ? { addressPrefix: one } : {}),
    ...(many !== undefined ? { addressPrefixes: many } : {}),
    ...(ipConfigurations ? { ipConfigurations } : {}),
  };
};
const vnet: Item<VnetSpec> = (v, p) => {
  const f = fields(v, p);
  const subnets = f.opt('subnets', list(subnet));
  const routeServer = f.opt('hasRouteServer', bool);
  return {
    id: f.req('id', str),
    location: f.req('location', str),
    addressPrefixes: f.req('addressPrefixes', list(str)),
    hasGateway: f.opt('hasGateway', bool) ?? false,
    ...(routeServer !== undefined ? { hasRouteServer: routeServer } : {}),
    ...(subnets ? { subnets } : {}),
  };
};
const peering: Item<PeeringSpec> = (v, p) => {
  const f = fields(v, p);
  const out: PeeringSpec = { vnetId: f.req('vnetId', str), name: f.req('name', str), remoteVnetId: f.req('remoteVnetId', str) };
  for (const key of [
    'allowVirtualNetworkAccess',
    'allowForwardedTraffic',
    'allowGatewayTransit',
    'useRemoteGateways',
    'doNotVerifyRemoteGateways',
    'peerCompleteVnets',
    'enableOnlyIPv6Peering',
  ] as const) {
    const b = f.opt(key, bool);
    if (b !== undefined) out[key] = b;
  }
  for (const key of ['localSubnetNames', 'remoteSubnetNames'] as const) {
    const names = f.opt(key, list(str));
    if (names) out[key] = names;
  }
  const state = f.opt('peeringState', oneOf(['Initiated', 'Connected', 'Disconnected']));
  if (state) out.peeringState = state;
  const remote = f.opt('remoteAddressPrefixes', list(str));
  if (remote) out.remoteAddressPrefixes = remote;
  const prov = f.opt('provisioningState', oneOf(['Succeeded', 'Updating', 'Deleting', 'Failed']));
  if (prov) out.provisioningState = prov;
  return out;
};
const lock: Item<LockSpec> = (v, p) => {
  const f = fields(v, p);
  const name = f.opt('name', str);
  return { scope: f.req('scope', str), level: f.req('level', oneOf(['CanNotDelete', 'ReadOnly'])), ...(name ? { name } : {}) };
};
const policy: Item<PolicySpec> = (v, p) => {
  const f = fields(v, p);
  return { scope: f.req('scope', str), name: f.req('name', str), deny: f.req('deny', list(str)) };
};
const claimValue: Item<string | number | boolean> = (v, p) => {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new WorldError(`${p}: expected a string, number or boolean`);
};
const oidc: Item<OidcSpec> = (v, p) => {
  const f = fields(v, p);
  const claims = f.opt('claims', (c, cp) =>
    Object.fromEntries(Object.entries(record(c, cp)).map(([k, x]) => [k, claimValue(x, `${cp}.${k}`)])),
  );
  return {
    issuer: f.req('issuer', str),
    requestToken: f.req('requestToken', str),
    subject: f.req('subject', str),
    ...(claims ? { claims } : {}),
  };
};
const comment: Item<CommentSpec> = (v, p) => {
  const f = fields(v, p);
  const user = f.opt('user', str);
  return { issue: f.req('issue', num), body: f.req('body', str), ...(user ? { user } : {}) };
};
const pullRequest: Item<PullRequestSpec> = (v, p) => {
  const f = fields(v, p);
  const state = f.opt('state', oneOf(['open', 'closed', 'merged']));
  const out: PullRequestSpec = { number: f.req('number', num), ...(state ? { state } : {}) };
  for (const k of ['headSha', 'mergeCommitSha', 'title', 'headRef'] as const) {
    const x = f.opt(k, str);
    if (x !== undefined) out[k] = x;
  }
  return out;
};
const repo: Item<RepoSpec> = (v, p) => {
  const f = fields(v, p);
  return {
    fullName: f.req('fullName', str),
    pulls: f.opt('pulls', list(num)) ?? [],
    pullRequests: f.opt('pullRequests', list(pullRequest)) ?? [],
    issues: f.opt('issues', list(num)) ?? [],
    comments: f.opt('comments', list(comment)) ?? [],
  };
};
const githubToken: Item<GithubTokenSpec> = (v, p) => {
  const f = fields(v, p);
  const login = f.opt('login', str);
  const kind = f.opt('kind', oneOf(['installation', 'personal']));
  return {
    token: f.req('token', str),
    permission: f.req('permission', oneOf(['read', 'write'])),
    ...(login ? { login } : {}),
    ...(kind ? { kind } : {}),
  };
};
const github: Item<GithubSpec> = (v, p) => {
  const f = fields(v, p);
  return { repos: f.opt('repos', list(repo)) ?? [], tokens: f.opt('tokens', list(githubToken)) ?? [] };
};
const bucket: Item<TokenBucket> = (v, p) => {
  const f = fields(v, p);
  return { burst: f.req('burst', num), perSecond: f.req('perSecond', num) };
};
const throttling: Item<Partial<Throttling>> = (v, p) => {
  const f = fields(v, p);
  const out: Partial<Throttling> = {};
  const enabled = f.opt('enabled', bool);
  if (enabled !== undefined) out.enabled = enabled;
  for (const k of ['reads', 'writes', 'deletes'] as const) {
    const b = f.opt(k, bucket);
    if (b) out[k] = b;
  }
  for (const k of ['allPrincipalsFactor', 'providerWindowSeconds', 'providerReads', 'providerWrites'] as const) {
    const n = f.opt(k, num);
    if (n !== undefined) out[k] = n;
  }
  return out;
};
const behavior: Item<BehaviorInput> = (v, p) => {
  const f = fields(v, p);
  const out: BehaviorInput = {};
  const rePut = f.opt('disconnectedRePut', oneOf(['initiated', 'refused']));
  if (rePut) out.disconnectedRePut = rePut;
  const conflict = f.opt('conflictAnswer', oneOf(CONFLICT_ANSWERS));
  if (conflict) out.conflictAnswer = conflict;
  const retryAfter = f.opt('conflictRetryAfter', oneOf(['mixed', 'always', 'never']));
  if (retryAfter) out.conflictRetryAfter = retryAfter;
  const versions = f.opt('apiVersions', (x, xp) => {
    const g = fields(x, xp);
    const out: Partial<ApiVersions> = {};
    for (const k of ['network', 'authorization'] as const) {
      const l = g.opt(k, list(str));
      if (l) out[k] = l;
    }
    return out;
  });
  if (versions) out.apiVersions = versions;
  const limit = f.opt('peeringLimit', num);
  if (limit !== undefined) out.peeringLimit = limit;
  const transit = f.opt('requireRemoteGatewayTransit', bool);
  if (transit !== undefined) out.requireRemoteGatewayTransit = transit;
  const aux = f.opt('auxiliaryAppMustMatch', bool);
  if (aux !== undefined) out.auxiliaryAppMustMatch = aux;
  const t = f.opt('throttling', throttling);
  if (t) out.throttling = t;
  return out;
};

/** Builds a World from parsed JSON/YAML, checking every field and the references between them. */
export function parseWorld(data: unknown, source = 'world'): World {
  const f = fields(data, source);
  const world: World = {
    tenants: f.req('tenants', list(tenant)),
    subscriptions: f.req('subscriptions', list(subscription)),
    apps: f.opt('apps', list(app)) ?? [],
    roleDefinitions: f.opt('roleDefinitions', list(roleDefinition)) ?? [],
    roleAssignments: f.opt('roleAssignments', list(roleAssignment)) ?? [],
    vnets: f.opt('vnets', list(vnet)) ?? [],
    peerings: f.opt('peerings', list(peering)) ?? [],
    locks: f.opt('locks', list(lock)) ?? [],
    policies: f.opt('policies', list(policy)) ?? [],
    oidc: f.opt('oidc', oidc) ?? defaultWorld().oidc,
    github: f.opt('github', github) ?? { repos: [], tokens: [] },
    behavior: f.opt('behavior', behavior) ?? {},
  };
  checkReferences(world, source);
  return world;
}

export function loadWorld(file: string): World {
  const text = readFileSync(file, 'utf8');
  let data: unknown;
  try {
    data = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e: unknown) {
    throw new WorldError(`${file}: cannot parse: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseWorld(data, file);
}

const VNET_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i;

export function parseVnetId(id: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const m = VNET_ID.exec(id);
  if (!m || !m[1] || !m[2] || !m[3]) return undefined;
  return { subscriptionId: m[1], resourceGroup: m[2], name: m[3] };
}

function checkReferences(world: World, source: string): void {
  const tenants = new Set(world.tenants.map((t) => t.id.toLowerCase()));
  const subs = new Set(world.subscriptions.map((s) => s.id.toLowerCase()));
  const vnets = new Set(world.vnets.map((v) => v.id.toLowerCase()));
  world.subscriptions.forEach((s, i) => {
    if (!tenants.has(s.tenantId.toLowerCase()))
      throw new WorldError(`${source}.subscriptions[${i}].tenantId: unknown tenant ${s.tenantId}`);
  });
  world.apps.forEach((a, i) => {
    a.servicePrincipals.forEach((sp, j) => {
      if (!tenants.has(sp.tenantId.toLowerCase()))
        throw new WorldError(`${source}.apps[${i}].servicePrincipals[${j}].tenantId: unknown tenant ${sp.tenantId}`);
    });
  });
  world.vnets.forEach((v, i) => {
    const parsed = parseVnetId(v.id);
    if (!parsed) throw new WorldError(`${source}.vnets[${i}].id: not a virtual network resource ID: ${v.id}`);
    if (!subs.has(parsed.subscriptionId.toLowerCase()))
      throw new WorldError(`${source}.vnets[${i}].id: unknown subscription ${parsed.subscriptionId}`);
  });
  (world.peerings ?? []).forEach((p, i) => {
    if (!vnets.has(p.vnetId.toLowerCase())) throw new WorldError(`${source}.peerings[${i}].vnetId: unknown VNet ${p.vnetId}`);
    if (!parseVnetId(p.remoteVnetId))
      throw new WorldError(`${source}.peerings[${i}].remoteVnetId: not a virtual network resource ID`);
  });
  const scoped = (what: 'locks' | 'policies', list: { scope: string }[]) =>
    list.forEach((l, i) => {
      const sub = /^\/subscriptions\/([^/]+)/i.exec(l.scope)?.[1];
      if (!sub) throw new WorldError(`${source}.${what}[${i}].scope: expected /subscriptions/…, got ${l.scope}`);
      if (!subs.has(sub.toLowerCase())) throw new WorldError(`${source}.${what}[${i}].scope: unknown subscription ${sub}`);
    });
  scoped('locks', world.locks ?? []);
  scoped('policies', world.policies ?? []);
  const roleNames = new Set([
    ...BUILT_IN_ROLE_NAMES,
    ...(world.roleDefinitions ?? []).flatMap((r) => [r.name.toLowerCase(), (r.id ?? '').toLowerCase()]),
  ]);
  world.roleAssignments.forEach((r, i) => {
    if (r.role && !roleNames.has(r.role.toLowerCase()))
      throw new WorldError(`${source}.roleAssignments[${i}].role: unknown role ${r.role}`);
  });
}

const BUILT_IN_ROLE_NAMES = [
  'owner',
  'contributor',
  'reader',
  'network contributor',
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  'b24988ac-6180-42a0-ab88-20f7382dd24c',
  'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  '4d97b98b-1d4f-4787-a291-c67834d212e7',
];
