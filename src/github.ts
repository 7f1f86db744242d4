// The only module that talks to GitHub's API: the sticky PR comment, and the PR a pushed commit
// belongs to. A comment is ours only if it carries the marker AND was written by the token's own
// identity (spec/azure.md §6): anyone can write a marker. Every call is bounded by the run.
import type { getOctokit } from '@actions/github';
import { bounded } from './clock.ts';

export type GitHubClient = ReturnType<typeof getOctokit>;

/** The pull request (an issue, to the comments API) that gets the comment. */
export interface CommentTarget {
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
}

export interface CallOptions {
  /** Stops every request and wait: the run's cancellation. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds: no wait may end after it. */
  readonly deadline: number;
  readonly now?: () => number;
  /** Injectable so tests run with zero delay. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Retries per request after the first try (default 4). */
  readonly maxRetries?: number;
  /** The token, so that no message ever shows it. */
  readonly token?: string;
}

export interface StickyResult {
  readonly outcome: 'created' | 'updated' | 'unchanged';
  readonly id: number;
  readonly url: string;
  /** Comments by someone else that carry the marker: left alone. */
  readonly foreign: number;
}

export interface StickyComment {
  /** The hidden marker that identifies the report (its own line in the body). */
  readonly marker: string;
  readonly body: string;
  /** Whether an existing comment of ours already says what `body` says. */
  readonly unchanged: (existingBody: string) => boolean;
}

/** The parts of `@actions/github`'s `context` we read; plain data so tests need no env. */
export interface EventContext {
  readonly eventName: string;
  readonly sha: string;
  readonly payload: {
    readonly pull_request?: { readonly number?: unknown } | undefined;
    /** A push event's head commit, when GITHUB_SHA is not set. */
    readonly after?: unknown;
  };
  readonly repo: { readonly owner: string; readonly repo: string };
}

const PER_PAGE = 100;
// 100,000 comments: a bound against a server that always says "next", not a real limit.
const MAX_PAGES = 1_000;
const DEFAULT_RETRIES = 4;
const BASE_BACKOFF_MS = 1_000;
// GitHub asks to wait at least a minute after a secondary rate limit that gives no retry-after.
const SECONDARY_LIMIT_WAIT_MS = 60_000;

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    }, { once: true });
  });

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
 * On `push`, the merged pull request the pushed commit belongs to (spec/azure.md §6), so the
 * reviewers who approved a plan see what apply did; undefined when there is none.
 */
export async function mergedPullRequestTarget(client: GitHubClient, context: EventContext, opts: CallOptions): Promise<CommentTarget | undefined> {
  const commit = /^[0-9a-f]{40}$/i.test(context.sha) ? context.sha : typeof context.payload.after === 'string' ? context.payload.after : '';
  if (context.eventName !== 'push' || !/^[0-9a-f]{40}$/i.test(commit)) return undefined;
  const { owner, repo } = context.repo;
  const policy = retryPolicy(opts);
  let res;
  try {
    res = await send(policy, `list the pull requests of commit ${commit.slice(0, 7)}`, (signal) =>
      client.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: commit, per_page: PER_PAGE, request: { signal } }),
    );
  } catch (e: unknown) {
    // A commit GitHub does not know (a local push, say) belongs to no pull request.
    const status = httpFailure(unwrap(e))?.status;
    if (status === 404 || status === 422) return undefined;
    throw e;
  }
  const merged = res.data.filter((pr) => pr.merged_at);
  const pick = merged.find((pr) => pr.merge_commit_sha?.toLowerCase() === commit.toLowerCase()) ?? merged[0];
  return pick ? { owner, repo, issueNumber: pick.number } : undefined;
}

interface Author {
  readonly login: string;
  readonly type: string;
}

/** The token's own identity: GraphQL's viewer, else (a server without GraphQL) GET /user. */
async function viewer(client: GitHubClient, policy: Policy): Promise<string> {
  let graphqlFailure: unknown;
  try {
    const data: unknown = await send(policy, 'find out who the token belongs to', (signal) => client.graphql('query { viewer { login } }', { request: { signal } }));
    const login: unknown = typeof data === 'object' && data !== null ? Reflect.get(Reflect.get(data, 'viewer') ?? {}, 'login') : undefined;
    if (typeof login === 'string' && login !== '') return login;
  } catch (e: unknown) {
    if (policy.signal.aborted) throw e;
    graphqlFailure = e;
  }
  try {
    const res = await send(policy, 'find out who the token belongs to', (signal) => client.rest.users.getAuthenticated({ request: { signal } }));
    return res.data.login;
  } catch (e: unknown) {
    // Installation tokens get 403 from GET /user: GraphQL's answer is the one to report.
    throw graphqlFailure ?? e;
  }
}

