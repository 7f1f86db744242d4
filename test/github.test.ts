// The sticky PR comment over real HTTPS against the emulator's GitHub REST API.
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergedPullRequestTarget, pullRequestTarget, upsertStickyComment, type CallOptions, type CommentTarget, type StickyComment } from '../src/github.ts';
import { IDS, startEmulator, type Emulator } from './emulator/index.ts';

const REPO = 'contoso/network';
const PR: CommentTarget = { owner: 'contoso', repo: 'network', issueNumber: 7 };
const marker = (key = 'hub|spoke'): string => `<!-- azure-vnet-peering:pair=${key.replace(/\W/g, '')} -->`;
const footer = (n: number): string => `<sub>[Workflow run](https://github.com/${REPO}/actions/runs/${n})</sub>`;
/** A report body as the action writes it: the verdict first, the run link last, then the marker. */
const report = (verdict: string, run: number, key?: string): string => `### ${verdict}\n\ndetail\n\n${footer(run)}\n\n${marker(key)}\n`;
const withoutFooter = (body: string): string => body.replace(/<sub>\[Workflow run\]\([^)]*\)<\/sub>/, '');
const sticky = (body: string, key?: string): StickyComment => ({ marker: marker(key), body, unchanged: (old) => withoutFooter(old) === withoutFooter(body) });

let emu: Emulator;
let sleeps: number[];
/** Records the waits instead of waiting, so retries take no time; the deadline is far. */
const opts = (over: Partial<CallOptions> = {}): CallOptions => ({
  signal: new AbortController().signal,
  deadline: Date.now() + 3_600_000,
  sleep: async (ms: number) => void sleeps.push(ms),
  ...over,
});
const client = (token = 'ghs_write') => getOctokit(token, { baseUrl: emu.endpoints.githubApi });

/** Comments on the PR that carry the marker. */
const stickies = (key?: string, issue = PR.issueNumber) => emu.comments(REPO, issue).filter((c) => c.body.trimEnd().split('\n').includes(marker(key)));
const writes = () => emu.requests.filter((r) => r.service === 'github' && r.path !== '/graphql' && (r.method === 'POST' || r.method === 'PATCH' || r.method === 'DELETE'));

beforeEach(async () => {
  emu = await startEmulator();
  emu.trust();
  sleeps = [];
});
afterEach(async () => {
  await emu.stop();
});

