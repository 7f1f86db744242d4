// The Mermaid diagram of a topology: tenants as subgraphs, links coloured and labelled, condensed
// past what reads, always well under Mermaid's limits.
import { describe, expect, it } from 'vitest';
import { FULL_MAX_LINKS, MAX_DIAGRAM_CHARS, mermaidLabel, topologyDiagram } from '../../src/report/diagram.ts';
import type { RunReport } from '../../src/model.ts';
import { hubPlan, hubReport, twelveLinks, vnetRef, withVerdict } from '../fixtures/report/reports.ts';

/** The diagram parsed back: nodes with labels, edges with labels, and the style of each edge. */
function parse(text: string) {
  const lines = text.split('\n');
  const nodes = new Map<string, string>();
  const subgraphs: string[] = [];
  const edges: { from: string; to: string; label: string; dashed: boolean }[] = [];
  const style = new Map<number, string>();
  for (const l of lines) {
    const sub = /^\s*subgraph \w+\["(.*)"\]$/.exec(l);
    if (sub) subgraphs.push(sub[1] ?? '');
    const node = /^\s*(\w+)\[\[?"(.*?)"\]\]?$/.exec(l);
    if (node) nodes.set(node[1] ?? '', node[2] ?? '');
    const edge = /^\s*(\w+) (---|-\.-)\|"(.*)"\| (\w+)$/.exec(l);
    if (edge) edges.push({ from: edge[1] ?? '', to: edge[4] ?? '', label: edge[3] ?? '', dashed: edge[2] === '-.-' });
    const ls = /^\s*linkStyle ([\d,]+) (.*)$/.exec(l);
    if (ls) for (const i of (ls[1] ?? '').split(',')) style.set(Number(i), ls[2] ?? '');
  }
  return { lines, nodes, subgraphs, edges, style };
}

const RED = 'stroke:#cf222e';
const GREEN = 'stroke:#1a7f37';
const AMBER = 'stroke:#bf8700';
const GRAY = 'stroke:#8c959f';

