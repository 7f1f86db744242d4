// Wiring: inputs -> credentials -> Azure clients -> reconcile -> outputs, summary, comment.
// Decisions live in the modules this calls; run() only connects them to the runner.
import * as core from '@actions/core';
import * as github from '@actions/github';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSideApi } from './azure/vnet-api.ts';
import { createCredentials, type TenantCredentials } from './azure/credentials.ts';
import { errorContexts, errorMessage, toProblem } from './errors/errors.ts';
import { pullRequestTarget, upsertStickyComment } from './github.ts';
import { InputError, readSettings, type Settings } from './config/inputs.ts';
import { other, type Problem, type RunReport, type Side } from './model.ts';
import { failureMessage, shouldFail, toOutputs } from './report/outputs.ts';
import { oidcUnavailableMessage } from './azure/oidc.ts';
import { reconcile, unreadReport } from './run/engine.ts';
import { escapeText, renderComment, renderReport } from './report/markdown.ts';

const USER_AGENT = 'azure-vnet-peering-action/1';

/** Gets a token from each tenant before anything else, so a sign-in problem is named as such. */
async function signIn(settings: Settings, creds: TenantCredentials, signal: AbortSignal): Promise<Problem[]> {
  const sides: Side[] = creds.a === creds.b ? ['a'] : ['a', 'b'];
  const results = await Promise.allSettled(sides.map((s) => creds[s].getToken(settings.armScope, { abortSignal: signal })));
  const contexts = errorContexts(settings, creds.claims);
  return results.flatMap((r, i) => {
    const side = sides[i] ?? 'a';
    if (r.status === 'fulfilled') return [];
    const p = toProblem(r.reason, contexts[side]);
    const who = `Signing in to tenant ${side.toUpperCase()} (${settings[side].tenantId}) as ${settings[side].clientId}`;
    return [{ ...p, message: `${who}: ${p.message}` }];
  });
}

async function publish(settings: Settings, report: RunReport): Promise<void> {
  for (const [name, value] of Object.entries(toOutputs(report))) core.setOutput(name, value);
  const ctx = github.context;
  const runUrl = ctx.runId ? `${ctx.serverUrl}/${ctx.repo.owner}/${ctx.repo.repo}/actions/runs/${ctx.runId}` : undefined;
  const opts = runUrl ? { runUrl } : {};
  const markdown = renderReport(report, opts);
  if (process.env.GITHUB_STEP_SUMMARY) {
    try {
      await core.summary.addRaw(markdown, true).write();
    } catch (e: unknown) {
      core.warning(`Could not write the job summary: ${errorMessage(e)}`);
    }
  } else {
    // Outside a runner (say, by hand against the emulator) the report goes to the log.
    core.info(markdown);
  }
  // A plan that already knows apply would be refused says so where reviewers look first.
  if (report.mode === 'plan') {
    for (const side of [report.sides.a, report.sides.b]) {
      if (side.problem && report.verdict === 'pending') core.warning(`Apply would fail: ${side.problem.code}: ${side.problem.message} ${side.problem.advice}`);
    }
  }
  const target = settings.comment === 'auto' ? pullRequestTarget(ctx) : undefined;
  if (!target) return;
  if (!settings.githubToken) {
    core.warning('No github-token: the pull request comment was skipped.');
    return;
  }
  try {
    const client = github.getOctokit(settings.githubToken);
    const res = await upsertStickyComment(client, target, report.pairKey, renderComment(report, opts));
    core.info(`Pull request comment ${res.outcome}: ${res.url}`);
  } catch (e: unknown) {
    core.warning(errorMessage(e));
  }
}

export async function run(): Promise<void> {
  let settings: Settings;
  try {
    settings = readSettings();
  } catch (e: unknown) {
    const message = e instanceof InputError ? e.message : `Reading inputs: ${errorMessage(e)}`;
    if (process.env.GITHUB_STEP_SUMMARY) {
      await core.summary.addRaw(`### ❌ Invalid input — nothing was sent to Azure\n\n${escapeText(message, 2000)}\n`, true).write();
    }
    core.setFailed(message);
    return;
  }
  const cancel = new AbortController();
  const onSignal = (): void => cancel.abort(new Error('The run was cancelled.'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // One clock for both: the signal that stops waits and the deadline that keeps them from starting.
  const deadline = Date.now() + settings.timeoutMs;
  const signal = AbortSignal.any([cancel.signal, AbortSignal.timeout(settings.timeoutMs)]);

  let report: RunReport;
  const noOidc = oidcUnavailableMessage(process.env, github.context);
  if (noOidc) {
    report = unreadReport(settings, [noOidc]);
  } else {
    const creds = createCredentials(settings, { getIdToken: (aud) => core.getIDToken(aud), mask: core.setSecret });
    const signInProblems = await core.group('Sign in', () => signIn(settings, creds, signal));
    const contexts = errorContexts(settings, creds.claims);
    const api = (s: Side) =>
      createSideApi({
        vnet: settings[s].vnet,
        credential: creds[s],
        auxiliary: settings.a.tenantId === settings.b.tenantId ? undefined : creds[other(s)],
        armEndpoint: settings.armEndpoint,
        armScope: settings.armScope,
        userAgent: USER_AGENT,
      });
    report = signInProblems.length
      ? unreadReport(settings, signInProblems, cancel.signal.aborted ? 'cancelled' : 'failed')
      : await reconcile(settings, {
          apis: { a: api('a'), b: api('b') },
          contexts,
          signal,
          cancelled: () => cancel.signal.aborted,
          sleep: (ms, s) => sleep(ms, undefined, { signal: s }),
          now: Date.now,
          deadline,
          log: core.info,
          group: core.group,
        });
  }
  await publish(settings, report);
  if (shouldFail(report, settings.failOnDrift)) core.setFailed(failureMessage(report));
}
