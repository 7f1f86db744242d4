// Management locks and policy assignments (spec §5): ARM refuses a write they cover before the
// network provider sees it, synchronously, and retrying cannot help.
import type { ArmError } from './network.ts';
import { scopeCovers, wildcard } from './rbac.ts';
import type { LockSpec, PolicySpec } from './world.ts';

const key = (s: string) => s.toLowerCase();

export class Governance {
  #locks: LockSpec[];
  #policies: PolicySpec[];

  constructor(locks: LockSpec[], policies: PolicySpec[]) {
    this.#locks = locks.map((l) => ({ ...l }));
    this.#policies = policies.map((p) => ({ ...p, deny: [...p.deny] }));
  }

  addLock(lock: LockSpec): void {
    this.#locks.push({ ...lock });
  }

  /** Removes the locks at `scope` (or with that name); returns how many. */
  removeLock(scopeOrName: string): number {
    const before = this.#locks.length;
    this.#locks = this.#locks.filter((l) => key(l.scope) !== key(scopeOrName) && key(l.name ?? '') !== key(scopeOrName));
    return before - this.#locks.length;
  }

  addPolicy(policy: PolicySpec): void {
    this.#policies.push({ ...policy, deny: [...policy.deny] });
  }

  removePolicy(name: string): number {
    const before = this.#policies.length;
    this.#policies = this.#policies.filter((p) => key(p.name) !== key(name));
    return before - this.#policies.length;
  }

  /** 409 ScopeLocked when a lock covers `resource`: a ReadOnly lock for writes, either lock for deletes. */
  locked(resource: string, operation: 'write' | 'delete'): ArmError | undefined {
    const locks = this.#locks.filter(
      (l) => scopeCovers(l.scope, resource) && (operation === 'delete' || l.level === 'ReadOnly'),
    );
    if (locks.length === 0) return undefined;
    return {
      status: 409,
      code: 'ScopeLocked',
      message: `The scope '${resource}' cannot perform ${operation} operation because following scope(s) are locked: ${locks
        .map((l) => `'${l.scope}'`)
        .join(', ')}. Please remove the lock and try again.`,
    };
  }

  /** 403 RequestDisallowedByPolicy when a policy assignment covering `resource` denies `action`. */
  denied(resource: string, action: string): ArmError | undefined {
    const p = this.#policies.find((x) => scopeCovers(x.scope, resource) && x.deny.some((d) => wildcard(d, action)));
    if (!p) return undefined;
    const name = resource.split('/').pop() ?? resource;
    const assignmentId = `${p.scope.replace(/\/+$/, '')}/providers/Microsoft.Authorization/policyAssignments/${p.name}`;
    const definitionId = `/providers/Microsoft.Authorization/policyDefinitions/${p.name}-definition`;
    const identifiers = [
      { policyAssignment: { name: p.name, id: assignmentId }, policyDefinition: { name: `${p.name}-definition`, id: definitionId } },
    ];
    return {
      status: 403,
      code: 'RequestDisallowedByPolicy',
      target: name,
      message: `Resource '${name}' was disallowed by policy. Policy identifiers: '${JSON.stringify(identifiers)}'.`,
      additionalInfo: [
        {
          type: 'PolicyViolation',
          info: {
            policyAssignmentName: p.name,
            policyAssignmentId: assignmentId,
            policyAssignmentScope: p.scope,
            policyDefinitionName: `${p.name}-definition`,
            policyDefinitionId: definitionId,
            policyDefinitionEffect: 'deny',
          },
        },
      ],
    };
  }
}
