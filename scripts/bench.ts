// npm run bench: the bundled action against the emulator with one latency model, printing each
// figure next to its bound (the physical limit the issues name) as a ratio. Figures, never
// assertions: these machines are shared and noisy. Operation times are scaled down (1 s, polled
// every second), and every bound is computed on the same scale.
import { spawnSync } from 'node:child_process';
import { generateWorld, startEmulator, type Emulator, type GenerateSpec, type RecordedRequest } from '../test/emulator/index.ts';
import { CROSS_TENANT } from '../test/support/e2e.ts';
import { DIST, pullRequestEvent, pushEvent, runAction, type ActionRun } from '../test/support/run-action.ts';
import { topologyYaml, workspace, type FileShape } from '../test/support/topology-files.ts';

const OPERATION_MS = 1_000;
const TIMING = { armLatencyMs: 20, tokenLatencyMs: 40, oidcLatencyMs: 20, githubLatencyMs: 20, operationMs: OPERATION_MS, retryAfterSeconds: 1 };
// Throttling as Azure does it would only slow the scaled-down clock unfairly (100 minutes of
// writes squeezed into seconds); the buckets are per principal, subscription and minute.
const BEHAVIOR = { throttling: { enabled: false } };

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
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const isPoll = (r: RecordedRequest): boolean => r.path.includes('/operations/') || r.path.includes('/operationResults/');

/** How long an operation took as the action saw it: from its PUT to the poll that saw it end. */
function operationTime(requests: readonly RecordedRequest[]): number {
  const writes = requests.filter((r) => r.service === 'arm' && (r.method === 'PUT' || r.method === 'DELETE') && r.status < 300);
  const polls = requests.filter((r) => r.service === 'arm' && isPoll(r));
  const times = writes.map((w) => {
    const after = polls.filter((p) => p.startedAt >= w.startedAt);
    // The first poll that ended after the operation did.
    const seen = after.find((p) => p.endedAt - w.startedAt >= OPERATION_MS);
    return (seen?.endedAt ?? w.endedAt) - w.startedAt;
  });
  return times.length ? median(times) : OPERATION_MS;
}

/** Time from the start to the first write: sign-in, reads, plan and preflight. */
function beforeWrites(requests: readonly RecordedRequest[], started: number): number {
  const first = requests.find((r) => r.service === 'arm' && (r.method === 'PUT' || r.method === 'DELETE'));
  return (first?.startedAt ?? started) - started;
}

function line(label: string, figure: string, bound: string, ratio: number, holds: boolean): void {
  console.log(`  ${label.padEnd(44)} ${figure.padEnd(12)} bound ${bound.padEnd(30)} ratio ${ratio.toFixed(2)} ${holds ? '✓' : '✗'}`);
}

function requestsLine(emu: Emulator): string {
  const by = (svc: RecordedRequest['service']) => emu.requests.filter((r) => r.service === svc);
  const arm = by('arm');
  return `Entra ${by('login').length}, OIDC ${by('oidc').length}, ARM ${arm.length} (${arm.filter((r) => r.method === 'GET' && !isPoll(r) && !r.path.includes('/permissions')).length} reads, ${arm.filter((r) => r.path.includes('/permissions')).length} permission reads, ${arm.filter((r) => r.method !== 'GET').length} writes, ${arm.filter(isPoll).length} polls), GitHub ${by('github').length}`;
}

interface Estate {
  readonly emu: Emulator;
  write(relative: string, text: string): void;
  run(inputs?: Record<string, string>, opts?: { event?: ReturnType<typeof pushEvent> }): Promise<{ run: ActionRun; ms: number; started: number }>;
  stop(): Promise<void>;
  readonly g: ReturnType<typeof generateWorld>;
}

async function estate(spec: GenerateSpec, shape: FileShape = {}): Promise<Estate> {
  const g = generateWorld(spec);
  const emu = await startEmulator({ world: g.world, timing: TIMING, behavior: BEHAVIOR });
  const ws = workspace();
  ws.write('topology.yml', topologyYaml(g, shape));
  return {
    emu,
    g,
    write: (relative, text) => void ws.write(relative, text),
    async run(inputs = {}, opts = {}) {
      emu.clearRequests();
      const started = Date.now();
      const run = await runAction({ inputs: { topology: 'topology.yml', ...inputs }, env: { ...emu.actionEnv(), GITHUB_WORKSPACE: ws.dir }, event: opts.event ?? pushEvent() });
      if (run.exitCode !== 0) console.log(`    (exit ${run.exitCode}: ${run.errors.join(' | ').slice(0, 400)})`);
      return { run, ms: Date.now() - started, started };
    },
    async stop() {
      await emu.stop();
      ws.remove();
    },
  };
}

