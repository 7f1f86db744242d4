// GitHub REST and GraphQL: the repository, issue comments (pull request comments are issue
// comments), the pull requests a commit belongs to, who a token is (GET /user, `{ viewer { login } }`).
import { createHash, randomUUID } from 'node:crypto';
import type { Handler, Reply, RequestContext } from './server.ts';
import type { GithubSpec, GithubTokenKind, GithubTokenSpec, PullRequestSpec } from './world.ts';

export const MAX_COMMENT_LENGTH = 65536;
const DOCS = 'https://docs.github.com/rest';
const GRAPHQL_DOCS = 'https://docs.github.com/graphql';

export type UserType = 'Bot' | 'User';

interface StoredComment {
  id: number;
  issue: number;
  body: string;
  user: string;
  userType: UserType;
  createdAt: string;
  updatedAt: string;
}

interface StoredPull {
  number: number;
  state: 'open' | 'closed' | 'merged';
  headSha: string;
  mergeCommitSha: string | undefined;
  title: string;
  headRef: string;
  createdAt: string;
}

interface Repo {
  fullName: string;
  id: number;
  issues: Set<number>;
  pulls: Map<number, StoredPull>;
  comments: StoredComment[];
}

export interface CommentView {
  id: number;
  body: string;
  user: string;
}

/** GitHub's rule for who wrote something: `[bot]` logins are apps. */
export const userTypeOf = (login: string): UserType => (/\[bot\]$/.test(login) ? 'Bot' : 'User');

const userId = (login: string) => [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 90_000_000, 7) + 10_000_000;

/** Personal tokens by their prefix; everything else (GITHUB_TOKEN `ghs_`, app tokens) is an installation token. */
export function tokenKind(t: GithubTokenSpec): GithubTokenKind {
  return t.kind ?? (/^(ghp_|gho_|github_pat_)/.test(t.token) ? 'personal' : 'installation');
}

