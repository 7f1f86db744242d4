// vnet-topology.yml: a matrix of shard jobs, then one merge job. The prepare job's script runs here
// as a runner would run it, and the matrix, artifact names, conditions and `with:` values are
// evaluated from its outputs, so the tests check what a run with 1, 3 or 256 shards would get.
import { describe, expect, it } from 'vitest';
import {
  CONTRACT_ENUMS,
  json,
  jobsOf,
  list,
  load,
  obj,
  runs,
  runScript,
  scriptOf,
  show,
  step,
  stepsOf,
  template,
  TOPOLOGY_ONLY_INPUTS,
  value,
  type JobStatus,
  type Json,
  type JsonObject,
} from './support.ts';

const FILE = '.github/workflows/vnet-topology.yml';
const workflow = load(FILE);
const on = obj(workflow['on'], 'on');
const callEvent = obj(on['workflow_call'], 'workflow_call');
const callInputs = obj(callEvent['inputs'], 'workflow_call.inputs');
const callSecrets = obj(callEvent['secrets'], 'workflow_call.secrets');
const callOutputs = obj(callEvent['outputs'], 'workflow_call.outputs');
const dispatchInputs = obj(obj(on['workflow_dispatch'], 'workflow_dispatch')['inputs'], 'workflow_dispatch.inputs');
const jobs = Object.fromEntries(jobsOf(FILE));
const prepare = obj(jobs['prepare'], 'jobs.prepare');
const shard = obj(jobs['shard'], 'jobs.shard');
const merge = obj(jobs['merge'], 'jobs.merge');

const action = load('action.yml');
const actionInputs = obj(action['inputs'], 'action.yml inputs');

/** The inputs spec/topology.md ("Sharding") gives the workflow. */
const SPEC_INPUTS = [
  'topology',
  'mode',
  'shards',
  'fail-on-drift',
  'github-environment',
  'environment',
  'audience',
  'arm-endpoint',
  'authority-host',
  'timeout-minutes',
  'max-parallel-writes',
];
/** The inputs passed to the action under their own names. */
const PASSED_THROUGH = SPEC_INPUTS.filter((n) => !['shards', 'github-environment'].includes(n));
/** The pair inputs, which a topology run must leave at their defaults. */
const PAIR_INPUTS = Object.keys(actionInputs).filter(
  (n) => !TOPOLOGY_ONLY_INPUTS.includes(n) && !['mode', 'fail-on-drift', 'comment', 'github-token', 'environment', 'audience', 'arm-endpoint', 'authority-host', 'timeout-minutes'].includes(n),
);

const TOPOLOGY = 'network/topology.yml';
const RUNNER_TEMP = '/home/runner/work/_temp';
const JOB_TOKEN = 'ghs_job_token';
const WORKFLOW_SHA = '0123456789abcdef0123456789abcdef01234567';

function defaultsOf(inputs: Record<string, unknown>): JsonObject {
  const values: JsonObject = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const s = obj(spec, name);
    if ('default' in s) values[name] = json(s['default'], name);
  }
  return values;
}

/** What the prepare job's script writes for these inputs. */
function prepared(inputs: JsonObject): { status: number | null; outputs: Record<string, string>; errors: string[]; stdout: string } {
  const s = step(prepare, 'shards', 'prepare');
  const env = obj(s['env'], 'prepare env');
  const context: JsonObject = { inputs };
  return runScript(scriptOf(s, 'prepare'), {
    env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, template(v, context)])),
  });
}

/** The context of a run with these inputs, after the prepare job ran for them. */
function runContext(inputs: JsonObject, extra: JsonObject = {}): JsonObject {
  const p = prepared(inputs);
  if (p.status !== 0) throw new Error(`prepare failed: ${p.errors.join(' ')}`);
  return {
    inputs,
    secrets: {},
    github: { token: JOB_TOKEN },
    job: { workflow_repository: 'contoso/azure-vnet-peering', workflow_sha: WORKFLOW_SHA },
    runner: { temp: RUNNER_TEMP },
    needs: { prepare: { result: 'success', outputs: p.outputs } },
    ...extra,
  };
}

function called(given: JsonObject): JsonObject {
  return { ...defaultsOf(callInputs), ...given };
}

function dispatched(given: JsonObject): JsonObject {
  return { ...defaultsOf(dispatchInputs), ...given };
}

/** The matrix's shard values for a run. */
function matrixOf(context: JsonObject): Json {
  const matrix = obj(obj(shard['strategy'], 'strategy')['matrix'], 'matrix');
  return value(matrix['shard'], context);
}

