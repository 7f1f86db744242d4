// Wiring: config → sign in → engine (observe, plan, schedule, write, verify) → publish (outputs,
// result file, job summary, sticky comment, the last log line). Decisions live in the modules this
// calls; run() only connects them to the runner.
import * as core from '@actions/core';
import * as github from '@actions/github';
import { globSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Timing } from './clock.ts';
import { Credentials, identityKey } from './azure/credentials.ts';
import { createOidcSource, oidcUnavailableMessage, type OidcSource } from './azure/oidc.ts';
import { createVnetApi, type VnetApi } from './azure/vnet-api.ts';
import { InputError, readConfig, type RunConfig, type RunSettings } from './config/inputs.ts';
import { errorMessage, toProblem } from './errors/classify.ts';
import { mergedPullRequestTarget, pullRequestTarget, upsertStickyComment, type CommentTarget } from './github.ts';
import type { Identity, Problem, RunReport, TenantEntry, Topology } from './model.ts';
import { shardOf } from './plan/shard.ts';
import { reconcile, unreadRun, type EngineInput } from './run/engine.ts';
import { commentMarker, renderComment, sameContent } from './report/comment.ts';
import { escapeText, logText } from './report/escape.ts';
import { renderSummary } from './report/markdown.ts';
import { mergeResults } from './report/merge.ts';
import { failureMessage, finalLine, resultFileJson, shouldFail, toOutputs, warningLines } from './report/outputs.ts';

const USER_AGENT = 'azure-vnet-peering-action/1';
/** A run that used up timeout-minutes still gets this long for its comment; after a cancellation, SIGTERM comes first. */
const PUBLISH_GRACE_MS = 5_000;
const CANCELLED_PUBLISH_MS = 2_000;
/** Once SIGTERM came, the process ends this soon whatever is still running (SIGKILL follows 2.5 s after it). */
const HARD_EXIT_MS = 1_500;

/** SIGINT, then SIGTERM 7.5 s later, then a kill (spec/azure.md §6): stop, publish, exit. */
class Stop {
  readonly #cancel = new AbortController();
  readonly #hard = new AbortController();
  readonly #onSignal = (): void => {
    if (!this.#cancel.signal.aborted) {
      this.#cancel.abort(new DOMException('The run was cancelled.', 'AbortError'));
      return;
    }
    this.#hard.abort(new DOMException('The run was cancelled.', 'AbortError'));
    setTimeout(() => process.exit(process.exitCode ?? 1), HARD_EXIT_MS).unref();
  };
  constructor() {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }
  get signal(): AbortSignal {
    return this.#cancel.signal;
  }
  get hard(): AbortSignal {
    return this.#hard.signal;
  }
  cancelled(): boolean {
    return this.#cancel.signal.aborted;
  }
  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}

function log(message: string): void {
  core.info(logText(message));
}

/** The engine's input: the whole topology, or one shard's links and VNets. */
function engineInput(config: Extract<RunConfig, { kind: 'reconcile' }>, problems: readonly Problem[]): EngineInput {
  const { topology, shard, settings } = config;
  const base = { topology, shard, mode: settings.mode, maxParallelWrites: settings.maxParallelWrites, timeoutMs: settings.timeoutMs, problems };
  if (!shard) return { ...base, links: topology.links, vnets: topology.vnets };
  const mine = shardOf(topology, shard.count)[shard.index - 1];
  const links = new Set(mine?.links ?? []);
  const vnets = new Set(mine?.vnets ?? []);
  return { ...base, links: topology.links.filter((l) => links.has(l.index)), vnets: topology.vnets.filter((v) => vnets.has(v.vnet.id.toLowerCase())) };
}

/** Who signs in where, in the words of the config ("tenant contoso (1111…)"). */
function tenantWords(topology: Topology, identity: Identity): string {
  const aliases = topology.tenants.filter((t: TenantEntry) => identityKey(t.identity) === identityKey(identity)).map((t) => t.alias);
  return `tenant ${aliases.join(', ') || identity.tenantId} (${identity.tenantId}) as ${identity.clientId}`;
}

