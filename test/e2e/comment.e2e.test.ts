// The sticky PR comment, end to end: the bundle against the emulator's GitHub API.
import { afterEach, describe, expect, it } from 'vitest';
import { pullRequestEvent, pushEvent } from '../support/run-action.ts';
import { CROSS_TENANT, harness, IDS, type Harness } from '../support/e2e.ts';

const REPO = IDS.github.repo;
const PR = IDS.github.pullRequest;

let h: Harness | undefined;
afterEach(async () => {
  await h?.emu.stop();
  h = undefined;
});

const ours = (h: Harness, pr = PR) => h.emu.comments(REPO, pr).filter((c) => c.body.includes('azure-vnet-peering:pair='));

describe('sticky PR comment', () => {
  it('creates one comment, updates it in place, and skips an unchanged report', async () => {
    h = await harness();
    h.emu.addComment(REPO, PR, 'LGTM', 'alice');

    const plan = await h.run({ mode: 'plan' });
    expect(plan.exitCode).toBe(0);
    expect(ours(h)).toHaveLength(1);
    const [first] = ours(h);
    expect(first?.body.split('\n')[0]).toMatch(/^### .*Plan/); // the verdict leads; the marker closes

    const apply = await h.run();
    expect(apply.exitCode).toBe(0);
    const after = ours(h);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(first?.id);
    expect(after[0]?.body).not.toBe(first?.body);
    expect(after[0]?.body).toMatch(/Connected/);

    // The next run's report differs (nothing to do); the one after repeats it and writes nothing.
    expect((await h.run()).exitCode).toBe(0);
    h.emu.clearRequests();
    const again = await h.run();
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/comment unchanged/);
    expect(h.emu.requests.filter((r) => r.service === 'github' && r.method !== 'GET' && r.path !== '/graphql')).toEqual([]);
    expect(ours(h)).toHaveLength(1);
    expect(h.emu.comments(REPO, PR)).toHaveLength(2); // alice's and ours
  });

  it('finds its comment behind more than a page of other comments', async () => {
    h = await harness();
    await h.run({ mode: 'plan' });
    for (let i = 0; i < 130; i++) h.emu.addComment(REPO, PR, `comment ${i}`, 'bob');
    const run = await h.run();
    expect(run.exitCode).toBe(0);
    expect(ours(h)).toHaveLength(1);
    expect(ours(h)[0]?.body).toMatch(/Connected/);
  });

  it('keeps one comment per VNet pair: two pairs on one PR get two comments', async () => {
    h = await harness();
    await h.run();
    await h.run({ 'vnet-b': IDS.vnets.app, 'tenant-id-b': IDS.tenants.a });
    // The first pair again, named the other way round and in other case: still its own comment.
    await h.run({ 'vnet-a': IDS.vnets.spoke.toUpperCase(), 'vnet-b': IDS.vnets.hub, 'tenant-id-a': IDS.tenants.b, 'tenant-id-b': IDS.tenants.a, mode: 'plan' });
    const comments = ours(h);
    expect(comments).toHaveLength(2);
    expect(comments.some((c) => c.body.includes('vnet-app'))).toBe(true);
  });

  it('keeps the peering result when the token may not comment, with a warning naming the permission', async () => {
    h = await harness();
    const run = await h.run({ 'github-token': IDS.github.readToken });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['state-a']).toBe('Connected');
    expect(run.warnings.join('\n')).toMatch(/pull-requests: write/);
    expect(ours(h)).toEqual([]);
  });

  it('does not comment outside pull requests, nor with comment: off', async () => {
    h = await harness();
    expect((await h.run({}, { event: pushEvent() })).exitCode).toBe(0);
    expect((await h.run({ comment: 'off' }, { event: pullRequestEvent(IDS.github.otherPullRequest) })).exitCode).toBe(0);
    expect(ours(h)).toEqual([]);
    expect(ours(h, IDS.github.otherPullRequest)).toEqual([]);
  });

  it('escapes outside text in the comment', async () => {
    h = await harness();
    h.emu.failNextOperation({ status: 'Failed', code: 'Weird', message: '<img src=x onerror=alert(1)> | `pwn`', method: 'PUT' });
    const run = await h.run({ ...CROSS_TENANT });
    expect(run.exitCode).toBe(1);
    const body = ours(h)[0]?.body ?? '';
    expect(body).toContain('Weird');
    expect(body).not.toContain('<img');
    expect(run.summary).not.toContain('<img');
  });
});