export function tokenLogin(t: GithubTokenSpec): string {
  return t.login ?? (tokenKind(t) === 'personal' ? 'octocat' : 'github-actions[bot]');
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class GithubStore {
  readonly #repos = new Map<string, Repo>();
  readonly #tokens: GithubTokenSpec[];
  #nextId = 2_000_000_001;
  readonly #now: () => number;

  constructor(spec: GithubSpec, now: () => number) {
    this.#tokens = spec.tokens;
    this.#now = now;
    spec.repos.forEach((r, i) => {
      const repo: Repo = {
        fullName: r.fullName,
        id: 800_000_000 + i,
        issues: new Set(r.issues ?? []),
        pulls: new Map(),
        comments: [],
      };
      this.#repos.set(r.fullName.toLowerCase(), repo);
      for (const n of r.pulls ?? []) this.addPull(r.fullName, { number: n, state: 'open' });
      for (const p of r.pullRequests ?? []) this.addPull(r.fullName, p);
      for (const c of r.comments ?? []) this.add(r.fullName, c.issue, c.body, c.user ?? 'octocat');
    });
  }

  repo(fullName: string): Repo | undefined {
    return this.#repos.get(fullName.toLowerCase());
  }

  #mustRepo(fullName: string): Repo {
    const repo = this.repo(fullName);
    if (!repo) throw new Error(`Unknown repository ${fullName}`);
    return repo;
  }

  token(value: string): GithubTokenSpec | undefined {
    return this.#tokens.find((t) => t.token === value);
  }

  /** A comment by `user` (a `[bot]` login is a Bot, as on GitHub). */
  add(fullName: string, issue: number, body: string, user: string): StoredComment {
    const repo = this.#mustRepo(fullName);
    const at = isoSeconds(this.#now());
    const c: StoredComment = { id: this.#nextId++, issue, body, user, userType: userTypeOf(user), createdAt: at, updatedAt: at };
    repo.comments.push(c);
    return c;
  }

  /** A pull request, open or merged; replaces one with the same number. */
  addPull(fullName: string, p: PullRequestSpec): void {
    const repo = this.#mustRepo(fullName);
    repo.pulls.set(p.number, {
      number: p.number,
      state: p.state ?? (p.mergeCommitSha ? 'merged' : 'open'),
      headSha: (p.headSha ?? createHash('sha1').update(`${repo.fullName}#${p.number}`).digest('hex')).toLowerCase(),
      mergeCommitSha: p.mergeCommitSha?.toLowerCase(),
      title: p.title ?? `Pull request ${p.number}`,
      headRef: p.headRef ?? `feature-${p.number}`,
      createdAt: isoSeconds(this.#now()),
    });
  }

  comments(fullName: string, issue: number): CommentView[] {
    return (this.repo(fullName)?.comments ?? [])
      .filter((c) => c.issue === issue)
      .map((c) => ({ id: c.id, body: c.body, user: c.user }));
  }

  touch(c: StoredComment, body: string): void {
    c.body = body;
    c.updatedAt = isoSeconds(this.#now());
  }
}

/** `{ viewer { login } }`, with or without `query` and an operation name, any whitespace. */
const VIEWER_LOGIN = /^\s*(?:query(?:\s+[A-Za-z_]\w*)?\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/;

export function githubHandler(store: GithubStore, origin: () => string): Handler {
  const error = (status: number, message: string, doc = DOCS, extra: Record<string, unknown> = {}): Reply => ({
    status,
    errorCode: message,
    body: { message, ...extra, documentation_url: doc, status: String(status) },
  });
  const notFound = () => error(404, 'Not Found', `${DOCS}/issues/comments`);

  const user = (login: string, type: UserType = userTypeOf(login)) => ({
    login,
    id: userId(login),
    node_id: Buffer.from(`04:User${userId(login)}`).toString('base64'),
    type,
    site_admin: false,
    html_url: `https://github.com/${login.replace(/\[bot\]$/, '')}`,
  });

  const render = (repo: Repo, c: StoredComment) => {
    const api = origin();
    const kind = repo.pulls.has(c.issue) ? 'pull' : 'issues';
    return {
      url: `${api}/repos/${repo.fullName}/issues/comments/${c.id}`,
      html_url: `https://github.com/${repo.fullName}/${kind}/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${api}/repos/${repo.fullName}/issues/${c.issue}`,
      id: c.id,
      node_id: `IC_${Buffer.from(String(c.id)).toString('base64url')}`,
      user: user(c.user, c.userType),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: c.userType === 'Bot' ? 'NONE' : 'MEMBER',
      body: c.body,
      performed_via_github_app: null,
    };
  };

  const renderPull = (repo: Repo, p: StoredPull) => {
    const api = origin();
    const [owner = ''] = repo.fullName.split('/');
    const closed = p.state !== 'open';
    return {
      url: `${api}/repos/${repo.fullName}/pulls/${p.number}`,
      id: 1_000_000_000 + p.number,
      node_id: `PR_${Buffer.from(`${repo.fullName}#${p.number}`).toString('base64url')}`,
      html_url: `https://github.com/${repo.fullName}/pull/${p.number}`,
      number: p.number,
      state: closed ? 'closed' : 'open',
      locked: false,
      title: p.title,
      user: user('octocat'),
      body: null,
      created_at: p.createdAt,
      updated_at: p.createdAt,
      closed_at: closed ? p.createdAt : null,
      merged_at: p.state === 'merged' ? p.createdAt : null,
      merge_commit_sha: p.mergeCommitSha ?? null,
      draft: false,
      head: { label: `${owner}:${p.headRef}`, ref: p.headRef, sha: p.headSha },
      base: { label: `${owner}:main`, ref: 'main', sha: p.mergeCommitSha ?? '0'.repeat(40) },
      author_association: 'MEMBER',
    };
  };

  const readBody = (ctx: RequestContext): { ok: true; body: string } | { ok: false; reply: Reply } => {
    let json: unknown;
    try {
      json = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      return { ok: false, reply: error(400, 'Problems parsing JSON') };
    }
    const body = typeof json === 'object' && json !== null && 'body' in json ? json.body : undefined;
    if (typeof body !== 'string')
      return { ok: false, reply: error(422, 'Invalid request.\n\n"body" wasn\'t supplied.', `${DOCS}/issues/comments`) };
    if (body.length > MAX_COMMENT_LENGTH) {
      return {
        ok: false,
        reply: error(422, 'Validation Failed', `${DOCS}/issues/comments`, {
          errors: [
            {
              resource: 'IssueComment',
              code: 'custom',
              field: 'body',
              message: `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`,
            },
          ],
        }),
      };
    }
    return { ok: true, body };
  };

  const forbidden = () => error(403, 'Resource not accessible by integration', `${DOCS}/issues/comments#create-an-issue-comment`);

  /** GraphQL: only `{ viewer { login } }`; anything else gets GitHub's error list (status 200). */
  const graphql = (ctx: RequestContext, login: string): Reply => {
    if (ctx.method !== 'POST') return error(404, 'Not Found', GRAPHQL_DOCS);
    let json: unknown;
    try {
      json = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      return error(400, 'Problems parsing JSON', GRAPHQL_DOCS);
    }
    const query = typeof json === 'object' && json !== null && 'query' in json ? json.query : undefined;
    if (typeof query !== 'string') {
      return { status: 200, body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] } };
    }
    if (VIEWER_LOGIN.test(query)) return { status: 200, body: { data: { viewer: { login } } } };
    const field = /\{\s*([A-Za-z_]\w*)/.exec(query)?.[1];
    return {
      status: 200,
      errorCode: 'undefinedField',
      body: {
        errors: [
          field && field !== 'viewer'
            ? {
                path: ['query', field],
                extensions: { code: 'undefinedField', typeName: 'Query', fieldName: field },
                locations: [{ line: 1, column: Math.max(1, query.indexOf(field) + 1) }],
                message: `Field '${field}' doesn't exist on type 'Query'`,
              }
            : { message: 'The emulator answers only { viewer { login } }.', extensions: { code: 'unsupportedQuery' } },
        ],
      },
    };
  };

  return (ctx): Reply => {
    const auth = ctx.headers['authorization'];
    const m = auth ? /^(?:token|bearer)\s+(\S+)$/i.exec(auth) : null;
    const path = ctx.path.replace(/\/+$/, '');
    if (!m?.[1]) {
      return path === '/graphql'
        ? error(401, 'This endpoint requires you to be authenticated.', `${GRAPHQL_DOCS}/guides/forming-calls-with-graphql#authenticating-with-graphql`)
        : error(401, 'Requires authentication');
    }
    const token = store.token(m[1]);
    if (!token) return error(401, 'Bad credentials');
    const actor = tokenLogin(token);

    if (path === '/graphql') return graphql(ctx, actor);
    if (path === '/user') {
      if (ctx.method !== 'GET') return notFound();
      // Installation tokens are not a user (spec §6).
      if (tokenKind(token) === 'installation')
        return error(403, 'Resource not accessible by integration', `${DOCS}/users/users#get-the-authenticated-user`);
      return { status: 200, body: { ...user(actor), name: actor, email: null } };
    }

    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    const repo = repoMatch ? store.repo(`${repoMatch[1]}/${repoMatch[2]}`) : undefined;
    if (!repoMatch || !repo) return notFound();
    const rest = repoMatch[3] ?? '';

    if (rest === '') {
      if (ctx.method !== 'GET') return notFound();
      const [owner = '', name = ''] = repo.fullName.split('/');
      return {
        status: 200,
        body: {
          id: repo.id,
          node_id: `R_${Buffer.from(String(repo.id)).toString('base64url')}`,
          name,
          full_name: repo.fullName,
          private: false,
          owner: user(owner, 'User'),
          html_url: `https://github.com/${repo.fullName}`,
          url: `${origin()}/repos/${repo.fullName}`,
          default_branch: 'main',
        },
      };
    }

    const commitPulls = /^\/commits\/([^/]+)\/pulls$/.exec(rest);
    if (commitPulls?.[1]) {
      if (ctx.method !== 'GET') return notFound();
      const sha = commitPulls[1].toLowerCase();
      if (!/^[0-9a-f]{7,40}$/.test(sha))
        return error(422, `No commit found for SHA: ${commitPulls[1]}`, `${DOCS}/commits/commits#list-pull-requests-associated-with-a-commit`);
      const matches = (full: string | undefined) => full !== undefined && full.startsWith(sha);
      const pulls = [...repo.pulls.values()].filter((p) => matches(p.headSha) || matches(p.mergeCommitSha));
      return { status: 200, body: pulls.map((p) => renderPull(repo, p)) };
    }

    const list = /^\/issues\/(\d+)\/comments$/.exec(rest);
    if (list?.[1]) {
      const issue = Number(list[1]);
      if (!repo.issues.has(issue) && !repo.pulls.has(issue)) return notFound();
      if (ctx.method === 'GET') {
        const perPage = Math.min(100, Math.max(1, Number.parseInt(ctx.query['per_page'] ?? '30', 10) || 30));
        const pageNo = Math.max(1, Number.parseInt(ctx.query['page'] ?? '1', 10) || 1);
        const all = repo.comments.filter((c) => c.issue === issue);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const items = all.slice((pageNo - 1) * perPage, pageNo * perPage).map((c) => render(repo, c));
        const link = (p: number) => `<${origin()}/repos/${repo.fullName}/issues/${issue}/comments?per_page=${perPage}&page=${p}>`;
        const rels: string[] = [];
        if (pageNo > 1) rels.push(`${link(Math.min(pageNo - 1, last))}; rel="prev"`);
        if (pageNo < last) rels.push(`${link(pageNo + 1)}; rel="next"`, `${link(last)}; rel="last"`);
        if (pageNo > 1) rels.push(`${link(1)}; rel="first"`);
        return { status: 200, headers: rels.length > 0 ? { Link: rels.join(', ') } : {}, body: items };
      }
      if (ctx.method === 'POST') {
        if (token.permission !== 'write') return forbidden();
        const parsed = readBody(ctx);
        if (!parsed.ok) return parsed.reply;
        const c = store.add(repo.fullName, issue, parsed.body, actor);
        return {
          status: 201,
          headers: { Location: `${origin()}/repos/${repo.fullName}/issues/comments/${c.id}` },
          body: render(repo, c),
        };
      }
      return notFound();
    }

    const one = /^\/issues\/comments\/(\d+)$/.exec(rest);
    if (one?.[1]) {
      const id = Number(one[1]);
      const c = repo.comments.find((x) => x.id === id);
      if (!c) return notFound();
      if (ctx.method === 'GET') return { status: 200, body: render(repo, c) };
      if (ctx.method === 'PATCH') {
        if (token.permission !== 'write') return forbidden();
        const parsed = readBody(ctx);
        if (!parsed.ok) return parsed.reply;
        store.touch(c, parsed.body);
        return { status: 200, body: render(repo, c) };
      }
      if (ctx.method === 'DELETE') {
        if (token.permission !== 'write') return forbidden();
        repo.comments.splice(repo.comments.indexOf(c), 1);
        return { status: 204 };
      }
    }
    return notFound();
  };
}

export function githubCommonHeaders(): Record<string, string> {
  return {
    'x-github-api-version-selected': '2022-11-28',
    'x-github-request-id': randomUUID().toUpperCase(),
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-resource': 'core',
  };
}
