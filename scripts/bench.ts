// npm run bench: the bundled action against the emulator with a realistic latency model, for a
// fresh cross-tenant create and a no-op check. Prints wall time, requests per service, how many
// of them ran one after another, bundle load time and peak memory. Figures, never assertions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RecordedRequest } from '../test/emulator/index.ts';
import { CROSS_TENANT } from '../test/support/e2e.ts';
import { DIST, pushEvent, runAction } from '../test/support/run-action.ts';

const TIMING = {
  armLatencyMs: 100,
  tokenLatencyMs: 150,
  oidcLatencyMs: 50,
  githubLatencyMs: 100,
  operationMs: 10_000,
  retryAfterSeconds: 10,
};

/** Requests that overlap in time form one round; rounds run one after another. */
function rounds(requests: readonly RecordedRequest[]): number {
  const sorted = [...requests].sort((x, y) => x.startedAt - y.startedAt);
  let count = 0;
  let end = -Infinity;
  for (const r of sorted) {
    if (r.startedAt >= end) count++;
    end = Math.max(end, r.endedAt);
  }
  return count;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function scenario(label: string, emu: Awaited<ReturnType<typeof startEmulator>>, rssFile: string): Promise<void> {
  emu.clearRequests();
  const started = performance.now();
  const run = await runAction({
    inputs: CROSS_TENANT,
    env: { ...emu.actionEnv(), BENCH_RSS_FILE: rssFile },
    event: pushEvent(),
    nodeArgs: ['--import', `data:text/javascript,process.on('exit',()=>require('node:fs').writeFileSync(process.env.BENCH_RSS_FILE,String(process.resourceUsage().maxRSS)))`.replace('require(\'node:fs\')', 'process.getBuiltinModule(\'node:fs\')')],
  });
  const wall = performance.now() - started;
  const by = (s: RecordedRequest['service']): RecordedRequest[] => emu.requests.filter((r) => r.service === s);
  const entra = by('login');
  const arm = by('arm');
  const oidc = by('oidc');
  const all = [...entra, ...arm, ...oidc];
  const rssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  console.log(`\n${label}: exit ${run.exitCode}, changed=${run.outputs.changed}, A→B ${run.outputs['action-a']}/${run.outputs['state-a']}, B→A ${run.outputs['action-b']}/${run.outputs['state-b']}`);
  console.log(`  wall time             ${(wall / 1000).toFixed(2)} s`);
  console.log(`  requests              Entra ${entra.length}, ARM ${arm.length} (${arm.filter((r) => r.method !== 'GET').length} writes, ${arm.filter((r) => r.path.includes('/operations/') || r.path.includes('/operationResults/')).length} operation polls), GitHub OIDC ${oidc.length}`);
  console.log(`  sequential rounds     ${rounds(all)} of ${all.length} requests (Entra+ARM+OIDC); ARM alone ${rounds(arm)} of ${arm.length}`);
  console.log(`  peak RSS              ${rssMiB.toFixed(0)} MiB`);
}

const emu = await startEmulator({ timing: TIMING });
const rssFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'rss');
try {
  console.log(`Latency model: ARM ${TIMING.armLatencyMs} ms/call, Entra token ${TIMING.tokenLatencyMs} ms, OIDC ${TIMING.oidcLatencyMs} ms, operations ${TIMING.operationMs / 1000} s announcing Retry-After: ${TIMING.retryAfterSeconds}`);
  await scenario('Fresh cross-tenant create', emu, rssFile);
  await scenario('No-op check (second run)', emu, rssFile);
} finally {
  await emu.stop();
}

// Bundle load: the bundle stops at input validation, before any network call; minus bare node start.
const time = (args: string[]): number => {
  const t = performance.now();
  spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
  return performance.now() - t;
};
const bare = median(Array.from({ length: 7 }, () => time(['-e', ''])));
const bundle = median(Array.from({ length: 7 }, () => time([DIST])));
console.log(`\nBundle load (dist/index.js to its first input check): ${(bundle - bare).toFixed(0)} ms over a bare node start of ${bare.toFixed(0)} ms (median of 7)`);
