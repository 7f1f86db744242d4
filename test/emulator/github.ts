// GitHub REST: the repository, and issue comments (pull request comments are issue comments).
import { randomUUID } from 'node:crypto';
import type { Handler, Reply, RequestContext } from './server.ts';
import type { GithubSpec, GithubTokenSpec } from './world.ts';

export const MAX_COMMENT_LENGTH = 65536;
const DOCS = 'https://docs.github.com/rest';

interface StoredComment {
  id: number;
  issue: number;
  body: string;
  user: string;
  userType: 'Bot' | 'User';
  createdAt: string;
  updatedAt: string;
}

interface Repo {
  fullName: string;
  id: number;
  issues: Set<number>;
  pulls: Set<number>;
  comments: StoredComment[];
}

export interface CommentView {
  id: number;
  body: string;
  user: string;
}

const userId = (login: string) => [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 90_000_000, 7) + 10_000_000;

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
        pulls: new Set(r.pulls ?? []),
        comments: [],
      };
      this.#repos.set(r.fullName.toLowerCase(), repo);
      for (const c of r.comments ?? []) this.add(r.fullName, c.issue, c.body, c.user ?? 'octocat', 'User');
    });
  }

  repo(fullName: string): Repo | undefined {
    return this.#repos.get(fullName.toLowerCase());
  }

  token(value: string): GithubTokenSpec | undefined {
    return this.#tokens.find((t) => t.token === value);
  }

  add(fullName: string, issue: number, body: string, user: string, userType: 'Bot' | 'User'): StoredComment {
    const repo = this.repo(fullName);
    if (!repo) throw new Error(`Unknown repository ${fullName}`);
    const at = new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const c: StoredComment = { id: this.#nextId++, issue, body, user, userType, createdAt: at, updatedAt: at };
    repo.comments.push(c);
    return c;
  }

  comments(fullName: string, issue: number): CommentView[] {
    return (this.repo(fullName)?.comments ?? [])
      .filter((c) => c.issue === issue)
      .map((c) => ({ id: c.id, body: c.body, user: c.user }));
  }

  touch(c: StoredComment, body: string): void {
    c.body = body;
    c.updatedAt = new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

export function githubHandler(store: GithubStore, origin: () => string): Handler {
  const error = (status: number, message: string, doc = DOCS, extra: Record<string, unknown> = {}): Reply => ({
    status,
    errorCode: message,
    body: { message, ...extra, documentation_url: doc, status: String(status) },
  });
  const notFound = () => error(404, 'Not Found', `${DOCS}/issues/comments`);

  const user = (login: string, type: 'Bot' | 'User') => ({
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

  return (ctx): Reply => {
    const auth = ctx.headers['authorization'];
    const m = auth ? /^(?:token|bearer)\s+(\S+)$/i.exec(auth) : null;
    if (!m?.[1]) return error(401, 'Requires authentication');
    const token = store.token(m[1]);
    if (!token) return error(401, 'Bad credentials');
    const actor = token.login ?? 'github-actions[bot]';
    const path = ctx.path.replace(/\/+$/, '');

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
        const c = store.add(repo.fullName, issue, parsed.body, actor, 'Bot');
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
