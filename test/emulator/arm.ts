// Azure Resource Manager front door: api-version, bearer and auxiliary tokens, tenant of the
// subscription, throttling, role checks (own and linked), then the network provider.
import { randomUUID } from 'node:crypto';
import { accessTokenIssuer } from './entra.ts';
import { claimAudiences, claimNumber, claimString, decodeJwt, signatureValid } from './jwt.ts';
import type { SigningKey } from './jwt.ts';
import type { Governance } from './governance.ts';
import { operationPath, operationResultPath, parsePeeringBody, vnetNotFound } from './network.ts';
import type { ArmError, ErrorBody, Network, Operation } from './network.ts';
import { ACTIONS } from './rbac.ts';
import type { Principal, Rbac } from './rbac.ts';
import type { Handler, Reply, RequestContext } from './server.ts';
import type { RequestKind, Throttle } from './throttle.ts';
import type { Timing } from './timing.ts';
import type { Behavior, World } from './world.ts';

export interface ArmDeps {
  world: World;
  network: Network;
  rbac: Rbac;
  governance: Governance;
  throttle: Throttle;
  entraKey: SigningKey;
  origin: () => string;
  authorityHost: () => string;
  timing: () => Timing;
  behavior: () => Behavior;
  now: () => number;
}

interface Token extends Principal {
  objectId: string;
}

const AUX_HEADER = 'x-ms-authorization-auxiliary';
const MAX_AUX_TOKENS = 3;
const PAGE_SIZE = 100;
const REGION = 'westeurope';

const P = '/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Network/virtualNetworks';
const ROUTES = {
  vnetList: new RegExp(`^${P}$`, 'i'),
  vnet: new RegExp(`^${P}/([^/]+)$`, 'i'),
  peeringList: new RegExp(`^${P}/([^/]+)/virtualNetworkPeerings$`, 'i'),
  peering: new RegExp(`^${P}/([^/]+)/virtualNetworkPeerings/([^/]+)$`, 'i'),
  operation: /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Network\/locations\/([^/]+)\/operations\/([^/]+)$/i,
  operationResult: /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Network\/locations\/([^/]+)\/operationResults\/([^/]+)$/i,
  permissions: /^(\/subscriptions\/([^/]+)(?:\/.*)?)\/providers\/Microsoft\.Authorization\/permissions$/i,
};

type Route =
  | { kind: 'vnetList'; sub: string; rg: string }
  | { kind: 'vnet'; sub: string; rg: string; vnetId: string }
  | { kind: 'peeringList'; sub: string; rg: string; vnetId: string }
  | { kind: 'peering'; sub: string; rg: string; vnetId: string; name: string }
  | { kind: 'operation' | 'operationResult'; sub: string; id: string }
  | { kind: 'permissions'; sub: string; scope: string };

