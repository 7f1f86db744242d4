// Role-based access control: built-in and custom roles, assignments by scope prefix, wildcards.
import type { RoleAssignmentSpec, RoleDefinitionSpec, World } from './world.ts';

interface RoleDefinition {
  name: string;
  id: string;
  actions: string[];
  notActions: string[];
}

export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  { name: 'Owner', id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', actions: ['*'], notActions: [] },
  {
    name: 'Contributor',
    id: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
    ],
  },
  { name: 'Reader', id: 'acdd72a7-3385-48ef-bd42-f606fba81ae7', actions: ['*/read'], notActions: [] },
  {
    name: 'Network Contributor',
    id: '4d97b98b-1d4f-4787-a291-c67834d212e7',
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Network/*',
      'Microsoft.ResourceHealth/availabilityStatuses/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
    ],
    notActions: [],
  },
];

export const ACTIONS = {
  vnetRead: 'Microsoft.Network/virtualNetworks/read',
  peer: 'Microsoft.Network/virtualNetworks/peer/action',
  peeringRead: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read',
  peeringWrite: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write',
  peeringDelete: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete',
  operationRead: 'Microsoft.Network/locations/operations/read',
  operationResultRead: 'Microsoft.Network/locations/operationResults/read',
} as const;

/** Whether an action pattern (`*` anywhere, case-insensitive) matches the action. */
export function wildcard(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(action);
}

/** Whether `scope` is the resource or above it. */
export function scopeCovers(scope: string, resource: string): boolean {
  const s = scope.replace(/\/+$/, '').toLowerCase();
  const r = resource.toLowerCase();
  return s === '' || r === s || r.startsWith(`${s}/`);
}

function grants(actions: readonly string[], notActions: readonly string[], action: string): boolean {
  return actions.some((a) => wildcard(a, action)) && !notActions.some((n) => wildcard(n, action));
}

export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

function permission(actions: readonly string[], notActions: readonly string[]): Permission {
  return { actions: [...actions], notActions: [...notActions], dataActions: [], notDataActions: [] };
}

export interface Principal {
  tenantId: string;
  clientId: string;
}

export class Rbac {
  readonly #world: World;

  constructor(world: World) {
    this.#world = world;
  }

  #role(nameOrId: string): RoleDefinitionSpec | RoleDefinition | undefined {
    const key = nameOrId.toLowerCase();
    const custom = (this.#world.roleDefinitions ?? []).find((r) => r.name.toLowerCase() === key || r.id?.toLowerCase() === key);
    return custom ?? BUILT_IN_ROLES.find((r) => r.name.toLowerCase() === key || r.id === key);
  }

  #subscriptionTenant(resource: string): string | undefined {
    const sub = /^\/subscriptions\/([^/]+)/i.exec(resource)?.[1]?.toLowerCase();
    return this.#world.subscriptions.find((s) => s.id.toLowerCase() === sub)?.tenantId.toLowerCase();
  }

  #assignmentGrants(a: RoleAssignmentSpec, action: string): boolean {
    if (a.actions && grants(a.actions, a.notActions ?? [], action)) return true;
    if (!a.role) return false;
    const role = this.#role(a.role);
    return role !== undefined && grants(role.actions, role.notActions ?? [], action);
  }

  /**
   * What the caller may do at `scope` (GET .../providers/Microsoft.Authorization/permissions): one
   * entry per role assignment of the principal at the scope or above, the role's actions as written.
   */
  permissionsAt(principal: Principal, scope: string): Permission[] {
    if (this.#subscriptionTenant(scope) !== principal.tenantId.toLowerCase()) return [];
    const out: Permission[] = [];
    for (const a of this.#world.roleAssignments) {
      if (a.clientId.toLowerCase() !== principal.clientId.toLowerCase() || !scopeCovers(a.scope, scope)) continue;
      if (a.role) {
        const role = this.#role(a.role);
        if (role) out.push(permission(role.actions, role.notActions ?? []));
      }
      if (a.actions) out.push(permission(a.actions, a.notActions ?? []));
    }
    return out;
  }

  /** Whether the app's service principal in the token's tenant may perform `action` on `resource`. */
  allows(principal: Principal, action: string, resource: string): boolean {
    // An assignment in a subscription binds the service principal of that subscription's tenant.
    if (this.#subscriptionTenant(resource) !== principal.tenantId.toLowerCase()) return false;
    return this.#world.roleAssignments.some(
      (a) =>
        a.clientId.toLowerCase() === principal.clientId.toLowerCase() &&
        scopeCovers(a.scope, resource) &&
        this.#assignmentGrants(a, action),
    );
  }
}