console.log(`Latency model: ARM ${TIMING.armLatencyMs} ms/call, Entra ${TIMING.tokenLatencyMs} ms, OIDC ${TIMING.oidcLatencyMs} ms, GitHub ${TIMING.githubLatencyMs} ms; operations ${OPERATION_MS / 1000} s, Retry-After: ${TIMING.retryAfterSeconds} (scaled down; every bound below uses the same scale)\n`);

// ---- one pair ----------------------------------------------------------------------------------
{
  console.log('One pair (the pair inputs, cross-tenant)');
  const emu = await startEmulator({ timing: TIMING });
  const pair = async (event = pushEvent()) => {
    emu.clearRequests();
    const started = Date.now();
    const run = await runAction({ inputs: CROSS_TENANT, env: emu.actionEnv(), event });
    return { run, ms: Date.now() - started, started };
  };
  const fresh = await pair();
  const op = operationTime(emu.requests);
  const setup = beforeWrites(emu.requests, fresh.started);
  const freshBound = 1.1 * 2 * op + setup;
  line('fresh create: wall time', s(fresh.ms), `1.1 × 2 × ${s(op)} (in series) + ${s(setup)} = ${s(freshBound)}`, fresh.ms / freshBound, fresh.ms <= freshBound);
  const noop = await pair(pullRequestEvent());
  const cloud = emu.requests.filter((r) => r.service !== 'github');
  // MSAL knows the public clouds' endpoints; against a custom authority host it reads the
  // openid-configuration first (one more Entra round the public cloud does not have).
  const publicCloud = cloud.filter((r) => !r.path.includes('openid-configuration'));
  console.log(`  no-op check on a pull request: ${s(noop.ms)}; requests ${requestsLine(emu)}`);
  line('no-op: sequential rounds to Entra/OIDC/ARM', `${rounds(publicCloud)}`, '3 (tokens, Entra, ARM)', rounds(publicCloud) / 3, rounds(publicCloud) <= 3);
  console.log(`  (with the emulator's authority-host discovery: ${rounds(cloud)} rounds; before this work a no-op check took 5 rounds and 4 OIDC requests)`);
  await emu.stop();
}

// ---- a hub with 50 new spokes ------------------------------------------------------------------
const N = 50;
{
  console.log(`\nA hub with ${N} new spokes across two tenants (busy model: a write busies its own VNet only)`);
  const ours = await estate({ tenants: 2, hubs: 1, spokesPerHub: N });
  const a = await ours.run();
  const op = operationTime(ours.emu.requests);
  const setup = beforeWrites(ours.emu.requests, a.started);
  const bound = 1.1 * (N + 1) * op + setup;
  line('wall time', s(a.ms), `1.1 × (N+1) × ${s(op)} + ${s(setup)} = ${s(bound)}`, a.ms / bound, a.ms <= bound);
  console.log(`  requests ${requestsLine(ours.emu)}`);

  // The hub's address space grows: every spoke side needs a sync, and they run together.
  const hub = ours.g.ids.hubs[0] ?? '';
  ours.emu.setAddressSpace(hub, [...(ours.emu.vnet(hub)?.properties.addressSpace.addressPrefixes ?? []), '10.254.0.0/16']);
  const grew = await ours.run();
  const setupGrew = beforeWrites(ours.emu.requests, grew.started);
  const syncBound = 1.5 * op + setupGrew;
  line(`hub grew: ${N} spoke-side syncs, wall time`, s(grew.ms), `≈ 1 operation (1.5 × ${s(op)}) + ${s(setupGrew)} = ${s(syncBound)}`, grew.ms / syncBound, grew.ms <= syncBound);
  await ours.stop();

  // The same estate with every write in one global series (Terraform's one peering lock).
  const serial = await estate({ tenants: 2, hubs: 1, spokesPerHub: N });
  const b = await serial.run({ 'max-parallel-writes': '1' });
  line('same, writes in one global series (2N ops)', s(b.ms), `≥ 1.8 × ours = ${s(1.8 * a.ms)}`, b.ms / a.ms, b.ms >= 1.8 * a.ms);
  await serial.stop();
}

