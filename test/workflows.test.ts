// The reusable workflow against action.yml, and the rules every workflow and example here keeps.
// Expressions in `with:`, `environment:` and `concurrency:` are evaluated by a small evaluator of
// GitHub's expression language (the part these files use), so the tests check what a run would
// get, not how the YAML is spelled.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const root = fileURLToPath(new URL('..', import.meta.url));

// ---- reading YAML without casts --------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (!isObject(v)) throw new Error(`${where}: expected a mapping, got ${JSON.stringify(v)}`);
  return v;
}

function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${where}: expected a list, got ${JSON.stringify(v)}`);
  return v;
}

function json(v: unknown, where: string): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((item, i) => json(item, `${where}[${i}]`));
  const o = obj(v, where);
  const out: JsonObject = {};
  for (const [k, item] of Object.entries(o)) out[k] = json(item, `${where}.${k}`);
  return out;
}

function load(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(`${root}/${file}`, 'utf8'));
  } catch (e: unknown) {
    throw new Error(`${file} is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  return obj(doc, file);
}

function yamlFiles(folder: string): string[] {
  return readdirSync(`${root}/${folder}`)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `${folder}/${name}`);
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

function truthy(v: Json): boolean {
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
function show(v: Json): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  return Array.isArray(v) ? 'Array' : 'Object';
}

function property(v: Json, name: string): Json {
  if (!isJsonObject(v)) return null;
  const key = Object.keys(v).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (v[key] ?? null);
}

function call(name: string, args: Json[]): Json {
  switch (name.toLowerCase()) {
    case 'tojson':
      return JSON.stringify(args[0] ?? null, null, 2);
    case 'format':
      return show(args[0] ?? null).replace(/\{\{|\}\}|\{(\d+)\}/g, (m: string, n: string | undefined) =>
        n === undefined ? m.charAt(0) : show(args[Number(n) + 1] ?? null),
      );
    default:
      throw new Error(`function ${name}() is not known to this evaluator`);
  }
}

function evaluate(expression: string, context: JsonObject): Json {
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
        return call(t.value, args);
      }
    }
  }
  const value = or();
  if (i !== tokens.length) throw new Error(`unexpected tokens after ${expression}`);
  return value;
}

/** A workflow value with `${{ }}` parts, as GitHub turns it into a string. */
function template(value: unknown, context: JsonObject): string {
  if (typeof value !== 'string') return show(json(value, 'value'));
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m: string, expression: string) =>
    show(evaluate(expression, context)),
  );
}

describe('the expression evaluator used below', () => {
  it('follows GitHub: loose equality, case-insensitive strings, || and && return operands', () => {
    const ctx: JsonObject = { inputs: { t: true, f: false, s: 'Plan', n: 0 } };
    expect(evaluate('inputs.missing == false', ctx)).toBe(true); // null and false both coerce to 0
    expect(evaluate("inputs.s == 'plan'", ctx)).toBe(true);
    expect(evaluate("inputs.missing || 'x'", ctx)).toBe('x');
    expect(evaluate("inputs.f && 'x'", ctx)).toBe(false);
    expect(evaluate("'a' < 'B' && 'B' < 'c'", ctx)).toBe(true);
    expect(evaluate('toJSON(inputs.missing)', ctx)).toBe('null');
    expect(evaluate("format('{0}:{1}{{}}', 'a', 1)", ctx)).toBe('a:1{}');
    expect(template('x-${{ inputs.t }}-${{ inputs.n }}', ctx)).toBe('x-true-0');
  });
});

// ---- the files ---------------------------------------------------------------------------------

const action = load('action.yml');
const actionInputs = obj(action['inputs'], 'action.yml inputs');
const actionOutputs = obj(action['outputs'], 'action.yml outputs');
const actionInputNames = Object.keys(actionInputs).sort();

