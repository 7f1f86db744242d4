// Follows the README's set-up commands literally: a small interpreter for the shell they are written
// in (assignments, "$VAR", "$(command)", one-line functions, comments, continuations) and a model of
// the `az` commands they use, which records the apps, credentials, service principals and role
// assignments they would create, refusing what Azure would refuse. Anything else it meets throws, so
// a README change this cannot follow fails the test instead of being skipped.

type Part = { kind: 'lit'; text: string } | { kind: 'var'; name: string } | { kind: 'sub'; script: Command[] };
interface Word {
  parts: Part[];
}
interface Command {
  words: Word[];
  line: number;
}

class Parser {
  private i = 0;
  private readonly src: string;

  constructor(src: string) {
    this.src = src;
  }

  private line(): number {
    return this.src.slice(0, this.i).split('\n').length;
  }

  /** Commands up to the end, or up to the `)` that closes a `$(`. */
  script(inSubstitution = false): Command[] {
    const commands: Command[] = [];
    let words: Word[] = [];
    let line = this.line();
    const end = (): void => {
      if (words.length > 0) commands.push({ words, line });
      words = [];
    };
    while (this.i < this.src.length) {
      const c = this.src[this.i];
      if (c === ' ' || c === '\t') this.i++;
      else if (c === '\\' && this.src[this.i + 1] === '\n') this.i += 2;
      else if (c === '\n' || c === ';') {
        end();
        this.i++;
        line = this.line();
      } else if (c === '#') {
        while (this.i < this.src.length && this.src[this.i] !== '\n') this.i++;
      } else if (c === ')' && inSubstitution) {
        this.i++;
        end();
        return commands;
      } else {
        if (words.length === 0) line = this.line();
        words.push(this.word(inSubstitution));
      }
    }
    if (inSubstitution) throw new Error(`unclosed $( at line ${line}`);
    end();
    return commands;
  }

  private word(inSubstitution: boolean): Word {
    const parts: Part[] = [];
    const lit = (text: string): void => {
      const last = parts[parts.length - 1];
      if (last?.kind === 'lit') last.text += text;
      else parts.push({ kind: 'lit', text });
    };
    while (this.i < this.src.length) {
      const c = this.src[this.i] ?? '';
      if (' \t\n;'.includes(c) || (c === ')' && inSubstitution)) break;
      if (c === "'") {
        const close = this.src.indexOf("'", this.i + 1);
        if (close < 0) throw new Error(`unclosed ' at line ${this.line()}`);
        lit(this.src.slice(this.i + 1, close));
        this.i = close + 1;
      } else if (c === '"') {
        this.i++;
        while (this.src[this.i] !== '"') {
          if (this.i >= this.src.length) throw new Error('unclosed "');
          const d = this.src[this.i] ?? '';
          if (d === '\\' && '$`"\\\n'.includes(this.src[this.i + 1] ?? '')) {
            if (this.src[this.i + 1] !== '\n') lit(this.src[this.i + 1] ?? '');
            this.i += 2;
          } else if (d === '$') this.dollar(parts, lit);
          else {
            lit(d);
            this.i++;
          }
        }
        this.i++;
      } else if (c === '\\') {
        if (this.src[this.i + 1] !== '\n') lit(this.src[this.i + 1] ?? '');
        this.i += 2;
      } else if (c === '$') this.dollar(parts, lit);
      else {
        lit(c);
        this.i++;
      }
    }
    return { parts };
  }

  /** `$(...)`, `${NAME}`, `$NAME` or `$1`..`$9`; any other `$` is itself. */
  private dollar(parts: Part[], lit: (text: string) => void): void {
    const rest = this.src.slice(this.i + 1);
    if (rest.startsWith('(')) {
      this.i += 2;
      parts.push({ kind: 'sub', script: this.script(true) });
      return;
    }
    const m = /^\{([A-Za-z_]\w*)\}/.exec(rest) ?? /^([A-Za-z_]\w*|[1-9])/.exec(rest);
    if (!m?.[1]) {
      this.i++;
      lit('$');
      return;
    }
    this.i += 1 + m[0].length;
    parts.push({ kind: 'var', name: m[1] });
  }
}