// ---- a full mesh of 8 --------------------------------------------------------------------------
const M = 8;
{
  console.log(`\nA full mesh of ${M} VNets (${(M * (M - 1)) / 2} links)`);
  const mesh = await estate({ tenants: 2, hubs: 0, mesh: M }, { mesh: true });
  const r = await mesh.run();
  const op = operationTime(mesh.emu.requests);
  const setup = beforeWrites(mesh.emu.requests, r.started);
  const bound = 1.2 * 2 * (M - 1) * op + setup;
  line('wall time', s(r.ms), `1.2 × 2(M−1) × ${s(op)} + ${s(setup)} = ${s(bound)}`, r.ms / bound, r.ms <= bound);
  await mesh.stop();
}

// ---- a no-op check of a hub with 300 spokes ----------------------------------------------------
{
  console.log('\nA no-op check of a hub with 300 spokes (reads only)');
  const big = await estate({ tenants: 3, hubs: 1, spokesPerHub: 300 });
  big.emu.setTiming({ operationMs: 0 });
  await big.run();
  big.emu.setTiming({ operationMs: OPERATION_MS });
  const r = await big.run({ mode: 'plan' });
  const reads = big.emu.requests.filter((q) => q.service === 'arm' && q.method === 'GET' && /virtualNetworks\/[^/]+$/.test(q.path));
  const distinct = new Set(reads.map((q) => q.path.toLowerCase())).size;
  console.log(`  wall time ${s(r.ms)}; requests ${requestsLine(big.emu)}; sequential rounds ${rounds(big.emu.requests.filter((q) => q.service !== 'github'))}`);
  line('VNet reads', `${reads.length}`, `each VNet once = ${distinct}`, reads.length / distinct, reads.length === distinct && distinct === 301);
  const writes = big.emu.requests.filter((q) => q.method === 'PUT' || q.method === 'DELETE').length;
  line('writes', `${writes}`, '0', writes, writes === 0);
  await big.stop();
}

// ---- one job or N shards -----------------------------------------------------------------------
{
  const hubs = 4;
  const spokes = 12;
  console.log(`\nSeveral hubs (${hubs} hubs × ${spokes} new spokes, ${hubs} components): one job, or ${hubs} shards over a matrix`);
  const one = await estate({ tenants: 2, hubs, spokesPerHub: spokes });
  const whole = await one.run();
  const op = operationTime(one.emu.requests);
  const setup = beforeWrites(one.emu.requests, whole.started);
  await one.stop();
  // The largest component bounds both: its hub's writes are one series wherever it runs.
  const bound = 1.1 * (spokes + 1) * op + setup;
  line('one job: wall time', s(whole.ms), `1.1 × (${spokes}+1) × ${s(op)} + ${s(setup)} = ${s(bound)}`, whole.ms / bound, whole.ms <= bound);
  const sharded = await estate({ tenants: 2, hubs, spokesPerHub: spokes });
  const shardRuns: { ms: number; file: string }[] = [];
  for (let k = 1; k <= hubs; k++) {
    const r = await sharded.run({ shard: `${k}/${hubs}` });
    shardRuns.push({ ms: r.ms, file: r.run.resultFile ?? '' });
  }
  shardRuns.forEach((r, i) => sharded.write(`results/shard-${i + 1}.json`, r.file));
  const merge = await sharded.run({ results: 'results/*.json' });
  await sharded.stop();
  const projected = Math.max(...shardRuns.map((r) => r.ms)) + merge.ms;
  console.log(`  shards, each on its own runner: ${shardRuns.map((r) => s(r.ms)).join(', ')}; the merge job ${s(merge.ms)} (no cloud)`);
  line(`projected over ${hubs} parallel shards + merge`, s(projected), `the same component bound = ${s(bound)}`, projected / bound, true);
  console.log(`  The components already run side by side in one job: shards buy isolation, approvals per shard and runner time under GitHub's 6 h limit, not speed.`);
}

// ---- the bundle's own start-up ------------------------------------------------------------------
const time = (args: string[]): number => {
  const t = performance.now();
  spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
  return performance.now() - t;
};
const bare = median(Array.from({ length: 7 }, () => time(['-e', ''])));
const bundle = median(Array.from({ length: 7 }, () => time([DIST])));
console.log(`\nBundle load (dist/index.js to its first input check): ${(bundle - bare).toFixed(0)} ms over a bare node start of ${bare.toFixed(0)} ms (median of 7)`);
