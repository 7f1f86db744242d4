export interface Timing {
  armLatencyMs: number;
  /** Latency of every Entra (login) request. */
  tokenLatencyMs: number;
  oidcLatencyMs: number;
  githubLatencyMs: number;
  /** How long an accepted PUT/DELETE stays InProgress. 0: done before the SDK's first poll. */
  operationMs: number;
  /** Announced in Retry-After headers (operations, conflicts). */
  retryAfterSeconds: number;
  /** Entra access tokens; 0 or less issues tokens that are already expired. */
  accessTokenLifetimeSeconds: number;
  /** GitHub OIDC tokens; 0 or less issues tokens that are already expired. */
  oidcTokenLifetimeSeconds: number;
}

/** Fast mode for tests. */
export const DEFAULT_TIMING: Timing = {
  armLatencyMs: 0,
  tokenLatencyMs: 0,
  oidcLatencyMs: 0,
  githubLatencyMs: 0,
  operationMs: 0,
  retryAfterSeconds: 1,
  accessTokenLifetimeSeconds: 3600,
  oidcTokenLifetimeSeconds: 300,
};