/** Gets a token for each identity before anything else, so a sign-in problem is named as such. */
async function signIn(topology: Topology, identities: readonly Identity[], creds: Credentials, settings: RunSettings, oidc: OidcSource, signal: AbortSignal): Promise<{ failed: Set<string>; problems: Problem[] }> {
  const results = await Promise.allSettled(identities.map((i) => creds.for(i).getToken(settings.armScope, { abortSignal: signal })));
  const failed = new Set<string>();
  const byCode = new Map<string, { who: string[]; problem: Problem }>();
  results.forEach((r, n) => {
    const identity = identities[n];
    if (!identity || r.status === 'fulfilled') return;
    failed.add(identityKey(identity));
    const locator = topology.links.flatMap((l) => (['a', 'b'] as const).filter((s) => identityKey(l.ends[s].identity) === identityKey(identity)).map((s) => l.locator))[0];
    const p = toProblem(r.reason, {
      tenantId: identity.tenantId,
      clientId: identity.clientId,
      tenantField: locator?.tenant.a ?? 'the tenant ID',
      clientField: locator?.client.a ?? 'the client ID',
      subject: oidc.claims.subject,
      audience: oidc.claims.audience ?? settings.audience,
    });
    // The same refusal from several tenants is said once.
    const same = byCode.get(p.code);
    if (same) same.who.push(tenantWords(topology, identity));
    else byCode.set(p.code, { who: [tenantWords(topology, identity)], problem: p });
  });
  const problems = [...byCode.values()].map(({ who, problem }) => ({ ...problem, message: `Signing in to ${who.join(' and ')}: ${problem.message}` }));
  return { failed, problems };
}

async function reconcileRun(config: Extract<RunConfig, { kind: 'reconcile' }>, t: Timing, stop: Stop): Promise<RunReport> {
  const settings = config.settings;
  const noOidc = oidcUnavailableMessage(process.env, github.context);
  if (noOidc) return unreadRun(engineInput(config, [noOidc]));
  const input = engineInput(config, []);
  const oidc = createOidcSource({ getIdToken: (aud: string) => core.getIDToken(aud), audience: settings.audience, now: Date.now, signal: t.signal });
  const creds = new Credentials({ authorityHost: settings.authorityHost, disableInstanceDiscovery: settings.customAuthorityHost, oidc, mask: core.setSecret, now: Date.now, signal: t.signal });
  const identities = [...new Map(input.vnets.map((v) => [identityKey(v.identity), v.identity])).values()];
  const signed = await core.group('Sign in', () => signIn(config.topology, identities, creds, settings, oidc, t.signal));
  const full = { ...input, problems: signed.problems };
  if (identities.length > 0 && signed.failed.size === identities.length) return unreadRun(full, stop.cancelled() ? 'cancelled' : 'failed');

  const apis = new Map<string, VnetApi>();
  const api = (vnet: { id: string; subscriptionId: string; resourceGroup: string; name: string }, identity: Identity, remote?: Identity): VnetApi => {
    const k = `${vnet.id.toLowerCase()}|${identityKey(identity)}|${remote ? identityKey(remote) : ''}`;
    let a = apis.get(k);
    if (!a) {
      a = createVnetApi({
        vnet,
        tenantId: identity.tenantId,
        credential: creds.for(identity),
        auxiliaryFor: (tenantId) => (remote && remote.tenantId.toLowerCase() === tenantId.toLowerCase() ? creds.for(remote) : undefined),
        armEndpoint: settings.armEndpoint,
        armScope: settings.armScope,
        userAgent: USER_AGENT,
      });
      apis.set(k, a);
    }
    return a;
  };
  return reconcile(full, {
    ...t,
    api,
    signedIn: (i) => !signed.failed.has(identityKey(i)),
    cancelled: () => stop.cancelled(),
    group: core.group,
    claims: oidc.claims,
  });
}

/** `results`: the shard result files merged into one report, against this topology file. */
function mergeRun(config: Extract<RunConfig, { kind: 'merge' }>): RunReport {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const files = globSync(config.results, { cwd: workspace }).sort().map((name) => ({ name, text: readFileSync(resolve(workspace, name), 'utf8') }));
  const source = config.topology.source;
  const path = source.kind === 'file' ? source.path : '';
  if (files.length === 0) log(`No result file matches '${config.results}' (relative to ${workspace}).`);
  return mergeResults(files, { digest: source.kind === 'file' ? source.digest : '', path, mode: config.settings.mode }).report;
}

function writeResultFile(report: RunReport): string {
  const dir = join(process.env.RUNNER_TEMP || tmpdir(), 'azure-vnet-peering');
  mkdirSync(dir, { recursive: true });
  const shard = report.shard ? `-shard-${report.shard.index}-of-${report.shard.count}` : '';
  const path = join(dir, `result${shard}-${process.pid}-${Date.now()}.json`);
  writeFileSync(path, resultFileJson(report));
  return path;
}