/** The resource provider and type a route belongs to, for api-version answers. */
function providerOf(r: Route): { namespace: 'network' | 'authorization'; type: string } {
  switch (r.kind) {
    case 'vnetList':
    case 'vnet':
      return { namespace: 'network', type: 'virtualNetworks' };
    case 'peeringList':
    case 'peering':
      return { namespace: 'network', type: 'virtualNetworks/virtualNetworkPeerings' };
    case 'operation':
      return { namespace: 'network', type: 'locations/operations' };
    case 'operationResult':
      return { namespace: 'network', type: 'locations/operationResults' };
    case 'permissions':
      return { namespace: 'authorization', type: 'permissions' };
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function route(path: string): Route | undefined {
  const vnetId = (sub: string, rg: string, name: string) =>
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
  let m = ROUTES.peering.exec(path);
  if (m?.[1] && m[2] && m[3] && m[4])
    return { kind: 'peering', sub: m[1], rg: m[2], vnetId: vnetId(m[1], m[2], decode(m[3])), name: decode(m[4]) };
  m = ROUTES.peeringList.exec(path);
  if (m?.[1] && m[2] && m[3]) return { kind: 'peeringList', sub: m[1], rg: m[2], vnetId: vnetId(m[1], m[2], decode(m[3])) };
  m = ROUTES.vnet.exec(path);
  if (m?.[1] && m[2] && m[3]) return { kind: 'vnet', sub: m[1], rg: m[2], vnetId: vnetId(m[1], m[2], decode(m[3])) };
  m = ROUTES.vnetList.exec(path);
  if (m?.[1] && m[2]) return { kind: 'vnetList', sub: m[1], rg: m[2] };
  m = ROUTES.operation.exec(path);
  if (m?.[1] && m[3]) return { kind: 'operation', sub: m[1], id: m[3] };
  m = ROUTES.operationResult.exec(path);
  if (m?.[1] && m[3]) return { kind: 'operationResult', sub: m[1], id: m[3] };
  m = ROUTES.permissions.exec(path);
  if (m?.[1] && m[2]) return { kind: 'permissions', sub: m[2], scope: decode(m[1]) };
  return undefined;
}

/** .NET's invariant "M/d/yyyy h:mm:ss tt", as ARM prints times. */
function armTime(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

export function armErrorReply(
  status: number,
  code: string,
  message: string,
  details?: ErrorBody[],
  headers?: Record<string, string>,
  extra?: Pick<ErrorBody, 'target' | 'additionalInfo'>,
): Reply {
  return {
    status,
    errorCode: code,
    ...(headers ? { headers } : {}),
    body: {
      error: {
        code,
        ...(extra?.target ? { target: extra.target } : {}),
        message,
        ...(details ? { details } : {}),
        ...(extra?.additionalInfo ? { additionalInfo: extra.additionalInfo } : {}),
      },
    },
  };
}

function fromArmError(e: ArmError): Reply {
  return armErrorReply(
    e.status,
    e.code,
    e.message,
    e.details,
    e.retryAfter !== undefined ? { 'Retry-After': String(e.retryAfter) } : undefined,
    { ...(e.target ? { target: e.target } : {}), ...(e.additionalInfo ? { additionalInfo: e.additionalInfo } : {}) },
  );
}

export function armHandler(deps: ArmDeps): Handler {
  const subscriptionTenant = (sub: string) =>
    deps.world.subscriptions.find((s) => s.id.toLowerCase() === sub.toLowerCase())?.tenantId;

  const unauthorized = (code: string, message: string, tenant?: string): Reply =>
    armErrorReply(401, code, message, undefined, {
      'WWW-Authenticate': `Bearer authorization_uri="${deps.authorityHost()}/${tenant ?? 'common'}", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
    });

  /** Validates one bearer token; `where` names the header in messages. */
  type Verified = { ok: true; token: Token } | { ok: false; reply: Reply };
  const verify = (raw: string, where: string): Verified => {
    const invalid = (message = 'The access token is invalid.'): Verified => ({
      ok: false,
      reply: unauthorized('InvalidAuthenticationToken', message),
    });
    const jwt = decodeJwt(raw);
    if (!jwt)
      return invalid(
        where === 'Authorization' ? 'The access token is invalid.' : `The access token in header '${where}' is invalid.`,
      );
    if (!signatureValid(jwt, deps.entraKey)) return invalid('The access token has an invalid signature.');
    const tenantId = claimString(jwt.claims, 'tid');
    const clientId = claimString(jwt.claims, 'appid');
    const objectId = claimString(jwt.claims, 'oid');
    const exp = claimNumber(jwt.claims, 'exp');
    if (!tenantId || !clientId || !objectId || exp === undefined) return invalid();
    if (claimString(jwt.claims, 'iss') !== accessTokenIssuer(tenantId)) {
      return {
        ok: false,
        reply: unauthorized(
          'InvalidAuthenticationTokenIssuer',
          `The access token has been issued by an unknown issuer '${claimString(jwt.claims, 'iss') ?? ''}'.`,
        ),
      };
    }
    const arm = deps.origin();
    const allowed = [arm, `${arm}/`];
    const auds = claimAudiences(jwt.claims);
    if (!auds.some((a) => allowed.includes(a))) {
      return {
        ok: false,
        reply: unauthorized(
          'InvalidAuthenticationTokenAudience',
          `The access token has been obtained for wrong audience or resource '${auds.join(',')}'. It should exactly match with one of the allowed audiences '${allowed.join("','")}'.`,
        ),
      };
    }
    const now = deps.now();
    if (exp * 1000 <= now) {
      const prefix = where === 'Authorization' ? 'The access token' : `The access token in header '${where}'`;
      return {
        ok: false,
        reply: unauthorized(
          'ExpiredAuthenticationToken',
          `${prefix} expiry UTC time '${armTime(exp * 1000)}' is earlier than current UTC time '${armTime(now)}'.`,
          tenantId,
        ),
      };
    }
    return { ok: true, token: { tenantId, clientId, objectId } };
  };

  const authorizationFailed = (t: Token, action: string, scope: string) =>
    armErrorReply(
      403,
      'AuthorizationFailed',
      `The client '${t.clientId}' with object id '${t.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );

  const linkedFailed = (t: Token, scope: string, reason: string) =>
    armErrorReply(
      403,
      'LinkedAuthorizationFailed',
      `The client '${t.clientId}' with object id '${t.objectId}' has permission to perform action '${ACTIONS.peeringWrite}' on scope '${scope}'; however, ${reason}`,
    );

  const apiVersionOf = (ctx: RequestContext) => ctx.query['api-version'] ?? '';

  const asyncHeaders = (ctx: RequestContext, op: Operation, withLocation: boolean): Record<string, string> => {
    const v = encodeURIComponent(apiVersionOf(ctx));
    const seconds = String(deps.timing().retryAfterSeconds);
    return {
      'Azure-AsyncOperation': `${deps.origin()}${operationPath(op)}?api-version=${v}`,
      ...(withLocation ? { Location: `${deps.origin()}${operationResultPath(op)}?api-version=${v}` } : {}),
      'Retry-After': seconds,
    };
  };

  const page = <T>(ctx: RequestContext, items: T[]): { value: T[]; nextLink?: string } => {
    const skip = Math.max(0, Number.parseInt(ctx.query['$skipToken'] ?? '0', 10) || 0);
    const value = items.slice(skip, skip + PAGE_SIZE);
    if (skip + PAGE_SIZE >= items.length) return { value };
    return {
      value,
      nextLink: `${deps.origin()}${ctx.path}?api-version=${encodeURIComponent(apiVersionOf(ctx))}&$skipToken=${skip + PAGE_SIZE}`,
    };
  };

  const operationReply = (
    ctx: RequestContext,
    r: Extract<Route, { kind: 'operation' | 'operationResult' }>,
    token: Token,
  ): Reply => {
    const op = deps.network.operation(r.id);
    if (!op || op.subscriptionId.toLowerCase() !== r.sub.toLowerCase()) {
      return armErrorReply(404, 'OperationNotFound', `The operation '${r.id}' could not be found.`);
    }
    // Poll permission is checked at the resource the operation acts on (see README).
    const action = r.kind === 'operation' ? ACTIONS.operationRead : ACTIONS.operationResultRead;
    if (!deps.rbac.allows(token, action, op.peeringId)) return authorizationFailed(token, action, ctx.path);
    const retry = { 'Retry-After': String(deps.timing().retryAfterSeconds) };
    if (r.kind === 'operation') {
      if (op.status === 'InProgress') return { status: 200, headers: retry, body: { status: 'InProgress' } };
      return { status: 200, body: { status: op.status, ...(op.error ? { error: op.error } : {}) } };
    }
    if (op.status === 'InProgress')
      return {
        status: 202,
        headers: { ...retry, Location: `${deps.origin()}${ctx.path}?api-version=${encodeURIComponent(apiVersionOf(ctx))}` },
      };
    if (op.status === 'Succeeded') {
      const body = op.kind === 'PUT' ? deps.network.peeringBody(op.vnetId, op.peeringName) : undefined;
      return body ? { status: 200, body } : { status: 204 };
    }
    const error = op.error ?? { code: op.status, message: `Operation ${op.status.toLowerCase()}.` };
    return armErrorReply(op.status === 'Failed' ? 400 : 409, error.code, error.message, error.details);
  };

  const handle = (ctx: RequestContext): Reply => {
    if (!apiVersionOf(ctx)) {
      return armErrorReply(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    }
    const auth = ctx.headers['authorization'];
    if (!auth) return unauthorized('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!bearer?.[1])
      return unauthorized(
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is provided in an invalid format.",
      );
    const primary = verify(bearer[1], 'Authorization');
    if (!primary.ok) return primary.reply;
    const token = primary.token;
    ctx.record.tenant = token.tenantId;
    ctx.record.appId = token.clientId;

    const auxTokens: Token[] = [];
    const auxHeader = ctx.headers[AUX_HEADER];
    const auxRaw = Array.isArray(auxHeader) ? auxHeader.join(',') : auxHeader;
    if (auxRaw !== undefined && auxRaw.trim() !== '') {
      const entries = auxRaw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (entries.length > MAX_AUX_TOKENS) {
        return unauthorized(
          'InvalidAuthenticationToken',
          `The header '${AUX_HEADER}' contains ${entries.length} tokens; at most ${MAX_AUX_TOKENS} are allowed.`,
        );
      }
      for (const entry of entries) {
        const m = /^Bearer\s+(\S+)$/i.exec(entry);
        if (!m?.[1])
          return unauthorized('InvalidAuthenticationToken', `The header '${AUX_HEADER}' is provided in an invalid format.`);
        const aux = verify(m[1], AUX_HEADER);
        if (!aux.ok) return aux.reply;
        auxTokens.push(aux.token);
      }
      ctx.record.auxTenants = auxTokens.map((t) => t.tenantId);
    }

    const r = route(ctx.path);
    if (!r) {
      const type = /\/providers\/([^/]+)\/(.+)$/i.exec(ctx.path);
      const message = type
        ? `The resource type '${type[2]
            ?.split('/')
            .filter((_, i) => i % 2 === 0)
            .join('/')}' could not be found in the namespace '${type[1]}' for api version '${apiVersionOf(ctx)}'.`
        : `The resource path '${ctx.path}' does not identify a supported resource type.`;
      return armErrorReply(404, 'InvalidResourceType', message);
    }
    const subTenant = subscriptionTenant(r.sub);
    if (!subTenant) return armErrorReply(404, 'SubscriptionNotFound', `The subscription '${r.sub}' could not be found.`);
    if (subTenant.toLowerCase() !== token.tenantId.toLowerCase()) {
      return unauthorized(
        'InvalidAuthenticationTokenTenant',
        `The access token is from the wrong issuer '${accessTokenIssuer(token.tenantId)}'. It must match the tenant '${accessTokenIssuer(subTenant)}' associated with this subscription. Please use the authority (URL) '${deps.authorityHost()}/${subTenant}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`,
        subTenant,
      );
    }

    const provider = providerOf(r);
    const version = apiVersionOf(ctx);
    const served = deps.behavior().apiVersions[provider.namespace];
    if (!served.includes(version)) {
      const global = provider.namespace === 'authorization';
      const vnetLocation = 'vnetId' in r ? deps.network.location(r.vnetId) : undefined;
      const location = global ? 'global' : (vnetLocation ?? REGION);
      const locations = global ? 'global' : [...new Set([REGION, ...deps.network.locations()])].join(', ');
      return armErrorReply(
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for location '${location}' and API version '${version}' for type '${provider.type}'. The supported api-versions are '${served.join(', ')}'. The supported locations are '${locations}'.`,
      );
    }

    const kind: RequestKind =
      ctx.method === 'DELETE' ? 'delete' : ctx.method === 'GET' || ctx.method === 'HEAD' ? 'read' : 'write';
    const throttled = deps.throttle.check(
      deps.behavior().throttling,
      deps.now(),
      kind,
      `${token.tenantId}/${token.objectId}`,
      r.sub,
      REGION,
      provider.namespace === 'network',
    );
    if ('throttled' in throttled) {
      const t = throttled.throttled;
      return armErrorReply(429, t.code, t.message, undefined, { 'Retry-After': String(t.retryAfterSeconds) });
    }
    const remainingHeader = { [`x-ms-ratelimit-remaining-subscription-${kind}s`]: String(throttled.remaining) };
    const reply = dispatch(ctx, r, token, auxTokens);
    reply.headers = { ...remainingHeader, ...reply.headers };
    return reply;
  };

  const methodNotAllowed = (ctx: RequestContext) =>
    armErrorReply(405, 'MethodNotAllowed', `The requested resource does not support http method '${ctx.method}'.`);

  const dispatch = (ctx: RequestContext, r: Route, token: Token, auxTokens: Token[]): Reply => {
    switch (r.kind) {
      case 'operation':
      case 'operationResult':
        if (ctx.method !== 'GET') return methodNotAllowed(ctx);
        return operationReply(ctx, r, token);
      case 'vnetList': {
        if (ctx.method !== 'GET') return methodNotAllowed(ctx);
        const scope = `/subscriptions/${r.sub}/resourceGroups/${r.rg}/providers/Microsoft.Network/virtualNetworks`;
        if (!deps.rbac.allows(token, ACTIONS.vnetRead, scope)) return authorizationFailed(token, ACTIONS.vnetRead, scope);
        if (!deps.network.resourceGroupExists(r.sub, r.rg)) return resourceGroupNotFound(r.rg);
        return { status: 200, body: page(ctx, deps.network.vnetBodiesIn(r.sub, r.rg)) };
      }
      case 'vnet': {
        if (ctx.method !== 'GET') return methodNotAllowed(ctx);
        if (!deps.rbac.allows(token, ACTIONS.vnetRead, r.vnetId)) return authorizationFailed(token, ACTIONS.vnetRead, r.vnetId);
        const body = deps.network.vnetBody(r.vnetId);
        if (body) return { status: 200, body };
        return deps.network.resourceGroupExists(r.sub, r.rg) ? fromArmError(vnetNotFound(r.vnetId)) : resourceGroupNotFound(r.rg);
      }
      case 'peeringList': {
        if (ctx.method !== 'GET') return methodNotAllowed(ctx);
        const scope = `${r.vnetId}/virtualNetworkPeerings`;
        if (!deps.rbac.allows(token, ACTIONS.peeringRead, scope)) return authorizationFailed(token, ACTIONS.peeringRead, scope);
        const list = deps.network.peeringBodies(r.vnetId);
        if (!list)
          return deps.network.resourceGroupExists(r.sub, r.rg)
            ? fromArmError(vnetNotFound(r.vnetId))
            : resourceGroupNotFound(r.rg);
        return { status: 200, body: page(ctx, list) };
      }
      case 'peering':
        return peering(ctx, r, token, auxTokens);
      case 'permissions':
        // Any valid token of the subscription's tenant may ask what it may do; no right needed.
        if (ctx.method !== 'GET') return methodNotAllowed(ctx);
        return { status: 200, body: { value: deps.rbac.permissionsAt(token, r.scope) } };
    }
  };

  const peering = (ctx: RequestContext, r: Extract<Route, { kind: 'peering' }>, token: Token, auxTokens: Token[]): Reply => {
    const scope = `${r.vnetId}/virtualNetworkPeerings/${r.name}`;
    const missingParent = () =>
      deps.network.resourceGroupExists(r.sub, r.rg) ? fromArmError(vnetNotFound(r.vnetId)) : resourceGroupNotFound(r.rg);
    switch (ctx.method) {
      case 'GET': {
        if (!deps.rbac.allows(token, ACTIONS.peeringRead, scope)) return authorizationFailed(token, ACTIONS.peeringRead, scope);
        if (!deps.network.hasVnet(r.vnetId)) return missingParent();
        const body = deps.network.peeringBody(r.vnetId, r.name);
        return body ? { status: 200, body } : armErrorReply(404, 'NotFound', `Resource ${scope} not found.`);
      }
      case 'DELETE': {
        if (!deps.rbac.allows(token, ACTIONS.peeringDelete, scope))
          return authorizationFailed(token, ACTIONS.peeringDelete, scope);
        const refused = deps.governance.locked(scope, 'delete') ?? deps.governance.denied(scope, ACTIONS.peeringDelete);
        if (refused) return fromArmError(refused);
        const result = deps.network.delete(r.vnetId, r.name);
        if (!result.ok) return fromArmError(result.error);
        if (!result.operation) return { status: 204 };
        return { status: 202, headers: asyncHeaders(ctx, result.operation, true) };
      }
      case 'PUT': {
        if (!deps.rbac.allows(token, ACTIONS.peeringWrite, scope)) return authorizationFailed(token, ACTIONS.peeringWrite, scope);
        let json: unknown;
        try {
          json = JSON.parse(ctx.body.toString('utf8'));
        } catch (e: unknown) {
          return armErrorReply(
            400,
            'InvalidRequestContent',
            `The request content was invalid and could not be deserialized: '${e instanceof Error ? e.message : String(e)}'.`,
          );
        }
        const parsed = parsePeeringBody(json);
        if (!parsed.ok) return fromArmError(parsed.error);
        const remoteId = parsed.write.remoteVnetId;
        if (!/^\/subscriptions\/[^/]+\//i.test(remoteId)) {
          return armErrorReply(
            400,
            'LinkedInvalidPropertyId',
            `Property id '${remoteId}' at path 'properties.remoteVirtualNetwork.id' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.`,
          );
        }
        const linked = linkedCheck(token, auxTokens, scope, remoteId);
        if (linked) return linked;
        const refused = deps.governance.locked(scope, 'write') ?? deps.governance.denied(scope, ACTIONS.peeringWrite);
        if (refused) return fromArmError(refused);
        if (!deps.network.hasVnet(r.vnetId)) return missingParent();
        const sync = (ctx.query['syncRemoteAddressSpace'] ?? '').toLowerCase() === 'true';
        const result = deps.network.put(r.vnetId, r.name, parsed.write, sync);
        if (!result.ok) return fromArmError(result.error);
        return { status: result.created ? 201 : 200, headers: asyncHeaders(ctx, result.operation, false), body: result.body };
      }
      default:
        return methodNotAllowed(ctx);
    }
  };

  /** The linked-access check on the remote VNet: peer/action, by the auxiliary token's principal when the remote VNet is in another tenant. */
  const linkedCheck = (token: Token, auxTokens: Token[], scope: string, remoteId: string): Reply | undefined => {
    const remoteSub = /^\/subscriptions\/([^/]+)/i.exec(remoteId)?.[1] ?? '';
    const remoteTenant = subscriptionTenant(remoteSub);
    if (!remoteTenant) return linkedFailed(token, scope, `the linked subscription '${remoteSub}' was not found.`);
    let principal: Token = token;
    if (remoteTenant.toLowerCase() !== token.tenantId.toLowerCase()) {
      const aux = auxTokens.find((t) => t.tenantId.toLowerCase() === remoteTenant.toLowerCase());
      if (!aux)
        return linkedFailed(
          token,
          scope,
          `the current tenant '${token.tenantId}' is not authorized to access linked subscription '${remoteSub}'.`,
        );
      if (deps.behavior().auxiliaryAppMustMatch && aux.clientId.toLowerCase() !== token.clientId.toLowerCase()) {
        return linkedFailed(
          token,
          scope,
          `the auxiliary token for tenant '${remoteTenant}' was issued to application '${aux.clientId}', not to the application '${token.clientId}' of the primary token.`,
        );
      }
      principal = aux;
    }
    if (!deps.rbac.allows(principal, ACTIONS.peer, remoteId)) {
      return linkedFailed(
        token,
        scope,
        `it does not have permission to perform action(s) '${ACTIONS.peer}' on the linked scope(s) '${remoteId}' (respectively) or the linked scope(s) are invalid.`,
      );
    }
    return undefined;
  };

  return (ctx) => {
    const reply = handle(ctx);
    const id = randomUUID();
    const correlation =
      (Array.isArray(ctx.headers['x-ms-client-request-id']) ? undefined : ctx.headers['x-ms-client-request-id']) ?? id;
    reply.headers = {
      'Cache-Control': 'no-cache',
      Pragma: 'no-cache',
      'x-ms-request-id': id,
      'x-ms-correlation-request-id': correlation,
      'x-ms-routing-request-id': `WESTEUROPE:${new Date(deps.now()).toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z:${id}`,
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
      ...reply.headers,
    };
    return reply;
  };
}

function resourceGroupNotFound(rg: string): Reply {
  return armErrorReply(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
}
