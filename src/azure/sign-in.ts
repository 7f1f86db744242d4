// Signing in to every identity first, so that a sign-in problem is named as such, once: the same
// refusal from several tenants (a subject no credential trusts, an OIDC outage) is said once.
import { identityKey, type Credentials } from './credentials.ts';
import type { OidcSource } from './oidc.ts';
import { toProblem } from '../errors/classify.ts';
import { SIDES, type Identity, type Problem, type Topology } from '../model.ts';

/** Who signs in where, in the words of the config ("tenant contoso (1111…)"). */
function tenantWords(topology: Topology, identity: Identity): string {
  const aliases = topology.tenants.filter((t) => identityKey(t.identity) === identityKey(identity)).map((t) => t.alias);
  return `tenant ${aliases.join(', ') || identity.tenantId} (${identity.tenantId}) as ${identity.clientId}`;
}

/** Gets a token for each identity before anything else. */
export async function signIn(topology: Topology, identities: readonly Identity[], creds: Credentials, settings: { readonly armScope: string; readonly audience: string }, oidc: OidcSource, signal: AbortSignal): Promise<{ failed: Set<string>; problems: Problem[] }> {
  const results = await Promise.allSettled(identities.map((i) => creds.for(i).getToken(settings.armScope, { abortSignal: signal })));
  const failed = new Set<string>();
  const byCode = new Map<string, { who: string[]; problem: Problem }>();
  results.forEach((r, n) => {
    const identity = identities[n];
    if (!identity || r.status === 'fulfilled') return;
    failed.add(identityKey(identity));
    // Where the user sets this identity: the words of the first link end that uses it.
    const where = topology.links.flatMap((l) => SIDES.filter((s) => identityKey(l.ends[s].identity) === identityKey(identity)).map((s) => ({ l, s })))[0];
    const p = toProblem(r.reason, {
      tenantId: identity.tenantId,
      clientId: identity.clientId,
      tenantField: where ? where.l.locator.tenant[where.s] : 'the tenant ID',
      clientField: where ? where.l.locator.client[where.s] : 'the client ID',
      subject: oidc.claims.subject,
      audience: oidc.claims.audience ?? settings.audience,
    });
    // The same refusal from several tenants is said once.
    const same = byCode.get(p.code);
    if (same) same.who.push(tenantWords(topology, identity));
    else byCode.set(p.code, { who: [tenantWords(topology, identity)], problem: p });
  });
  const problems = [...byCode.values()].map(({ who, problem }) => ({ ...problem, message: `Signing in to ${who.join(' and ')}: ${problem.message}` }));
  return { failed, problems };
}
