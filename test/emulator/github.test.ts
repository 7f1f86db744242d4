// GitHub REST issue comments over raw HTTPS: pagination with Link headers, create, update, limits
// and permission answers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { path } from './clients.ts';
import { defaultWorld, IDS, startEmulator } from './index.ts';
import type { Emulator } from './index.ts';

let emu: Emulator;
beforeAll(async () => {
  const world = defaultWorld();
  world.github.repos.push({ fullName: 'contoso/other', issues: [1], comments: [{ issue: 1, body: 'seeded', user: 'alice' }] });
  emu = await startEmulator({ world });
  emu.trust();
});
afterAll(async () => {
  await emu.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function gh(method: string, p: string, token: string | null = IDS.github.writeToken, body?: unknown): Promise<Answer> {
  const res = await fetch(`${emu.endpoints.githubApi}${p}`, {
    method,
    headers: {
      Accept: 'application/vnd.github+json',
      ...(token ? { Authorization: `token ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const comments = `/repos/${IDS.github.repo}/issues/${IDS.github.otherPullRequest}/comments`;

describe('issue comments', () => {
  beforeEach(async () => {
    for (const c of emu.comments(IDS.github.repo, IDS.github.otherPullRequest)) {
      await gh('DELETE', `/repos/${IDS.github.repo}/issues/comments/${c.id}`);
    }
  });

  it('creates a comment: 201 with the GitHub comment shape', async () => {
    const r = await gh('POST', comments, IDS.github.writeToken, { body: 'report' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: expect.any(Number),
      node_id: expect.stringMatching(/^IC_/),
      body: 'report',
      user: { login: 'github-actions[bot]', type: 'Bot' },
      html_url: expect.stringMatching(
        new RegExp(`^https://github.com/${IDS.github.repo}/pull/${IDS.github.otherPullRequest}#issuecomment-\\d+$`),
      ),
      issue_url: `${emu.endpoints.githubApi}/repos/${IDS.github.repo}/issues/${IDS.github.otherPullRequest}`,
      created_at: expect.stringMatching(/Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
  });

  it('lists 30 a page by default, up to 100, with Link rel="next" and rel="last" like GitHub', async () => {
    for (let i = 0; i < 105; i++) emu.addComment(IDS.github.repo, IDS.github.otherPullRequest, `c${i}`);
    const first = await gh('GET', comments);
    expect(Array.isArray(first.body) ? first.body.length : -1).toBe(30);
    expect(first.headers.get('link')).toBe(
      `<${emu.endpoints.githubApi}${comments}?per_page=30&page=2>; rel="next", <${emu.endpoints.githubApi}${comments}?per_page=30&page=4>; rel="last"`,
    );
    const big = await gh('GET', `${comments}?per_page=500&page=2`);
    expect(Array.isArray(big.body) ? big.body.length : -1).toBe(5);
    expect(path(big.body, '0.body')).toBe('c100');
    expect(big.headers.get('link')).toContain('rel="prev"');
    expect(big.headers.get('link')).toContain('rel="first"');
    expect(big.headers.get('link')).not.toContain('rel="next"');
    const beyond = await gh('GET', `${comments}?per_page=100&page=9`);
    expect(beyond.body).toEqual([]);
  });

  it('updates a comment: 200, and reads it back', async () => {
    const created = await gh('POST', comments, IDS.github.writeToken, { body: 'v1' });
    const id = Number(path(created.body, 'id'));
    const updated = await gh('PATCH', `/repos/${IDS.github.repo}/issues/comments/${id}`, IDS.github.writeToken, { body: 'v2' });
    expect(updated.status).toBe(200);
    expect(path(updated.body, 'body')).toBe('v2');
    expect(path((await gh('GET', `/repos/${IDS.github.repo}/issues/comments/${id}`)).body, 'body')).toBe('v2');
    expect(emu.comments(IDS.github.repo, IDS.github.otherPullRequest)).toEqual([{ id, body: 'v2', user: 'github-actions[bot]' }]);
  });

  it('bodies over 65,536 characters: 422', async () => {
    const r = await gh('POST', comments, IDS.github.writeToken, { body: 'x'.repeat(65537) });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ message: 'Validation Failed', errors: [{ field: 'body', code: 'custom' }] });
    expect((await gh('POST', comments, IDS.github.writeToken, { body: 'x'.repeat(65536) })).status).toBe(201);
    expect((await gh('POST', comments, IDS.github.writeToken, { nobody: 1 })).status).toBe(422);
    expect((await gh('POST', comments, IDS.github.writeToken, '{oops')).status).toBe(400);
  });

  it('the read-only token: 403 Resource not accessible by integration on POST and PATCH, reads fine', async () => {
    const created = await gh('POST', comments, IDS.github.writeToken, { body: 'v1' });
    const post = await gh('POST', comments, IDS.github.readToken, { body: 'x' });
    expect(post.status).toBe(403);
    expect(path(post.body, 'message')).toBe('Resource not accessible by integration');
    const patch = await gh(
      'PATCH',
      `/repos/${IDS.github.repo}/issues/comments/${String(path(created.body, 'id'))}`,
      IDS.github.readToken,
      { body: 'x' },
    );
    expect(patch.status).toBe(403);
    expect((await gh('GET', comments, IDS.github.readToken)).status).toBe(200);
  });

  it('unknown or missing tokens: 401; unknown repos, issues and comments: 404', async () => {
    expect(await gh('GET', comments, 'ghs_other')).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
    expect((await gh('GET', comments, null)).status).toBe(401);
    expect((await gh('GET', `/repos/contoso/nope/issues/1/comments`)).status).toBe(404);
    expect((await gh('GET', `/repos/${IDS.github.repo}/issues/999/comments`)).status).toBe(404);
    expect((await gh('PATCH', `/repos/${IDS.github.repo}/issues/comments/1`, IDS.github.writeToken, { body: 'x' })).status).toBe(
      404,
    );
  });

  it('seeded comments and the repository', async () => {
    expect(emu.comments('contoso/other', 1)).toMatchObject([{ body: 'seeded', user: 'alice' }]);
    const repo = await gh('GET', `/repos/${IDS.github.repo}`);
    expect(repo.body).toMatchObject({ full_name: IDS.github.repo, default_branch: 'main', private: false });
  });
});

describe('who a token is', () => {
  const graphql = (token: string | null, query: unknown) => gh('POST', '/graphql', token, { query });

  it('{ viewer { login } } names the installation bot or the user', async () => {
    expect((await graphql(IDS.github.writeToken, '{ viewer { login } }')).body).toEqual({ data: { viewer: { login: 'github-actions[bot]' } } });
    expect((await graphql(IDS.github.userToken, 'query { viewer { login } }')).body).toEqual({ data: { viewer: { login: IDS.github.userLogin } } });
    expect((await graphql(IDS.github.readToken, 'query Me {\n  viewer {\n    login\n  }\n}')).body).toEqual({
      data: { viewer: { login: 'github-actions[bot]' } },
    });
  });

  it('other queries get GitHub-shaped errors; no token: 401', async () => {
    const unknown = await graphql(IDS.github.writeToken, '{ repository(owner: "a", name: "b") { id } }');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ errors: [{ message: "Field 'repository' doesn't exist on type 'Query'", extensions: { code: 'undefinedField' } }] });
    expect(path((await graphql(IDS.github.writeToken, 42)).body, 'errors.0.message')).toContain('A query attribute must be specified');
    expect((await graphql(null, '{ viewer { login } }')).status).toBe(401);
  });

  it('GET /user: the personal token\'s user; an installation token gets 403', async () => {
    expect(await gh('GET', '/user', IDS.github.userToken)).toMatchObject({ status: 200, body: { login: IDS.github.userLogin, type: 'User' } });
    expect(await gh('GET', '/user', IDS.github.writeToken)).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
  });

  it('comments carry the author type: Bot for [bot] logins, User otherwise, whoever posts them', async () => {
    const byUser = await gh('POST', comments, IDS.github.userToken, { body: 'by a person' });
    expect(path(byUser.body, 'user')).toMatchObject({ login: IDS.github.userLogin, type: 'User' });
    emu.addComment(IDS.github.repo, IDS.github.otherPullRequest, 'a concurrent run', 'github-actions[bot]');
    emu.addComment(IDS.github.repo, IDS.github.otherPullRequest, 'LGTM', 'alice');
    const list = await gh('GET', comments);
    const users = Array.isArray(list.body) ? list.body.map((c: unknown) => [path(c, 'user.login'), path(c, 'user.type')]) : [];
    expect(users.slice(-3)).toEqual([
      [IDS.github.userLogin, 'User'],
      ['github-actions[bot]', 'Bot'],
      ['alice', 'User'],
    ]);
  });
});

