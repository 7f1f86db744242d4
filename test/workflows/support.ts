// What the workflow tests share: reading YAML without casts, a small evaluator of GitHub's
// expression language (the part these files use), `if:` conditions as a runner decides them, and
// running a step's script as a runner would, with its GITHUB_OUTPUT read back.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const root = fileURLToPath(new URL('../..', import.meta.url));

// ---- reading YAML without casts --------------------------------------------------------------

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, where: string): Record<string, unknown> {
  if (!isObject(v)) throw new Error(`${where}: expected a mapping, got ${JSON.stringify(v)}`);
  return v;
}

export function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${where}: expected a list, got ${JSON.stringify(v)}`);
  return v;
}

export function json(v: unknown, where: string): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((item, i) => json(item, `${where}[${i}]`));
  const o = obj(v, where);
  const out: JsonObject = {};
  for (const [k, item] of Object.entries(o)) out[k] = json(item, `${where}.${k}`);
  return out;
}

export function load(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(`${root}/${file}`, 'utf8'));
  } catch (e: unknown) {
    throw new Error(`${file} is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  return obj(doc, file);
}

export function yamlFiles(folder: string): string[] {
  return readdirSync(`${root}/${folder}`)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `${folder}/${name}`);
}

/** The jobs of a workflow file, as [id, job] pairs. */
export function jobsOf(file: string): [string, Record<string, unknown>][] {
  return Object.entries(obj(load(file)['jobs'], `${file} jobs`)).map(([id, j]) => [id, obj(j, `${file} ${id}`)]);
}

/** The steps of a job. */
export function stepsOf(job: Record<string, unknown>, where: string): Record<string, unknown>[] {
  return list(job['steps'] ?? [], `${where} steps`).map((s, i) => obj(s, `${where} steps[${i}]`));
}

/** The step with this id. */
export function step(job: Record<string, unknown>, id: string, where: string): Record<string, unknown> {
  const found = stepsOf(job, where).find((s) => s['id'] === id);
  if (found === undefined) throw new Error(`${where}: no step with id '${id}'`);
  return found;
}

// ---- GitHub's expression language, the part used here ----------------------------------------

type Token =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'id'; value: string }
  | { kind: 'op'; value: string };

function tokenize(source: string): Token[] {
  const re = /\s*(?:(\d+(?:\.\d+)?)|'((?:[^']|'')*)'|([A-Za-z_][\w-]*)|(==|!=|<=|>=|&&|\|\||[()[\].,!<>]))/y;
  const tokens: Token[] = [];
  while (source.slice(re.lastIndex).trim() !== '') {
    const at = re.lastIndex;
    const m = re.exec(source);
    if (m === null) throw new Error(`cannot read expression at '${source.slice(at)}'`);
    const [, num, str, id, op] = m;
    if (num !== undefined) tokens.push({ kind: 'num', value: Number(num) });
    else if (str !== undefined) tokens.push({ kind: 'str', value: str.replaceAll("''", "'") });
    else if (id !== undefined) tokens.push({ kind: 'id', value: id });
    else if (op !== undefined) tokens.push({ kind: 'op', value: op });
  }
  return tokens;
}

function isJsonObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function truthy(v: Json): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v !== '';
  return true;
}

function toNumber(v: Json): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v.trim());
  return Number.NaN;
}

function kindOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'object';
  return typeof v;
}

/** GitHub's loose equality: strings ignore case; different types are compared as numbers. */
function looseEquals(a: Json, b: Json): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toUpperCase() === b.toUpperCase();
  if (kindOf(a) === kindOf(b)) return a === b;
  return toNumber(a) === toNumber(b);
}

/** Negative, zero or positive; NaN when the two cannot be ordered. */
function compare(a: Json, b: Json): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toUpperCase();
    const y = b.toUpperCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return toNumber(a) - toNumber(b);
}

/** How a value is written into a string (a `with:` value, a group name). */
export function show(v: Json): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  return Array.isArray(v) ? 'Array' : 'Object';
}

export function property(v: Json, name: string): Json {
  if (!isJsonObject(v)) return null;
  const key = Object.keys(v).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (v[key] ?? null);
}

/** How the job so far went, as the status functions see it. */
export type JobStatus = 'success' | 'failure' | 'cancelled';

const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'];

