// The `results` run: the result files of a topology's shard jobs merged into one report, after
// checking that they cover shards 1..N once each and were made from this version of the file.
// Pure: file names and texts in, a report and its problems out.
import type {
  Ensure,
  FoundSettings,
  KindSpec,
  LinkEnd,
  LinkResult,
  Locator,
  Mode,
  PeeringScope,
  PeeringSettings,
  Problem,
  RunReport,
  Side,
  SideResult,
  TenantEntry,
  TimeEstimate,
  UnmanagedPeering,
  Verdict,
  VnetEntry,
  VnetRef,
} from '../model.ts';
import { SIDE_ACTIONS, settingsOf } from '../model.ts';
import { parseVnetId } from '../azure/resource-id.ts';
import { RESULT_FORMAT, RESULT_FORMAT_VERSION } from './outputs.ts';

export interface ResultFileText {
  /** Where the file was found (shown in problems). */
  readonly name: string;
  readonly text: string;
}

export interface MergeExpected {
  /** `sha256:<hex>` of the topology file this run was given. */
  readonly digest: string;
  /** Its path, relative to the workspace with '/'. */
  readonly path: string;
  /** The run's mode, for a report when no file can be used; else the files' mode. */
  readonly mode?: Mode;
}

export interface MergeResult {
  /** The merged report; its `problems` include the merge's own. */
  readonly report: RunReport;
  /** What was wrong with the files (also in `report.problems`); empty when the merge is whole. */
  readonly problems: readonly Problem[];
}

// ---------------------------------------------------------------------------------------------
// Reading a result file back: every field checked, nothing cast.

class Bad extends Error {}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: unknown, at: string): Obj {
  if (!isObj(v)) throw new Bad(`${at} is not an object`);
  return v;
}
function str(o: Obj, k: string, at: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new Bad(`${at}.${k} is not a string`);
  return v;
}
function num(o: Obj, k: string, at: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Bad(`${at}.${k} is not a number`);
  return v;
}
function bool(o: Obj, k: string, at: string): boolean {
  const v = o[k];
  if (typeof v !== 'boolean') throw new Bad(`${at}.${k} is not true or false`);
  return v;
}
function arr(o: Obj, k: string, at: string): readonly unknown[] {
  const v = o[k];
  if (!Array.isArray(v)) throw new Bad(`${at}.${k} is not a list`);
  return v;
}
function strs(o: Obj, k: string, at: string): string[] {
  return arr(o, k, at).map((v, i) => {
    if (typeof v !== 'string') throw new Bad(`${at}.${k}[${i}] is not a string`);
    return v;
  });
}
function oneOf<T extends string>(o: Obj, k: string, values: readonly T[], at: string): T {
  const v = o[k];
  const hit = values.find((x) => x === v);
  if (hit === undefined) throw new Bad(`${at}.${k} is not one of ${values.join(', ')}`);
  return hit;
}
function orNull<T>(o: Obj, k: string, at: string, read: (v: unknown, at: string) => T): T | undefined {
  const v = o[k];
  return v === null ? undefined : read(v, `${at}.${k}`);
}

function ref(id: string, at: string): VnetRef {
  const parsed = parseVnetId(id);
  if ('error' in parsed) throw new Bad(`${at} is not a VNet resource ID: ${parsed.error}`);
  return parsed;
}

function problem(v: unknown, at: string): Problem {
  const o = obj(v, at);
  return { code: str(o, 'code', at), message: str(o, 'message', at), advice: str(o, 'advice', at) };
}

function desired(v: unknown, at: string): PeeringSettings {
  const o = obj(v, at);
  return settingsOf((k) => bool(o, k, at));
}

function found(v: unknown, at: string): FoundSettings {
  const o = obj(v, at);
  const value = (k: string): boolean | string => {
    const x = o[k];
    if (typeof x !== 'boolean' && typeof x !== 'string') throw new Bad(`${at}.${k} is neither true, false nor text`);
    return x;
  };
  return settingsOf(value);
}

function scope(v: unknown, at: string): PeeringScope {
  const o = obj(v, at);
  return { complete: bool(o, 'complete', at), localSubnets: strs(o, 'localSubnets', at), remoteSubnets: strs(o, 'remoteSubnets', at), ipv6Only: bool(o, 'ipv6Only', at) };
}