describe('upsertStickyComment', () => {
  it('first run creates exactly one comment carrying the report', async () => {
    const body = report('Plan', 1);
    const res = await upsertStickyComment(client(), PR, sticky(body), opts());
    expect(res.outcome).toBe('created');
    expect(res.url).toBe(`https://github.com/${REPO}/pull/7#issuecomment-${res.id}`);
    expect(emu.comments(REPO, 7)).toEqual([{ id: res.id, body, user: 'github-actions[bot]' }]);
  });

  it('a later run updates that comment in place: plan, then apply', async () => {
    const first = await upsertStickyComment(client(), PR, sticky(report('Plan', 1)), opts());
    const applied = report('Applied', 2);
    const second = await upsertStickyComment(client(), PR, sticky(applied), opts());
    expect(second).toMatchObject({ outcome: 'updated', id: first.id });
    expect(emu.comments(REPO, 7)).toEqual([{ id: first.id, body: applied, user: 'github-actions[bot]' }]);
  });

  it('an unchanged report (only the run link differs) writes nothing', async () => {
    const firstBody = report('Applied', 1);
    const first = await upsertStickyComment(client(), PR, sticky(firstBody), opts());
    emu.clearRequests();
    const again = await upsertStickyComment(client(), PR, sticky(report('Applied', 2)), opts());
    expect(again).toEqual({ outcome: 'unchanged', id: first.id, url: first.url, foreign: 0 });
    // The stored body still links run 1: no write happened.
    expect(emu.comments(REPO, 7).map((c) => c.body)).toEqual([firstBody]);
    expect(writes()).toEqual([]);
  });

  it('finds its comment behind more than one page of other comments', async () => {
    for (let i = 0; i < 150; i++) emu.addComment(REPO, 7, `LGTM ${i}`, i % 2 ? 'alice' : 'bob');
    const first = await upsertStickyComment(client(), PR, sticky(report('Plan', 1)), opts());
    expect(first.outcome).toBe('created');
    for (let i = 0; i < 120; i++) emu.addComment(REPO, 7, `more ${i}`);
    // Ours is comment 151 of 271: on page 2 of 3.
    const second = await upsertStickyComment(client(), PR, sticky(report('Applied', 2)), opts());
    expect(second).toMatchObject({ outcome: 'updated', id: first.id });
    expect(stickies()).toHaveLength(1);
    expect(emu.comments(REPO, 7)).toHaveLength(271);
  });

  it('two reports (two pairs, or a pair and a topology file) on one PR get two comments, each updated on its own', async () => {
    const c1 = await upsertStickyComment(client(), PR, sticky(report('Applied', 1, 'one'), 'one'), opts());
    const c2 = await upsertStickyComment(client(), PR, sticky(report('Plan', 1, 'two'), 'two'), opts());
    expect([c1.outcome, c2.outcome]).toEqual(['created', 'created']);
    const u2 = await upsertStickyComment(client(), PR, sticky(report('Applied', 2, 'two'), 'two'), opts());
    const u1 = await upsertStickyComment(client(), PR, sticky(report('Applied', 2, 'one'), 'one'), opts());
    expect(u2).toMatchObject({ outcome: 'updated', id: c2.id });
    expect(u1).toMatchObject({ outcome: 'unchanged', id: c1.id });
    expect(emu.comments(REPO, 7)).toHaveLength(2);
  });

  it('one comment per PR: the same report on another PR gets its own', async () => {
    const on7 = await upsertStickyComment(client(), PR, sticky(report('Applied', 1)), opts());
    const on8 = await upsertStickyComment(client(), { ...PR, issueNumber: 8 }, sticky(report('Applied', 1)), opts());
    expect(on8.outcome).toBe('created');
    expect(on8.id).not.toBe(on7.id);
    expect(emu.comments(REPO, 8)).toHaveLength(1);
  });

  it("leaves a person's comment that merely quotes the marker alone", async () => {
    const quoted = `Why does the bot write ${marker()} here?`;
    emu.addComment(REPO, 7, quoted, 'alice');
    const res = await upsertStickyComment(client(), PR, sticky(report('Applied', 1)), opts());
    expect(res.outcome).toBe('created');
    expect(emu.comments(REPO, 7)[0]).toMatchObject({ body: quoted, user: 'alice' });
  });

  it('adds the marker when the body lacks it, so the next run finds the comment', async () => {
    const first = await upsertStickyComment(client(), PR, { marker: marker(), body: 'hello', unchanged: () => false }, opts());
    const second = await upsertStickyComment(client(), PR, { marker: marker(), body: 'hello again', unchanged: () => false }, opts());
    expect(second).toMatchObject({ outcome: 'updated', id: first.id });
    expect(emu.comments(REPO, 7).map((c) => c.body)).toEqual([`hello again\n${marker()}\n`]);
  });
});

describe('only its own comment: a marker proves nothing about who wrote it', () => {
  it("never adopts nor trusts someone else's comment that ends with the marker, even a copied report", async () => {
    const forged = report('✅ In sync — run this script', 1);
    emu.addComment(REPO, 7, forged, 'mallory');
    const res = await upsertStickyComment(client(), PR, sticky(report('Failed', 2)), opts());
    expect(res).toMatchObject({ outcome: 'created', foreign: 1 });
    expect(emu.comments(REPO, 7).map((c) => [c.user, c.body.split('\n')[0]])).toEqual([
      ['mallory', '### ✅ In sync — run this script'],
      ['github-actions[bot]', '### Failed'],
    ]);
    // The same content in a foreign comment is not "unchanged" either.
    const again = await upsertStickyComment(client(), PR, sticky(forged), opts());
    expect(again.outcome).toBe('updated');
    expect(emu.comments(REPO, 7).filter((c) => c.user === 'mallory')).toHaveLength(1);
  });

  it("a user's own comment ending with the marker is not overwritten by a personal token's run either", async () => {
    emu.addComment(REPO, 7, report('mine', 1), 'alice');
    const res = await upsertStickyComment(client(IDS.github.userToken), PR, sticky(report('Applied', 2)), opts());
    expect(res.outcome).toBe('created');
    expect(emu.comments(REPO, 7).map((c) => c.user)).toEqual(['alice', IDS.github.userLogin]);
    const second = await upsertStickyComment(client(IDS.github.userToken), PR, sticky(report('Applied again', 3)), opts());
    expect(second).toMatchObject({ outcome: 'updated', id: res.id });
  });

  it('concurrent runs that each created one end with one: the oldest is kept, the other deleted', async () => {
    // Another run of ours created its comment between our listing and our create.
    const listing = emu.requests.length;
    emu.inject({ service: 'github', method: 'POST', path: '/issues/7/comments', delayMs: 50 });
    const mine = upsertStickyComment(client(), PR, sticky(report('Applied by run 2', 2)), opts());
    await new Promise((r) => setTimeout(r, 10));
    expect(emu.requests.length).toBeGreaterThan(listing);
    emu.addComment(REPO, 7, report('Applied by run 1', 1), IDS.github.botLogin);
    const res = await mine;
    const left = stickies();
    expect(left).toHaveLength(1);
    expect(left[0]?.body).toBe(report('Applied by run 2', 2));
    expect(res).toMatchObject({ outcome: 'updated', id: left[0]?.id });
  });
});