/** GraphQL names a bot `<app>[bot]`; REST may, or may not: compare without case and suffix. */
function isAuthor(viewerLogin: string, author: Author | undefined): boolean {
  if (!author) return false;
  const bare = (s: string): string => s.toLowerCase().replace(/\[bot\]$/, '');
  const viewerIsBot = /\[bot\]$/i.test(viewerLogin);
  if (author.type === 'Bot' || viewerIsBot) return author.type === 'Bot' && bare(author.login) === bare(viewerLogin);
  return author.login.toLowerCase() === viewerLogin.toLowerCase();
}

interface FoundComment {
  readonly id: number;
  readonly body: string;
  readonly url: string;
  readonly own: boolean;
}

/** The marker on a line of its own among the last lines of the body. */
function hasMarker(body: string, marker: string): boolean {
  return body.trimEnd().split('\n').slice(-3).includes(marker);
}

async function markedComments(client: GitHubClient, target: CommentTarget, marker: string, me: string, policy: Policy, what: string): Promise<FoundComment[]> {
  const found: FoundComment[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await send(policy, `list the comments on ${what}`, (signal) =>
      client.rest.issues.listComments({ owner: target.owner, repo: target.repo, issue_number: target.issueNumber, per_page: PER_PAGE, page, request: { signal } }),
    );
    for (const c of res.data) {
      // Only a comment whose closing lines carry the marker: a person quoting it is left alone.
      if (!hasMarker(c.body ?? '', marker)) continue;
      const author = c.user ? { login: c.user.login, type: c.user.type } : undefined;
      found.push({ id: c.id, body: c.body ?? '', url: c.html_url, own: isAuthor(me, author) });
    }
    const link = res.headers.link;
    const more = link === undefined ? res.data.length === PER_PAGE : /rel="next"/.test(link);
    if (!more) break;
  }
  return found.sort((x, y) => x.id - y.id);
}

/**
 * Creates or updates the one comment of ours for this report on the PR. A comment by anyone else
 * that carries the marker is never edited nor trusted. After creating, it looks again: if a
 * concurrent run created one too, the oldest of ours is kept and the others are deleted.
 */
