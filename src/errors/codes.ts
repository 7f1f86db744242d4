// The one table of what the action knows about Azure's, Entra's and its own codes: whether waiting
// cures it, whether deleting and re-creating a Disconnected peering cures it, and what a person
// should do. Unknown codes keep their code and message and get no invented hint.
import type { Locator, Side, VnetRef } from '../model.ts';

/** What advice may mention: who signed in, and where the user sets it. */
export interface AdviceContext {
  readonly tenantId: string;
  readonly clientId: string;
  /** Where the tenant and the client are set ("input 'tenant-id-a'", "tenants.contoso.tenant-id in net.yml"). */
  readonly tenantField: string;
  readonly clientField: string;
  /** The subject and audience of the workflow's OIDC token, when known. */
  readonly subject?: string | undefined;
  readonly audience?: string | undefined;
  /** The VNet read or written, and where it is set. */
  readonly vnet?: { readonly ref: VnetRef; readonly field: string } | undefined;
  /** For a write (or read) on one direction of a link. */
  readonly link?: LinkContext | undefined;
}

export interface LinkContext {
  readonly side: Side;
  readonly vnet: VnetRef;
  readonly remoteVnet: VnetRef;
  readonly remoteTenantId: string;
  readonly remoteClientId: string;
  readonly locator: Locator;
  /** The user named this side's peering (so advice never says "name the peering"). */
  readonly peeringNameGiven: boolean;
}

export interface CodeInfo {
  /** Worth another try after a pause: conflicts, throttling, cancellation, transient faults. */
  readonly transient: boolean;
  /** A refused re-PUT of a Disconnected peering with this code is cured by delete + create. */
  readonly curedByRecreate: boolean;
  readonly advice?: (ctx: AdviceContext, message: string) => string;
}

/** The api-version the SDK sends; named when a cloud does not serve it. */
export const ARM_NETWORK_PACKAGE = '@azure/arm-network 39';

const rg = (v: VnetRef): string => `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}`;
const here = (ctx: AdviceContext): string => ctx.link?.vnet.name ?? ctx.vnet?.ref.name ?? 'the VNet';
const there = (ctx: AdviceContext): string => ctx.link?.remoteVnet.name ?? 'the remote VNet';
const sub = (ctx: AdviceContext): string => (ctx.subject ? ` (this workflow's subject is '${ctx.subject}')` : '');
const nameIt = (ctx: AdviceContext): string => (ctx.link ? ctx.link.locator.peeringName[ctx.link.side] : 'the peering name');

const busy = (ctx: AdviceContext): string =>
  `Another operation on ${here(ctx)} or ${there(ctx)} kept Azure busy until the time limit. Run again, or raise timeout-minutes.`;

const transient: CodeInfo = { transient: true, curedByRecreate: false, advice: busy };
const throttled: CodeInfo = {
  transient: true,
  curedByRecreate: false,
  advice: () => 'Azure Resource Manager throttled the requests until the time limit. Run again later, or lower max-parallel-writes.',
};
const fault: CodeInfo = {
  transient: true,
  curedByRecreate: false,
  advice: () => 'Azure answered with a server or network fault until the time limit. Run again; if it persists, check Azure status.',
};
const permanent = (advice?: CodeInfo['advice']): CodeInfo => ({ transient: false, curedByRecreate: false, ...(advice ? { advice } : {}) });

const apiVersion: CodeInfo = permanent(
  (ctx) =>
    `Resource Manager in this cloud does not serve the api-version this action sends (2026-01-01, from ${ARM_NETWORK_PACKAGE}); ` +
    `sovereign clouds lag the public one. The message lists the versions it serves: use a release of the action whose ` +
    `api-version is among them, or run against ${here(ctx)} once the cloud serves it. Retrying does not help.`,
);