async function comment(config: RunConfig, report: RunReport, runUrl: string | undefined, stop: Stop, deadline: number): Promise<void> {
  const settings = config.settings;
  // A shard's report is part of one: the merge run comments for all of them.
  if (settings.comment !== 'auto' || report.shard) return;
  const ctx = github.context;
  const started = Date.now();
  const until = stop.cancelled() ? started + CANCELLED_PUBLISH_MS : Math.max(deadline, started + PUBLISH_GRACE_MS);
  const signal = AbortSignal.any([stop.hard, AbortSignal.timeout(Math.max(0, until - started))]);
  const opts = { signal, deadline: until, token: settings.githubToken };
  const prTarget = pullRequestTarget(ctx);
  if (!prTarget && ctx.eventName !== 'push') return;
  if (!settings.githubToken) {
    core.warning('No github-token: the pull request comment was skipped.');
    return;
  }
  try {
    const client = github.getOctokit(settings.githubToken);
    const target: CommentTarget | undefined = prTarget ?? (await mergedPullRequestTarget(client, ctx, opts));
    if (!target) return;
    const body = renderComment(report, runUrl ? { runUrl } : {});
    const res = await upsertStickyComment(client, target, { marker: commentMarker(report), body, unchanged: (old) => sameContent(old, body) }, opts);
    log(`Pull request comment ${res.outcome}: ${res.url}`);
    if (res.foreign > 0) core.warning(`${res.foreign} comment(s) on the pull request carry this report's marker but were written by someone else; they were left alone.`);
  } catch (e: unknown) {
    core.warning(logText(errorMessage(e)));
  }
}

async function publish(config: RunConfig, report: RunReport, stop: Stop, deadline: number): Promise<void> {
  const ctx = github.context;
  const resultFile = writeResultFile(report);
  for (const [name, value] of Object.entries(toOutputs(report, resultFile))) core.setOutput(name, value);
  const runUrl = ctx.runId ? `${ctx.serverUrl}/${ctx.repo.owner}/${ctx.repo.repo}/actions/runs/${ctx.runId}` : undefined;
  const markdown = renderSummary(report, runUrl ? { runUrl } : {});
  if (process.env.GITHUB_STEP_SUMMARY) {
    try {
      await core.summary.addRaw(markdown, true).write();
    } catch (e: unknown) {
      core.warning(`Could not write the job summary: ${errorMessage(e)}`);
    }
  } else {
    // Outside a runner (say, by hand against the emulator) the report goes to the log.
    for (const line of markdown.split('\n')) log(line);
  }
  // A plan that already knows apply would be refused says so where reviewers look first.
  for (const line of warningLines(report)) core.warning(line);
  await comment(config, report, runUrl, stop, deadline);
  const fail = shouldFail(report, config.settings.failOnDrift);
  log(finalLine(report));
  if (fail) core.setFailed(failureMessage(report));
  else core.notice(finalLine(report));
}

async function invalidInput(e: unknown): Promise<void> {
  const message = e instanceof InputError ? e.message : `Reading inputs: ${errorMessage(e)}`;
  if (process.env.GITHUB_STEP_SUMMARY) {
    const lines = message.split('\n').map((l) => escapeText(l, 2000));
    await core.summary.addRaw(`### ❌ Invalid input — nothing was sent to Azure\n\n${lines.join('<br>\n')}\n`, true).write();
  }
  core.setFailed(message);
}

export async function run(): Promise<void> {
  const started = Date.now();
  let config: RunConfig;
  try {
    config = readConfig();
  } catch (e: unknown) {
    await invalidInput(e);
    return;
  }
  const settings = config.settings;
  if (settings.githubToken) core.setSecret(settings.githubToken);
  const stop = new Stop();
  try {
    // One clock for all: the signal that stops waits and the deadline that keeps them from starting.
    const deadline = started + settings.timeoutMs;
    const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(settings.timeoutMs)]);
    const t: Timing = { sleep: (ms, s) => sleep(ms, undefined, { signal: s }), now: Date.now, deadline, signal, log };
    let report: RunReport;
    try {
      report = config.kind === 'merge' ? mergeRun(config) : await reconcileRun(config, t, stop);
    } catch (e: unknown) {
      if (e instanceof InputError) {
        await invalidInput(e);
        return;
      }
      throw e;
    }
    await publish(config, report, stop, deadline);
  } finally {
    stop.dispose();
  }
}