const workflowFile = '.github/workflows/vnet-peering.yml';
const workflow = load(workflowFile);
const on = obj(workflow['on'], 'on');
const callEvent = obj(on['workflow_call'], 'on.workflow_call');
const callInputs = obj(callEvent['inputs'], 'workflow_call.inputs');
const callSecrets = obj(callEvent['secrets'], 'workflow_call.secrets');
const callOutputs = obj(callEvent['outputs'], 'workflow_call.outputs');
const dispatchInputs = obj(obj(on['workflow_dispatch'], 'on.workflow_dispatch')['inputs'], 'workflow_dispatch.inputs');

const jobs = obj(workflow['jobs'], 'jobs');
const jobIds = Object.keys(jobs);
const jobId = jobIds[0] ?? '';
const job = obj(jobs[jobId], `jobs.${jobId}`);
const steps = list(job['steps'], 'steps').map((s, i) => obj(s, `steps[${i}]`));
const actionStep = steps.find((s) => typeof s['uses'] === 'string' && s['uses'].startsWith('./'));
const actionStepWith = obj(actionStep?.['with'], 'with: of the action step');

/** The one input the workflow adds to action.yml's. */
const OWN_INPUT = 'github-environment';
/** Our bound on the dispatch form: every actionlint version accepts 10; GitHub allows 25. */
const MAX_DISPATCH_INPUTS = 10;
/** The contract's enumerations (shared/spec/action.md, "Inputs"). */
const CONTRACT_ENUMS: Readonly<Record<string, readonly string[]>> = {
  mode: ['apply', 'plan'],
  'gateway-transit': ['none', 'a', 'b'],
  environment: ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'],
  comment: ['auto', 'off'],
};

const HUB = '/subscriptions/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub';
const SPOKE = '/subscriptions/bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke';
const OTHER = '/subscriptions/cccccccc-cccc-cccc-cccc-cccccccccccc/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet-app';
const REQUIRED: JsonObject = {
  'vnet-a': HUB,
  'vnet-b': SPOKE,
  'tenant-id-a': '11111111-1111-1111-1111-111111111111',
  'client-id-a': '33333333-3333-3333-3333-333333333333',
};
const JOB_TOKEN = 'ghs_job_token';

function defaultsOf(inputs: Record<string, unknown>, where: string): JsonObject {
  const values: JsonObject = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const s = obj(spec, `${where}.${name}`);
    if ('default' in s) values[name] = json(s['default'], `${where}.${name}.default`);
  }
  return values;
}

function contextFor(inputs: JsonObject, secrets: JsonObject = {}): JsonObject {
  return {
    inputs,
    secrets,
    github: { token: JOB_TOKEN },
    job: { workflow_repository: 'contoso/azure-vnet-peering', workflow_sha: '0123456789abcdef0123456789abcdef01234567' },
  };
}

/** A run started by a call: GitHub fills every input the caller left out with its default. */
function called(given: JsonObject, secrets: JsonObject = {}): JsonObject {
  return contextFor({ ...defaultsOf(callInputs, 'workflow_call.inputs'), ...given }, secrets);
}

/** A run started from the form: only the form's inputs exist. */
function dispatched(given: JsonObject): JsonObject {
  return contextFor({ ...defaultsOf(dispatchInputs, 'workflow_dispatch.inputs'), ...given });
}

/** What the action step receives, input by input. */
function actionReceives(context: JsonObject): Record<string, string> {
  return Object.fromEntries(Object.entries(actionStepWith).map(([k, v]) => [k, template(v, context)]));
}

/** action.yml's own defaults, as the runner would evaluate them in the same job. */
function actionDefaults(context: JsonObject): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(actionInputs)) {
    const s = obj(spec, name);
    values[name] = s['required'] === true ? show(property(property(context, 'inputs'), name)) : template(s['default'] ?? '', context);
  }
  return values;
}

function group(context: JsonObject): string {
  return template(obj(job['concurrency'], 'concurrency')['group'], context);
}