export async function upsertStickyComment(client: GitHubClient, target: CommentTarget, sticky: StickyComment, opts: CallOptions): Promise<StickyResult> {
  const policy = retryPolicy(opts);
  // The marker closes the body (the verdict stays on the first line): that is how the next run finds it.
  const body = hasMarker(sticky.body, sticky.marker) ? sticky.body : `${sticky.body.trimEnd()}\n${sticky.marker}\n`;
  const where = { owner: target.owner, repo: target.repo };
  const what = `${target.owner}/${target.repo}#${target.issueNumber}`;
  const me = await viewer(client, policy);

  const update = async (c: FoundComment): Promise<{ id: number; url: string } | undefined> => {
    try {
      const res = await send(policy, `update comment ${c.id} on ${what}`, (signal) =>
        client.rest.issues.updateComment({ ...where, comment_id: c.id, body, request: { signal } }),
      );
      return { id: res.data.id, url: res.data.html_url };
    } catch (e: unknown) {
      // Deleted between the listing and the update: look again.
      if (httpFailure(unwrap(e))?.status === 404) return undefined;
      throw e;
    }
  };
  const remove = async (c: FoundComment): Promise<void> => {
    try {
      await send(policy, `delete duplicate comment ${c.id} on ${what}`, (signal) => client.rest.issues.deleteComment({ ...where, comment_id: c.id, request: { signal } }));
    } catch (e: unknown) {
      if (httpFailure(unwrap(e))?.status !== 404) throw e;
    }
  };

  for (let attempt = 0; ; attempt++) {
    const marked = await markedComments(client, target, sticky.marker, me, policy, what);
    const foreign = marked.filter((c) => !c.own).length;
    const own = marked.filter((c) => c.own);
    const keep = own[0];
    if (keep) {
      for (const extra of own.slice(1)) await remove(extra);
      if (sticky.unchanged(keep.body)) return { outcome: 'unchanged', id: keep.id, url: keep.url, foreign };
      const updated = await update(keep);
      if (updated) return { outcome: 'updated', ...updated, foreign };
      if (attempt < policy.maxRetries) continue;
    }
    let created: { id: number; url: string };
    try {
      const res = await send(
        policy,
        `create a comment on ${what}`,
        (signal) => client.rest.issues.createComment({ ...where, issue_number: target.issueNumber, body, request: { signal } }),
        { idempotent: false },
      );
      created = { id: res.data.id, url: res.data.html_url };
    } catch (e: unknown) {
      // A 5xx on POST may still have created the comment: list again before retrying, so a
      // flaky answer never leaves two comments for one report.
      if (e instanceof AmbiguousWrite && attempt < policy.maxRetries) {
        await policy.wait(Math.max(e.waitMs, BASE_BACKOFF_MS * 2 ** attempt));
        continue;
      }
      throw e instanceof AmbiguousWrite ? e.error : e;
    }
    // Another run (a concurrent one) may have created its own at the same time: the oldest wins.
    const after = (await markedComments(client, target, sticky.marker, me, policy, what)).filter((c) => c.own);
    const oldest = after[0];
    if (!oldest || oldest.id === created.id) {
      for (const extra of after.slice(1)) await remove(extra);
      return { outcome: 'created', ...created, foreign };
    }
    await remove({ id: created.id, body, url: created.url, own: true });
    for (const extra of after.slice(1).filter((c) => c.id !== created.id)) await remove(extra);
    const updated = await update(oldest);
    if (updated) return { outcome: 'updated', ...updated, foreign };
    if (attempt >= policy.maxRetries) throw new Error(`The PR comment could not be written: the comments on ${what} kept changing.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Retry, bounds and error mapping

interface Policy {
  readonly signal: AbortSignal;
  readonly maxRetries: number;
  /** Waits `ms`, or throws when that would pass the deadline or the run stops. */
  readonly wait: (ms: number) => Promise<void>;
  readonly remaining: () => number;
  readonly redact: (text: string) => string;
}

function retryPolicy(opts: CallOptions): Policy {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const redact = (text: string): string => (opts.token && opts.token.length >= 4 ? text.split(opts.token).join('***') : text);
  return {
    signal: opts.signal,
    maxRetries: Math.max(0, opts.maxRetries ?? DEFAULT_RETRIES),
    remaining: () => opts.deadline - now(),
    redact,
    wait: async (ms) => {
      if (now() + ms > opts.deadline) throw new OutOfTime(ms);
      await sleep(ms, opts.signal);
    },
  };
}

class OutOfTime extends Error {
  readonly waitMs: number;
  constructor(waitMs: number) {
    super(`would wait ${Math.ceil(waitMs / 1000)} s`);
    this.waitMs = waitMs;
  }
}

interface HttpFailure {
  readonly status: number;
  readonly message: string;
  readonly headers: ReadonlyMap<string, string>;
}

/** Octokit's RequestError, read structurally (it is not a direct dependency of ours). */
function httpFailure(e: unknown): HttpFailure | undefined {
  if (!(e instanceof Error) || !('status' in e) || typeof e.status !== 'number') return undefined;
  // Octokit reports a request that never got an answer (a local error) as status 500 with no response.
  const response = 'response' in e ? e.response : undefined;
  if (response === undefined || response === null) return undefined;
  const headers = new Map<string, string>();
  if (typeof response === 'object' && 'headers' in response) {
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
    if (f.status === 429 || /rate limit/i.test(f.message)) return { retry: true, waitMs: SECONDARY_LIMIT_WAIT_MS, why: 'secondary rate limit' };
    return { retry: false };
  }
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
 * One API call with bounded retries on rate limits and transient failures (never past the
 * deadline, never after the run stops); any other failure becomes an Error that says what the
 * workflow must change, without the token.
 */
async function send<T>(policy: Policy, operation: string, call: (signal: AbortSignal) => Promise<T>, { idempotent = true }: { idempotent?: boolean } = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await bounded(call(policy.signal), policy.signal);
    } catch (e: unknown) {
      if (policy.signal.aborted) throw new Error(`The PR comment could not be written: the run stopped while GitHub was asked to ${operation}.`, { cause: e });
      const f = httpFailure(e);
      // A local error (a bad header, a refused connection) is not cured by asking again.
      if (f === undefined) throw new Error(policy.redact(`The PR comment could not be written: ${operation} failed: ${errorText(e)}`), { cause: e });
      const d = decide(f, attempt, Date.now());
      if (!d.retry) throw new Error(policy.redact(explain(f, operation)), { cause: e });
      if (attempt >= policy.maxRetries) {
        const tries = `${attempt + 1} ${attempt === 0 ? 'try' : 'tries'}`;
        throw new Error(policy.redact(`The PR comment could not be written: ${operation}: still failing after ${tries} (${d.why}: ${f.status} ${f.message}). The next run will try again.`), { cause: e });
      }
      // A rejected rate-limited request wrote nothing; a 5xx on a create might have.
      if (!idempotent && f.status >= 500) throw new AmbiguousWrite(new Error(policy.redact(explain(f, operation)), { cause: e }), d.waitMs);
      try {
        await policy.wait(d.waitMs);
      } catch (w: unknown) {
        const why = w instanceof OutOfTime
          ? `GitHub asks to wait ${Math.ceil(d.waitMs / 1000)} s (${d.why}), more than the ${Math.max(0, Math.floor(policy.remaining() / 1000))} s left of timeout-minutes`
          : 'the run stopped';
        throw new Error(`The PR comment could not be written: ${operation}: ${why}. The next run will try again.`, { cause: e });
      }
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
