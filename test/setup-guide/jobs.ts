// What each job of the example workflows presents to Entra: for every event that starts it (and,
// for workflow_dispatch, every choice of its inputs), whether the job runs (its `if:`), the OIDC
// subject GitHub gives it, and the action inputs it passes. GitHub's expressions are evaluated by a
// small evaluator (literals, contexts, ! == != && || and parentheses), which is all the examples use.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

type Value = string | number | boolean | null;

export interface JobRun {
  file: string;
  job: string;
  event: string;
  /** workflow_dispatch inputs of this run */
  inputs: Record<string, string>;
  /** The subject after `repo:ORG/REPO:` */
  subject: string;
  /** The action's inputs as the job passes them (expressions evaluated) */
  with: Record<string, string>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const truthy = (v: Value): boolean => v !== null && v !== false && v !== '' && v !== 0;
const asString = (v: Value): string => (v === null ? '' : String(v));

/** Evaluates one expression (the inside of `${{ }}`) against a context. */
export function evaluate(expr: string, context: Record<string, unknown>): Value {
  const tokens = [...expr.matchAll(/\s*('(?:[^']|'')*'|==|!=|&&|\|\||[!()]|[A-Za-z_][\w.-]*|\d+(?:\.\d+)?)/gy)].map((m) => m[1] ?? '');
  if (tokens.join('').replace(/\s/g, '') !== expr.replace(/\s/g, '')) throw new Error(`cannot evaluate \${{ ${expr} }}`);
  let k = 0;
  const peek = (): string | undefined => tokens[k];
  const primary = (): Value => {
    const t = tokens[k++];
    if (t === undefined) throw new Error(`\${{ ${expr} }} ends early`);
    if (t === '(') {
      const v = or();
      if (tokens[k++] !== ')') throw new Error(`missing ) in \${{ ${expr} }}`);
      return v;
    }
    if (t === '!') return !truthy(primary());
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^\d/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'null') return null;
    const path = t.split('.');
    let v: unknown = context;
    for (const key of path) {
      if (!isRecord(v) || !(key in v)) {
        if (path[0] === 'inputs') return null; // GitHub: an input the event does not have is null
        throw new Error(`unknown context ${t} in \${{ ${expr} }}`);
      }
      v = v[key];
    }
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
    throw new Error(`${t} is not a value`);
  };
  const equality = (): Value => {
    let left = primary();
    while (peek() === '==' || peek() === '!=') {
      const op = tokens[k++];
      const right = primary();
      // GitHub compares strings ignoring case.
      const same = typeof left === 'string' && typeof right === 'string' ? left.toLowerCase() === right.toLowerCase() : left === right;
      left = op === '==' ? same : !same;
    }
    return left;
  };
  const and = (): Value => {
    let left = equality();
    while (peek() === '&&') {
      k++;
      const right = equality();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  function or(): Value {
    let left = and();
    while (peek() === '||') {
      k++;
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  }
  const v = or();
  if (k !== tokens.length) throw new Error(`cannot evaluate \${{ ${expr} }}`);
  return v;
}

/** A workflow value: `${{ }}` parts evaluated; a value that is one expression keeps its type. */
function value(raw: unknown, context: Record<string, unknown>): Value {
  if (typeof raw !== 'string') return raw === undefined ? null : typeof raw === 'number' || typeof raw === 'boolean' ? raw : null;
  const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(raw);
  if (whole?.[1] !== undefined) return evaluate(whole[1], context);
  return raw.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, e: string) => asString(evaluate(e, context)));
}

/** workflow_dispatch inputs: every combination of choice and boolean inputs, others at their default. */
function dispatchChoices(spec: unknown): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  if (!isRecord(spec)) return combos;
  for (const [name, input] of Object.entries(spec)) {
    if (!isRecord(input)) continue;
    const options =
      input['type'] === 'choice' && Array.isArray(input['options'])
        ? input['options'].map(String)
        : input['type'] === 'boolean'
          ? ['true', 'false']
          : [String(input['default'] ?? '')];
    combos = combos.flatMap((c) => options.map((o) => ({ ...c, [name]: o })));
  }
  return combos;
}

function subjectOf(event: string, on: Record<string, unknown>, environment: string): string[] {
  if (environment) return [`environment:${environment}`];
  switch (event) {
    case 'pull_request':
      return ['pull_request'];
    case 'push': {
      const spec = on['push'];
      const branches = isRecord(spec) && Array.isArray(spec['branches']) ? spec['branches'].map(String) : [];
      if (branches.length === 0 || branches.some((b) => /[*?[!]/.test(b))) throw new Error('push: name the branches, so the subject is known');
      return branches.map((b) => `ref:refs/heads/${b}`);
    }
    // Both run on the default branch unless someone picks another one for a manual run.
    case 'schedule':
    case 'workflow_dispatch':
      return ['ref:refs/heads/main'];
    default:
      throw new Error(`${event}: the set-up test does not know its OIDC subject`);
  }
}

/** Every run of every job in `dir`'s workflows that calls the action or its reusable workflows. */
export function exampleRuns(dir: string): JobRun[] {
  const runs: JobRun[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const wf: unknown = parse(readFileSync(join(dir, file), 'utf8'));
    if (!isRecord(wf)) continue;
    const rawOn = wf['on'];
    const on: Record<string, unknown> = typeof rawOn === 'string' ? { [rawOn]: null } : Array.isArray(rawOn) ? Object.fromEntries(rawOn.map((e) => [String(e), null])) : isRecord(rawOn) ? rawOn : {};
    const jobs = isRecord(wf['jobs']) ? wf['jobs'] : {};
    for (const [name, job] of Object.entries(jobs)) {
      if (!isRecord(job)) continue;
      // The reusable workflows take the environment as an input; a job with steps has `environment:`.
      let withRaw: Record<string, unknown> | undefined;
      let environmentRaw: unknown;
      const uses = job['uses'];
      if (typeof uses === 'string' && /\/azure-vnet-peering\/\.github\/workflows\/[\w-]+\.ya?ml@/.test(uses)) {
        withRaw = isRecord(job['with']) ? job['with'] : {};
        environmentRaw = withRaw['github-environment'];
      } else if (Array.isArray(job['steps'])) {
        const step = job['steps'].find((s) => isRecord(s) && typeof s['uses'] === 'string' && /\/azure-vnet-peering@/.test(s['uses']));
        if (isRecord(step)) {
          withRaw = isRecord(step['with']) ? step['with'] : {};
          const env = job['environment'];
          environmentRaw = isRecord(env) ? env['name'] : env;
        }
      }
      if (!withRaw) continue;
      for (const event of Object.keys(on)) {
        const choices = event === 'workflow_dispatch' ? dispatchChoices(isRecord(on[event]) ? on[event]['inputs'] : undefined) : [{}];
        for (const inputs of choices) {
          const context = { github: { event_name: event }, inputs };
          const condition = job['if'];
          if (condition !== undefined) {
            const text = String(condition);
            const met = /\$\{\{/.test(text) ? value(text, context) : evaluate(text, context);
            if (!truthy(met)) continue;
          }
          const environment = asString(value(environmentRaw, context));
          const given = Object.fromEntries(Object.entries(withRaw).map(([k, v]) => [k, asString(value(v, context))]));
          for (const subject of subjectOf(event, on, environment)) runs.push({ file, job: name, event, inputs, subject, with: given });
        }
      }
    }
  }
  return runs;
}
