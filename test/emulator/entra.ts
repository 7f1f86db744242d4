// Microsoft Entra: OpenID metadata and the client-credentials grant with a federated client assertion.
import { randomUUID } from 'node:crypto';
import { claimAudiences, claimNumber, claimString, decodeJwt, jwk, signatureValid, signJwt } from './jwt.ts';
import type { SigningKey } from './jwt.ts';
import type { Handler, Reply, RequestContext } from './server.ts';
import type { Timing } from './timing.ts';
import type { AppSpec, TenantSpec, World } from './world.ts';

export interface EntraDeps {
  world: World;
  /** Signs access tokens. */
  key: SigningKey;
  /** Keys of the OIDC issuers Entra trusts, by issuer URL. */
  issuerKeys: () => Map<string, SigningKey>;
  authorityHost: () => string;
  /** Resources Entra issues tokens for (the ARM endpoint), without trailing slash. */
  resources: () => string[];
  timing: () => Timing;
  now: () => number;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** `https://sts.windows.net/<tid>/`, the issuer of v1 access tokens such as ARM's. */
export const accessTokenIssuer = (tenantId: string) => `https://sts.windows.net/${tenantId}/`;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.0000000Z');
}

export function entraHandler(deps: EntraDeps): Handler {
  const findTenant = (segment: string): TenantSpec | undefined => {
    const s = segment.toLowerCase();
    return deps.world.tenants.find((t) => t.id.toLowerCase() === s || `${t.name}.onmicrosoft.com`.toLowerCase() === s);
  };

  const entraError = (ctx: RequestContext, status: number, error: string, code: number, description: string): Reply => {
    const now = deps.now();
    const trace = randomUUID();
    const correlation = headerValue(ctx, 'client-request-id') ?? ctx.query['client-request-id'] ?? randomUUID();
    const timestamp = new Date(now)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d{3}Z$/, 'Z');
    return {
      status,
      errorCode: `AADSTS${code}`,
      headers: { 'Cache-Control': 'no-store, no-cache', 'x-ms-request-id': trace, 'client-request-id': correlation },
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: trace,
        correlation_id: correlation,
        error_uri: `${deps.authorityHost()}/error?code=${code}`,
      },
    };
  };

  const tenantNotFound = (ctx: RequestContext, segment: string, error: string) =>
    entraError(
      ctx,
      400,
      error,
      90002,
      `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    );

  const metadata = (tenant: TenantSpec): Record<string, unknown> => {
    const base = `${deps.authorityHost()}/${tenant.id}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'appid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  };

  const token = (ctx: RequestContext, tenant: TenantSpec): Reply => {
    const form = new URLSearchParams(ctx.body.toString('utf8'));
    const tenantLabel = `${tenant.name}`;
    // AADSTS900144: a required form field is absent.
    const missing = (field: string): Reply =>
      entraError(ctx, 400, 'invalid_request', 900144, `The request body must contain the following parameter: ${field}.`);
    const grant = form.get('grant_type');
    if (!grant) return missing("'grant_type'");
    if (grant !== 'client_credentials') {
      return entraError(ctx, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
    }
    const clientId = form.get('client_id');
    if (!clientId) return missing("'client_id'");
    ctx.record.appId = clientId;
    ctx.record.tenant = tenant.id;
    const app = deps.world.apps.find((a) => a.clientId.toLowerCase() === clientId.toLowerCase());
    const sp = app?.servicePrincipals.find((s) => s.tenantId.toLowerCase() === tenant.id.toLowerCase());
    if (!app || !sp) {
      return entraError(
        ctx,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantLabel}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    const scope = form.get('scope');
    if (!scope)
      return missing("'scope'");
    const resourceScope = scope.split(/\s+/).find((s) => s.endsWith('/.default'));
    const resource = resourceScope?.slice(0, -'/.default'.length);
    const known = deps.resources().map((r) => r.replace(/\/+$/, '').toLowerCase());
    if (!resource || !known.includes(resource.replace(/\/+$/, '').toLowerCase())) {
      return entraError(
        ctx,
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource ?? scope} was not found in the tenant named ${tenantLabel}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }
    const assertionType = form.get('client_assertion_type');
    const assertion = form.get('client_assertion');
    if (!assertion || assertionType !== ASSERTION_TYPE) {
      return entraError(
        ctx,
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    const failure = checkAssertion(ctx, app, assertion);
    if (failure) return failure;
    const lifetime = deps.timing().accessTokenLifetimeSeconds;
    const iat = Math.floor(deps.now() / 1000);
    const accessToken = signJwt(
      {
        aud: resource,
        iss: accessTokenIssuer(tenant.id),
        iat,
        nbf: iat,
        exp: iat + lifetime,
        aio: 'emulator',
        appid: app.clientId,
        appidacr: '2',
        idp: accessTokenIssuer(tenant.id),
        idtyp: 'app',
        oid: sp.objectId,
        rh: 'emulator',
        sub: sp.objectId,
        tid: tenant.id,
        uti: randomUUID().replace(/-/g, ''),
        ver: '1.0',
      },
      deps.key,
    );
    return {
      status: 200,
      headers: { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
      body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
    };
  };

  /** What Entra checks in a federated assertion, in order; undefined when it passes. */
  const checkAssertion = (ctx: RequestContext, app: AppSpec, assertion: string): Reply | undefined => {
    const jwt = decodeJwt(assertion);
    if (!jwt) return entraError(ctx, 400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
    const iss = claimString(jwt.claims, 'iss') ?? '';
    const sub = claimString(jwt.claims, 'sub') ?? '';
    const auds = claimAudiences(jwt.claims);
    const creds = app.federatedCredentials;
    const describe = `Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${auds.join(',')}'.`;
    if (creds.length === 0) {
      return entraError(
        ctx,
        401,
        'invalid_client',
        70021,
        `No matching federated identity record found for presented assertion. ${describe}`,
      );
    }
    const byIssuer = creds.filter((c) => c.issuer === iss);
    if (byIssuer.length === 0) {
      return entraError(
        ctx,
        401,
        'invalid_client',
        700211,
        `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
      );
    }
    const key = deps.issuerKeys().get(iss);
    if (!key || !signatureValid(jwt, key)) {
      return entraError(ctx, 401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
    }
    const now = deps.now();
    const exp = claimNumber(jwt.claims, 'exp');
    const nbf = claimNumber(jwt.claims, 'nbf') ?? 0;
    if (exp === undefined || exp * 1000 <= now || nbf * 1000 > now) {
      return entraError(
        ctx,
        401,
        'invalid_client',
        700024,
        `Client assertion is not within its valid time range. Current time: ${isoSeconds(now)}, assertion valid from ${isoSeconds(nbf * 1000)}, expiry time of assertion ${isoSeconds((exp ?? 0) * 1000)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
      );
    }
    const bySubject = byIssuer.filter((c) => c.subject === sub);
    if (bySubject.length === 0) {
      if (byIssuer.some((c) => c.subject.toLowerCase() === sub.toLowerCase())) {
        return entraError(
          ctx,
          401,
          'invalid_client',
          7002138,
          `No matching federated identity record found for presented assertion subject '${sub}'. The subject matches a federated identity credential only when case is ignored; subjects are compared case-sensitively.`,
        );
      }
      return entraError(
        ctx,
        401,
        'invalid_client',
        700213,
        `No matching federated identity record found for presented assertion subject '${sub}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
      );
    }
    if (!bySubject.some((c) => c.audiences.some((a) => auds.includes(a)))) {
      return entraError(
        ctx,
        401,
        'invalid_client',
        700212,
        `No matching federated identity record found for presented assertion audience '${auds.join(',')}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
      );
    }
    return undefined;
  };

  return (ctx) => {
    const parts = ctx.path.split('/').filter((s) => s !== '');
    const [segment = '', ...rest] = parts;
    const route = rest.join('/').toLowerCase();
    const tenant = findTenant(segment);
    if (route === 'v2.0/.well-known/openid-configuration' || route === '.well-known/openid-configuration') {
      if (!tenant) return tenantNotFound(ctx, segment, 'invalid_tenant');
      ctx.record.tenant = tenant.id;
      return { status: 200, body: metadata(tenant) };
    }
    if (route === 'discovery/v2.0/keys' || route === 'discovery/keys') {
      if (!tenant) return tenantNotFound(ctx, segment, 'invalid_tenant');
      return { status: 200, body: { keys: [jwk(deps.key)] } };
    }
    if (route === 'oauth2/v2.0/token') {
      if (ctx.method !== 'POST')
        return entraError(
          ctx,
          400,
          'invalid_request',
          900561,
          `The endpoint only accepts POST requests. Received a ${ctx.method} request.`,
        );
      if (!tenant) return tenantNotFound(ctx, segment, 'invalid_request');
      return token(ctx, tenant);
    }
    return entraError(
      ctx,
      404,
      'invalid_request',
      900023,
      `Specified tenant identifier or path '${ctx.path}' is neither a valid DNS name, nor a valid external domain.`,
    );
  };
}

function headerValue(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
