// The GitHub Actions ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL) and the issuer's metadata.
import { randomUUID } from 'node:crypto';
import { jwk, signJwt } from './jwt.ts';
import type { SigningKey } from './jwt.ts';
import type { Handler, Reply } from './server.ts';
import type { Timing } from './timing.ts';
import type { OidcSpec } from './world.ts';

export const ID_TOKEN_PATH = '/_apis/distributedtask/idtoken';

export interface OidcDeps {
  spec: () => OidcSpec;
  key: SigningKey;
  origin: () => string;
  timing: () => Timing;
  now: () => number;
}

/** Claims GitHub derives from the subject: repository, owner, event, ref or environment. */
export function subjectClaims(sub: string): Record<string, string> {
  const m = /^repo:([^/:]+)\/([^:]+):(.*)$/.exec(sub);
  if (!m || !m[1] || !m[2] || m[3] === undefined) return {};
  const owner = m[1].replace(/@\d+$/, '');
  const repo = m[2].replace(/@\d+$/, '');
  const rest = m[3];
  const claims: Record<string, string> = { repository: `${owner}/${repo}`, repository_owner: owner };
  if (rest === 'pull_request') {
    claims['event_name'] = 'pull_request';
  } else if (rest.startsWith('ref:')) {
    claims['event_name'] = 'push';
    claims['ref'] = rest.slice(4);
    claims['ref_type'] = rest.startsWith('ref:refs/tags/') ? 'tag' : 'branch';
  } else if (rest.startsWith('environment:')) {
    claims['environment'] = rest.slice('environment:'.length);
  }
  return claims;
}

export function mintOidcToken(
  deps: OidcDeps,
  audience: string,
  options: { subject?: string; lifetimeSeconds?: number } = {},
): string {
  const spec = deps.spec();
  const sub = options.subject ?? spec.subject;
  const iat = Math.floor(deps.now() / 1000);
  const lifetime = options.lifetimeSeconds ?? deps.timing().oidcTokenLifetimeSeconds;
  return signJwt(
    {
      jti: randomUUID(),
      sub,
      aud: audience,
      ...subjectClaims(sub),
      runner_environment: 'github-hosted',
      ...spec.claims,
      iss: spec.issuer,
      nbf: iat,
      exp: iat + lifetime,
      iat,
    },
    deps.key,
  );
}

export function oidcHandler(deps: OidcDeps): Handler {
  return (ctx): Reply => {
    const spec = deps.spec();
    if (ctx.path === '/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer: spec.issuer,
          jwks_uri: `${deps.origin()}/.well-known/jwks`,
          subject_types_supported: ['public', 'pairwise'],
          response_types_supported: ['id_token'],
          claims_supported: [
            'sub',
            'aud',
            'exp',
            'iat',
            'iss',
            'jti',
            'nbf',
            'ref',
            'repository',
            'repository_owner',
            'event_name',
            'environment',
          ],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid'],
        },
      };
    }
    if (ctx.path === '/.well-known/jwks') return { status: 200, body: { keys: [jwk(deps.key)] } };
    if (ctx.path !== ID_TOKEN_PATH) return { status: 404, errorCode: 'NotFound', body: { message: 'Not Found' } };
    if (ctx.method !== 'GET') return { status: 405, errorCode: 'MethodNotAllowed', body: { message: 'Method Not Allowed' } };
    const auth = ctx.headers['authorization'];
    if (!auth) return { status: 401, errorCode: 'Unauthorized', body: { message: 'Authorization header is missing.' } };
    if (auth !== `Bearer ${spec.requestToken}`) {
      return { status: 403, errorCode: 'Forbidden', body: { message: 'The request token is not valid for this job.' } };
    }
    // Without an audience GitHub uses the repository owner's URL.
    const owner = subjectClaims(spec.subject)['repository_owner'] ?? 'github';
    const audience = ctx.query['audience'] ?? `https://github.com/${owner}`;
    return { status: 200, body: { value: mintOidcToken(deps, audience) } };
  };
}
