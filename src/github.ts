// The only module that talks to GitHub's REST API: the sticky PR comment.
import type { getOctokit } from '@actions/github';
import { commentDigest, commentMarker } from './report/markdown.ts';

export type GitHubClient = ReturnType<typeof getOctokit>;

/** The pull request (an issue, to the comments API) that gets the comment. */
export interface CommentTarget {
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
}

export interface RetryOptions {
  /** Injectable so tests run with zero delay. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Retries per request after the first try (default 4). */
  readonly maxRetries?: number;
  /** Longest single wait; a rate limit that asks for longer is not waited out (default 60 s). */
  readonly maxWaitMs?: number;
}

export interface StickyResult {
  readonly outcome: 'created' | 'updated' | 'unchanged';
  readonly id: number;
  readonly url: string;
}

/** The parts of `@actions/github`'s `context` we read; plain data so tests need no env. */
export interface EventContext {
  readonly eventName: string;
  readonly payload: {
    readonly pull_request?: { readonly number?: unknown } | undefined;
  };
  readonly repo: { readonly owner: string; readonly repo: string };
}

const PER_PAGE = 100;
// 100,000 comments: a bound against a server that always says "next", not a real limit.
const MAX_PAGES = 1_000;
const DEFAULT_RETRIES = 4;
const DEFAULT_MAX_WAIT_MS = 60_000;
const BASE_BACKOFF_MS = 1_000;
// GitHub asks to wait at least a minute after a secondary rate limit that gives no retry-after.
const SECONDARY_LIMIT_WAIT_MS = 60_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The PR the run belongs to, on pull_request and pull_request_target events; else undefined. */
export function pullRequestTarget(context: EventContext): CommentTarget | undefined {
  if (context.eventName !== 'pull_request' && context.eventName !== 'pull_request_target') return undefined;
  const number = context.payload.pull_request?.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) return undefined;
  // Read `repo` only now: the real context's getter throws when GITHUB_REPOSITORY is unset.
  const { owner, repo } = context.repo;
  return { owner, repo, issueNumber: number };
}

/**
 * Creates or updates the one comment for this VNet pair on the PR, found by its hidden marker
 * on any page of comments. Skips the write when the stored digest equals the new one.
 */
export async function upsertStickyComment(
  client: GitHubClient,
  target: CommentTarget,
  pairKey: string,
  body: string,
  opts: RetryOptions = {},
): Promise<StickyResult> {
  const policy = retryPolicy(opts);
  const marker = commentMarker(pairKey);
  // The marker closes the body (the verdict stays on the first line): that is how the next run finds it.
  const text = hasMarker(body, marker) ? body : `${body.trimEnd()}\n${marker}\n`;
  const where = { owner: target.owner, repo: target.repo };
  const what = `${target.owner}/${target.repo}#${target.issueNumber}`;

  for (let attempt = 0; ; attempt++) {
    const existing = await findComment(client, target, marker, policy, what);
    if (existing) {
      const newDigest = commentDigest(text);
      const unchanged = existing.body === text || (newDigest !== undefined && newDigest === commentDigest(existing.body));
      if (unchanged) return { outcome: 'unchanged', id: existing.id, url: existing.url };
      try {
        const res = await send(policy, `update comment ${existing.id} on ${what}`, () =>
          client.rest.issues.updateComment({ ...where, comment_id: existing.id, body: text }),
        );
        return { outcome: 'updated', id: res.data.id, url: res.data.html_url };
      } catch (e: unknown) {
        // Deleted between the listing and the update: look again, then create.
        if (httpFailure(unwrap(e))?.status === 404 && attempt < policy.maxRetries) continue;
        throw e;
      }
    }
    try {
      const res = await send(
        policy,
        `create a comment on ${what}`,
        () => client.rest.issues.createComment({ ...where, issue_number: target.issueNumber, body: text }),
        { idempotent: false },
      );
      return { outcome: 'created', id: res.data.id, url: res.data.html_url };
    } catch (e: unknown) {
      // A 5xx on POST may still have created the comment: list again before retrying, so a
      // flaky answer never leaves two comments for one pair.
      if (e instanceof AmbiguousWrite && attempt < policy.maxRetries) {
        await policy.sleep(Math.min(Math.max(e.waitMs, BASE_BACKOFF_MS * 2 ** attempt), policy.maxWaitMs));
        continue;
      }
      throw e instanceof AmbiguousWrite ? e.error : e;
    }
  }
}

interface FoundComment {
  readonly id: number;
  readonly body: string;
  readonly url: string;
}

/** The marker on a line of its own among the last three (marker, digest, trailing newline). */
function hasMarker(body: string, marker: string): boolean {
  return body.trimEnd().split('\n').slice(-3).includes(marker);
}

