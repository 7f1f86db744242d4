// Workload identity federation: one ClientAssertionCredential per tenant, whose assertion is a
// GitHub OIDC token fetched fresh on every call (GitHub's tokens live about five minutes, and MSAL
// asks for an assertion on every acquisition). Tokens are masked the moment they exist.
import {
  ClientAssertionCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import type { Settings } from '../config/inputs.ts';
import type { Side } from '../model.ts';

export interface OidcSource {
  /** Asks GitHub for an ID token with this audience (core.getIDToken). */
  readonly getIdToken: (audience: string) => Promise<string>;
  /** Hides a secret from the log (core.setSecret); GitHub's ID tokens are masked by getIdToken. */
  readonly mask: (secret: string) => void;
}

/** What the last OIDC token said about this workflow, for advice on federated credentials. */
export interface OidcClaims {
  subject?: string;
  audience?: string;
  issuer?: string;
}

export interface TenantCredentials {
  readonly a: TokenCredential;
  readonly b: TokenCredential;
  /** Claims of the most recent GitHub token (never the token itself). */
  readonly claims: OidcClaims;
}

/** Reads the claims of a JWT without verifying it: only to explain a refusal. */
export function peekClaims(jwt: string): OidcClaims {
  const payload = jwt.split('.')[1];
  if (!payload) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const str = (k: string): string | undefined => {
      const v: unknown = Reflect.get(parsed, k);
      return typeof v === 'string' ? v : undefined;
    };
    const claims: OidcClaims = {};
    const subject = str('sub');
    const audience = str('aud');
    const issuer = str('iss');
    if (subject) claims.subject = subject;
    if (audience) claims.audience = audience;
    if (issuer) claims.issuer = issuer;
    return claims;
  } catch {
    return {};
  }
}

// Tokens this close to expiry are fetched anew (MSAL renews five minutes ahead, the SDK two).
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * Wraps a credential so that every access token it hands out is masked in the log, and one token is
 * shared by everything that asks for the same scope: the sign-in check, the tenant's own client and
 * the other side's auxiliary header. MSAL would serve them from its cache too, but only after asking
 * GitHub for a new assertion each time.
 */
function sharedAndMasked(inner: TokenCredential, mask: (s: string) => void, now: () => number): TokenCredential {
  const cache = new Map<string, AccessToken>();
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const key = [scopes].flat().join(' ');
      const cached = cache.get(key);
      if (cached && cached.expiresOnTimestamp - now() > RENEW_BEFORE_MS) return cached;
      const token = await inner.getToken(scopes, options);
      if (token) {
        mask(token.token);
        cache.set(key, token);
      }
      return token;
    },
  };
}

/**
 * One credential per tenant (the auxiliary-token policy never passes a tenant to getToken).
 * Side B reuses side A's credential when both name the same tenant and client.
 */
export function createCredentials(settings: Settings, oidc: OidcSource): TenantCredentials {
  const claims: OidcClaims = {};
  const assertion = async (): Promise<string> => {
    // core.getIDToken masks the token itself.
    const jwt = await oidc.getIdToken(settings.audience);
    Object.assign(claims, peekClaims(jwt));
    return jwt;
  };
  const build = (side: Side): TokenCredential => {
    const { tenantId, clientId } = settings[side];
    const credential = new ClientAssertionCredential(tenantId, clientId, assertion, {
      authorityHost: settings.authorityHost,
      // MSAL only knows the public clouds' hosts; any other host would first be looked up at the
      // public Entra, which a private or local authority cannot answer.
      disableInstanceDiscovery: settings.customAuthorityHost,
    });
    return sharedAndMasked(credential, oidc.mask, Date.now);
  };
  const a = build('a');
  const same = settings.a.tenantId === settings.b.tenantId && settings.a.clientId === settings.b.clientId;
  return { a, b: same ? a : build('b'), claims };
}