export const CODES: Readonly<Record<string, CodeInfo>> = {
  // Busy and conflicting operations (spec/azure.md §5): wait, read again, write again.
  ReferencedResourceNotProvisioned: transient,
  AnotherOperationInProgress: transient,
  RetryableError: transient,
  RetryableErrorDueToAnotherOperation: transient,
  CanceledAndSupersededDueToAnotherOperation: transient,
  OperationCanceled: transient,
  Canceled: transient,
  OperationInProgress: transient,
  // Throttling.
  TooManyRequests: throttled,
  SubscriptionRequestsThrottled: throttled,
  HTTP429: throttled,
  // Server and network faults; a body cut short by a dropped connection reads as a parse error.
  InternalServerError: fault,
  ServiceUnavailable: fault,
  GatewayTimeout: fault,
  BadGateway: fault,
  RequestTimeout: fault,
  REQUEST_SEND_ERROR: fault,
  PARSE_ERROR: fault,
  ECONNRESET: fault,
  ECONNREFUSED: fault,
  ETIMEDOUT: fault,
  EPIPE: fault,
  UND_ERR_SOCKET: fault,
  TruncatedResponse: fault,

  // Permanent refusals: retrying cannot help, deleting a peering cannot either.
  AuthorizationFailed: permanent(
    (ctx) =>
      `Identity ${ctx.clientId} may not change peerings on ${here(ctx)} in tenant ${ctx.tenantId}. Assign it Network Contributor on ` +
      `${ctx.link ? rg(ctx.link.vnet) : ctx.vnet ? rg(ctx.vnet.ref) : 'the resource group'} (or the VNet), or a custom role with ` +
      `Microsoft.Network/virtualNetworks/read, virtualNetworkPeerings/read|write|delete and virtualNetworks/peer/action.`,
  ),
  LinkedAuthorizationFailed: permanent((ctx, message) => {
    const l = ctx.link;
    if (!l) return 'The remote VNet refused the linked access check: see the message.';
    const crossTenant = l.remoteTenantId.toLowerCase() !== ctx.tenantId.toLowerCase();
    if (crossTenant && /not authorized to access linked subscription/i.test(message)) {
      return (
        `Azure did not accept a token from tenant ${l.remoteTenantId} for the remote VNet ${l.remoteVnet.name}. App ` +
        `${l.remoteClientId} needs a service principal in tenant ${l.remoteTenantId} (admin consent) and Network Contributor ` +
        `(or virtualNetworks/peer/action) on ${l.remoteVnet.id}.`
      );
    }
    return (
      `Identity ${crossTenant ? l.remoteClientId : ctx.clientId} lacks Microsoft.Network/virtualNetworks/peer/action on the remote VNet ` +
      `${l.remoteVnet.name} (tenant ${l.remoteTenantId}). Assign it Network Contributor on ${rg(l.remoteVnet)} (or the VNet), or a ` +
      `custom role that includes virtualNetworks/peer/action.`
    );
  }),
  InvalidAuthenticationTokenTenant: permanent(
    (ctx) =>
      `The token from tenant ${ctx.tenantId} is not valid for subscription ${ctx.link?.vnet.subscriptionId ?? ctx.vnet?.ref.subscriptionId ?? ''}: ` +
      `${ctx.tenantField} must be the tenant that owns that subscription.`,
  ),
  InvalidAuthenticationToken: permanent(),
  ExpiredAuthenticationToken: permanent(() => 'An access token expired during the run. Run the workflow again; if it recurs, report it with the log.'),
  ScopeLocked: permanent(
    (ctx) =>
      `A resource lock (ReadOnly, or CanNotDelete for a delete) covers ${here(ctx)}: Azure refuses the write until it is removed. ` +
      `Remove the lock (az lock list --resource-group ${ctx.link?.vnet.resourceGroup ?? ctx.vnet?.ref.resourceGroup ?? '<rg>'}), or ` +
      `peer this VNet outside the locked window, then run again. Retrying does not help.`,
  ),
  RequestDisallowedByPolicy: permanent(
    () =>
      'An Azure Policy assignment denies this write (the message names it). Ask its owner for an exemption or change the ' +
      'settings the policy requires, then run again. Retrying does not help.',
  ),
  NoRegisteredProviderFound: apiVersion,
  InvalidApiVersionParameter: apiVersion,
  SubscriptionNotFound: permanent(
    (ctx) =>
      `Subscription ${ctx.link?.vnet.subscriptionId ?? ctx.vnet?.ref.subscriptionId ?? ''} was not found in tenant ${ctx.tenantId}: check ` +
      `${ctx.vnet?.field ?? 'the VNet ID'} and ${ctx.tenantField}.`,
  ),
  ResourceGroupNotFound: permanent((ctx) => notFound(ctx)),
  ResourceNotFound: permanent((ctx) => notFound(ctx)),
  NotFound: permanent((ctx) => notFound(ctx)),
  InvalidResourceReference: permanent((ctx) => `The remote VNet ${there(ctx)} does not exist (any more): check its resource ID.`),
  VnetAddressSpacesOverlap: permanent(
    (ctx) =>
      `The address spaces of ${here(ctx)} and ${there(ctx)} overlap, and overlapping VNets cannot be peered. Change one VNet's ` +
      `address space (or the peered subnets) so the two are disjoint.`,
  ),
  VnetAddressSpaceOverlapsWithAlreadyPeeredVnet: permanent(
    (ctx) =>
      `An address space of this pair overlaps a VNet that is already peered with ${there(ctx)} or ${here(ctx)}. Remove the overlap ` +
      `or that other peering first.`,
  ),
  RemoteVnetHasNoGateways: permanent(
    (ctx) =>
      `useRemoteGateways on ${here(ctx)} → ${there(ctx)} needs a virtual network gateway (or Route Server) in ${there(ctx)}. Deploy ` +
      `one there, or change ${ctx.link?.locator.gatewayTransit ?? 'the gateway transit setting'}.`,
  ),
  RemotePeeringDoesNotAllowGatewayTransit: permanent(
    (ctx) => `The peering on ${there(ctx)} does not allow gateway transit yet; the action writes it first. Run again.`,
  ),
  AnotherPeeringAlreadyReferencesRemoteVnet: permanent((ctx) =>
    ctx.link?.peeringNameGiven
      ? `Another peering on ${here(ctx)} already points at ${there(ctx)}. Delete it, or set ${nameIt(ctx)} to its name.`
      : `Another peering on ${here(ctx)} already points at ${there(ctx)}. Delete it first, or leave ${nameIt(ctx)} unset to adopt it.`,
  ),
  InvalidResourceName: permanent(
    (ctx) =>
      `Peering names are 1-80 letters, digits, _ . -, starting with a letter or digit and ending with a letter, digit or _: ` +
      `${ctx.link?.peeringNameGiven ? 'fix' : 'set'} ${nameIt(ctx)}.`,
  ),
  RemotePeeringIsDisconnected: permanent(
    (ctx) => `The peering on ${there(ctx)} is Disconnected and Azure refused to bring it back. Delete the peerings on both VNets, then run again.`,
  ),
  // The refusal of a Disconnected re-PUT (code unconfirmed; the emulator's name): a fresh create cures it.
  PeeringIsDisconnected: { transient: false, curedByRecreate: true },
  ChangingRemoteVirtualNetworkNotAllowed: permanent((ctx) =>
    ctx.link?.peeringNameGiven
      ? `A peering cannot be pointed at another VNet in place: the peering named by ${nameIt(ctx)} points elsewhere. Delete it, or choose another name.`
      : `A peering cannot be pointed at another VNet in place. Delete it, or set ${nameIt(ctx)} to a free name.`,
  ),
  CannotPeerVirtualNetworkWithItself: permanent(),
  PeeringLimitReached: permanent(
    (ctx) => `${here(ctx)} has reached Azure's limit of 500 peerings. Remove peerings it no longer needs, then run again.`,
  ),
  // The emulator's names for Azure's subnet-peering refusals (codes unconfirmed, spec/azure.md §3).
  InvalidSubnetNamesForPeering: permanent(
    (ctx) => `A subnet named for this peering does not exist on its VNet, or is named twice. Fix ${ctx.link ? ctx.link.locator.subnets[ctx.link.side] : 'the subnet list'}.`,
  ),
  ChangingPeerCompleteVnetsNotAllowed: permanent(
    () => 'A peering cannot switch between whole-VNet and subnet peering in place; the action deletes and creates it when the link declares the kind (replace). Run again.',
  ),
  PeeringKindChanged: permanent(),
  SubnetNotFound: permanent(
    (ctx) => `A subnet named for this peering does not exist on its VNet. Fix ${ctx.link ? ctx.link.locator.subnets[ctx.link.side] : 'the subnet list'}.`,
  ),
  // Our own findings; their problems are built with their advice already.
  PeeringNameConflict: permanent(),
  PeeringTargetConflict: permanent(),
  SubnetPeeringCheck: permanent(),
  PeeringMissing: permanent(),
  ProvisioningNotSucceeded: permanent(),
  PeeringInitiated: permanent(),
  PeeringDisconnected: permanent(),
  PeeringNotInSync: permanent(),
  SettingsDiffer: permanent(),
  PeeringLeft: permanent(),
  WriteSkipped: permanent(),
  VnetNotRead: permanent(),
  NoOidcToken: permanent(),
  NoOidcTokenForFork: permanent(),
  Aborted: permanent(
    () =>
      'The run stopped waiting for Azure: it was cancelled, or timeout-minutes ran out. Azure finishes an accepted operation on its own; run again to converge.',
  ),

  // GitHub's OIDC issuer and Entra.
  OidcTokenRequestFailed: permanent(
    () =>
      "GitHub's OIDC token service did not give the job a token (see the message). It is usually a passing fault: re-run the job. " +
      'If it recurs, check githubstatus.com and that the job has permissions: id-token: write.',
  ),
  EntraUnavailable: permanent(
    (ctx) =>
      `Microsoft Entra (the token endpoint for tenant ${ctx.tenantId}) did not answer or answered with a server error. It is a passing ` +
      'outage on Microsoft\'s side: re-run the job; nothing was changed in Azure.',
  ),
  AADSTS700016: permanent(
    (ctx) =>
      `App ${ctx.clientId} has no service principal in tenant ${ctx.tenantId}. If it is a multi-tenant app, an administrator of that tenant ` +
      `must consent to it (https://login.microsoftonline.com/${ctx.tenantId}/adminconsent?client_id=${ctx.clientId}, or az ad sp create ` +
      `--id ${ctx.clientId} signed in there); a single-tenant app must first be made multi-tenant (az ad app update --id ${ctx.clientId} ` +
      `--sign-in-audience AzureADMultipleOrgs).`,
  ),
  AADSTS70021: permanent(
    (ctx) =>
      `No federated credential on app ${ctx.clientId} matches this workflow's token (issuer, subject and audience)${sub(ctx)}. Add one in the app registration.`,
  ),
  AADSTS700211: permanent(
    () => "The federated credential's issuer must be the workflow token's issuer (https://token.actions.githubusercontent.com, or your enterprise's).",
  ),
  AADSTS700212: permanent(
    (ctx) =>
      `The workflow token's audience${ctx.audience ? ` '${ctx.audience}'` : ''} does not match the federated credential's. Set the audience ` +
      'input, or fix the credential (US Government and China use their own default audiences).',
  ),
  AADSTS700213: permanent(
    (ctx) =>
      `No federated credential on app ${ctx.clientId} matches this workflow's subject${sub(ctx)}. Add a credential for that subject (branch, environment or pull_request).`,
  ),
  AADSTS7002138: permanent(
    (ctx) => `A federated credential matches this workflow's subject only when case is ignored${sub(ctx)}. Fix the case in the credential: subjects are case-sensitive.`,
  ),
  AADSTS700024: permanent(
    () =>
      'The GitHub OIDC token was no longer valid when it reached Entra. The action fetches a fresh one when it nears expiry; run again, and check the runner clock if it recurs.',
  ),
  AADSTS90002: permanent((ctx) => `Tenant ${ctx.tenantId} was not found: check ${ctx.tenantField} and the environment input.`),
};

function notFound(ctx: AdviceContext): string {
  const v = ctx.link?.vnet ?? ctx.vnet?.ref;
  const field = ctx.vnet?.field ?? (ctx.link ? ctx.link.locator.vnet[ctx.link.side] : 'the VNet ID');
  return (
    `VNet ${v?.id ?? ''} was not found, or identity ${ctx.clientId} cannot read it: check ${field}, and that the identity has at least ` +
    `Reader on it in tenant ${ctx.tenantId}.`
  );
}

/** Codes with which ARM refuses a token, where two different apps across tenants may be the cause. */
export const TOKEN_REFUSALS: ReadonlySet<string> = new Set(['LinkedAuthorizationFailed', 'InvalidAuthenticationToken', 'HTTP401']);