async function findComment(
  client: GitHubClient,
  target: CommentTarget,
  marker: string,
  policy: Policy,
  what: string,
): Promise<FoundComment | undefined> {
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await send(policy, `list the comments on ${what}`, () =>
      client.rest.issues.listComments({
        owner: target.owner,
        repo: target.repo,
        issue_number: target.issueNumber,
        per_page: PER_PAGE,
        page,
      }),
    );
    // Only a comment whose closing lines carry the marker: a person quoting it is left alone.
    const hit = res.data.find((c) => hasMarker(c.body ?? '', marker));
    if (hit) return { id: hit.id, body: hit.body ?? '', url: hit.html_url };
    const link = res.headers.link;
    const more = link === undefined ? res.data.length === PER_PAGE : /rel="next"/.test(link);
    if (!more) return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Retry and error mapping

interface Policy {
  readonly sleep: (ms: number) => Promise<void>;
  readonly maxRetries: number;
  readonly maxWaitMs: number;
}

function retryPolicy(opts: RetryOptions): Policy {
  return {
    sleep: opts.sleep ?? defaultSleep,
    maxRetries: Math.max(0, opts.maxRetries ?? DEFAULT_RETRIES),
    maxWaitMs: Math.max(0, opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS),
  };
}

interface HttpFailure {
  readonly status: number;
  readonly message: string;
  readonly headers: ReadonlyMap<string, string>;
}

/** Octokit's RequestError, read structurally (it is not a direct dependency of ours). */
function httpFailure(e: unknown): HttpFailure | undefined {
  if (!(e instanceof Error) || !('status' in e) || typeof e.status !== 'number') return undefined;
  const headers = new Map<string, string>();
  const response = 'response' in e ? e.response : undefined;
  if (typeof response === 'object' && response !== null && 'headers' in response) {
    const raw = response.headers;
    if (typeof raw === 'object' && raw !== null) {
      for (const [key, value] of Object.entries(raw)) {
        if (typeof value === 'string' || typeof value === 'number') headers.set(key.toLowerCase(), String(value));
      }
    }
  }
  return { status: e.status, message: e.message, headers };
}

/** A create that failed in a way that may have written anyway. */
class AmbiguousWrite extends Error {
  readonly error: Error;
  readonly waitMs: number;
  constructor(error: Error, waitMs: number) {
    super(error.message, { cause: error });
    this.error = error;
    this.waitMs = waitMs;
  }
}

function unwrap(e: unknown): unknown {
  return e instanceof Error && e.cause !== undefined ? e.cause : e;
}

type Decision = { readonly retry: true; readonly waitMs: number; readonly why: string } | { readonly retry: false };

/** Whether to retry and how long to wait first, from what GitHub answered. */
function decide(f: HttpFailure, attempt: number, now: number): Decision {
  const backoff = BASE_BACKOFF_MS * 2 ** attempt;
  const retryAfter = parseRetryAfter(f.headers.get('retry-after'), now);
  const remaining = f.headers.get('x-ratelimit-remaining');
  const reset = Number(f.headers.get('x-ratelimit-reset'));
  if (f.status === 403 || f.status === 429) {
    if (retryAfter !== undefined) return { retry: true, waitMs: retryAfter, why: 'secondary rate limit' };
    if (remaining === '0' && Number.isFinite(reset) && reset > 0) {
      // A second of slack: the reset time is rounded down to whole seconds.
      return { retry: true, waitMs: Math.max(0, reset * 1000 - now) + 1000, why: 'rate limit' };
    }
    if (f.status === 429 || /rate limit/i.test(f.message)) {
      return { retry: true, waitMs: SECONDARY_LIMIT_WAIT_MS, why: 'secondary rate limit' };
    }
    return { retry: false };
  }
  // 5xx; Octokit reports a network failure (no response) as 500 too.
  if (f.status >= 500) return { retry: true, waitMs: retryAfter ?? backoff, why: `HTTP ${f.status}` };
  return { retry: false };
}

/** `retry-after` is seconds or an HTTP date. */
function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * One REST call with bounded retries on rate limits and transient failures; any other failure
 * becomes an Error that says what the workflow must change.
 */
async function send<T>(
  policy: Policy,
  operation: string,
  call: () => Promise<T>,
  { idempotent = true }: { idempotent?: boolean } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e: unknown) {
      const f = httpFailure(e);
      if (f === undefined) throw new Error(`The PR comment could not be written: ${operation} failed: ${errorText(e)}`, { cause: e });
      const d = decide(f, attempt, Date.now());
      if (!d.retry) throw new Error(explain(f, operation), { cause: e });
      if (d.waitMs > policy.maxWaitMs || attempt >= policy.maxRetries) {
        const tries = `${attempt + 1} ${attempt === 0 ? 'try' : 'tries'}`;
        const why = d.waitMs > policy.maxWaitMs
          ? `GitHub asks to wait ${Math.ceil(d.waitMs / 1000)} s (${d.why}), longer than this step waits (${Math.ceil(policy.maxWaitMs / 1000)} s)`
          : `still failing after ${tries} (${d.why}: ${f.status} ${f.message})`;
        throw new Error(`The PR comment could not be written: ${operation}: ${why}. The next run will try again.`, { cause: e });
      }
      // A rejected rate-limited request wrote nothing; a 5xx on a create might have.
      if (!idempotent && f.status >= 500) throw new AmbiguousWrite(new Error(explain(f, operation), { cause: e }), d.waitMs);
      await policy.sleep(d.waitMs);
    }
  }
}

function explain(f: HttpFailure, operation: string): string {
  const said = `GitHub answered ${f.status} "${f.message}"`;
  switch (f.status) {
    case 401:
      return `The PR comment could not be written: ${said} to ${operation}. The github-token input is invalid or expired.`;
    case 403:
      return (
        `The PR comment could not be written: ${said} to ${operation}. The token may not write PR comments: ` +
        'grant it in the workflow with `permissions: pull-requests: write` (or `issues: write`). ' +
        'Pull requests from forks get a read-only token, so no comment can be written there; the job summary has the report.'
      );
    case 404:
      return (
        `The PR comment could not be written: ${said} to ${operation}. Check that the pull request exists in this ` +
        'repository and that github-token belongs to it (a token for another repository sees a 404).'
      );
    case 422:
      return `The PR comment could not be written: ${said} to ${operation}. GitHub refused the body; comments are limited to 65,536 characters.`;
    default:
      return `The PR comment could not be written: ${said} to ${operation}.`;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
