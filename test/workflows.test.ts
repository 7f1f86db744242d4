// The reusable pair workflow against action.yml, and the rules every workflow and example here
// keeps. Expressions in `with:`, `environment:` and `concurrency:` are evaluated by a small evaluator
// of GitHub's expression language (test/workflows/support.ts), so the tests check what a run would
// get, not how the YAML is spelled.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAIR_REQUIRED } from '../scripts/docs.ts';
import {
  evaluate,
  json,
  jobsOf,
  list,
  load,
  obj,
  property,
  root,
  show,
  CONTRACT_ENUMS,
  OWN_ACTION,
  RUNNER_LOCAL_OUTPUTS,
  template,
  TOPOLOGY_ONLY_INPUTS,
  yamlFiles,
  type JsonObject,
} from './workflows/support.ts';

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
/** What vnet-peering.yml passes through: every action input but the topology ones. */
const pairInputNames = actionInputNames.filter((n) => !TOPOLOGY_ONLY_INPUTS.includes(n));

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
  for (const name of pairInputNames) {
    const s = obj(actionInputs[name], name);
    values[name] = PAIR_REQUIRED.includes(name) ? show(property(property(context, 'inputs'), name)) : template(s['default'] ?? '', context);
  }
  return values;
}

function group(context: JsonObject): string {
  return template(obj(job['concurrency'], 'concurrency')['group'], context);
}

