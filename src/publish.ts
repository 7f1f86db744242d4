// Publishing a run: the step outputs and the result file, the job summary, the sticky comment (on
// the pull request, or the merged one on push), warnings, and the last log line.
import * as core from '@actions/core';
import * as github from '@actions/github';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, type RunConfig } from './config/inputs.ts';
import { errorMessage } from './errors/classify.ts';
import { mergedPullRequestTarget, pullRequestTarget, upsertStickyComment, type CommentTarget } from './github.ts';
import type { RunReport } from './model.ts';
import { commentMarker, renderComment, sameContent } from './report/comment.ts';
import { escapeText, logText } from './report/escape.ts';
import { renderSummary } from './report/markdown.ts';
import { failureMessage, finalLine, resultFileJson, shouldFail, toOutputs, warningLines } from './report/outputs.ts';
import type { Stop } from './stop.ts';

/** A run that used up timeout-minutes still gets this long for its comment; after a cancellation, SIGTERM comes first. */
const PUBLISH_GRACE_MS = 5_000;
const CANCELLED_PUBLISH_MS = 2_000;

/** Every line of the log goes through here: outside text never starts a workflow command. */
export function log(message: string): void {
  core.info(logText(message));
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

export async function publish(config: RunConfig, report: RunReport, stop: Stop, deadline: number): Promise<void> {
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

export async function invalidInput(e: unknown): Promise<void> {
  const message = e instanceof InputError ? e.message : `Reading inputs: ${errorMessage(e)}`;
  if (process.env.GITHUB_STEP_SUMMARY) {
    const lines = message.split('\n').map((l) => escapeText(l, 2000));
    await core.summary.addRaw(`### ❌ Invalid input — nothing was sent to Azure\n\n${lines.join('<br>\n')}\n`, true).write();
  }
  core.setFailed(message);
}