/** One shard job's context: the run's, plus its matrix value and job-level env. */
function shardContext(context: JsonObject, k: number): JsonObject {
  const withMatrix: JsonObject = { ...context, matrix: { shard: k } };
  const env = obj(shard['env'], 'shard env');
  return { ...withMatrix, env: Object.fromEntries(Object.entries(env).map(([name, v]) => [name, template(v, withMatrix)])) };
}

function withOf(job: Record<string, unknown>, id: string, context: JsonObject): Record<string, string> {
  const w = obj(step(job, id, id)['with'], `${id} with`);
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, template(v, context)]));
}

/** GitHub's artifact-name rules: none of these characters. */
const ARTIFACT_NAME_FORBIDDEN = /["\\:<>|*?\r\n/]/;

/** The download's `pattern`: a glob whose only wildcard is `*`, which the names never contain. */
function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return re.test(name);
}

/** The artifact name of every shard job of a run. */
function artifactsOf(context: JsonObject): string[] {
  const count = Number(template('${{ needs.prepare.outputs.count }}', context));
  return Array.from({ length: count }, (_v, i) => template('${{ env.RESULT_ARTIFACT }}', shardContext(context, i + 1)));
}

describe('vnet-topology.yml: inputs', () => {
  it("takes exactly the spec's inputs, and the comment token as a secret", () => {
    expect(Object.keys(callInputs).sort()).toEqual([...SPEC_INPUTS].sort());
    expect(Object.keys(callSecrets)).toEqual(['github-token']);
    expect(obj(callInputs['topology'], 'topology')['required']).toBe(true);
    for (const name of SPEC_INPUTS.filter((n) => n !== 'topology')) {
      expect(obj(callInputs[name], name)['required'] === true, name).toBe(false);
    }
  });

  it("defaults what it passes through to action.yml's values, and types booleans and numbers", () => {
    for (const name of PASSED_THROUGH.filter((n) => n !== 'topology')) {
      const mine = obj(callInputs[name], name);
      const theirs = obj(actionInputs[name], name);
      expect(show(json(mine['default'], name)), name).toBe(show(json(theirs['default'], name)));
      const d = theirs['default'];
      const expected = d === 'true' || d === 'false' ? 'boolean' : /^\d+$/.test(String(d)) ? 'number' : 'string';
      expect(mine['type'], name).toBe(expected);
    }
    expect(obj(callInputs['shards'], 'shards')).toMatchObject({ type: 'number', default: 1 });
  });

  it('offers a form of at most 10 fields, each a call input with the same type, default and choices', () => {
    const names = Object.keys(dispatchInputs);
    expect(names.length).toBeLessThanOrEqual(10);
    expect(names).toEqual(expect.arrayContaining(['topology', 'mode', 'shards', 'github-environment']));
    for (const name of names) {
      const form = obj(dispatchInputs[name], name);
      const call = obj(callInputs[name], name);
      expect(form['type'] === 'choice' ? 'string' : form['type'], name).toBe(call['type']);
      expect(show(json(form['default'] ?? null, name)), name).toBe(show(json(call['default'] ?? null, name)));
      const values = CONTRACT_ENUMS[name];
      if (values === undefined) {
        expect(form['type'], name).not.toBe('choice');
      } else {
        expect(form['type'], name).toBe('choice');
        expect([...list(form['options'], name)].sort(), name).toEqual([...values].sort());
      }
    }
    expect(obj(dispatchInputs['topology'], 'topology')['required']).toBe(true);
  });
});

describe('vnet-topology.yml: the shard list', () => {
  it.each([1, 3, 256])('shards: %i gives a matrix of 1..%i', (n) => {
    const context = runContext(called({ topology: TOPOLOGY, shards: n }));
    expect(matrixOf(context)).toEqual(Array.from({ length: n }, (_v, i) => i + 1));
    expect(template('${{ needs.prepare.outputs.count }}', context)).toBe(String(n));
  });

  it('gives one shard when called with the defaults', () => {
    expect(matrixOf(runContext(called({ topology: TOPOLOGY })))).toEqual([1]);
    expect(matrixOf(runContext(dispatched({ topology: TOPOLOGY })))).toEqual([1]);
  });

  it.each(['0', '257', '1000', '1.5', '-1', '2e1', '03', 'abc'])("refuses shards: '%s' with a message that says what it takes", (n) => {
    const run = prepared(called({ topology: TOPOLOGY, shards: n }));
    expect(run.status).not.toBe(0);
    expect(run.errors.join('\n')).toMatch(/Input 'shards' .*whole number from 1 to 256/);
    expect(run.outputs['shards']).toBeUndefined();
  });

  it('cannot be made to print a workflow command through the shards value', () => {
    const run = prepared(called({ topology: TOPOLOGY, shards: '1\n::warning::injected' }));
    expect(run.status).not.toBe(0);
    expect(run.stdout).not.toMatch(/^::warning::/m);
  });

  it('refuses an empty topology path before any job signs in', () => {
    const run = prepared(called({ topology: '', shards: 2 }));
    expect(run.status).not.toBe(0);
    expect(run.errors.join('\n')).toContain("Input 'topology' is empty");
  });

  it('asks for no permissions to do it', () => {
    expect(prepare['permissions']).toEqual({});
    expect(prepare['environment']).toBeUndefined();
  });
});

