// npm run demo: the bundled action against the built-in two-tenant emulator, as a runner would run
// it. Creates a cross-tenant pair, runs again (nothing to do), breaks the peering out of band, shows
// the drift in plan mode, and repairs it; then does the same for a small hub-and-spoke topology
// across two tenants. Each run's job summary is printed.
import { generateWorld, IDS, startEmulator } from '../test/emulator/index.ts';
import { CROSS_TENANT } from '../test/support/e2e.ts';
import { runAction, type ActionRun } from '../test/support/run-action.ts';
import { topologyYaml, workspace } from '../test/support/topology-files.ts';

const emu = await startEmulator();

const rule = (title: string): void => {
  console.log(`\n${'━'.repeat(100)}\n  ${title}\n${'━'.repeat(100)}`);
};

async function step(title: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  rule(title);
  const run = await runAction({ inputs: { ...CROSS_TENANT, ...inputs }, env: emu.actionEnv() });
  console.log(run.summary.trim());
  const o = run.outputs;
  console.log(
    `\n→ exit ${run.exitCode}; changed=${o.changed}; A→B ${o['action-a']} → ${o['state-a']}/${o['sync-level-a']}; ` +
      `B→A ${o['action-b']} → ${o['state-b']}/${o['sync-level-b']}`,
  );
  for (const e of run.errors) console.log(`  error: ${e}`);
  return run;
}

let failed = false;
const expect = (ok: boolean, what: string): void => {
  if (!ok) {
    failed = true;
    console.error(`✗ unexpected: ${what}`);
  }
};

try {
  console.log(`Emulator: ARM ${emu.endpoints.arm}, Entra ${emu.endpoints.authorityHost}, GitHub ${emu.endpoints.githubApi}`);
  console.log(`Pair: vnet-hub (tenant A ${IDS.tenants.a}) ⇄ vnet-spoke (tenant B ${IDS.tenants.b}), one multi-tenant app.`);

  const first = await step('1. apply: create both directions across the two tenants');
  expect(first.exitCode === 0 && first.outputs.changed === 'true', 'first run should create the pair');

  const second = await step('2. apply again: the second run changes nothing');
  expect(second.exitCode === 0 && second.outputs.changed === 'false', 'second run should write nothing');

  rule('3. out of band: someone deletes B→A in the portal, so A→B turns Disconnected');
  const name = second.outputs['peering-id-b']?.split('/').pop() ?? '';
  emu.deletePeering(IDS.vnets.spoke, name);
  console.log(`Deleted ${name} on vnet-spoke; vnet-hub's side is now ${emu.peering(IDS.vnets.hub, first.outputs['peering-id-a']?.split('/').pop() ?? '')?.properties.peeringState}.`);

  const plan = await step('4. plan: the drift is reported, nothing is written', { mode: 'plan' });
  expect(plan.exitCode === 0 && plan.outputs['action-a'] === 'recreate' && plan.outputs['action-b'] === 'create', 'plan should show recreate + create');

  const repair = await step('5. apply: repaired');
  expect(repair.exitCode === 0 && repair.outputs['state-a'] === 'Connected' && repair.outputs['state-b'] === 'Connected', 'repair should end Connected');

  const arm = emu.requests.filter((r) => r.service === 'arm');
  console.log(`\nEmulator served ${emu.requests.length} requests (${arm.length} to ARM, ${arm.filter((r) => r.method !== 'GET').length} writes).`);
} finally {
  await emu.stop();
}

// ---- a topology file: a hub with spokes in two tenants -------------------------------------------
const g = generateWorld({ tenants: 2, hubs: 1, spokesPerHub: 4 });
const estate = await startEmulator({ world: g.world });
const ws = workspace();
const file = ws.write('network/topology.yml', topologyYaml(g, { hubs: [{ index: 0, useHubGateway: true }] }));
const hub = g.ids.hubs[0] ?? '';
const [spoke0 = '', spoke1 = ''] = g.ids.spokes[0] ?? [];
const short = (id: string): string => id.split('/').pop() ?? id;
async function topologyStep(title: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  rule(title);
  const run = await runAction({ inputs: { topology: file, ...inputs }, env: { ...estate.actionEnv(), GITHUB_WORKSPACE: ws.dir } });
  console.log(run.summary.trim());
  console.log(`\n→ exit ${run.exitCode}; changed=${run.outputs.changed}`);
  for (const e of run.errors) console.log(`  error: ${e}`);
  return run;
}
try {
  console.log(`\nTopology: ${file}\n${topologyYaml(g, { hubs: [{ index: 0, useHubGateway: true }] })}`);
  const created = await topologyStep('6. topology apply: a hub with 4 spokes across two tenants, created');
  expect(created.exitCode === 0 && created.outputs.changed === 'true', 'the topology should be created');

  rule('7. out of band: a spoke side deleted, another drifted, the hub grown');
  estate.deletePeering(spoke0, `${short(spoke0)}-to-${short(hub)}`);
  estate.updatePeering(spoke1, `${short(spoke1)}-to-${short(hub)}`, { allowForwardedTraffic: true });
  estate.setAddressSpace(hub, [...(estate.vnet(hub)?.properties.addressSpace.addressPrefixes ?? []), '10.254.0.0/16']);
  console.log(`Deleted ${short(spoke0)}'s side, turned on forwarded traffic on ${short(spoke1)}'s, added 10.254.0.0/16 to ${short(hub)}.`);

  const planned = await topologyStep('8. topology plan: the damage, link by link, nothing written', { mode: 'plan' });
  expect(planned.exitCode === 0 && planned.outputs.changed === 'true', 'the plan should show pending repairs');

  const repaired = await topologyStep('9. topology apply: repaired, writing only where needed');
  expect(repaired.exitCode === 0 && repaired.outputs.changed === 'true', 'the repair should succeed');
} finally {
  await estate.stop();
  ws.remove();
}
if (failed) process.exit(1);
console.log('\nDemo finished: a pair and a topology, each created, idempotent, broken, planned and repaired.');
