// Workload identity federation: one ClientAssertionCredential per distinct identity (tenant,
// client), whose assertion is the job's GitHub OIDC token (shared while it has a minute left).
// Every access token is masked the moment it exists, and one token serves the sign-in check, the
// identity's own clients and other tenants' auxiliary headers. Every call is bounded by the run.
import {
  ClientAssertionCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { bounded } from '../clock.ts';
import type { Identity } from '../model.ts';
import { OidcRequestError, type OidcSource } from './oidc.ts';

export const identityKey = (i: Identity): string => `${i.tenantId.toLowerCase()}|${i.clientId.toLowerCase()}`;

/** Entra could not be reached, or answered with a server error (MSAL hides the status). */
export class EntraUnavailableError extends Error {
  override name = 'EntraUnavailableError';
  readonly code = 'EntraUnavailable';
}

export interface CredentialOptions {
  readonly authorityHost: string;
  /** A custom authority host cannot answer MSAL's instance discovery at the public Entra. */
  readonly disableInstanceDiscovery: boolean;
  readonly oidc: OidcSource;
  readonly mask: (secret: string) => void;
  readonly now: () => number;
  /** The run's signal: no token request outlives it. */
  readonly signal: AbortSignal;
}

// Tokens this close to expiry are fetched anew (MSAL renews five minutes ahead, the SDK two).
const RENEW_BEFORE_MS = 5 * 60_000;

interface EntraHealth {
  /** Requests to Entra under way now. */
  pending: number;
  /** The last answer was a server error, or no answer came. */
  lastFault: string | undefined;
}

/** Watches this credential's requests to Entra, so an outage can be named as one. */
function healthPolicy(health: EntraHealth): PipelinePolicy {
  return {
    name: 'entraHealth',
    async sendRequest(request, next) {
      health.pending++;
      try {
        const response = await next(request);
        health.lastFault = response.status >= 500 ? `Entra answered HTTP ${response.status}` : undefined;
        return response;
      } catch (e: unknown) {
        health.lastFault = `Entra could not be reached (${e instanceof Error ? e.message : String(e)})`;
        throw e;
      } finally {
        health.pending--;
      }
    },
  };
}

/** Names what failed during a sign-in: GitHub's OIDC endpoint, Entra itself, or (as is) the refusal. */
function explain(e: unknown, health: EntraHealth, oidc: OidcSource, signal: AbortSignal, tenantId: string): unknown {
  const oidcFailure = oidc.lastFailure();
  if (e instanceof OidcRequestError) return e;
  if (oidcFailure) return oidcFailure;
  if (signal.aborted && health.pending > 0) {
    return new EntraUnavailableError(`Entra (tenant ${tenantId}) did not answer before the run stopped waiting.`, { cause: e });
  }
  if (health.lastFault) return new EntraUnavailableError(`${health.lastFault} for tenant ${tenantId}.`, { cause: e });
  return e;
}

function build(identity: Identity, o: CredentialOptions): TokenCredential {
  const health: EntraHealth = { pending: 0, lastFault: undefined };
  const inner = new ClientAssertionCredential(identity.tenantId, identity.clientId, () => o.oidc.assertion(), {
    authorityHost: o.authorityHost,
    disableInstanceDiscovery: o.disableInstanceDiscovery,
    additionalPolicies: [{ policy: healthPolicy(health), position: 'perRetry' }],
  });
  const cache = new Map<string, AccessToken>();
  const inFlight = new Map<string, Promise<AccessToken | null>>();
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const key = [scopes].flat().join(' ');
      const cached = cache.get(key);
      if (cached && cached.expiresOnTimestamp - o.now() > RENEW_BEFORE_MS) return Promise.resolve(cached);
      const given = options?.abortSignal;
      const signal = given instanceof AbortSignal ? AbortSignal.any([given, o.signal]) : o.signal;
      let pending = inFlight.get(key);
      if (!pending) {
        // MSAL does not pass the abort signal to its request: bound it here.
        pending = bounded(inner.getToken(scopes, { ...options, abortSignal: signal }), signal)
          .then((token) => {
            if (token) {
              o.mask(token.token);
              cache.set(key, token);
            }
            return token;
          })
          .catch((e: unknown) => {
            throw explain(e, health, o.oidc, signal, identity.tenantId);
          })
          .finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
  };
}

/** One credential per distinct identity, shared by everything that signs in as it. */
export class Credentials {
  readonly #byKey = new Map<string, TokenCredential>();
  readonly #options: CredentialOptions;
  constructor(options: CredentialOptions) {
    this.#options = options;
  }

  for(identity: Identity): TokenCredential {
    const key = identityKey(identity);
    let c = this.#byKey.get(key);
    if (!c) {
      c = build(identity, this.#options);
      this.#byKey.set(key, c);
    }
    return c;
  }
}
