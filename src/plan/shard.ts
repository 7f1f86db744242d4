// `shard: K/N` (spec/topology.md, Sharding): the links of a topology split over N jobs, from the
// file alone. A shard holds whole connected components of the link graph (VNets as nodes, links,
// present and absent, as edges), so all the writes on a VNet land in one shard and no two jobs
// ever write the same VNet.
//
// What "the same file gives the same shards" guarantees: the shards depend only on the set of
// VNet resource IDs and the set of linked pairs. Reordering entries, renaming aliases, changing
// settings, ensure, names or tenants, comments or formatting moves nothing. Adding or removing a
// link may move other components (the spread is over the whole estate), so a matrix must run
// every shard of one version of the file, which the merge checks by digest.
import type { ShardSpec, Topology } from '../model.ts';

/** Most shards of one topology (spec/topology.md, the `shard` input). */
export const MAX_SHARDS = 256;

/** One shard's part of a topology. */
export interface Shard {
  /** 1-based, as in `shard: K/N`. */
  readonly index: number;
  /** Indices into `topology.links`, ascending (declaration order). */
  readonly links: readonly number[];
  /** Lowercased resource IDs of the VNets of its components, sorted (see `holdsPeering`). */
  readonly vnets: readonly string[];
}

interface Component {
  readonly vnets: string[];
  readonly links: number[];
}

const norm = (id: string): string => id.replace(/\/+$/, '').toLowerCase();
// Code-unit order, the same on every runner whatever its locale.
const byText = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/**
 * Splits a topology into `count` shards: its connected components, largest first (by number
 * of links, then by smallest VNet ID), each given to the shard with the fewest links so far
 * (ties to the lowest index). Shards may be empty when there are fewer components than shards.
 */
export function shardOf(topology: Topology, count: number): Shard[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) {
    throw new RangeError(`shard count ${count} is not an integer from 1 to ${MAX_SHARDS}`);
  }
  const components = componentsOf(topology).sort(
    (x, y) => y.links.length - x.links.length || byText(x.vnets[0] ?? '', y.vnets[0] ?? ''),
  );
  const shards = Array.from({ length: count }, () => ({ links: [] as number[], vnets: [] as string[] }));
  for (const c of components) {
    let target = 0;
    for (let i = 1; i < count; i++) {
      if ((shards[i]?.links.length ?? 0) < (shards[target]?.links.length ?? 0)) target = i;
    }
    shards[target]?.links.push(...c.links);
    shards[target]?.vnets.push(...c.vnets);
  }
  return shards.map((s, i) => ({
    index: i + 1,
    links: s.links.sort((x, y) => x - y),
    vnets: s.vnets.sort(byText),
  }));
}

/** Shard K of `shard: K/N`. */
export function shardFor(topology: Topology, spec: ShardSpec): Shard {
  const shard = shardOf(topology, spec.count)[spec.index - 1];
  if (shard === undefined) throw new RangeError(`shard ${spec.index}/${spec.count}: K is not from 1 to N`);
  return shard;
}

/**
 * Whether both VNets of a peering are in this shard's components: under prune only such a
 * peering is this shard's to delete; one between two shards' VNets is left alone.
 */
export function holdsPeering(shard: Shard, vnetId: string, remoteVnetId: string): boolean {
  return holds(shard.vnets, norm(vnetId)) && holds(shard.vnets, norm(remoteVnetId));
}

/** Binary search in the sorted IDs: a hub's shard is asked about every peering it has. */
function holds(sorted: readonly string[], id: string): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = byText(sorted[mid] ?? '', id);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Connected components by union-find; a VNet in no link is a component of its own. */
function componentsOf(topology: Topology): Component[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    for (let p = parent.get(root); p !== undefined && p !== root; p = parent.get(root)) root = p;
    // Path compression keeps a 500-spoke hub flat.
    for (let y = x; y !== root; ) {
      const next = parent.get(y) ?? root;
      parent.set(y, root);
      y = next;
    }
    return root;
  };
  const add = (x: string): void => {
    if (!parent.has(x)) parent.set(x, x);
  };
  const union = (x: string, y: string): void => {
    const rx = find(x);
    const ry = find(y);
    if (rx !== ry) parent.set(rx, ry);
  };
  for (const v of topology.vnets) add(norm(v.vnet.id));
  for (const l of topology.links) {
    const a = norm(l.ends.a.vnet.id);
    const b = norm(l.ends.b.vnet.id);
    add(a);
    add(b);
    union(a, b);
  }
  const byRoot = new Map<string, Component>();
  const component = (root: string): Component => {
    let c = byRoot.get(root);
    if (c === undefined) {
      c = { vnets: [], links: [] };
      byRoot.set(root, c);
    }
    return c;
  };
  for (const id of parent.keys()) component(find(id)).vnets.push(id);
  topology.links.forEach((l, i) => component(find(norm(l.ends.a.vnet.id))).links.push(i));
  for (const c of byRoot.values()) c.vnets.sort(byText);
  return [...byRoot.values()];
}