describe('vnet-topology.yml: the shard jobs', () => {
  const context = runContext(called({ topology: TOPOLOGY, shards: 3, mode: 'plan', 'timeout-minutes': 90, 'max-parallel-writes': 20 }));

  it('run as a matrix that one failure does not stop, after the shard list', () => {
    const strategy = obj(shard['strategy'], 'strategy');
    expect(strategy['fail-fast']).toBe(false);
    expect(strategy['max-parallel']).toBeUndefined();
    expect(shard['needs']).toBe('prepare');
  });

  it('each pass their own K/N and the run-level inputs, never comment, and give no pair input', () => {
    for (const k of [1, 2, 3]) {
      const received = withOf(shard, 'topology', shardContext(context, k));
      expect(received).toEqual({
        topology: TOPOLOGY,
        shard: `${k}/3`,
        mode: 'plan',
        'fail-on-drift': 'false',
        comment: 'off',
        environment: 'AzureCloud',
        audience: '',
        'arm-endpoint': '',
        'authority-host': '',
        'timeout-minutes': '90',
        'max-parallel-writes': '20',
      });
      for (const name of Object.keys(received)) expect(Object.keys(actionInputs), name).toContain(name);
      for (const name of PAIR_INPUTS) expect(Object.keys(received), name).not.toContain(name);
    }
  });

  it("give a dispatch with only the topology action.yml's defaults, for what the form leaves out too", () => {
    const received = withOf(shard, 'topology', shardContext(runContext(dispatched({ topology: TOPOLOGY })), 1));
    expect(received).toMatchObject({ shard: '1/1', mode: 'apply', 'fail-on-drift': 'false', 'timeout-minutes': '15', 'max-parallel-writes': '50', environment: 'AzureCloud', audience: '' });
  });

  it('pass false and 0 from a caller through unchanged', () => {
    const received = withOf(shard, 'topology', shardContext(runContext(called({ topology: TOPOLOGY, 'fail-on-drift': true, 'timeout-minutes': 0, 'max-parallel-writes': 0 })), 1));
    expect(received).toMatchObject({ 'fail-on-drift': 'true', 'timeout-minutes': '0', 'max-parallel-writes': '0' });
  });

  it('ask for id-token: write and contents: read, and nothing else', () => {
    expect(workflow['permissions']).toEqual({});
    expect(shard['permissions']).toEqual({ 'id-token': 'write', contents: 'read' });
  });

  it('wait in the named GitHub environment, and in none when the name is empty', () => {
    expect(template(shard['environment'], context)).toBe('');
    expect(template(shard['environment'], runContext(called({ topology: TOPOLOGY, 'github-environment': 'production' })))).toBe('production');
    expect(template(shard['environment'], runContext(called({ topology: TOPOLOGY, environment: 'AzureUSGovernment' })))).toBe('');
  });

  it("check out the caller's repository, then the action from this workflow's own commit", () => {
    const steps = stepsOf(shard, 'shard');
    const checkouts = steps.filter((s) => typeof s['uses'] === 'string' && s['uses'].startsWith('actions/checkout@'));
    expect(checkouts).toHaveLength(2);
    const [caller, own] = checkouts.map((s) => obj(s['with'], 'checkout with'));
    expect(caller?.['repository']).toBeUndefined();
    expect(caller?.['path']).toBeUndefined();
    expect(caller?.['persist-credentials']).toBe(false);
    expect(template(own?.['repository'], context)).toBe('contoso/azure-vnet-peering');
    expect(template(own?.['ref'], context)).toBe(WORKFLOW_SHA);
    expect(own?.['persist-credentials']).toBe(false);
    expect(step(shard, 'topology', 'shard')['uses']).toBe(`./${String(own?.['path'])}`);
    expect(steps.indexOf(checkouts[1] ?? {})).toBeLessThan(steps.indexOf(step(shard, 'topology', 'shard')));
  });

  it("upload their result file also when the shard failed, but not when cancelled or when there is none", () => {
    const upload = stepsOf(shard, 'shard').find((s) => String(s['uses']).startsWith('actions/upload-artifact@'));
    const rename = step(shard, 'result', 'shard');
    const withFile: JsonObject = { ...shardContext(context, 1), steps: { topology: { outputs: { 'result-file': `${RUNNER_TEMP}/result.json` } }, result: { outcome: 'success' } } };
    const withoutFile: JsonObject = { ...shardContext(context, 1), steps: { topology: { outputs: {} }, result: { outcome: 'skipped' } } };
    for (const s of [rename, upload]) {
      expect(runs(s?.['if'], withFile, 'success')).toBe(true);
      expect(runs(s?.['if'], withFile, 'failure')).toBe(true);
      expect(runs(s?.['if'], withFile, 'cancelled')).toBe(false);
      expect(runs(s?.['if'], withoutFile, 'failure')).toBe(false);
    }
    const w = obj(upload?.['with'], 'upload with');
    expect(w['if-no-files-found']).toBe('error');
    // A re-run of a shard replaces its own file instead of failing on the name.
    expect(w['overwrite']).toBe(true);
    expect(Number(w['retention-days'])).toBeGreaterThanOrEqual(1);
    expect(Number(w['retention-days'])).toBeLessThanOrEqual(7);
  });
});