function call(name: string, args: Json[], status: JobStatus): Json {
  switch (name.toLowerCase()) {
    case 'tojson':
      return JSON.stringify(args[0] ?? null, null, 2);
    case 'fromjson': {
      const parsed: unknown = JSON.parse(show(args[0] ?? null));
      return json(parsed, 'fromJSON()');
    }
    case 'format':
      return show(args[0] ?? null).replace(/\{\{|\}\}|\{(\d+)\}/g, (m: string, n: string | undefined) =>
        n === undefined ? m.charAt(0) : show(args[Number(n) + 1] ?? null),
      );
    case 'success':
      return status === 'success';
    case 'failure':
      return status === 'failure';
    case 'cancelled':
      return status === 'cancelled';
    case 'always':
      return true;
    default:
      throw new Error(`function ${name}() is not known to this evaluator`);
  }
}

export function evaluate(expression: string, context: JsonObject, status: JobStatus = 'success'): Json {
  const tokens = tokenize(expression);
  let i = 0;
  const at = (op: string): boolean => {
    const t = tokens[i];
    return t !== undefined && t.kind === 'op' && t.value === op;
  };
  const take = (op: string): void => {
    if (!at(op)) throw new Error(`expected '${op}' in ${expression}`);
    i += 1;
  };
  function or(): Json {
    let v = and();
    while (at('||')) {
      i += 1;
      const right = and();
      v = truthy(v) ? v : right;
    }
    return v;
  }
  function and(): Json {
    let v = equality();
    while (at('&&')) {
      i += 1;
      const right = equality();
      v = truthy(v) ? right : v;
    }
    return v;
  }
  function equality(): Json {
    let v = comparison();
    while (at('==') || at('!=')) {
      const negate = at('!=');
      i += 1;
      const equal = looseEquals(v, comparison());
      v = negate ? !equal : equal;
    }
    return v;
  }
  function comparison(): Json {
    let v = unary();
    for (;;) {
      const t = tokens[i];
      if (t === undefined || t.kind !== 'op' || !['<', '<=', '>', '>='].includes(t.value)) return v;
      i += 1;
      const c = compare(v, unary());
      v = t.value === '<' ? c < 0 : t.value === '<=' ? c <= 0 : t.value === '>' ? c > 0 : c >= 0;
    }
  }
  function unary(): Json {
    if (at('!')) {
      i += 1;
      return !truthy(unary());
    }
    let v = primary();
    for (;;) {
      if (at('.')) {
        i += 1;
        const t = tokens[i];
        if (t === undefined || t.kind !== 'id') throw new Error(`expected a property name in ${expression}`);
        i += 1;
        v = property(v, t.value);
      } else if (at('[')) {
        i += 1;
        const key = or();
        take(']');
        v = property(v, show(key));
      } else {
        return v;
      }
    }
  }
  function primary(): Json {
    const t = tokens[i];
    if (t === undefined) throw new Error(`unexpected end of ${expression}`);
    i += 1;
    switch (t.kind) {
      case 'num':
      case 'str':
        return t.value;
      case 'op': {
        if (t.value !== '(') throw new Error(`unexpected '${t.value}' in ${expression}`);
        const v = or();
        take(')');
        return v;
      }
      case 'id': {
        if (t.value === 'true') return true;
        if (t.value === 'false') return false;
        if (t.value === 'null') return null;
        if (!at('(')) return property(context, t.value);
        i += 1;
        const args: Json[] = [];
        if (!at(')')) {
          args.push(or());
          while (at(',')) {
            i += 1;
            args.push(or());
          }
        }
        take(')');
        return call(t.value, args, status);
      }
    }
  }
  const value = or();
  if (i !== tokens.length) throw new Error(`unexpected tokens after ${expression}`);
  return value;
}

/** A workflow value with `${{ }}` parts, as GitHub turns it into a string. */
export function template(value: unknown, context: JsonObject): string {
  if (typeof value !== 'string') return show(json(value, 'value'));
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m: string, expression: string) =>
    show(evaluate(expression, context)),
  );
}

/** A value that is one whole `${{ }}` expression keeps its type (a matrix list, a number). */
export function value(raw: unknown, context: JsonObject): Json {
  if (typeof raw !== 'string') return json(raw, 'value');
  const whole = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(raw);
  if (whole !== null && !whole[1]?.includes('}}')) return evaluate(whole[1] ?? '', context);
  return template(raw, context);
}

