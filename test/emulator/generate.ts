// Generated estates for scale tests: hubs with their spokes and a mesh, spread over several tenants
// and subscriptions, with address spaces that never overlap, one multi-tenant app that may peer
// everything (except where asked otherwise), and the default world's OIDC and GitHub.
import { formatIpv4 } from './cidr.ts';
import { defaultWorld } from './world.ts';
import type { RoleAssignmentSpec, VnetSpec, World } from './world.ts';

export interface GenerateSpec {
  /** Tenants (default 2). */
  tenants?: number;
  /** Subscriptions in each tenant (default 2). */
  subscriptionsPerTenant?: number;
  /** Hubs (default 1); hub i lives in tenant i mod tenants, in its first subscription. */
  hubs?: number;
  /** Spokes of each hub (default 10), or one count per hub; spread round-robin over every subscription. */
  spokesPerHub?: number | number[];
  /** A virtual network gateway on every hub (default true). */
  hubGateway?: boolean;
  /** VNets of one mesh (default 0), spread like the spokes. */
  mesh?: number;
  /** Default westeurope. */
  location?: string;
  /** Spokes placed in `rg-restricted`, where the app is only Reader (for partial-failure tests). */
  withoutRole?: { hub: number; spoke: number }[];
  /** Prefix length of each VNet's address space, carved from 10.0.0.0/8 (default 20: up to 4,096 VNets). */
  prefixLength?: number;
}

export interface GeneratedIds {
  tenants: string[];
  /** Every subscription, in the round-robin order VNets are spread over. */
  subscriptions: string[];
  hubs: string[];
  /** spokes[i]: the spokes of hub i. */
  spokes: string[][];
  mesh: string[];
  /** The multi-tenant app's client ID (service principal in every tenant). */
  app: string;
  /** The app's service principal object ID, by tenant ID. */
  objectIds: Record<string, string>;
}

export interface GeneratedWorld {
  world: World;
  ids: GeneratedIds;
}

const guid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const GENERATED_APP = '6a000000-0000-4000-8000-000000000001';

export function generateWorld(spec: GenerateSpec = {}): GeneratedWorld {
  const tenantCount = Math.max(1, spec.tenants ?? 2);
  const subsPerTenant = Math.max(1, spec.subscriptionsPerTenant ?? 2);
  const hubCount = Math.max(0, spec.hubs ?? 1);
  const spokeCounts = Array.from({ length: hubCount }, (_, i) => {
    const s = spec.spokesPerHub ?? 10;
    return typeof s === 'number' ? s : (s[i] ?? 0);
  });
  const meshCount = Math.max(0, spec.mesh ?? 0);
  const location = spec.location ?? 'westeurope';
  const bits = spec.prefixLength ?? 20;
  const total = hubCount + spokeCounts.reduce((a, b) => a + b, 0) + meshCount;
  if (bits < 9 || bits > 26) throw new Error(`generateWorld: prefixLength ${bits} must be between 9 and 26`);
  if (total > 2 ** (bits - 8)) throw new Error(`generateWorld: ${total} VNets do not fit in 10.0.0.0/8 as /${bits} blocks`);

  const base = defaultWorld();
  const tenants = Array.from({ length: tenantCount }, (_, t) => ({ id: guid('7e000000', t + 1), name: `tenant${t + 1}` }));
  // Interleaved by tenant, so round-robin over subscriptions also alternates tenants.
  const subscriptions = Array.from({ length: subsPerTenant }, (_, s) =>
    tenants.map((t, ti) => ({ id: guid('5b000000', s * tenantCount + ti + 1), tenantId: t.id, name: `${t.name}-sub${s + 1}` })),
  ).flat();
  const objectIds = Object.fromEntries(tenants.map((t, i) => [t.id, guid('0b000000', i + 1)]));

  let next = 0;
  const vnets: VnetSpec[] = [];
  const vnetAt = (subscriptionId: string, rg: string, name: string, gateway: boolean): string => {
    const size = 2 ** (32 - bits);
    const start = 10 * 2 ** 24 + next * size;
    next += 1;
    const sub = Math.max(24, bits + 2);
    const step = 2 ** (32 - sub);
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
    vnets.push({
      id,
      location,
      addressPrefixes: [`${formatIpv4(start)}/${bits}`],
      hasGateway: gateway,
      subnets: [
        { name: 'default', addressPrefix: `${formatIpv4(start)}/${sub}` },
        { name: 'app', addressPrefix: `${formatIpv4(start + step)}/${sub}` },
      ],
    });
    return id;
  };

  const restricted = new Set((spec.withoutRole ?? []).map((w) => `${w.hub}/${w.spoke}`));
  // Starting one past the first hub's subscription, so the first spoke is in another tenant (when there is one).
  const pick = (n: number) => subscriptions[(n + 1) % subscriptions.length]?.id ?? '';
  const hubs: string[] = [];
  const spokes: string[][] = [];
  let spread = 0;
  for (let h = 0; h < hubCount; h++) {
    const hubSub = subscriptions[h % tenantCount]?.id ?? '';
    hubs.push(vnetAt(hubSub, 'rg-hubs', `vnet-hub-${h}`, spec.hubGateway ?? true));
    const mine: string[] = [];
    for (let s = 0; s < (spokeCounts[h] ?? 0); s++) {
      const rg = restricted.has(`${h}/${s}`) ? 'rg-restricted' : 'rg-spokes';
      mine.push(vnetAt(pick(spread++), rg, `vnet-hub${h}-spoke-${s}`, false));
    }
    spokes.push(mine);
  }
  const mesh = Array.from({ length: meshCount }, (_, m) => vnetAt(pick(spread++), 'rg-mesh', `vnet-mesh-${m}`, false));

  const roleAssignments: RoleAssignmentSpec[] = subscriptions.flatMap((s) => [
    ...['rg-hubs', 'rg-spokes', 'rg-mesh'].map((rg) => ({
      clientId: GENERATED_APP,
      scope: `/subscriptions/${s.id}/resourceGroups/${rg}`,
      role: 'Network Contributor',
    })),
    { clientId: GENERATED_APP, scope: `/subscriptions/${s.id}/resourceGroups/rg-restricted`, role: 'Reader' },
  ]);
  const template = base.apps[0];
  const world: World = {
    tenants,
    subscriptions,
    apps: [
      {
        clientId: GENERATED_APP,
        name: 'peering-app',
        homeTenantId: tenants[0]?.id ?? '',
        servicePrincipals: tenants.map((t) => ({ tenantId: t.id, objectId: objectIds[t.id] ?? '' })),
        federatedCredentials: (template?.federatedCredentials ?? []).map((c) => ({ ...c, audiences: [...c.audiences] })),
      },
    ],
    roleDefinitions: [],
    roleAssignments,
    vnets,
    peerings: [],
    locks: [],
    policies: [],
    oidc: base.oidc,
    github: base.github,
    behavior: {},
  };
  return {
    world,
    ids: { tenants: tenants.map((t) => t.id), subscriptions: subscriptions.map((s) => s.id), hubs, spokes, mesh, app: GENERATED_APP, objectIds },
  };
}
