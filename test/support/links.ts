// Links and topologies built by hand for the engine's unit tests (the file parser has its own tests).
import { defaultPeeringName, parseVnetId } from '../../src/azure/resource-id.ts';
import type { Ensure, GatewayTransit, Identity, KindSpec, Link, Topology, VnetEntry, VnetRef } from '../../src/model.ts';

export const TENANT_1 = '11111111-1111-1111-1111-111111111111';
export const TENANT_2 = '22222222-2222-2222-2222-222222222222';
export const APP = '33333333-3333-3333-3333-333333333333';

export const vnetId = (sub: number, name: string): string =>
  `/subscriptions/${String(sub).padStart(8, '0')}-0000-0000-0000-000000000000/resourceGroups/rg-${name}/providers/Microsoft.Network/virtualNetworks/${name}`;

export function ref(id: string): VnetRef {
  const r = parseVnetId(id);
  if ('error' in r) throw new Error(r.error);
  return r;
}

export interface EndSpec {
  readonly id: string;
  readonly alias?: string;
  readonly tenant?: string;
  readonly name?: string;
}

export interface LinkSpec {
  readonly ensure?: Ensure;
  readonly gatewayTransit?: GatewayTransit;
  readonly kind?: KindSpec;
  readonly allowForwardedTraffic?: boolean;
}

const identityOf = (tenant: string): Identity => ({ tenantId: tenant, clientId: APP });

/** One link between two VNets, worded as a topology file entry would be. */
export function makeLink(index: number, a: EndSpec, b: EndSpec, spec: LinkSpec = {}): Link {
  const ra = ref(a.id);
  const rb = ref(b.id);
  const entry = `links[${index}]`;
  const end = (e: EndSpec, me: VnetRef, other: VnetRef) => ({
    vnet: me,
    alias: e.alias ?? me.name,
    tenant: e.tenant === TENANT_2 ? 'fabrikam' : 'contoso',
    identity: identityOf(e.tenant ?? TENANT_1),
    givenPeeringName: e.name,
    defaultPeeringName: defaultPeeringName(me, other),
  });
  return {
    key: [ra.id.toLowerCase(), rb.id.toLowerCase()].sort().join('|'),
    entry,
    index,
    ensure: spec.ensure ?? 'present',
    ends: { a: end(a, ra, rb), b: end(b, rb, ra) },
    allowVirtualNetworkAccess: true,
    allowForwardedTraffic: spec.allowForwardedTraffic ?? false,
    gatewayTransit: spec.gatewayTransit ?? 'none',
    kind: spec.kind ?? { kind: 'unmanaged' },
    locator: {
      link: `${entry} in net.yml`,
      vnet: { a: `vnets.${a.alias ?? ra.name} in net.yml`, b: `vnets.${b.alias ?? rb.name} in net.yml` },
      tenant: { a: 'tenants.contoso.tenant-id in net.yml', b: 'tenants.fabrikam.tenant-id in net.yml' },
      client: { a: 'tenants.contoso.client-id in net.yml', b: 'tenants.fabrikam.client-id in net.yml' },
      peeringName: { a: `peering-names[0] of ${entry} in net.yml`, b: `peering-names[1] of ${entry} in net.yml` },
      gatewayTransit: `gateway-transit of ${entry} in net.yml`,
      subnets: { a: `subnets[0] of ${entry} in net.yml`, b: `subnets[1] of ${entry} in net.yml` },
    },
  };
}

/** A topology of these links; `extra` VNets take part in no link (prune and unmanaged tests). */
export function makeTopology(links: readonly Link[], opts: { prune?: boolean; extra?: readonly EndSpec[] } = {}): Topology {
  const vnets = new Map<string, VnetEntry>();
  const add = (v: VnetRef, alias: string, identity: Identity, tenant: string): void => {
    if (!vnets.has(v.id.toLowerCase())) vnets.set(v.id.toLowerCase(), { vnet: v, alias, identity, tenant });
  };
  for (const l of links) for (const s of ['a', 'b'] as const) add(l.ends[s].vnet, l.ends[s].alias, l.ends[s].identity, l.ends[s].tenant);
  for (const e of opts.extra ?? []) add(ref(e.id), e.alias ?? ref(e.id).name, identityOf(e.tenant ?? TENANT_1), e.tenant === TENANT_2 ? 'fabrikam' : 'contoso');
  const tenants = [{ alias: 'contoso', identity: identityOf(TENANT_1) }, { alias: 'fabrikam', identity: identityOf(TENANT_2) }];
  return { links, vnets: [...vnets.values()], tenants, prune: opts.prune ?? false, source: { kind: 'file', path: 'net.yml', digest: 'sha256:00' } };
}

/** A hub with n spokes (hub side a), spokes alternating between the two tenants. */
export function hubAndSpokes(n: number, spec: LinkSpec = {}): { hub: string; spokes: string[]; links: Link[] } {
  const hub = vnetId(1, 'hub');
  const spokes = Array.from({ length: n }, (_, i) => vnetId(2 + (i % 2), `spoke${i}`));
  const links = spokes.map((s, i) => makeLink(i, { id: hub, alias: 'hub' }, { id: s, alias: `spoke${i}`, tenant: i % 2 ? TENANT_2 : TENANT_1 }, spec));
  return { hub, spokes, links };
}
