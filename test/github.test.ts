// The sticky PR comment over real HTTPS against the emulator's GitHub REST API.
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pullRequestTarget, upsertStickyComment, type CommentTarget } from '../src/github.ts';
import { commentMarker, renderComment } from '../src/report/markdown.ts';
import { startEmulator, type Emulator } from './emulator/index.ts';
import {
  HUB,
  SPOKE,
  appliedCreate,
  makeReport,
  pairKeyOf,
  planCreate,
  vnetRef,
} from './fixtures/report/reports.ts';

const REPO = 'contoso/network';
const PR: CommentTarget = { owner: 'contoso', repo: 'network', issueNumber: 7 };
const run = (n: number): { runUrl: string } => ({ runUrl: `https://github.com/${REPO}/actions/runs/${n}` });

let emu: Emulator;
let sleeps: number[];
/** Records the waits instead of waiting, so retries take no time. */
const opts = () => ({ sleep: async (ms: number) => void sleeps.push(ms) });
const client = (token = 'ghs_write') => getOctokit(token, { baseUrl: emu.endpoints.githubApi });

/** Comments on the PR that carry the marker of this pair. */
const stickies = (pairKey: string, issue = PR.issueNumber) =>
  emu.comments(REPO, issue).filter((c) => c.body.trimEnd().split('\n').includes(commentMarker(pairKey)));