describe('a small topology is drawn whole', () => {
  const d = topologyDiagram(twelveLinks());
  const g = parse(d.text);

  it('is a mermaid flowchart, VNets grouped by tenant', () => {
    expect(g.lines[0]).toBe('```mermaid');
    expect(g.lines[1]).toBe('flowchart LR');
    expect(g.lines.at(-1)).toBe('```');
    expect(g.subgraphs).toEqual(['contoso', 'fabrikam']);
    expect(d.condensed).toBe(false);
    expect(d.caption).toBe('');
  });

  it('every link is an edge labelled with its action and coloured by health; unmanaged ones dashed', () => {
    const byLabel = (to: string) => {
      const i = g.edges.findIndex((e) => g.nodes.get(e.to) === to);
      return { edge: g.edges[i], style: g.style.get(i) ?? '' };
    };
    expect(g.edges).toHaveLength(12 + 2);
    expect(byLabel('spoke-0-0').edge?.label).toBe('created');
    expect(byLabel('spoke-0-0').style).toContain(GREEN);
    expect(byLabel('spoke-0-3').edge?.label).toBe('AuthorizationFailed');
    expect(byLabel('spoke-0-3').style).toContain(RED);
    expect(byLabel('spoke-0-5').edge?.label).toBe('reconnected');
    expect(byLabel('spoke-0-8')).toMatchObject({ edge: { label: 'deleted', dashed: true } });
    expect(byLabel('spoke-0-8').style).toContain(GRAY);
    expect(byLabel('spoke-1-0').edge?.label).toBe('in sync');
    const pruned = g.edges.findIndex((e) => e.label === 'pruned');
    expect(g.edges[pruned]?.dashed).toBe(true);
    expect(g.edges.some((e) => e.label === 'not in file')).toBe(true);
  });

  it('a plan colours pending links apart from healthy and failed ones', () => {
    const plan = parse(topologyDiagram(twelveLinks('plan')).text);
    const create = plan.edges.findIndex((e) => e.label === 'would create');
    expect(plan.style.get(create)).toContain(AMBER);
    const prune = plan.edges.findIndex((e) => e.label === 'would prune');
    expect(plan.style.get(prune)).toContain(AMBER);
  });

  it('labels are plain: no HTML, quotes or Mermaid syntax from aliases', () => {
    expect(mermaidLabel('<b>x</b>"];click A call evil()')).toBe('_b_x_/b____click A call evil()');
    const base = hubReport({ mode: 'apply', spokes: [2] });
    const hostile = { ...base, vnets: base.vnets.map((v, i) => (i === 1 ? { ...v, alias: 'a"]-->b<script>' } : v)) };
    const text = topologyDiagram(hostile).text;
    expect(text).not.toMatch(/<script|a"\]/);
    expect(text).toContain('"a__--_b_script_"');
  });
});

describe('past what a diagram shows legibly, hubs stand for their spokes', () => {
  it('a plan of 300 spokes: groups by action, failed ones too when many', () => {
    const d = topologyDiagram(hubPlan(300));
    const g = parse(d.text);
    expect(d.condensed).toBe(true);
    expect([...g.nodes.values()].sort()).toEqual(['12 spokes', '282 spokes', '6 spokes', 'hub-0']);
    expect(g.edges.map((e) => e.label).sort()).toEqual(['AuthorizationFailed', 'in sync', 'would create']);
    expect(d.caption).toBe('Diagram condensed (300 links): hubs stand for their spokes: hub-0 (300 spokes).');
  });

  it('a few failures are drawn one by one, the rest counted', () => {
    const report = hubReport({ mode: 'apply', spokes: [100], kind: (i) => (i === 4 || i === 40 ? 'fail' : i === 70 ? 'overlap' : 'in-sync') });
    const g = parse(topologyDiagram(report).text);
    const failed = g.edges.filter((e) => e.label === 'AuthorizationFailed' || e.label === 'VnetAddressSpacesOverlap');
    expect(failed.map((e) => g.nodes.get(e.to)).sort()).toEqual(['spoke-0-4', 'spoke-0-40', 'spoke-0-70']);
    expect(g.edges.find((e) => e.label === 'in sync' && g.nodes.get(e.to) === '97 spokes')).toBeDefined();
  });

  it('links between non-hub VNets: only those that need attention are drawn, the rest counted', () => {
    // A chain of 50 links: no VNet has three links, so nothing is a hub.
    const base = hubReport({ mode: 'apply', spokes: Array.from({ length: 50 }, () => 1) });
    const links = base.links.map((l, i) => (i === 7 ? hubReport({ mode: 'apply', spokes: [1], kind: () => 'fail' }).links[0] ?? l : l));
    const report: RunReport = withVerdict({ ...base, links });
    const d = topologyDiagram(report);
    expect(parse(d.text).edges).toHaveLength(1);
    expect(d.caption).toContain('49 healthy links between other VNets not drawn');
  });

  it('a large healthy mesh with no hub to draw says so instead of an empty diagram', () => {
    const base = hubReport({ mode: 'apply', spokes: Array.from({ length: FULL_MAX_LINKS + 1 }, () => 1) });
    const d = topologyDiagram(base);
    expect(d.text).toBe('');
    expect(d.caption).toBe('No diagram: 41 links, all healthy and none on a hub.');
  });

  it.each([
    ['500 healthy links over 20 hubs', hubReport({ mode: 'apply', spokes: Array.from({ length: 20 }, () => 25) })],
    ['500 links all failing', hubReport({ mode: 'apply', spokes: [250, 250], kind: () => 'fail' })],
    ['500 links, mixed', hubReport({ mode: 'plan', spokes: [200, 200, 100], tenants: 4, kind: (i) => (['create', 'fail', 'update', 'in-sync', 'overlap', 'teardown'] as const)[i % 6] ?? 'in-sync' })],
  ])('%s: well under 50,000 characters and 500 edges', (_name, report) => {
    const d = topologyDiagram(report);
    const g = parse(d.text);
    expect(d.text.length).toBeGreaterThan(0);
    expect(d.text.length).toBeLessThan(MAX_DIAGRAM_CHARS);
    expect(g.edges.length).toBeLessThan(100);
    expect(g.edges.length).toBe(d.edges);
  });
});

describe('VNets the file does not name', () => {
  it('an unmanaged peering to a VNet outside the report is drawn with its name from the ID', () => {
    const base = hubReport({ mode: 'apply', spokes: [2] });
    const outside = vnetRef('cccccccc-0000-0000-0000-000000000003', 'rg-x', 'outside-vnet');
    const report = withVerdict({
      ...base,
      unmanaged: [{ vnet: base.vnets[1]?.vnet.id ?? '', remoteVnet: outside.id, peeringName: 'p', peeringId: '', state: 'Connected', action: 'none', outcome: 'none', problem: undefined }],
    });
    expect([...parse(topologyDiagram(report).text).nodes.values()]).toContain('outside-vnet');
  });
});
