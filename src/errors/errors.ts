// Azure and Entra errors reduced to a code, a message, whether to retry, and advice a person can act
// on. Known codes are named here with one sentence on cause and fix; unknown ones keep their code and
// message and get no invented hint.
import type { Settings } from '../config/inputs.ts';
import { other, type Problem, type Side, type VnetRef } from '../model.ts';

/** What the advice may mention about the side that failed. */
export interface ErrorContext {
  readonly side: Side;
  readonly vnet: VnetRef;
  readonly remoteVnet: VnetRef;
  readonly tenantId: string;
  readonly remoteTenantId: string;
  readonly clientId: string;
  readonly remoteClientId: string;
  /** The subject of the workflow's OIDC token, when known. */
  readonly subject?: string | undefined;
  readonly audience?: string | undefined;
}

export interface ClassifiedError {
  readonly code: string;
  readonly message: string;
  readonly statusCode: number | undefined;
  /** Worth retrying after a pause: conflicts, throttling, cancellation, transient faults. */
  readonly transient: boolean;
  /** The server's hint, in milliseconds, when it gave one. */
  readonly retryAfterMs: number | undefined;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

const field = (o: unknown, key: string): unknown =>
  typeof o === 'object' && o !== null && key in o ? Reflect.get(o, key) : undefined;

const TRANSIENT_CODES = new Set([
  'ReferencedResourceNotProvisioned',
  'AnotherOperationInProgress',
  'RetryableError',
  'RetryableErrorDueToAnotherOperation',
  'CanceledAndSupersededDueToAnotherOperation',
  'OperationCanceled',
  'Canceled',
  'TooManyRequests',
  'SubscriptionRequestsThrottled',
  'InternalServerError',
  'ServiceUnavailable',
  'GatewayTimeout',
  'REQUEST_SEND_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
]);

// Refusals that waiting does not cure, whatever status they come with.
const PERMANENT_CODES = new Set([
  'AuthorizationFailed',
  'LinkedAuthorizationFailed',
  'InvalidAuthenticationToken',
  'InvalidAuthenticationTokenTenant',
  'VnetAddressSpacesOverlap',
  'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet',
  'RemoteVnetHasNoGateways',
  'AnotherPeeringAlreadyReferencesRemoteVnet',
  'InvalidResourceName',
  'RemotePeeringIsDisconnected',
  'PeeringIsDisconnected',
  'ChangingRemoteVirtualNetworkNotAllowed',
  'SubscriptionNotFound',
  'ResourceGroupNotFound',
  'ResourceNotFound',
  'NotFound',
]);

function detailsText(e: unknown): string {
  const details = field(e, 'details');
  if (details === undefined) return '';
  try {
    return JSON.stringify(details) ?? '';
  } catch {
    return '';
  }
}

// "... can be retried in 7 seconds" in ARM's conflict messages.
const RETRY_IN = /retried in (\d+) seconds?/i;
// The SDK's plain Error at the end of a failed long-running operation.
const LRO_FAILED = /^The long-running operation has failed\.?\s*(?:([A-Za-z][\w.]*)\.\s*)?([\s\S]*)$/;

function retryAfterHeader(e: unknown): number | undefined {
  const headers = field(field(e, 'response'), 'headers');
  const get = field(headers, 'get');
  if (typeof get !== 'function') return undefined;
  const raw: unknown = Reflect.apply(get, headers, ['retry-after']);
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Reduces anything thrown by the SDKs to a code, message and retry hint. */
export function classify(e: unknown): ClassifiedError {
  const message = errorMessage(e);
  const status = field(e, 'statusCode');
  const statusCode = typeof status === 'number' ? status : undefined;
  // Node's own AbortError carries code ABORT_ERR; it is ours to name, not Azure's.
  const aborted = field(e, 'name') === 'AbortError';
  let code = !aborted && typeof field(e, 'code') === 'string' ? String(field(e, 'code')) : '';
  let text = message;

  const lro = LRO_FAILED.exec(message);
  if (!code && lro) {
    code = lro[1] ?? 'OperationFailed';
    text = lro[2]?.trim() || message;
  }
  if (!code && message === 'Operation was canceled') code = 'Canceled';
  if (!code && aborted) code = 'Aborted';
  const aadsts = /AADSTS(\d+)/.exec(message);
  if (!code && aadsts) code = `AADSTS${aadsts[1]}`;
  if (!code) code = statusCode ? `HTTP${statusCode}` : 'UnknownError';

  // The SDK keeps ARM's error body (with its details, where the retry hint often is) in .details.
  const details = detailsText(e);
  const hinted = RETRY_IN.exec(message) ?? RETRY_IN.exec(details);
  const retryAfterMs = retryAfterHeader(e) ?? (hinted ? Number(hinted[1]) * 1000 : undefined);
  // A known refusal is final whatever its status; otherwise conflicts, throttling and server
  // faults are worth another try.
  const transient =
    code !== 'Aborted' &&
    !PERMANENT_CODES.has(code) &&
    (TRANSIENT_CODES.has(code) ||
      /AnotherOperationInProgress|RetryableError|CanceledAndSuperseded/.test(`${message} ${details}`) ||
      statusCode === 429 ||
      statusCode === 409 ||
      statusCode === 408 ||
      (statusCode !== undefined && statusCode >= 500));
  return { code, message: text, statusCode, transient, retryAfterMs };
}

const arrow = (ctx: ErrorContext): string => `${ctx.vnet.name} → ${ctx.remoteVnet.name}`;

// Codes with which ARM refuses a token, where two different apps across tenants may be the cause.
const TOKEN_REFUSALS = new Set(['LinkedAuthorizationFailed', 'InvalidAuthenticationToken', 'HTTP401']);

/** One or two sentences on cause and fix for a known code; undefined for unknown codes. */
export function advice(code: string, message: string, ctx: ErrorContext): string | undefined {
  const base = knownAdvice(code, message, ctx);
  if (ctx.tenantId !== ctx.remoteTenantId && ctx.clientId !== ctx.remoteClientId && TOKEN_REFUSALS.has(code)) {
    const note =
      `client-id-a and client-id-b differ across the two tenants: Azure documents one multi-tenant app with a service ` +
      `principal in both tenants (the same client ID), and may refuse an auxiliary token from another app. ` +
      `Use one multi-tenant app for both sides.`;
    return base ? `${note} ${base}` : note;
  }
  return base;
}

function knownAdvice(code: string, message: string, ctx: ErrorContext): string | undefined {
  const crossTenant = ctx.tenantId !== ctx.remoteTenantId;
  const rg = (v: VnetRef): string => `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}`;
  const sub = ctx.subject ? ` (this workflow's subject is '${ctx.subject}')` : '';
  switch (code) {
    case 'AuthorizationFailed':
      return (
        `Identity ${ctx.clientId} may not change peerings on ${ctx.vnet.name} in tenant ${ctx.tenantId}. ` +
        `Assign it Network Contributor on ${rg(ctx.vnet)} (or the VNet), or a custom role with ` +
        `Microsoft.Network/virtualNetworks/read, virtualNetworkPeerings/read|write|delete and virtualNetworks/peer/action.`
      );
    case 'LinkedAuthorizationFailed':
      if (crossTenant && /not authorized to access linked subscription/i.test(message)) {
        return (
          `Azure did not accept a token from tenant ${ctx.remoteTenantId} for the remote VNet ${ctx.remoteVnet.name}. ` +
          `App ${ctx.remoteClientId} needs a service principal in tenant ${ctx.remoteTenantId} (admin consent) and ` +
          `Network Contributor (or virtualNetworks/peer/action) on ${ctx.remoteVnet.id}.`
        );
      }
      return (
        `Identity ${crossTenant ? ctx.remoteClientId : ctx.clientId} lacks Microsoft.Network/virtualNetworks/peer/action on the remote VNet ` +
        `${ctx.remoteVnet.name} (tenant ${ctx.remoteTenantId}). Assign it Network Contributor on ${rg(ctx.remoteVnet)} ` +
        `(or the VNet), or a custom role that includes virtualNetworks/peer/action.`
      );
    case 'InvalidAuthenticationTokenTenant':
      return (
        `The token from tenant ${ctx.tenantId} is not valid for subscription ${ctx.vnet.subscriptionId}: ` +
        `tenant-id-${ctx.side} must be the tenant that owns that subscription.`
      );
    case 'ExpiredAuthenticationToken':
      return 'An access token expired during the run. Run the workflow again; if it recurs, report it with the log.';
    case 'SubscriptionNotFound':
      return `Subscription ${ctx.vnet.subscriptionId} was not found in tenant ${ctx.tenantId}: check vnet-${ctx.side} and tenant-id-${ctx.side}.`;
    case 'ResourceGroupNotFound':
    case 'ResourceNotFound':
    case 'NotFound':
      return (
        `VNet ${ctx.vnet.id} was not found, or identity ${ctx.clientId} cannot read it: check vnet-${ctx.side}, ` +
        `and that the identity has at least Reader on it in tenant ${ctx.tenantId}.`
      );
    case 'VnetAddressSpacesOverlap':
      return `The address spaces of ${ctx.vnet.name} and ${ctx.remoteVnet.name} overlap, and overlapping VNets cannot be peered. Change one VNet's address space so the two are disjoint.`;
    case 'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet':
      return `An address space of this pair overlaps a VNet that is already peered with ${ctx.remoteVnet.name} or ${ctx.vnet.name}. Remove the overlap or that other peering first.`;
    case 'RemoteVnetHasNoGateways':
      return `useRemoteGateways on ${arrow(ctx)} needs a virtual network gateway in ${ctx.remoteVnet.name}. Deploy one there, or set gateway-transit to the side that has the gateway, or to none.`;
    case 'AnotherPeeringAlreadyReferencesRemoteVnet':
      return `Another peering on ${ctx.vnet.name} already points at ${ctx.remoteVnet.name}. Leave peering-name-${ctx.side} empty to adopt it, or delete it first.`;
    case 'InvalidResourceName':
      return `Peering names are 1-80 letters, digits, _ . -, starting with a letter or digit and ending with a letter, digit or _: set peering-name-${ctx.side}.`;
    case 'RemotePeeringIsDisconnected':
      return `The peering on ${ctx.remoteVnet.name} is Disconnected and Azure refused to bring it back. Delete the peerings on both VNets, then run again.`;
    case 'ChangingRemoteVirtualNetworkNotAllowed':
      return `A peering cannot be pointed at another VNet in place. Delete it, or name a different peering with peering-name-${ctx.side}.`;
    case 'PeeringNameConflict':
    case 'PeeringTargetConflict':
      return undefined; // these problems are built with their advice already
    case 'ReferencedResourceNotProvisioned':
    case 'AnotherOperationInProgress':
    case 'RetryableError':
    case 'RetryableErrorDueToAnotherOperation':
    case 'CanceledAndSupersededDueToAnotherOperation':
    case 'OperationCanceled':
    case 'Canceled':
      return `Another operation on ${ctx.vnet.name} or ${ctx.remoteVnet.name} kept Azure busy until the time limit. Run again, or raise timeout-minutes.`;
    case 'HTTP429':
    case 'TooManyRequests':
    case 'SubscriptionRequestsThrottled':
      return 'Azure Resource Manager throttled the requests until the time limit. Run again later.';
    case 'Aborted':
      return 'The run stopped waiting for Azure: it was cancelled, or timeout-minutes ran out. Azure finishes an accepted operation on its own; run again to converge.';
    case 'AADSTS700016':
      return (
        `App ${ctx.clientId} has no service principal in tenant ${ctx.tenantId}. If it is a multi-tenant app, an administrator ` +
        `of that tenant must consent to it (https://login.microsoftonline.com/${ctx.tenantId}/adminconsent?client_id=${ctx.clientId}, ` +
        `or az ad sp create --id ${ctx.clientId} signed in there); a single-tenant app must first be made multi-tenant ` +
        `(az ad app update --id ${ctx.clientId} --sign-in-audience AzureADMultipleOrgs).`
      );
    case 'AADSTS70021':
      return `No federated credential on app ${ctx.clientId} matches this workflow's token (issuer, subject and audience)${sub}. Add one in the app registration.`;
    case 'AADSTS700211':
      return `The federated credential's issuer must be the workflow token's issuer (https://token.actions.githubusercontent.com, or your enterprise's).`;
    case 'AADSTS700212':
      return `The workflow token's audience${ctx.audience ? ` '${ctx.audience}'` : ''} does not match the federated credential's. Set the audience input, or fix the credential (US Government and China use their own default audiences).`;
    case 'AADSTS700213':
      return `No federated credential on app ${ctx.clientId} matches this workflow's subject${sub}. Add a credential for that subject (branch, environment or pull_request).`;
    case 'AADSTS7002138':
      return `A federated credential matches this workflow's subject only when case is ignored${sub}. Fix the case in the credential: subjects are case-sensitive.`;
    case 'AADSTS700024':
      return 'The GitHub OIDC token was no longer valid when it reached Entra. The action asks for a fresh one each time; run again, and check the runner clock if it recurs.';
    case 'AADSTS90002':
      return `Tenant ${ctx.tenantId} was not found: check tenant-id-${ctx.side} and the environment input.`;
    default:
      return undefined;
  }
}

/** A classified error turned into the problem shown to the user. */
export function toProblem(e: unknown, ctx: ErrorContext): Problem {
  const c = classify(e);
  return {
    code: c.code,
    message: c.message,
    advice: advice(c.code, c.message, ctx) ?? '',
  };
}

/** The context of each side's errors; `claims` is what the workflow's OIDC token said, when known. */
export function errorContexts(
  settings: Settings,
  claims: { readonly subject?: string | undefined; readonly audience?: string | undefined } = {},
): Record<Side, ErrorContext> {
  const ctx = (side: Side): ErrorContext => ({
    side,
    vnet: settings[side].vnet,
    remoteVnet: settings[other(side)].vnet,
    tenantId: settings[side].tenantId,
    remoteTenantId: settings[other(side)].tenantId,
    clientId: settings[side].clientId,
    remoteClientId: settings[other(side)].clientId,
    subject: claims.subject,
    audience: claims.audience ?? settings.audience,
  });
  return { a: ctx('a'), b: ctx('b') };
}
