// GitHub gives a job an OIDC token only with `permissions: id-token: write`, and never to a
// pull_request run from a fork. Say which of the two it is, before any sign-in is attempted.
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
        'Run the peering from a branch of this repository, on push or workflow_dispatch after review, or from a pull_request_target workflow that does not check out the fork\'s code.',
    };
  }
  return {
    code: 'NoOidcToken',
    message: `GitHub gave this job no OIDC token: ${missing.join(' and ')} not set.`,
    advice: 'Add "permissions: id-token: write" (with "contents: read", and "pull-requests: write" for the comment) to the job or workflow.',
  };
}
