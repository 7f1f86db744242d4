// The topology as a Mermaid graph (GitHub renders ```mermaid blocks): VNets grouped by tenant,
// each link coloured by health and labelled with its action. Past what a diagram can show
// legibly, hubs with their spoke counts stand for their spokes and only links that need attention
// are drawn one by one. Plain labels only (spec/azure.md §6). Pure.
import type { LinkResult, RunReport, Side, UnmanagedPeering } from '../model.ts';
import { other } from '../model.ts';
import { parseVnetId } from '../azure/resource-id.ts';
import { shorten } from './escape.ts';
import { category, needsAttention, type LinkCategory } from './status.ts';
import { linkWords, plural } from './words.ts';

/** Past either bound the diagram is condensed. */
export const FULL_MAX_LINKS = 40;
export const FULL_MAX_NODES = 60;
/** Links that need attention drawn one by one in a condensed diagram. */
export const CONDENSED_MAX_DRAWN = 30;
/** Failed spokes of one hub, tenant and code are drawn one by one up to this many. */
const CONDENSED_GROUP_DRAWN = 10;
/** A VNet with this many links or more is a hub. */
const HUB_MIN_LINKS = 3;
/** Hubs drawn in a condensed diagram, the busiest first. */
const MAX_HUBS = 12;
/** Mermaid refuses 50,000 characters or 500 edges by default: stay well under both. */
export const MAX_DIAGRAM_CHARS = 30_000;
export const MAX_DIAGRAM_EDGES = 300;
const MAX_LABEL = 40;

type EdgeClass = 'ok' | 'pending' | 'failed' | 'gone';

const EDGE_STYLE: Readonly<Record<EdgeClass, string>> = {
  ok: 'stroke:#1a7f37,stroke-width:2px',
  pending: 'stroke:#bf8700,stroke-width:3px',
  failed: 'stroke:#cf222e,stroke-width:4px',
  gone: 'stroke:#8c959f,stroke-width:1px',
};

interface Node {
  readonly id: string;
  readonly label: string;
  readonly tenant: string;
  readonly shape: 'vnet' | 'group';
  readonly hub: boolean;
  bad: boolean;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly cls: EdgeClass;
  readonly dashed: boolean;
}

export interface Diagram {
  /** The fenced ```mermaid block, or '' when there is nothing to draw. */
  readonly text: string;
  /** What the diagram leaves out or stands for, in a sentence; '' when it shows everything. */
  readonly caption: string;
  readonly edges: number;
  readonly condensed: boolean;
}

/** Mermaid label text: letters, digits and a few plain signs; anything else becomes '_'. */
export function mermaidLabel(raw: string): string {
  const plain = raw.replace(/[^\p{L}\p{N} _.,:/()+×-]/gu, '_').replace(/\s+/g, ' ').trim();
  return shorten(plain, MAX_LABEL) || '_';
}

const key = (id: string): string => id.replace(/\/+$/, '').toLowerCase();

function linkClass(lr: LinkResult, cat: LinkCategory): EdgeClass {
  if (cat === 'failed') return 'failed';
  if (cat === 'pending' || cat === 'unhealthy') return 'pending';
  return lr.link.ensure === 'absent' ? 'gone' : 'ok';
}

function unmanagedEdge(report: RunReport, u: UnmanagedPeering): { label: string; cls: EdgeClass } {
  if (u.action === 'none') return { label: 'not in file', cls: 'gone' };
  switch (u.outcome) {
    case 'done':
      return { label: 'pruned', cls: 'gone' };
    case 'failed':
      return { label: 'prune failed', cls: 'failed' };
    case 'skipped':
      return { label: 'prune not attempted', cls: 'failed' };
    default:
      return { label: report.mode === 'plan' ? 'would prune' : 'prune', cls: 'pending' };
  }
}

const SEVERITY: Readonly<Record<EdgeClass, number>> = { failed: 0, pending: 1, gone: 2, ok: 3 };