/**
 * Whether a job or step with this `if:` runs. As on GitHub: no `if:` means success(), the `${{ }}`
 * around it is optional, and a condition without a status function is ANDed with success().
 */
export function runs(condition: unknown, context: JsonObject, status: JobStatus = 'success'): boolean {
  if (condition === undefined) return status === 'success';
  const text = typeof condition === 'string' ? condition : show(json(condition, 'if'));
  const whole = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  const expression = whole?.[1] ?? text;
  const callsStatus = STATUS_FUNCTIONS.some((f) => new RegExp(`\\b${f}\\s*\\(`, 'i').test(expression));
  if (!callsStatus && status !== 'success') return false;
  return truthy(evaluate(expression, context, status));
}

// ---- running a step's script -------------------------------------------------------------------

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** What the script wrote to GITHUB_OUTPUT, `name<<DELIMITER` blocks included. */
  outputs: Record<string, string>;
  /** The `::error::` messages it printed. */
  errors: string[];
}

function readOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=]+)<<(.+)$/.exec(line);
    if (heredoc !== null) {
      const [, name = '', delimiter = ''] = heredoc;
      const body: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== delimiter; i += 1) body.push(lines[i] ?? '');
      if (i >= lines.length) throw new Error(`GITHUB_OUTPUT: '${name}' has no closing ${delimiter}`);
      outputs[name] = body.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/**
 * Runs a `run:` script the way a Linux runner does without `shell:` (`bash -e`), in `cwd`, with
 * `env` and fresh GITHUB_OUTPUT and RUNNER_TEMP. `path` goes first on PATH (for stand-in tools).
 */
export function runScript(
  script: string,
  options: { env?: Record<string, string>; cwd?: string; path?: string } = {},
): ScriptRun {
  const scratch = mkdtempSync(join(tmpdir(), 'workflow-step-'));
  try {
    const outputFile = join(scratch, 'github-output');
    const runnerTemp = join(scratch, 'runner-temp');
    const scriptFile = join(scratch, 'script.sh');
    writeFileSync(outputFile, '');
    writeFileSync(scriptFile, script);
    spawnSync('mkdir', ['-p', runnerTemp]);
    const run = spawnSync('bash', ['--noprofile', '--norc', '-e', scriptFile], {
      cwd: options.cwd ?? scratch,
      encoding: 'utf8',
      env: {
        PATH: options.path === undefined ? (process.env['PATH'] ?? '') : `${options.path}:${process.env['PATH'] ?? ''}`,
        HOME: scratch,
        LANG: 'C.UTF-8',
        GITHUB_OUTPUT: outputFile,
        RUNNER_TEMP: runnerTemp,
        ...options.env,
      },
    });
    const errors = [...run.stdout.matchAll(/^::error[^:]*::(.*)$/gm)].map((m) => m[1] ?? '');
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, outputs: readOutputs(readFileSync(outputFile, 'utf8')), errors };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A script of a step, which must be a `run:` step. */
export function scriptOf(s: Record<string, unknown>, where: string): string {
  const script = s['run'];
  if (typeof script !== 'string') throw new Error(`${where}: not a run: step`);
  return script;
}

// ---- facts of the contract the workflow tests share ---------------------------------------------

/** Inputs of topology runs only (spec/action.md, "Reusable workflow"): vnet-topology.yml's, not the pair's. */
export const TOPOLOGY_ONLY_INPUTS: readonly string[] = ['topology', 'max-parallel-writes', 'shard', 'results'];

/** Outputs that name a file on the job's own runner: no use to a caller once the job has ended. */
export const RUNNER_LOCAL_OUTPUTS: readonly string[] = ['result-file'];

/** How examples refer to this action before it is published, pinned as users should pin it. */
export const OWN_ACTION = 'OWNER/azure-vnet-peering';

/** The commit examples show in place of a release's: obviously not one, and 40 hex digits. */
export const PLACEHOLDER_SHA = '0'.repeat(40);

/** The contract's enumerations (shared/spec/action.md, "Inputs"), for the dispatch forms' choices. */
export const CONTRACT_ENUMS: Readonly<Record<string, readonly string[]>> = {
  mode: ['apply', 'plan'],
  'gateway-transit': ['none', 'a', 'b'],
  environment: ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'],
  comment: ['auto', 'off'],
  ensure: ['present', 'absent'],
};