const STATES = ['Connected', 'Initiated', 'Disconnected', 'Missing'] as const;
const SYNC_LEVELS = ['FullyInSync', 'LocalNotInSync', 'RemoteNotInSync', 'LocalAndRemoteNotInSync', ''] as const;
const OUTCOMES = ['done', 'planned', 'failed', 'skipped', 'none'] as const;
const VERDICTS = ['in-sync', 'repaired', 'pending', 'failed', 'cancelled'] as const;
const MODES = ['apply', 'plan'] as const;

function side(v: unknown, s: Side, at: string): SideResult {
  const o = obj(v, at);
  return {
    side: s,
    vnet: ref(str(o, 'vnet', at), `${at}.vnet`),
    remoteVnet: ref(str(o, 'remoteVnet', at), `${at}.remoteVnet`),
    tenantId: str(o, 'tenantId', at),
    addressSpace: strs(o, 'addressSpace', at),
    peeringName: str(o, 'peeringName', at),
    peeringId: str(o, 'peeringId', at),
    state: oneOf(o, 'state', STATES, at),
    syncLevel: oneOf(o, 'syncLevel', SYNC_LEVELS, at),
    provisioningState: str(o, 'provisioningState', at),
    settings: orNull(o, 'settings', at, found),
    desired: desired(o.desired, `${at}.desired`),
    scope: orNull(o, 'scope', at, scope),
    desiredScope: orNull(o, 'desiredScope', at, scope),
    action: oneOf(o, 'action', SIDE_ACTIONS, at),
    outcome: oneOf(o, 'outcome', OUTCOMES, at),
    writes: arr(o, 'writes', at).map((w, i) => oneOf({ w }, 'w', ['PUT', 'DELETE'] as const, `${at}.writes[${i}]`)),
    reason: str(o, 'reason', at),
    problem: orNull(o, 'error', at, problem),
  };
}

function pairOf(v: unknown, at: string): Record<Side, string> {
  const o = obj(v, at);
  return { a: str(o, 'a', at), b: str(o, 'b', at) };
}

function locator(v: unknown, at: string): Locator {
  const o = obj(v, at);
  return {
    link: str(o, 'link', at),
    vnet: pairOf(o.vnet, `${at}.vnet`),
    tenant: pairOf(o.tenant, `${at}.tenant`),
    client: pairOf(o.client, `${at}.client`),
    peeringName: pairOf(o.peeringName, `${at}.peeringName`),
    gatewayTransit: str(o, 'gatewayTransit', at),
    subnets: pairOf(o.subnets, `${at}.subnets`),
  };
}

function kind(v: unknown, at: string): KindSpec {
  const o = obj(v, at);
  const k = oneOf(o, 'kind', ['unmanaged', 'whole', 'subnets'] as const, at);
  if (k !== 'subnets') return { kind: k };
  const s = obj(o.subnets, `${at}.subnets`);
  return { kind: k, subnets: { a: strs(s, 'a', `${at}.subnets`), b: strs(s, 'b', `${at}.subnets`) }, ipv6Only: bool(o, 'ipv6Only', at) };
}

function end(v: unknown, at: string): LinkEnd {
  const o = obj(v, at);
  const given = o.givenPeeringName;
  if (given !== null && typeof given !== 'string') throw new Bad(`${at}.givenPeeringName is neither text nor null`);
  return {
    vnet: ref(str(o, 'vnet', at), `${at}.vnet`),
    alias: str(o, 'alias', at),
    tenant: str(o, 'tenant', at),
    identity: { tenantId: str(o, 'tenantId', at), clientId: str(o, 'clientId', at) },
    givenPeeringName: given ?? undefined,
    defaultPeeringName: str(o, 'defaultPeeringName', at),
  };
}

function link(v: unknown, at: string): LinkResult {
  const o = obj(v, at);
  const ends = obj(o.ends, `${at}.ends`);
  const ensure: Ensure = oneOf(o, 'ensure', ['present', 'absent'] as const, at);
  return {
    link: {
      key: str(o, 'key', at),
      entry: str(o, 'entry', at),
      index: num(o, 'index', at),
      ensure,
      ends: { a: end(ends.a, `${at}.ends.a`), b: end(ends.b, `${at}.ends.b`) },
      allowVirtualNetworkAccess: bool(o, 'allowVirtualNetworkAccess', at),
      allowForwardedTraffic: bool(o, 'allowForwardedTraffic', at),
      gatewayTransit: oneOf(o, 'gatewayTransit', ['none', 'a', 'b'] as const, at),
      kind: kind(o.kind, `${at}.kind`),
      locator: locator(o.locator, `${at}.locator`),
    },
    sides: { a: side(o.a, 'a', `${at}.a`), b: side(o.b, 'b', `${at}.b`) },
    healthy: bool(o, 'healthy', at),
    warnings: arr(o, 'warnings', at).map((w, i) => problem(w, `${at}.warnings[${i}]`)),
  };
}