class Graph {
  readonly nodes = new Map<string, Node>();
  readonly edges: Edge[] = [];
  private readonly tenantOf = new Map<string, { alias: string; tenant: string }>();
  private readonly report: RunReport;

  constructor(report: RunReport) {
    this.report = report;
    for (const v of report.vnets) this.tenantOf.set(key(v.vnet.id), { alias: v.alias, tenant: v.tenant });
  }

  vnet(id: string, hub = false): string {
    const k = key(id);
    const existing = this.nodes.get(k);
    if (existing) return existing.id;
    const known = this.tenantOf.get(k);
    const parsed = parseVnetId(id);
    const label = known?.alias ?? ('name' in parsed ? parsed.name : id);
    const node: Node = { id: `v${this.nodes.size}`, label, tenant: known?.tenant ?? '', shape: 'vnet', hub, bad: false };
    this.nodes.set(k, node);
    return node.id;
  }

  group(k: string, label: string, tenant: string): string {
    const existing = this.nodes.get(k);
    if (existing) return existing.id;
    const node: Node = { id: `g${this.nodes.size}`, label, tenant, shape: 'group', hub: false, bad: false };
    this.nodes.set(k, node);
    return node.id;
  }

  edge(e: Edge): void {
    this.edges.push(e);
    // A failed link marks its VNets, but not a hub: the hub is not what failed.
    if (e.cls === 'failed') {
      for (const n of this.nodes.values()) if ((n.id === e.from || n.id === e.to) && !n.hub) n.bad = true;
    }
  }

  render(): string {
    const lines: string[] = ['```mermaid', 'flowchart LR'];
    const byTenant = new Map<string, Node[]>();
    for (const n of this.nodes.values()) byTenant.set(n.tenant, [...(byTenant.get(n.tenant) ?? []), n]);
    const order = [...this.report.tenants.map((t) => t.alias), ...[...byTenant.keys()].filter((t) => !this.report.tenants.some((x) => x.alias === t))];
    const node = (n: Node): string => (n.shape === 'group' ? `${n.id}[["${mermaidLabel(n.label)}"]]` : `${n.id}["${mermaidLabel(n.label)}"]`);
    order.forEach((tenant, i) => {
      const members = byTenant.get(tenant);
      if (!members?.length) return;
      if (tenant === '') {
        for (const n of members) lines.push(`  ${node(n)}`);
        return;
      }
      lines.push(`  subgraph t${i}["${mermaidLabel(tenant)}"]`);
      for (const n of members) lines.push(`    ${node(n)}`);
      lines.push('  end');
    });
    for (const e of this.edges) {
      lines.push(`  ${e.from} ${e.dashed ? '-.-' : '---'}|"${mermaidLabel(e.label)}"| ${e.to}`);
    }
    const classes = (['ok', 'pending', 'failed', 'gone'] satisfies EdgeClass[]).map((cls) => ({
      cls,
      idx: this.edges.flatMap((e, i) => (e.cls === cls ? [i] : [])),
    }));
    for (const { cls, idx } of classes) if (idx.length > 0) lines.push(`  linkStyle ${idx.join(',')} ${EDGE_STYLE[cls]}`);
    const nodes = [...this.nodes.values()];
    const hubs = nodes.filter((n) => n.hub).map((n) => n.id);
    const bad = nodes.filter((n) => n.bad).map((n) => n.id);
    const groups = nodes.filter((n) => n.shape === 'group').map((n) => n.id);
    if (hubs.length) lines.push('  classDef hub stroke-width:3px,font-weight:bold', `  class ${hubs.join(',')} hub`);
    if (groups.length) lines.push('  classDef group stroke-dasharray:4 3', `  class ${groups.join(',')} group`);
    if (bad.length) lines.push('  classDef bad stroke:#cf222e,stroke-width:3px', `  class ${bad.join(',')} bad`);
    lines.push('```');
    return lines.join('\n');
  }
}