describe('vnet-peering.yml: inputs', () => {
  it('takes every action input under the same name, plus github-environment, and nothing else', () => {
    const names = [...Object.keys(callInputs), ...Object.keys(callSecrets)].filter((n) => n !== OWN_INPUT);
    expect(names.sort()).toEqual(actionInputNames);
    expect(Object.keys(callInputs)).toContain(OWN_INPUT);
    // A token must come as a secret: callers cannot put secrets into `with:`.
    expect(Object.keys(callSecrets)).toEqual(['github-token']);
  });

  it("requires what action.yml requires and defaults the rest to action.yml's values", () => {
    for (const name of actionInputNames) {
      const spec = obj(actionInputs[name], name);
      const mine = obj(callInputs[name] ?? callSecrets[name], `workflow_call ${name}`);
      expect(mine['required'] === true, name).toBe(spec['required'] === true);
      if (name in callInputs && spec['required'] !== true) {
        expect(show(json(mine['default'], name)), name).toBe(show(json(spec['default'], name)));
      }
    }
  });

  it('types the booleans and the number, so GitHub checks them when the workflow is called', () => {
    for (const name of Object.keys(callInputs).filter((n) => n !== OWN_INPUT)) {
      const actionDefault = obj(actionInputs[name], name)['default'];
      const expected =
        actionDefault === 'true' || actionDefault === 'false' ? 'boolean' : name === 'timeout-minutes' ? 'number' : 'string';
      expect(obj(callInputs[name], name)['type'], name).toBe(expected);
    }
  });

  it(`keeps the dispatch form to ${MAX_DISPATCH_INPUTS} inputs, each one of the call's, with the same meaning`, () => {
    const names = Object.keys(dispatchInputs);
    expect(names.length).toBeLessThanOrEqual(MAX_DISPATCH_INPUTS);
    expect(names.length).toBeLessThanOrEqual(25);
    for (const name of names) {
      expect(Object.keys(callInputs), name).toContain(name);
      const form = obj(dispatchInputs[name], name);
      const callType = obj(callInputs[name], name)['type'];
      expect(form['type'] === 'choice' ? 'string' : form['type'], name).toBe(callType);
      const callDefault = obj(callInputs[name], name)['default'];
      expect(show(json(form['default'] ?? null, name)), name).toBe(show(json(callDefault ?? null, name)));
    }
    for (const name of actionInputNames.filter((n) => obj(actionInputs[n], n)['required'] === true)) {
      expect(obj(dispatchInputs[name], name)['required'], name).toBe(true);
    }
    expect(names).toContain(OWN_INPUT);
  });

  it("offers the contract's values as choices, and no other choices", () => {
    for (const name of ['mode', 'gateway-transit', 'environment']) expect(Object.keys(dispatchInputs)).toContain(name);
    for (const [name, spec] of Object.entries(dispatchInputs)) {
      const s = obj(spec, name);
      const values = CONTRACT_ENUMS[name];
      if (values === undefined) {
        expect(s['type'], name).not.toBe('choice');
        continue;
      }
      expect(s['type'], name).toBe('choice');
      expect([...list(s['options'], name)].sort(), name).toEqual([...values].sort());
      expect(values, name).toContain(s['default']);
    }
  });
});

