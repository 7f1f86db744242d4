// Topology files for end-to-end tests: a workspace folder that the action reads them from, and
// YAML written from a generated emulator world (its hubs, spokes and mesh).
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { GeneratedWorld } from '../emulator/index.ts';

export interface Workspace {
  readonly dir: string;
  /** Writes a file under the workspace; returns its path relative to it. */
  write(relative: string, text: string): string;
  remove(): void;
}

export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-peering-ws-'));
  return {
    dir,
    write(relative, text) {
      const path = join(dir, relative);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return relative;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const alias = (id: string): string => id.split('/').pop() ?? id;

export interface HubShape {
  readonly index: number;
  /** How many of its spokes (default all). */
  readonly spokes?: number;
  readonly useHubGateway?: boolean;
}

export interface FileShape {
  /** Hubs to include (default all), with `use-hub-gateway`. */
  readonly hubs?: readonly HubShape[];
  readonly mesh?: boolean;
  /** Extra top-level entries (links, prune, defaults...). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** VNets of the world to declare beyond those the hubs and the mesh use. */
  readonly alsoDeclare?: readonly string[];
}

/** A topology file over a generated world: one tenant alias per tenant, every VNet it uses declared. */
export function topologyYaml(g: GeneratedWorld, shape: FileShape = {}): string {
  const tenantOf = new Map(g.world.subscriptions.map((s) => [s.id.toLowerCase(), s.tenantId]));
  const tenantAlias = (tenantId: string): string => `t${g.ids.tenants.indexOf(tenantId) + 1}`;
  const vnets: Record<string, { id: string; tenant: string }> = {};
  const declare = (id: string): string => {
    const sub = id.split('/')[2]?.toLowerCase() ?? '';
    vnets[alias(id)] = { id, tenant: tenantAlias(tenantOf.get(sub) ?? '') };
    return alias(id);
  };
  const all: HubShape[] = g.ids.hubs.map((_, index) => ({ index }));
  const hubs = (shape.hubs ?? all).map((h) => {
    const hubId = g.ids.hubs[h.index] ?? '';
    const spokes = (g.ids.spokes[h.index] ?? []).slice(0, h.spokes ?? Infinity).map(declare);
    return { hub: declare(hubId), spokes, ...(h.useHubGateway ? { 'use-hub-gateway': true } : {}) };
  });
  const file: Record<string, unknown> = {
    version: 1,
    tenants: Object.fromEntries(g.ids.tenants.map((t) => [tenantAlias(t), { 'tenant-id': t, 'client-id': g.ids.app }])),
    vnets,
  };
  if (hubs.length) file.hubs = hubs;
  if (shape.mesh && g.ids.mesh.length) file.meshes = [{ vnets: g.ids.mesh.map(declare) }];
  for (const id of shape.alsoDeclare ?? []) declare(id);
  Object.assign(file, shape.extra ?? {});
  return stringify(file, { lineWidth: 0 });
}