describe('vnet-topology.yml: artifacts', () => {
  it.each([1, 3, 256])('gives each of %i shards its own artifact, which the merge downloads, and no other run part', (n) => {
    const context = runContext(called({ topology: TOPOLOGY, shards: n }));
    const names = artifactsOf(context);
    expect(new Set(names).size).toBe(n);
    for (const name of names) {
      expect(name).not.toMatch(ARTIFACT_NAME_FORBIDDEN);
      expect(name.length).toBeLessThanOrEqual(128);
    }
    const pattern = withOf(merge, 'download', context)['pattern'] ?? '';
    for (const name of names) expect(globMatches(pattern, name), name).toBe(true);

    // The same run may hold other topology files, the other mode, or another shard count.
    const others = [
      called({ topology: 'network/other.yml', shards: n }),
      called({ topology: 'network_topology.yml', shards: n }),
      called({ topology: TOPOLOGY, shards: n, mode: 'plan' }),
      called({ topology: TOPOLOGY, shards: n === 256 ? 255 : n + 1 }),
      called({ topology: TOPOLOGY, shards: n * 10 > 256 ? 1 : n * 10 + 1 }),
    ].flatMap((inputs) => artifactsOf(runContext(inputs)));
    for (const other of others) expect(globMatches(pattern, other), other).toBe(false);
  });

  it('names the uploaded file after the artifact, where the merge looks for result files', () => {
    const context = runContext(called({ topology: TOPOLOGY, shards: 2 }));
    const artifact = template('${{ env.RESULT_ARTIFACT }}', shardContext(context, 2));
    const run = runScript(scriptOf(step(shard, 'result', 'shard'), 'shard'), {
      env: { RESULT_ARTIFACT: artifact, RESULT_FILE: '/dev/null' },
    });
    expect(run.status).toBe(0);
    expect(run.outputs['path']).toMatch(new RegExp(`/vnet-topology-upload/${artifact}\\.json$`));
    // The merge downloads every artifact into one folder (merge-multiple), so the file keeps that name there.
    const download = obj(step(merge, 'download', 'merge')['with'], 'download with');
    expect(download['merge-multiple']).toBe(true);
    const folder = template(download['path'], context);
    const results = withOf(merge, 'merge', context)['results'] ?? '';
    expect(globMatches(results, `${folder}/${artifact}.json`)).toBe(true);
  });
});