describe('vnet-peering.yml: inputs', () => {
  it("takes every pair input of the action under the same name, plus github-environment, and nothing else", () => {
    const names = [...Object.keys(callInputs), ...Object.keys(callSecrets)].filter((n) => n !== OWN_INPUT);
    expect(names.sort()).toEqual(pairInputNames);
    for (const name of TOPOLOGY_ONLY_INPUTS) expect(actionInputNames, name).toContain(name);
    for (const name of ['ensure', 'subnets-a', 'subnets-b', 'ipv6-only']) expect(names, name).toContain(name);
    expect(Object.keys(callInputs)).toContain(OWN_INPUT);
    // A token must come as a secret: callers cannot put secrets into `with:`.
    expect(Object.keys(callSecrets)).toEqual(['github-token']);
  });

  it("requires what a pair needs and defaults the rest to action.yml's values", () => {
    for (const name of pairInputNames) {
      const spec = obj(actionInputs[name], name);
      const mine = obj(callInputs[name] ?? callSecrets[name], `workflow_call ${name}`);
      // action.yml cannot require them (a topology run leaves them empty); a pair always needs them.
      expect(spec['required'] === true, name).toBe(false);
      expect(mine['required'] === true, name).toBe(PAIR_REQUIRED.includes(name));
      if (name in callInputs && !PAIR_REQUIRED.includes(name)) {
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
    for (const name of PAIR_REQUIRED) expect(obj(dispatchInputs[name], name)['required'], name).toBe(true);
    expect(names).toContain(OWN_INPUT);
    // A tear-down is not one click away (the reason is in the workflow).
    expect(names).not.toContain('ensure');
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
  it('passes every pair input, and only those, to the action', () => {
    expect(Object.keys(actionStepWith).sort()).toEqual(pairInputNames);
  });

  it('passes each value a caller gives through unchanged, false and 0 included', () => {
    const given: JsonObject = {};
    for (const [name, spec] of Object.entries(callInputs)) {
      const type = obj(spec, name)['type'];
      const d = obj(spec, name)['default'];
      given[name] = type === 'boolean' ? d !== true : type === 'number' ? 0 : `given-${name}`;
    }
    const received = actionReceives(called(given, { 'github-token': 'ghp_caller_token' }));
    for (const name of pairInputNames) {
      expect(received[name], name).toBe(name === 'github-token' ? 'ghp_caller_token' : show(given[name] ?? null));
    }
    expect(received['allow-virtual-network-access']).toBe('false');
    expect(received['ipv6-only']).toBe('true');
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
    expect(received['ensure']).toBe('present');
    expect(received['ipv6-only']).toBe('false');
  });

  it('passes a tear-down and subnet lists through as a caller writes them', () => {
    const received = actionReceives(
      called({ ...REQUIRED, ensure: 'absent', 'subnets-a': 'snet-app,\nsnet-web', 'subnets-b': '*', 'ipv6-only': true }),
    );
    expect(received).toMatchObject({ ensure: 'absent', 'subnets-a': 'snet-app,\nsnet-web', 'subnets-b': '*', 'ipv6-only': 'true' });
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

  it("passes every action output up, from the action's step through the job, but a path on the job's runner", () => {
    const passed = Object.keys(actionOutputs).filter((n) => !RUNNER_LOCAL_OUTPUTS.includes(n));
    for (const name of RUNNER_LOCAL_OUTPUTS) expect(Object.keys(actionOutputs), name).toContain(name);
    expect(Object.keys(callOutputs).sort()).toEqual(passed.sort());
    const jobOutputs = obj(job['outputs'], 'job outputs');
    const stepId = actionStep?.['id'];
    for (const name of passed) {
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
});

describe('the examples', () => {
  /** The reusable workflows a caller may use: what they take, and what their jobs ask for together. */
  interface Reusable {
    inputs: Record<string, unknown>;
    secrets: Record<string, unknown>;
    permissions: Record<string, string>;
  }
  const reusable = new Map<string, Reusable>(
    ['vnet-peering.yml', 'vnet-topology.yml'].map((name): [string, Reusable] => {
      const file = `.github/workflows/${name}`;
      const call = obj(obj(load(file)['on'], `${file} on`)['workflow_call'], `${file} workflow_call`);
      const permissions: Record<string, string> = {};
      for (const [id, j] of jobsOf(file)) {
        for (const [scope, level] of Object.entries(obj(j['permissions'], `${file} ${id} permissions`))) {
          permissions[scope] = permissions[scope] === 'write' || level === 'write' ? 'write' : 'read';
        }
      }
      return [
        `${OWN_ACTION}/.github/workflows/${name}`,
        { inputs: obj(call['inputs'], `${file} inputs`), secrets: obj(call['secrets'] ?? {}, `${file} secrets`), permissions },
      ];
    }),
  );

  it.each(yamlFiles('examples'))('%s: uses only inputs that exist, gives the required ones, grants what is needed', (file) => {
    for (const [id, j] of jobsOf(file)) {
      const where = `${file} ${id}`;
      const perms = obj(j['permissions'], `${where} permissions`);
      if (j['uses'] !== undefined) {
        // Which commit is pinned is for test/workflows/supply-chain.test.ts.
        const called = reusable.get(String(j['uses']).replace(/@.*$/, ''));
        expect(called, `${where}: ${String(j['uses'])} is not one of ${[...reusable.keys()].join(', ')}`).toBeDefined();
        if (called === undefined) continue;
        const given = Object.keys(obj(j['with'], `${where} with`));
        for (const name of given) expect(Object.keys(called.inputs), where).toContain(name);
        for (const [name, spec] of Object.entries(called.inputs)) {
          if (obj(spec, name)['required'] === true) expect(given, where).toContain(name);
        }
        for (const name of Object.keys(obj(j['secrets'] ?? {}, `${where} secrets`))) {
          expect(Object.keys(called.secrets), where).toContain(name);
        }
        // A caller that grants less than the called jobs ask for fails before it starts.
        expect(perms, where).toEqual(called.permissions);
        continue;
      }
      expect(perms['id-token'], where).toBe('write');
      for (const step of list(j['steps'], where).map((s) => obj(s, where))) {
        if (typeof step['uses'] !== 'string' || !step['uses'].startsWith(`${OWN_ACTION}@`)) continue;
        const given = Object.keys(obj(step['with'], `${where} with`));
        for (const name of given) expect(actionInputNames, where).toContain(name);
        for (const name of PAIR_REQUIRED) expect(given, where).toContain(name);
      }
    }
  });
});