/** Links per VNet (lowercased ID). */
function degrees(report: RunReport): Map<string, number> {
  const degree = new Map<string, number>();
  for (const lr of report.links) {
    for (const end of [lr.link.ends.a, lr.link.ends.b]) degree.set(key(end.vnet.id), (degree.get(key(end.vnet.id)) ?? 0) + 1);
  }
  return degree;
}

/** A link's label: its Azure code when it failed (the colour says it failed), else its words. */
function edgeLabel(report: RunReport, lr: LinkResult, cat: LinkCategory): string {
  const problem = lr.sides.a.problem ?? lr.sides.b.problem;
  return cat === 'failed' && problem ? problem.code : linkWords(lr, report.mode);
}

function fullDiagram(report: RunReport): Graph {
  const g = new Graph(report);
  const degree = degrees(report);
  for (const lr of report.links) {
    const cat = category(report, lr);
    const hub = (id: string): boolean => (degree.get(key(id)) ?? 0) >= HUB_MIN_LINKS;
    const from = g.vnet(lr.link.ends.a.vnet.id, hub(lr.link.ends.a.vnet.id));
    const to = g.vnet(lr.link.ends.b.vnet.id, hub(lr.link.ends.b.vnet.id));
    g.edge({ from, to, label: edgeLabel(report, lr, cat), cls: linkClass(lr, cat), dashed: lr.link.ensure === 'absent' });
  }
  for (const u of report.unmanaged) {
    const { label, cls } = unmanagedEdge(report, u);
    g.edge({ from: g.vnet(u.vnet), to: g.vnet(u.remoteVnet), label, cls, dashed: true });
  }
  return g;
}

interface Condensed {
  readonly graph: Graph;
  readonly caption: string;
}