describe('the pull requests a commit belongs to', () => {
  it('a merge commit lists its merged pull request; an unknown commit none; not a SHA: 422', async () => {
    const merged = await gh('GET', `/repos/${IDS.github.repo}/commits/${IDS.github.mergeCommitSha}/pulls`);
    expect(merged.status).toBe(200);
    expect(merged.body).toEqual([
      expect.objectContaining({
        number: IDS.github.mergedPullRequest,
        state: 'closed',
        merged_at: expect.stringMatching(/Z$/),
        merge_commit_sha: IDS.github.mergeCommitSha,
        base: expect.objectContaining({ ref: 'main' }),
      }),
    ]);
    expect((await gh('GET', `/repos/${IDS.github.repo}/commits/${'a'.repeat(40)}/pulls`)).body).toEqual([]);
    expect((await gh('GET', `/repos/${IDS.github.repo}/commits/not-a-sha/pulls`)).status).toBe(422);
  });

  it('addPullRequest at run time: its head commit and its merge commit find it', async () => {
    emu.addPullRequest(IDS.github.repo, { number: 12, headSha: 'b'.repeat(40) });
    emu.addPullRequest(IDS.github.repo, { number: 13, mergeCommitSha: 'c'.repeat(40), title: 'Tear down' });
    expect(path((await gh('GET', `/repos/${IDS.github.repo}/commits/${'b'.repeat(40)}/pulls`)).body, '0')).toMatchObject({ number: 12, state: 'open', merged_at: null });
    expect(path((await gh('GET', `/repos/${IDS.github.repo}/commits/cccccccc/pulls`)).body, '0')).toMatchObject({ number: 13, title: 'Tear down' });
    // The new pull requests take comments.
    expect((await gh('POST', `/repos/${IDS.github.repo}/issues/12/comments`, IDS.github.writeToken, { body: 'hi' })).status).toBe(201);
  });
});