const writes = () => emu.requests.filter((r) => r.service === 'github' && (r.method === 'POST' || r.method === 'PATCH'));

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
    const report = planCreate();
    const body = renderComment(report, run(1));
    const res = await upsertStickyComment(client(), PR, report.pairKey, body, opts());
    expect(res.outcome).toBe('created');
    expect(res.url).toBe(`https://github.com/${REPO}/pull/7#issuecomment-${res.id}`);
    expect(emu.comments(REPO, 7)).toEqual([{ id: res.id, body, user: 'github-actions[bot]' }]);
  });

  it('a later run updates that comment in place: plan, then apply', async () => {
    const plan = planCreate();
    const first = await upsertStickyComment(client(), PR, plan.pairKey, renderComment(plan, run(1)), opts());
    const applied = renderComment(appliedCreate(), run(2));
    const second = await upsertStickyComment(client(), PR, plan.pairKey, applied, opts());
    expect(second).toMatchObject({ outcome: 'updated', id: first.id });
    expect(emu.comments(REPO, 7)).toEqual([{ id: first.id, body: applied, user: 'github-actions[bot]' }]);
  });

  it('an unchanged report (only the run link differs) writes nothing', async () => {
    const report = appliedCreate();
    const firstBody = renderComment(report, run(1));
    const first = await upsertStickyComment(client(), PR, report.pairKey, firstBody, opts());
    emu.clearRequests();
    const again = await upsertStickyComment(client(), PR, report.pairKey, renderComment(report, run(2)), opts());
    expect(again).toEqual({ outcome: 'unchanged', id: first.id, url: first.url });
    // The stored body still links run 1: no write happened.
    expect(emu.comments(REPO, 7).map((c) => c.body)).toEqual([firstBody]);
    expect(writes()).toEqual([]);
  });

  it('finds its comment behind more than one page of other comments', async () => {
    for (let i = 0; i < 150; i++) emu.addComment(REPO, 7, `LGTM ${i}`, i % 2 ? 'alice' : 'bob');
    const plan = planCreate();
    const first = await upsertStickyComment(client(), PR, plan.pairKey, renderComment(plan, run(1)), opts());
    expect(first.outcome).toBe('created');
    for (let i = 0; i < 120; i++) emu.addComment(REPO, 7, `more ${i}`);

    // Ours is comment 151 of 271: on page 2 of 3.
    const second = await upsertStickyComment(client(), PR, plan.pairKey, renderComment(appliedCreate(), run(2)), opts());
    expect(second).toMatchObject({ outcome: 'updated', id: first.id });
    expect(stickies(plan.pairKey)).toHaveLength(1);
    expect(emu.comments(REPO, 7)).toHaveLength(271);
  });

  it('two VNet pairs on one PR get two comments, each updated on its own', async () => {
    const other = vnetRef('cccccccc-0000-0000-0000-000000000003', 'rg-edge', 'edge-vnet');
    const pair1 = appliedCreate();
    const pair2 = makeReport({ vnets: [HUB, other], report: { mode: 'plan', verdict: 'pending', changed: true } });
    expect(pair2.pairKey).not.toBe(pair1.pairKey);

    const c1 = await upsertStickyComment(client(), PR, pair1.pairKey, renderComment(pair1, run(1)), opts());
    const c2 = await upsertStickyComment(client(), PR, pair2.pairKey, renderComment(pair2, run(1)), opts());
    expect([c1.outcome, c2.outcome]).toEqual(['created', 'created']);
    expect(c2.id).not.toBe(c1.id);

    const pair2Applied = makeReport({ vnets: [HUB, other], report: { verdict: 'repaired', changed: true } });
    const u2 = await upsertStickyComment(client(), PR, pair2.pairKey, renderComment(pair2Applied, run(2)), opts());
    const u1 = await upsertStickyComment(client(), PR, pair1.pairKey, renderComment(pair1, run(2)), opts());
    expect(u2).toMatchObject({ outcome: 'updated', id: c2.id });
    expect(u1).toMatchObject({ outcome: 'unchanged', id: c1.id });
    expect(emu.comments(REPO, 7)).toHaveLength(2);
    expect(stickies(pair1.pairKey)).toHaveLength(1);
    expect(stickies(pair2.pairKey)).toHaveLength(1);
  });

  it('the same pair named in the other order is the same comment', async () => {
    const ab = appliedCreate();
    const reversed = pairKeyOf({ ...SPOKE, id: SPOKE.id.toUpperCase() }, HUB);
    const first = await upsertStickyComment(client(), PR, ab.pairKey, renderComment(ab, run(1)), opts());
    const second = await upsertStickyComment(client(), PR, reversed, renderComment(planCreate(), run(2)), opts());
    expect(second).toMatchObject({ outcome: 'updated', id: first.id });
    expect(emu.comments(REPO, 7)).toHaveLength(1);
  });

  it('one comment per PR: the same pair on another PR gets its own', async () => {
    const report = appliedCreate();
    const on7 = await upsertStickyComment(client(), PR, report.pairKey, renderComment(report, run(1)), opts());
    const on8 = await upsertStickyComment(client(), { ...PR, issueNumber: 8 }, report.pairKey, renderComment(report, run(1)), opts());
    expect(on8.outcome).toBe('created');
    expect(on8.id).not.toBe(on7.id);
    expect(emu.comments(REPO, 8)).toHaveLength(1);
  });

  it("leaves a person's comment that merely quotes the marker alone", async () => {
    const report = appliedCreate();
    const quoted = `Why does the bot write ${commentMarker(report.pairKey)} here?`;
    emu.addComment(REPO, 7, quoted, 'alice');
    const res = await upsertStickyComment(client(), PR, report.pairKey, renderComment(report, run(1)), opts());
    expect(res.outcome).toBe('created');
    expect(emu.comments(REPO, 7)[0]).toMatchObject({ body: quoted, user: 'alice' });
  });

  it('adds the marker when the body lacks it, so the next run finds the comment', async () => {
    const report = appliedCreate();
    const first = await upsertStickyComment(client(), PR, report.pairKey, 'hello', opts());
    const second = await upsertStickyComment(client(), PR, report.pairKey, 'hello again', opts());
    expect(second).toMatchObject({ outcome: 'updated', id: first.id });
    expect(emu.comments(REPO, 7).map((c) => c.body)).toEqual([`hello again\n${commentMarker(report.pairKey)}\n`]);
  });
});