function condensedDiagram(report: RunReport): Condensed {
  const g = new Graph(report);
  const degree = degrees(report);
  const hubs = new Set(
    [...degree]
      .filter(([, n]) => n >= HUB_MIN_LINKS)
      .sort((x, y) => y[1] - x[1])
      .slice(0, MAX_HUBS)
      .map(([k]) => k),
  );
  for (const v of report.vnets) if (hubs.has(key(v.vnet.id))) g.vnet(v.vnet.id, true);

  const items = report.links.map((lr) => {
    const cat = category(report, lr);
    const cls = linkClass(lr, cat);
    const ka = key(lr.link.ends.a.vnet.id);
    const kb = key(lr.link.ends.b.vnet.id);
    // A spoke: its only link is to a hub.
    const hubSide: Side | undefined = hubs.has(ka) && degree.get(kb) === 1 ? 'a' : hubs.has(kb) && degree.get(ka) === 1 ? 'b' : undefined;
    return { lr, cat, cls, hubSide, label: edgeLabel(report, lr, cat) };
  });
  // A hub's spokes in groups: by the spokes' tenant, the link's health and label.
  const groupKey = (it: (typeof items)[number]): string => {
    const side = it.hubSide ?? 'a';
    return `${key(it.lr.link.ends[side].vnet.id)}|${it.lr.link.ends[other(side)].tenant}|${it.cls}|${it.label}`;
  };
  const groupSize = new Map<string, number>();
  for (const it of items) if (it.hubSide) groupSize.set(groupKey(it), (groupSize.get(groupKey(it)) ?? 0) + 1);
  // Drawn one by one: failed spokes in small groups (a large group reads better as its count),
  // and links that need attention with no hub to stand for them.
  const attention = items
    .filter((it) => needsAttention(it.cat) && (it.hubSide === undefined || (it.cls === 'failed' && (groupSize.get(groupKey(it)) ?? 0) <= CONDENSED_GROUP_DRAWN)))
    .sort((x, y) => SEVERITY[x.cls] - SEVERITY[y.cls] || x.lr.link.index - y.lr.link.index);
  const drawn = new Set(attention.slice(0, CONDENSED_MAX_DRAWN).map((it) => it.lr));

  let notDrawnHealthy = 0;
  let notDrawnAttention = 0;
  const spokeCounts = new Map<string, number>();
  const groups = new Map<string, { hub: string; tenant: string; label: string; cls: EdgeClass; dashed: boolean; n: number }>();
  for (const it of items) {
    const { lr } = it;
    if (drawn.has(lr)) {
      g.edge({ from: g.vnet(lr.link.ends.a.vnet.id), to: g.vnet(lr.link.ends.b.vnet.id), label: it.label, cls: it.cls, dashed: lr.link.ensure === 'absent' });
      if (it.hubSide) {
        const hubKey = key(lr.link.ends[it.hubSide].vnet.id);
        spokeCounts.set(hubKey, (spokeCounts.get(hubKey) ?? 0) + 1);
      }
      continue;
    }
    if (it.hubSide) {
      const hub = lr.link.ends[it.hubSide];
      const spoke = lr.link.ends[other(it.hubSide)];
      const hubKey = key(hub.vnet.id);
      spokeCounts.set(hubKey, (spokeCounts.get(hubKey) ?? 0) + 1);
      const gk = groupKey(it);
      const seen = groups.get(gk);
      if (seen) seen.n++;
      else groups.set(gk, { hub: hub.vnet.id, tenant: spoke.tenant, label: it.label, cls: it.cls, dashed: lr.link.ensure === 'absent', n: 1 });
      continue;
    }
    if (needsAttention(it.cat)) notDrawnAttention++;
    else notDrawnHealthy++;
  }
  for (const [gk, grp] of groups) {
    const id = g.group(`group:${gk}`, plural(grp.n, 'spoke'), grp.tenant);
    g.edge({ from: g.vnet(grp.hub, true), to: id, label: grp.label, cls: grp.cls, dashed: grp.dashed });
  }

  const hubText = [...hubs]
    .filter((k) => (spokeCounts.get(k) ?? 0) > 0)
    .map((k) => `${g.nodes.get(k)?.label ?? k} (${plural(spokeCounts.get(k) ?? 0, 'spoke')})`);
  const parts: string[] = [];
  if (hubText.length) parts.push(`hubs stand for their spokes: ${hubText.join(', ')}`);
  if (drawn.size) parts.push(`${plural(drawn.size, 'link')} that need attention drawn one by one`);
  if (notDrawnAttention) parts.push(`${plural(notDrawnAttention, 'more link')} that need attention not drawn (listed below)`);
  if (notDrawnHealthy) parts.push(`${plural(notDrawnHealthy, 'healthy link')} between other VNets not drawn`);
  const unmanaged = report.unmanaged.length;
  if (unmanaged) parts.push(`${plural(unmanaged, 'peering')} not in the file not drawn (listed below)`);
  return { graph: g, caption: parts.length ? `Diagram condensed (${report.links.length} links): ${parts.join('; ')}.` : '' };
}

export function topologyDiagram(report: RunReport): Diagram {
  const nodes = new Set<string>();
  for (const lr of report.links) for (const end of [lr.link.ends.a, lr.link.ends.b]) nodes.add(key(end.vnet.id));
  for (const u of report.unmanaged) for (const id of [u.vnet, u.remoteVnet]) nodes.add(key(id));
  const edges = report.links.length + report.unmanaged.length;
  if (edges === 0) return { text: '', caption: '', edges: 0, condensed: false };
  const full = edges <= FULL_MAX_LINKS && nodes.size <= FULL_MAX_NODES;
  const { graph, caption } = full ? { graph: fullDiagram(report), caption: '' } : condensedDiagram(report);
  if (graph.edges.length === 0) {
    return { text: '', caption: `No diagram: ${plural(report.links.length, 'link')}, all healthy and none on a hub.`, edges: 0, condensed: true };
  }
  const text = graph.render();
  // A guard that by the bounds above should never trip: a diagram GitHub refuses helps no one.
  if (text.length > MAX_DIAGRAM_CHARS || graph.edges.length > MAX_DIAGRAM_EDGES) {
    return { text: '', caption: `No diagram: the topology is too large to draw (${plural(report.links.length, 'link')}).`, edges: 0, condensed: true };
  }
  return { text, caption, edges: graph.edges.length, condensed: !full };
}
