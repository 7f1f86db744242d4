// Wiring: config → sign in → engine (observe, plan, schedule, write, verify) → publish (outputs,
// result file, job summary, sticky comment, the last log line). Decisions live in the modules this
// calls; run() only connects them to the runner.
import * as core from '@actions/core';
import * as github from '@actions/github';
import { globSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Timing } from './clock.ts';
import { Credentials, identityKey } from './azure/credentials.ts';
import { createOidcSource, oidcUnavailableMessage } from './azure/oidc.ts';
import { signIn } from './azure/sign-in.ts';
import { createVnetApi, type VnetApi } from './azure/vnet-api.ts';
import { readConfig, type RunConfig } from './config/inputs.ts';
import type { Identity, Problem, RunReport, VnetRef } from './model.ts';
import { shardOf } from './plan/shard.ts';
import { invalidInput, log, publish } from './publish.ts';
import { mergeResults } from './report/merge.ts';
import { reconcile, unreadRun, type EngineInput } from './run/engine.ts';
import { Stop } from './stop.ts';

const USER_AGENT = 'azure-vnet-peering-action/1';

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
  const api = (vnet: VnetRef, identity: Identity, remote?: Identity): VnetApi => {
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
    const report = config.kind === 'merge' ? mergeRun(config) : await reconcileRun(config, t, stop);
    await publish(config, report, stop, deadline);
  } finally {
    stop.dispose();
  }
}