function unmanaged(v: unknown, at: string): UnmanagedPeering {
  const o = obj(v, at);
  return {
    vnet: str(o, 'vnet', at),
    remoteVnet: str(o, 'remoteVnet', at),
    peeringName: str(o, 'peeringName', at),
    peeringId: str(o, 'peeringId', at),
    state: oneOf(o, 'state', STATES, at),
    action: oneOf(o, 'action', ['none', 'delete'] as const, at),
    outcome: oneOf(o, 'outcome', OUTCOMES, at),
    problem: orNull(o, 'error', at, problem),
  };
}

function estimate(v: unknown, at: string): TimeEstimate {
  const o = obj(v, at);
  return { writes: num(o, 'writes', at), seconds: num(o, 'seconds', at), operationSeconds: num(o, 'operationSeconds', at), limitSeconds: num(o, 'limitSeconds', at) };
}

/** One result file as read: the report's parts a merge combines, and which shard it was. */
interface ShardFile extends Pick<RunReport, 'mode' | 'verdict' | 'changed' | 'links' | 'unmanaged' | 'problems' | 'tenants' | 'vnets' | 'estimate'> {
  readonly name: string;
  readonly index: number;
  readonly count: number;
  readonly digest: string | null;
}

class NotOurs extends Error {}

function readFile(f: ResultFileText): ShardFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(f.text);
  } catch {
    throw new NotOurs('it is not JSON');
  }
  if (!isObj(parsed) || parsed.format !== RESULT_FORMAT) throw new NotOurs('it is not a result file of this action (no "format" field)');
  if (parsed.formatVersion !== RESULT_FORMAT_VERSION) {
    throw new NotOurs(`it has result format version ${String(parsed.formatVersion)}; this version of the action reads ${RESULT_FORMAT_VERSION}`);
  }
  if (!Array.isArray(parsed.links)) throw new NotOurs('it is the result of a run with the pair inputs, not with a topology file');
  const o = parsed;
  const shard = o.shard;
  let index = 1;
  let count = 1;
  if (shard !== null) {
    const m = typeof shard === 'string' ? /^(\d+)\/(\d+)$/.exec(shard) : null;
    if (!m) throw new Bad('"shard" is neither "K/N" nor null');
    index = Number(m[1]);
    count = Number(m[2]);
    if (index < 1 || index > count) throw new Bad(`"shard" ${shard} is not K/N with 1 ≤ K ≤ N`);
  }
  const digest = o.topologyDigest;
  if (digest !== null && typeof digest !== 'string') throw new Bad('"topologyDigest" is neither text nor null');
  return {
    name: f.name,
    index,
    count,
    digest,
    mode: oneOf(o, 'mode', MODES, 'result'),
    verdict: oneOf(o, 'verdict', VERDICTS, 'result'),
    changed: bool(o, 'changed', 'result'),
    links: arr(o, 'links', 'result').map((l, i) => link(l, `links[${i}]`)),
    unmanaged: arr(o, 'unmanaged', 'result').map((u, i) => unmanaged(u, `unmanaged[${i}]`)),
    problems: arr(o, 'errors', 'result').map((p, i) => problem(p, `errors[${i}]`)),
    tenants: arr(o, 'tenants', 'result').map((t, i) => {
      const at = `tenants[${i}]`;
      const x = obj(t, at);
      return { alias: str(x, 'alias', at), identity: { tenantId: str(x, 'tenantId', at), clientId: str(x, 'clientId', at) } };
    }),
    vnets: arr(o, 'vnets', 'result').map((v, i) => {
      const at = `vnets[${i}]`;
      const x = obj(v, at);
      return {
        vnet: ref(str(x, 'id', at), `${at}.id`),
        alias: str(x, 'alias', at),
        tenant: str(x, 'tenant', at),
        identity: { tenantId: str(x, 'tenantId', at), clientId: str(x, 'clientId', at) },
      };
    }),
    estimate: orNull(o, 'estimate', 'result', estimate),
  };
}

// ---------------------------------------------------------------------------------------------
// The merge

/** Worst first: the merged verdict is the worst of the shards'. */
const VERDICT_ORDER: readonly Verdict[] = ['failed', 'cancelled', 'pending', 'repaired', 'in-sync'];

const shardName = (f: { index: number; count: number }): string => `${f.index}/${f.count}`;

