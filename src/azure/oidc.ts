// GitHub's OIDC token: whether the job can have one at all, and one token shared by every sign-in
// while it has more than a minute left (MSAL asks for an assertion twice per token; fetching each
// time doubles the requests and adds a round to sign-in, spec/azure.md §1).
import { bounded } from '../clock.ts';
import type { Problem } from '../model.ts';

interface EventLike {
  readonly eventName: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? Reflect.get(v, k) : undefined), o);

/** The fork a pull request comes from, when it comes from one. */
export function forkOf(event: EventLike): string | undefined {
  if (event.eventName !== 'pull_request') return undefined;
  const pr = event.payload.pull_request;
  const head = get(pr, 'head', 'repo', 'full_name');
  const base = get(pr, 'base', 'repo', 'full_name');
  const isFork = get(pr, 'head', 'repo', 'fork') === true || (typeof head === 'string' && typeof base === 'string' && head.toLowerCase() !== base.toLowerCase());
  return isFork ? (typeof head === 'string' ? head : 'a fork') : undefined;
}

export function oidcUnavailableMessage(env: NodeJS.ProcessEnv, event: EventLike): Problem | undefined {
  const missing = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'].filter((v) => !env[v]);
  if (missing.length === 0) return undefined;
  const fork = forkOf(event);
  if (fork) {
    return {
      code: 'NoOidcTokenForFork',
      message: `This pull request comes from the fork ${fork}. GitHub gives pull_request runs from forks no OIDC token (${missing.join(' and ')} not set), so the action cannot sign in to Azure.`,
      advice:
        "Run the peering from a branch of this repository, on push or workflow_dispatch after review, or from a pull_request_target workflow that does not check out the fork's code.",
    };
  }
  return {
    code: 'NoOidcToken',
    message: `GitHub gave this job no OIDC token: ${missing.join(' and ')} not set.`,
    advice: 'Add "permissions: id-token: write" (with "contents: read", and "pull-requests: write" for the comment) to the job or workflow.',
  };
}

/** What the workflow's OIDC token said about it, for advice on federated credentials. */
export interface OidcClaims {
  subject?: string;
  audience?: string;
  issuer?: string;
}

/** Reads the claims of a JWT without verifying it: only to explain a refusal and to reuse it. */
export function peekClaims(jwt: string): OidcClaims & { expiresAt?: number } {
  const payload = jwt.split('.')[1];
  if (!payload) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const str = (k: string): string | undefined => {
      const v: unknown = Reflect.get(parsed, k);
      return typeof v === 'string' ? v : undefined;
    };
    const exp: unknown = Reflect.get(parsed, 'exp');
    const claims: OidcClaims & { expiresAt?: number } = {};
    const subject = str('sub');
    const audience = str('aud');
    const issuer = str('iss');
    if (subject) claims.subject = subject;
    if (audience) claims.audience = audience;
    if (issuer) claims.issuer = issuer;
    if (typeof exp === 'number' && Number.isFinite(exp)) claims.expiresAt = exp * 1000;
    return claims;
  } catch {
    return {};
  }
}

/** GitHub's OIDC endpoint failed: named as such, so the user knows which service to blame. */
export class OidcRequestError extends Error {
  override name = 'OidcRequestError';
  readonly code = 'OidcTokenRequestFailed';
}

// A token with less than this left is not handed to Entra (assertions must be valid on arrival).
const MIN_LIFE_MS = 60_000;

export interface OidcSource {
  /** A GitHub OIDC token for the run's audience, reused while it has more than a minute left. */
  assertion(): Promise<string>;
  /** Claims of the last token (never the token itself). */
  readonly claims: OidcClaims;
  /** The last failure of GitHub's endpoint, if the last fetch failed. */
  lastFailure(): OidcRequestError | undefined;
}

export function createOidcSource(o: {
  readonly getIdToken: (audience: string) => Promise<string>;
  readonly audience: string;
  readonly now: () => number;
  readonly signal: AbortSignal;
}): OidcSource {
  const claims: OidcClaims = {};
  let held: { jwt: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let failure: OidcRequestError | undefined;
  const fetchOne = async (): Promise<string> => {
    try {
      // core.getIDToken masks the token itself, and has no timeout of its own.
      const jwt = await bounded(o.getIdToken(o.audience), o.signal);
      const c = peekClaims(jwt);
      Object.assign(claims, { subject: c.subject, audience: c.audience, issuer: c.issuer });
      // A token without exp is used once: never trust it beyond this call.
      held = c.expiresAt === undefined ? undefined : { jwt, expiresAt: c.expiresAt };
      failure = undefined;
      return jwt;
    } catch (e: unknown) {
      if (o.signal.aborted) throw e;
      failure = new OidcRequestError(e instanceof Error ? e.message : String(e), { cause: e });
      throw failure;
    }
  };
  return {
    claims,
    lastFailure: () => failure,
    assertion() {
      if (held && held.expiresAt - o.now() > MIN_LIFE_MS) return Promise.resolve(held.jwt);
      // One request for everyone asking at once (two tenants sign in together).
      inFlight ??= fetchOne().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