describe('vnet-peering.yml: what the action receives', () => {
  it('passes every action input, and only those, to the action', () => {
    expect(Object.keys(actionStepWith).sort()).toEqual(actionInputNames);
  });

  it('passes each value a caller gives through unchanged, false and 0 included', () => {
    const given: JsonObject = {};
    for (const [name, spec] of Object.entries(callInputs)) {
      const type = obj(spec, name)['type'];
      const d = obj(spec, name)['default'];
      given[name] = type === 'boolean' ? d !== true : type === 'number' ? 0 : `given-${name}`;
    }
    const received = actionReceives(called(given, { 'github-token': 'ghp_caller_token' }));
    for (const name of actionInputNames) {
      expect(received[name], name).toBe(name === 'github-token' ? 'ghp_caller_token' : show(given[name] ?? null));
    }
    expect(received['allow-virtual-network-access']).toBe('false');
    expect(received['timeout-minutes']).toBe('0');
  });

  it("gives a call with only the required inputs action.yml's defaults", () => {
    const context = called(REQUIRED);
    expect(actionReceives(context)).toEqual(actionDefaults(context));
  });

  it("gives a dispatch with only the required fields action.yml's defaults, for the inputs the form leaves out too", () => {
    const context = dispatched(REQUIRED);
    const received = actionReceives(context);
    expect(received).toEqual(actionDefaults(context));
    expect(received['github-token']).toBe(JOB_TOKEN);
    expect(received['allow-virtual-network-access']).toBe('true');
    expect(received['timeout-minutes']).toBe('15');
  });

  it('passes what a person chose in the form', () => {
    const received = actionReceives(
      dispatched({
        ...REQUIRED,
        'tenant-id-b': '22222222-2222-2222-2222-222222222222',
        mode: 'plan',
        'gateway-transit': 'b',
        'allow-forwarded-traffic': true,
        environment: 'AzureChinaCloud',
      }),
    );
    expect(received).toMatchObject({
      'tenant-id-b': '22222222-2222-2222-2222-222222222222',
      mode: 'plan',
      'gateway-transit': 'b',
      'allow-forwarded-traffic': 'true',
      environment: 'AzureChinaCloud',
    });
  });
});

describe('vnet-peering.yml: the job', () => {
  it('asks for exactly id-token: write, contents: read and pull-requests: write, and nothing at workflow level', () => {
    expect(workflow['permissions']).toEqual({});
    expect(jobIds).toHaveLength(1);
    expect(job['permissions']).toEqual({ 'id-token': 'write', contents: 'read', 'pull-requests': 'write' });
  });

  it('runs in the named GitHub environment, and in none when the name is empty', () => {
    expect(template(job['environment'], dispatched(REQUIRED))).toBe('');
    expect(template(job['environment'], called(REQUIRED))).toBe('');
    expect(template(job['environment'], called({ ...REQUIRED, [OWN_INPUT]: 'production' }))).toBe('production');
    // The Azure cloud is a different input.
    expect(template(job['environment'], called({ ...REQUIRED, environment: 'AzureUSGovernment' }))).toBe('');
  });

  it('serializes runs on one VNet pair, whichever side is A, and never cancels a running one', () => {
    const ab = group(called(REQUIRED));
    const ba = group(called({ ...REQUIRED, 'vnet-a': SPOKE, 'vnet-b': HUB }));
    expect(ab).toBe(ba);
    expect(ab).toContain(HUB);
    expect(ab).toContain(SPOKE);
    expect(group(dispatched(REQUIRED))).toBe(ab);
    expect(group(called({ ...REQUIRED, 'vnet-b': OTHER }))).not.toBe(ab);
    expect(obj(job['concurrency'], 'concurrency')['cancel-in-progress']).toBe(false);
    // GitHub refuses group names over 400 characters.
    expect(ab.length).toBeLessThanOrEqual(400);
  });

  it('puts plans and applies of one pair in the same group: one run at a time per pair', () => {
    expect(group(called({ ...REQUIRED, mode: 'plan' }))).toBe(group(called(REQUIRED)));
  });

  it("passes every action output up, from the action's step through the job", () => {
    expect(Object.keys(callOutputs).sort()).toEqual(Object.keys(actionOutputs).sort());
    const jobOutputs = obj(job['outputs'], 'job outputs');
    const stepId = actionStep?.['id'];
    for (const name of Object.keys(actionOutputs)) {
      expect(obj(callOutputs[name], name)['value'], name).toBe(`\${{ jobs.${jobId}.outputs.${name} }}`);
      expect(jobOutputs[name], name).toBe(`\${{ steps.${String(stepId)}.outputs.${name} }}`);
    }
  });

  it("runs the action from this workflow's own repository and commit", () => {
    const checkout = steps.find((s) => typeof s['uses'] === 'string' && s['uses'].startsWith('actions/checkout@'));
    const w = obj(checkout?.['with'], 'checkout with');
    const context = called(REQUIRED);
    expect(template(w['repository'], context)).toBe('contoso/azure-vnet-peering');
    expect(template(w['ref'], context)).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(w['persist-credentials']).toBe(false);
    expect(actionStep?.['uses']).toBe(`./${String(w['path'])}`);
    expect(steps.indexOf(checkout ?? {})).toBeLessThan(steps.indexOf(actionStep ?? {}));
  });
});