describe('vnet-topology.yml: the merge job', () => {
  const context = runContext(called({ topology: TOPOLOGY, shards: 4, mode: 'plan', 'fail-on-drift': true }));

  it('runs after all shards, failed ones included, but not when cancelled or without a shard list', () => {
    expect(merge['needs']).toEqual(['prepare', 'shard']);
    const cases: [JobStatus, string, boolean][] = [
      ['success', 'success', true],
      ['failure', 'success', true],
      ['cancelled', 'success', false],
      ['failure', 'failure', false],
    ];
    for (const [status, prepareResult, expected] of cases) {
      const c: JsonObject = { ...context, needs: { prepare: { result: prepareResult, outputs: {} }, shard: { result: status } } };
      expect(runs(merge['if'], c, status), `${status}, prepare ${prepareResult}`).toBe(expected);
    }
  });

  it('merges with the same topology file and comments, touching no cloud', () => {
    const received = withOf(merge, 'merge', context);
    expect(received).toEqual({
      topology: TOPOLOGY,
      results: `${RUNNER_TEMP}/vnet-topology-results/*.json`,
      mode: 'plan',
      'fail-on-drift': 'true',
      comment: 'auto',
      'github-token': JOB_TOKEN,
      'timeout-minutes': '15',
    });
    expect(received['topology']).toBe(withOf(shard, 'topology', shardContext(context, 1))['topology']);
    for (const name of Object.keys(received)) expect(Object.keys(actionInputs), name).toContain(name);
  });

  it("comments with the caller's token when given one", () => {
    expect(withOf(merge, 'merge', { ...context, secrets: { 'github-token': 'ghp_caller' } })['github-token']).toBe('ghp_caller');
  });

  it('asks for contents: read and pull-requests: write only: no OIDC token, no actions: read', () => {
    expect(merge['permissions']).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(merge['environment']).toBeUndefined();
    // The download of this run's artifacts needs no token.
    expect(obj(step(merge, 'download', 'merge')['with'], 'download with')['github-token']).toBeUndefined();
  });

  it("runs the action from this workflow's own commit, after checking out the topology file", () => {
    const steps = stepsOf(merge, 'merge');
    const checkouts = steps.filter((s) => typeof s['uses'] === 'string' && s['uses'].startsWith('actions/checkout@'));
    expect(checkouts).toHaveLength(2);
    const own = obj(checkouts[1]?.['with'], 'checkout with');
    expect(template(own['ref'], context)).toBe(WORKFLOW_SHA);
    expect(step(merge, 'merge', 'merge')['uses']).toBe(`./${String(own['path'])}`);
  });

  it("passes the merge's changed and result up as the workflow's outputs", () => {
    expect(Object.keys(callOutputs).sort()).toEqual(['changed', 'result']);
    const jobOutputs = obj(merge['outputs'], 'merge outputs');
    for (const name of ['changed', 'result']) {
      expect(obj(callOutputs[name], name)['value']).toBe(`\${{ jobs.merge.outputs.${name} }}`);
      expect(jobOutputs[name]).toBe(`\${{ steps.merge.outputs.${name} }}`);
    }
  });
});

describe('vnet-topology.yml: concurrency', () => {
  const concurrency = obj(workflow['concurrency'], 'concurrency');
  const group = (inputs: JsonObject): string => template(concurrency['group'], { inputs });

  it('holds one run per topology file, plans and applies alike, and never cancels a running one', () => {
    const apply = group(called({ topology: TOPOLOGY }));
    expect(apply).toContain(TOPOLOGY);
    expect(group(called({ topology: TOPOLOGY, mode: 'plan', shards: 4 }))).toBe(apply);
    expect(group(dispatched({ topology: TOPOLOGY }))).toBe(apply);
    expect(group(called({ topology: 'network/other.yml' }))).not.toBe(apply);
    expect(concurrency['cancel-in-progress']).toBe(false);
    expect(apply.length).toBeLessThanOrEqual(400);
  });

  it("is named apart from the pair workflow's groups and holds the whole run, not each job", () => {
    const pair = obj(obj(obj(load('.github/workflows/vnet-peering.yml')['jobs'], 'jobs')['peering'], 'peering')['concurrency'], 'pair concurrency');
    const pairPrefix = String(pair['group']).split('${{')[0] ?? '';
    const prefix = String(concurrency['group']).split('${{')[0] ?? '';
    expect(prefix).toMatch(/^azure-vnet-peering-/);
    expect(prefix).not.toBe(pairPrefix);
    // A group on the shard job would run the shards of one run one at a time.
    for (const job of [prepare, shard, merge]) expect(job['concurrency']).toBeUndefined();
  });
});

describe('vnet-topology.yml: scripts', () => {
  it('take inputs through env only', () => {
    for (const [id, job] of jobsOf(FILE)) {
      for (const s of stepsOf(job, id)) {
        if (typeof s['run'] === 'string') expect(s['run'], id).not.toMatch(/\$\{\{/);
      }
    }
    const env = obj(step(prepare, 'shards', 'prepare')['env'], 'prepare env');
    expect(Object.values(env).join(' ')).toContain('inputs.shards');
  });
});