export interface SetupApp {
  appId: string;
  displayName: string;
  multiTenant: boolean;
  homeTenant: string;
  credentials: { name: string; issuer: string; subject: string; audiences: string[] }[];
  /** tenant -> object ID of the app's service principal there */
  servicePrincipals: Map<string, string>;
}

export interface Setup {
  vars: Map<string, string>;
  /** Tenants signed in to, in order. */
  tenants: string[];
  /** VNets looked up: ID, the subscription and the tenant it was found in. */
  vnets: { id: string; subscription: string; tenant: string }[];
  apps: SetupApp[];
  roleAssignments: { tenant: string; appId: string; role: string; scope: string }[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHORT: Record<string, string> = { '-g': '--resource-group', '-n': '--name', '-o': '--output' };

class Az {
  tenant: string | undefined;
  readonly setup: Setup;

  constructor(setup: Setup) {
    this.setup = setup;
  }

  run(args: string[]): string {
    const verbs: string[] = [];
    const opts = new Map<string, string>();
    for (let k = 0; k < args.length; k++) {
      const a = args[k] ?? '';
      if (a.startsWith('-')) {
        const name = SHORT[a] ?? a;
        const value = args[k + 1];
        if (value === undefined || value.startsWith('--')) throw new Error(`az ${verbs.join(' ')}: ${a} without a value`);
        opts.set(name, value);
        k++;
      } else if (opts.size === 0) verbs.push(a);
      else throw new Error(`az ${verbs.join(' ')}: unexpected argument ${a}`);
    }
    const need = (name: string): string => {
      const v = opts.get(name);
      if (!v) throw new Error(`az ${verbs.join(' ')} needs ${name}`);
      return v;
    };
    const tenant = (): string => {
      if (!this.tenant) throw new Error(`az ${verbs.join(' ')} before az login`);
      return this.tenant;
    };
    const app = (id: string): SetupApp => {
      const found = this.setup.apps.find((x) => x.appId === id);
      if (!found) throw new Error(`az ${verbs.join(' ')}: no app ${id}`);
      return found;
    };
    const query = (q: string): void => {
      if (opts.get('--query') !== q || opts.get('--output') !== 'tsv') throw new Error(`az ${verbs.join(' ')}: expected --query ${q} -o tsv`);
    };

    switch (verbs.join(' ')) {
      case 'login': {
        const t = need('--tenant');
        if (!GUID.test(t)) throw new Error(`az login --tenant ${t}: not a tenant ID`);
        this.tenant = t.toLowerCase();
        if (!this.setup.tenants.includes(this.tenant)) this.setup.tenants.push(this.tenant);
        return '';
      }
      case 'network vnet show': {
        query('id');
        const sub = need('--subscription').toLowerCase();
        if (!GUID.test(sub)) throw new Error(`--subscription ${sub}: not a subscription ID`);
        const other = this.setup.vnets.find((v) => v.subscription === sub && v.tenant !== tenant());
        if (other) throw new Error(`subscription ${sub} belongs to tenant ${other.tenant}, not ${tenant()}`);
        const id = `/subscriptions/${sub}/resourceGroups/${need('--resource-group')}/providers/Microsoft.Network/virtualNetworks/${need('--name')}`;
        this.setup.vnets.push({ id, subscription: sub, tenant: tenant() });
        return id;
      }
      case 'ad app create': {
        query('appId');
        const audience = opts.get('--sign-in-audience') ?? 'AzureADMyOrg';
        const created: SetupApp = {
          appId: `app:${need('--display-name')}`,
          displayName: need('--display-name'),
          multiTenant: audience === 'AzureADMultipleOrgs',
          homeTenant: tenant(),
          credentials: [],
          servicePrincipals: new Map(),
        };
        if (this.setup.apps.some((x) => x.displayName === created.displayName)) throw new Error(`two apps named ${created.displayName}`);
        this.setup.apps.push(created);
        return created.appId;
      }
      case 'ad sp create': {
        query('id');
        const a = app(need('--id'));
        // Another tenant can only consent to a multi-tenant app (else AADSTS700016 at sign-in).
        if (a.homeTenant !== tenant() && !a.multiTenant) throw new Error(`${a.displayName} is single-tenant: no service principal in ${tenant()}`);
        if (a.servicePrincipals.has(tenant())) throw new Error(`${a.displayName} already has a service principal in ${tenant()}`);
        const objectId = `sp:${a.displayName}@${tenant()}`;
        a.servicePrincipals.set(tenant(), objectId);
        return objectId;
      }
      case 'ad app federated-credential create': {
        const a = app(need('--id'));
        if (a.homeTenant !== tenant()) throw new Error(`${a.displayName}'s registration lives in ${a.homeTenant}, not ${tenant()}`);
        const p: unknown = JSON.parse(need('--parameters'));
        const field = (k: string): unknown => (typeof p === 'object' && p !== null ? Reflect.get(p, k) : undefined);
        const audiences = field('audiences');
        const [name, issuer, subject] = [field('name'), field('issuer'), field('subject')];
        if (typeof name !== 'string' || typeof issuer !== 'string' || typeof subject !== 'string' || !Array.isArray(audiences)) {
          throw new Error(`federated credential without name, issuer, subject or audiences: ${need('--parameters')}`);
        }
        if (a.credentials.some((c) => c.name === name)) throw new Error(`${a.displayName} has two credentials named ${name}`);
        a.credentials.push({ name, issuer, subject, audiences: audiences.map(String) });
        return '';
      }
      case 'role assignment create': {
        const t = tenant();
        const byObject = opts.get('--assignee-object-id');
        const owner = byObject
          ? this.setup.apps.find((x) => x.servicePrincipals.get(t) === byObject)
          : this.setup.apps.find((x) => x.appId === opts.get('--assignee') && x.servicePrincipals.has(t));
        if (!owner) throw new Error(`role assignment in ${t} for ${byObject ?? opts.get('--assignee')}: no such service principal there`);
        const scope = need('--scope');
        const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1]?.toLowerCase();
        if (!this.setup.vnets.some((v) => v.subscription === sub && v.tenant === t)) throw new Error(`scope ${scope} is not in tenant ${t}`);
        this.setup.roleAssignments.push({ tenant: t, appId: owner.appId, role: need('--role'), scope });
        return '';
      }
      default:
        throw new Error(`az ${verbs.join(' ')}: not a command the set-up test knows`);
    }
  }
}

/** Runs the script (bash, as the README writes it) against the az model. */
export function follow(src: string): Setup {
  const setup: Setup = { vars: new Map(), tenants: [], vnets: [], apps: [], roleAssignments: [] };
  const az = new Az(setup);
  const functions = new Map<string, Command[]>();
  const body = src.replace(/^([A-Za-z_]\w*)\(\)\s*\{\n([\s\S]*?)\n\}$/gm, (_all, name: string, inner: string) => {
    functions.set(name, new Parser(inner).script());
    return '';
  });

  const expand = (w: Word, positional: string[]): string =>
    w.parts
      .map((p) => {
        if (p.kind === 'lit') return p.text;
        if (p.kind === 'sub') return exec(p.script, positional).replace(/\n+$/, '');
        const value = /^[1-9]$/.test(p.name) ? positional[Number(p.name) - 1] : setup.vars.get(p.name);
        if (value === undefined) throw new Error(`$${p.name} is used before it is defined`);
        return value;
      })
      .join('');

  function exec(commands: Command[], positional: string[]): string {
    let out = '';
    for (const c of commands) {
      const first = c.words[0]?.parts[0];
      const assign = first?.kind === 'lit' ? /^([A-Za-z_]\w*)=/.exec(first.text) : null;
      if (assign?.[1] && first?.kind === 'lit') {
        if (c.words.length > 1) throw new Error(`line ${c.line}: an assignment before a command is not followed`);
        const rest: Word = { parts: [{ kind: 'lit', text: first.text.slice(assign[0].length) }, ...(c.words[0]?.parts.slice(1) ?? [])] };
        setup.vars.set(assign[1], expand(rest, positional));
        continue;
      }
      const [name = '', ...args] = c.words.map((w) => expand(w, positional));
      const fn = functions.get(name);
      if (fn) out += exec(fn, args);
      else if (name === 'az') out += `${az.run(args)}\n`;
      else if (name === 'echo') out += `${args.join(' ')}\n`;
      else throw new Error(`line ${c.line}: '${name}' is not a command the set-up test knows`);
    }
    return out;
  }

  exec(new Parser(body).script(), []);
  return setup;
}