/** The most common shard count; on a tie, the first file's. */
function expectedCount(files: readonly ShardFile[]): number {
  const tally = new Map<number, number>();
  for (const f of files) tally.set(f.count, (tally.get(f.count) ?? 0) + 1);
  let best = files[0]?.count ?? 1;
  for (const [count, n] of tally) if (n > (tally.get(best) ?? 0)) best = count;
  return best;
}

export function mergeResults(files: readonly ResultFileText[], expected: MergeExpected): MergeResult {
  const problems: Problem[] = [];
  const read: ShardFile[] = [];
  const sorted = [...files].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  if (sorted.length === 0) {
    problems.push({
      code: 'ShardResultMissing',
      message: 'No result file matched `results`: there is nothing to merge.',
      advice: 'Let the shard jobs upload their `result-file` as artifacts, download them before this step, and point `results` at them with a glob.',
    });
  }
  for (const f of sorted) {
    try {
      read.push(readFile(f));
    } catch (e: unknown) {
      if (!(e instanceof NotOurs) && !(e instanceof Bad)) throw e;
      problems.push({
        code: 'ResultFileInvalid',
        message: `${f.name} cannot be merged: ${e.message}.`,
        advice: 'Point `results` at the result files the shard jobs wrote (their `result-file` output), and nothing else.',
      });
    }
  }

  const claimed = new Set<number>();
  const usable: ShardFile[] = [];
  const count = expectedCount(read);
  const mode = read[0]?.mode ?? expected.mode ?? 'apply';
  for (const f of [...read].sort((x, y) => x.index - y.index)) {
    if (f.digest !== expected.digest) {
      claimed.add(f.index);
      problems.push({
        code: 'TopologyDigestMismatch',
        message: `${f.name} (shard ${shardName(f)}) was made from another version of ${expected.path} (${f.digest ?? 'no digest'}, this run's is ${expected.digest}).`,
        advice: 'Run the shard jobs and this merge on the same commit: re-run the whole workflow.',
      });
      continue;
    }
    if (f.count !== count) {
      problems.push({
        code: 'ShardCountMismatch',
        message: `${f.name} is shard ${shardName(f)}, but the other result files are shards of ${count}.`,
        advice: 'Give every shard job the same N in `shard: K/N` (the matrix of the reusable workflow does).',
      });
      continue;
    }
    if (f.mode !== mode) {
      claimed.add(f.index);
      problems.push({
        code: 'ShardModeMismatch',
        message: `${f.name} (shard ${shardName(f)}) ran in ${f.mode} mode, the others in ${mode} mode.`,
        advice: 'Run every shard with the same `mode`, then merge again.',
      });
      continue;
    }
    const twin = usable.find((u) => u.index === f.index);
    if (twin) {
      problems.push({
        code: 'ShardResultDuplicated',
        message: `Shard ${shardName(f)} has two result files: ${twin.name} and ${f.name}; the first is used.`,
        advice: 'Keep one result file per shard: give each shard job its own artifact name, and download them into separate folders.',
      });
      continue;
    }
    usable.push(f);
  }
  for (let k = 1; k <= count && read.length > 0; k++) {
    if (usable.some((u) => u.index === k) || claimed.has(k)) continue;
    problems.push({
      code: 'ShardResultMissing',
      message: `No result file for shard ${k}/${count} of ${expected.path}.`,
      advice: `Check that the job of shard ${k}/${count} ran to the end and uploaded its result file; re-run it, then this merge.`,
    });
  }

  const seen = new Set<string>();
  const unmanagedAll = usable
    .flatMap((f) => f.unmanaged)
    .filter((u) => {
      const k = `${u.vnet}|${u.peeringName}`.toLowerCase();
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  const verdicts = usable.map((f) => f.verdict);
  const worst = VERDICT_ORDER.find((v) => verdicts.includes(v)) ?? 'failed';
  const longest = usable.map((f) => f.estimate).reduce<TimeEstimate | undefined>((best, e) => (e && (!best || e.seconds > best.seconds) ? e : best), undefined);
  const first = usable[0];
  const report: RunReport = {
    mode,
    verdict: problems.length > 0 ? 'failed' : worst,
    changed: usable.some((f) => f.changed),
    links: usable.flatMap((f) => f.links).sort((x, y) => x.link.index - y.link.index),
    unmanaged: unmanagedAll,
    problems: [...problems, ...usable.flatMap((f) => f.problems)],
    source: { kind: 'file', path: expected.path, digest: expected.digest },
    shard: undefined,
    tenants: first?.tenants ?? [],
    vnets: first?.vnets ?? [],
    estimate: longest,
  };
  return { report, problems };
}