describe('GitHub refusing', () => {
  const report = appliedCreate();
  const body = () => renderComment(report, run(1));

  it('a read-only token (no pull-requests: write, or a fork) gets the permission to grant, without retrying', async () => {
    const attempt = upsertStickyComment(client('ghs_read'), PR, report.pairKey, body(), opts());
    await expect(attempt).rejects.toThrow(/could not be written.*Resource not accessible by integration/);
    await expect(attempt).rejects.toThrow('`permissions: pull-requests: write`');
    await expect(attempt).rejects.toThrow(/forks get a read-only token/);
    expect(emu.comments(REPO, 7)).toEqual([]);
    expect(sleeps).toEqual([]);
  });

  it('a pull request that does not exist gets a clear 404 message', async () => {
    const attempt = upsertStickyComment(client(), { ...PR, issueNumber: 999 }, report.pairKey, body(), opts());
    await expect(attempt).rejects.toThrow(/could not be written: GitHub answered 404.*contoso\/network#999.*pull request exists/);
  });

  it('a body over the limit gets a clear 422 message', async () => {
    const attempt = upsertStickyComment(client(), PR, report.pairKey, 'x'.repeat(70_000), opts());
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
    const res = await upsertStickyComment(client(), PR, report.pairKey, body(), opts());
    expect(res.outcome).toBe('created');
    expect(sleeps).toEqual([3000]);
    expect(emu.comments(REPO, 7)).toHaveLength(1);
  });

  it('429s while listing are retried with their retry-after', async () => {
    emu.inject({ service: 'github', method: 'GET', path: '/issues/7/comments', status: 429, retryAfter: 2, times: 2 });
    const res = await upsertStickyComment(client(), PR, report.pairKey, body(), opts());
    expect(res.outcome).toBe('created');
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('an exhausted primary rate limit waits until its reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 5;
    emu.inject({
      service: 'github',
      method: 'GET',
      status: 403,
      message: 'API rate limit exceeded for installation.',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
    });
    const res = await upsertStickyComment(client(), PR, report.pairKey, body(), opts());
    expect(res.outcome).toBe('created');
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(3000);
    expect(sleeps[0]).toBeLessThanOrEqual(7000);
  });

  it('gives up after the retry bound with a message that says so', async () => {
    emu.inject({ service: 'github', method: 'GET', status: 429, retryAfter: 1, times: 10 });
    const attempt = upsertStickyComment(client(), PR, report.pairKey, body(), { ...opts(), maxRetries: 2 });
    await expect(attempt).rejects.toThrow(/could not be written.*still failing after 3 tries \(secondary rate limit/);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('does not wait out a rate limit longer than its cap', async () => {
    emu.inject({ service: 'github', method: 'GET', status: 403, message: 'secondary rate limit', retryAfter: 3600 });
    const attempt = upsertStickyComment(client(), PR, report.pairKey, body(), opts());
    await expect(attempt).rejects.toThrow(/asks to wait 3600 s .*longer than this step waits \(60 s\)/);
    expect(sleeps).toEqual([]);
  });

  it('a comment gone between listing and updating is looked for again, then written', async () => {
    const report = planCreate();
    const first = await upsertStickyComment(client(), PR, report.pairKey, renderComment(report, run(1)), opts());
    emu.inject({ service: 'github', method: 'PATCH', status: 404, message: 'Not Found' });
    const res = await upsertStickyComment(client(), PR, report.pairKey, renderComment(appliedCreate(), run(2)), opts());
    expect(res).toMatchObject({ outcome: 'updated', id: first.id });
    expect(emu.comments(REPO, 7)).toHaveLength(1);
  });

  it('transient 5xx answers are retried with backoff; a failed create never leaves two comments', async () => {
    emu.inject({ service: 'github', method: 'GET', status: 502, times: 1 });
    emu.inject({ service: 'github', method: 'POST', status: 500, times: 2 });
    const res = await upsertStickyComment(client(), PR, report.pairKey, body(), opts());
    expect(res.outcome).toBe('created');
    expect(emu.comments(REPO, 7)).toHaveLength(1);
    expect(sleeps).toEqual([1000, 1000, 2000]);
  });
});

describe('pullRequestTarget', () => {
  const repo = { owner: 'contoso', repo: 'network' };

  it('pull_request and pull_request_target events target their PR', () => {
    for (const eventName of ['pull_request', 'pull_request_target']) {
      expect(pullRequestTarget({ eventName, payload: { pull_request: { number: 7 } }, repo })).toEqual(PR);
    }
  });

  it('other events, or a payload without a PR number, have no target', () => {
    // The real context's `repo` getter throws without GITHUB_REPOSITORY: it must not be read here.
    const noRepo = (eventName: string, payload: { pull_request?: { number: number } }) => ({
      eventName,
      payload,
      get repo(): { owner: string; repo: string } {
        throw new Error('GITHUB_REPOSITORY is not set');
      },
    });
    expect(pullRequestTarget(noRepo('push', {}))).toBeUndefined();
    expect(pullRequestTarget(noRepo('workflow_dispatch', { pull_request: { number: 7 } }))).toBeUndefined();
    expect(pullRequestTarget({ eventName: 'pull_request', payload: {}, repo })).toBeUndefined();
    expect(pullRequestTarget({ eventName: 'pull_request', payload: { pull_request: { number: '7' } }, repo })).toBeUndefined();
  });
});