describe('every workflow and example', () => {
  const files = [...yamlFiles('.github/workflows'), ...yamlFiles('examples')];

  function jobsOf(file: string): [string, Record<string, unknown>][] {
    return Object.entries(obj(load(file)['jobs'], `${file} jobs`)).map(([id, j]) => [id, obj(j, `${file} ${id}`)]);
  }

  it.each(files)('%s: scripts take values through env, never spliced in, and parse as bash', (file) => {
    for (const [id, j] of jobsOf(file)) {
      for (const step of list(j['steps'] ?? [], id).map((s) => obj(s, id))) {
        const script = step['run'];
        if (typeof script !== 'string') continue;
        expect(script, `${file} ${id}`).not.toContain('${{');
        const check = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
        expect(check.stderr, `${file} ${id}`).toBe('');
        expect(check.status, `${file} ${id}`).toBe(0);
      }
    }
  });

  it("ci.yml's self-test runs the action from the repository without the runner's OIDC variables", () => {
    const selfTest = jobsOf('.github/workflows/ci.yml').find(([id]) => id === 'self-test')?.[1];
    const perms = obj(selfTest?.['permissions'], 'self-test permissions');
    expect(Object.keys(perms)).not.toContain('id-token');
    const uses = list(selfTest?.['steps'], 'self-test steps').map((s) => obj(s, 'step')['uses']);
    expect(uses.filter((u) => u === './').length).toBeGreaterThanOrEqual(2);
  });

  it.each(yamlFiles('examples'))('%s: uses only inputs that exist, gives the required ones, grants what is needed', (file) => {
    for (const [id, j] of jobsOf(file)) {
      const where = `${file} ${id}`;
      const perms = obj(j['permissions'], `${where} permissions`);
      if (j['uses'] !== undefined) {
        expect(j['uses'], where).toBe('OWNER/azure-vnet-peering/.github/workflows/vnet-peering.yml@v1');
        const given = Object.keys(obj(j['with'], `${where} with`));
        for (const name of given) expect(Object.keys(callInputs), where).toContain(name);
        for (const [name, spec] of Object.entries(callInputs)) {
          if (obj(spec, name)['required'] === true) expect(given, where).toContain(name);
        }
        for (const name of Object.keys(obj(j['secrets'] ?? {}, `${where} secrets`))) {
          expect(Object.keys(callSecrets), where).toContain(name);
        }
        // A caller that grants less than the called job asks for fails before it starts.
        expect(perms, where).toEqual(job['permissions']);
        continue;
      }
      expect(perms['id-token'], where).toBe('write');
      for (const step of list(j['steps'], where).map((s) => obj(s, where))) {
        if (step['uses'] !== 'OWNER/azure-vnet-peering@v1') continue;
        const given = Object.keys(obj(step['with'], `${where} with`));
        for (const name of given) expect(actionInputNames, where).toContain(name);
        for (const name of actionInputNames.filter((n) => obj(actionInputs[n], n)['required'] === true)) {
          expect(given, where).toContain(name);
        }
      }
    }
  });
});