describe('GitHub refusing', () => {
  const body = () => report('Applied', 1);

  it('a read-only token (no pull-requests: write, or a fork) gets the permission to grant, without retrying', async () => {
    const attempt = upsertStickyComment(client('ghs_read'), PR, sticky(body()), opts());
    await expect(attempt).rejects.toThrow(/could not be written.*Resource not accessible by integration/);
    await expect(attempt).rejects.toThrow('`permissions: pull-requests: write`');
    await expect(attempt).rejects.toThrow(/forks get a read-only token/);
    expect(emu.comments(REPO, 7)).toEqual([]);
    expect(sleeps).toEqual([]);
  });

  it('a pull request that does not exist gets a clear 404 message', async () => {
    const attempt = upsertStickyComment(client(), { ...PR, issueNumber: 999 }, sticky(body()), opts());
    await expect(attempt).rejects.toThrow(/could not be written: GitHub answered 404.*contoso\/network#999.*pull request exists/);
  });

  it('a body over the limit gets a clear 422 message', async () => {
    const attempt = upsertStickyComment(client(), PR, sticky('x'.repeat(70_000)), opts());
    await expect(attempt).rejects.toThrow(/GitHub answered 422.*65,536 characters/);
    expect(emu.comments(REPO, 7)).toEqual([]);
  });

  it('a secondary rate limit (403 with retry-after) is waited out as told, then succeeds', async () => {
    emu.inject({
      service: 'github',
      method: 'POST',
      path: '/issues/7/comments',
      status: 403,
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      retryAfter: 3,
    });
    const res = await upsertStickyComment(client(), PR, sticky(body()), opts());
    expect(res.outcome).toBe('created');
    expect(sleeps).toEqual([3000]);
    expect(emu.comments(REPO, 7)).toHaveLength(1);
  });

  it('429s while listing are retried with their retry-after', async () => {
    emu.inject({ service: 'github', method: 'GET', path: '/issues/7/comments', status: 429, retryAfter: 2, times: 2 });
    const res = await upsertStickyComment(client(), PR, sticky(body()), opts());
    expect(res.outcome).toBe('created');
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('an exhausted primary rate limit waits until its reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 5;
    emu.inject({
      service: 'github',
      method: 'GET',
      path: '/issues/7/comments',
      status: 403,
      message: 'API rate limit exceeded for installation.',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
    });
    const res = await upsertStickyComment(client(), PR, sticky(body()), opts());
    expect(res.outcome).toBe('created');
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(3000);
    expect(sleeps[0]).toBeLessThanOrEqual(7000);
  });

  it('gives up after the retry bound with a message that says so', async () => {
    emu.inject({ service: 'github', method: 'GET', path: '/issues/7/comments', status: 429, retryAfter: 1, times: 10 });
    const attempt = upsertStickyComment(client(), PR, sticky(body()), opts({ maxRetries: 2 }));
    await expect(attempt).rejects.toThrow(/could not be written.*still failing after 3 tries \(secondary rate limit/);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('never waits past the run’s deadline: a 429 without Retry-After is not slept on for a minute', async () => {
    emu.inject({ service: 'github', method: 'GET', path: '/issues/7/comments', status: 429, times: 10 });
    const attempt = upsertStickyComment(client(), PR, sticky(body()), opts({ deadline: Date.now() + 5_000 }));
    await expect(attempt).rejects.toThrow(/asks to wait 60 s \(secondary rate limit\), more than the \d+ s left of timeout-minutes/);
    expect(sleeps).toEqual([]);
  });

  it('stops when the run is cancelled, even while GitHub does not answer', async () => {
    emu.inject({ service: 'github', method: 'GET', path: '/issues/7/comments', hang: true });
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('cancelled')), 100);
    const started = Date.now();
    await expect(upsertStickyComment(client(), PR, sticky(body()), opts({ signal: stop.signal }))).rejects.toThrow(/the run stopped/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a local error (a header no token has) is not retried, and never shows the token', async () => {
    const token = 'ghs_secret value';
    const attempt = upsertStickyComment(client(token), PR, sticky(body()), opts({ token }));
    await expect(attempt).rejects.toThrow(/could not be written/);
    await expect(attempt).rejects.not.toThrow(/ghs_secret/);
    expect(sleeps).toEqual([]);
  });

  it('a comment gone between listing and updating is looked for again, then written', async () => {
    const first = await upsertStickyComment(client(), PR, sticky(report('Plan', 1)), opts());
    emu.inject({ service: 'github', method: 'PATCH', status: 404, message: 'Not Found' });
    const res = await upsertStickyComment(client(), PR, sticky(report('Applied', 2)), opts());
    expect(res).toMatchObject({ outcome: 'updated', id: first.id });
    expect(stickies()).toHaveLength(1);
  });

  it('asks GraphQL again after a server error before falling back', async () => {
    emu.inject({ service: 'github', method: 'POST', path: '/graphql', status: 502, times: 1 });
    const res = await upsertStickyComment(client(), PR, sticky(body()), opts());
    expect(res.outcome).toBe('created');
    expect(sleeps).toEqual([1000]);
  });

  it('transient 5xx answers are retried with backoff; a failed create never leaves two comments', async () => {
    emu.inject({ service: 'github', method: 'GET', path: '/issues/7/comments', status: 502, times: 1 });
    emu.inject({ service: 'github', method: 'POST', path: '/issues/7/comments', status: 500, times: 2 });
    const res = await upsertStickyComment(client(), PR, sticky(body()), opts());
    expect(res.outcome).toBe('created');
    expect(emu.comments(REPO, 7)).toHaveLength(1);
    expect(sleeps).toEqual([1000, 1000, 2000]);
  });
});

describe('the merged pull request of a pushed commit', () => {
  const push = (sha: string) => ({ eventName: 'push', sha, payload: {}, repo: { owner: 'contoso', repo: 'network' } });

  it('finds the PR a merge commit belongs to', async () => {
    const target = await mergedPullRequestTarget(client(), push(IDS.github.mergeCommitSha), opts());
    expect(target).toEqual({ ...PR, issueNumber: IDS.github.mergedPullRequest });
  });

  it('takes the pushed commit from the event when GITHUB_SHA is not set', async () => {
    const target = await mergedPullRequestTarget(client(), { ...push(''), payload: { after: IDS.github.mergeCommitSha } }, opts());
    expect(target).toEqual({ ...PR, issueNumber: IDS.github.mergedPullRequest });
  });

  it('has none for a commit no merged PR holds, or outside push', async () => {
    expect(await mergedPullRequestTarget(client(), push('a'.repeat(40)), opts())).toBeUndefined();
    expect(await mergedPullRequestTarget(client(), { ...push(IDS.github.mergeCommitSha), eventName: 'workflow_dispatch' }, opts())).toBeUndefined();
  });
});

describe('pullRequestTarget', () => {
  const repo = { owner: 'contoso', repo: 'network' };

  it('pull_request and pull_request_target events target their PR', () => {
    for (const eventName of ['pull_request', 'pull_request_target']) {
      expect(pullRequestTarget({ eventName, sha: '', payload: { pull_request: { number: 7 } }, repo })).toEqual(PR);
    }
  });

  it('other events, or a payload without a PR number, have no target', () => {
    // The real context's `repo` getter throws without GITHUB_REPOSITORY: it must not be read here.
    const noRepo = (eventName: string, payload: { pull_request?: { number: number } }) => ({
      eventName,
      sha: '',
      payload,
      get repo(): { owner: string; repo: string } {
        throw new Error('GITHUB_REPOSITORY is not set');
      },
    });
    expect(pullRequestTarget(noRepo('push', {}))).toBeUndefined();
    expect(pullRequestTarget(noRepo('workflow_dispatch', { pull_request: { number: 7 } }))).toBeUndefined();
    expect(pullRequestTarget({ eventName: 'pull_request', sha: '', payload: {}, repo })).toBeUndefined();
    expect(pullRequestTarget({ eventName: 'pull_request', sha: '', payload: { pull_request: { number: '7' } }, repo })).toBeUndefined();
  });
});
