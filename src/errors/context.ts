// The advice context of one direction of a link: who signs in there, and where the user sets it.
import type { Link, Side } from '../model.ts';
import { other } from '../model.ts';
import type { AdviceContext } from './codes.ts';

/** What the workflow's OIDC token said, for advice on federated credentials. */
export interface TokenClaims {
  readonly subject?: string | undefined;
  readonly audience?: string | undefined;
}

/** The advice context of a VNet read for one end of a link: its identity and where both are set. */
export function endContext(link: Link, side: Side, claims: TokenClaims = {}): AdviceContext {
  const end = link.ends[side];
  return {
    tenantId: end.identity.tenantId,
    clientId: end.identity.clientId,
    tenantField: link.locator.tenant[side],
    clientField: link.locator.client[side],
    subject: claims.subject,
    audience: claims.audience,
    vnet: { ref: end.vnet, field: link.locator.vnet[side] },
  };
}

/** The advice context of one direction of a link. */
export function linkContext(link: Link, side: Side, claims: TokenClaims = {}): AdviceContext {
  const end = link.ends[side];
  const far = link.ends[other(side)];
  return {
    ...endContext(link, side, claims),
    link: {
      side,
      vnet: end.vnet,
      remoteVnet: far.vnet,
      remoteTenantId: far.identity.tenantId,
      remoteClientId: far.identity.clientId,
      locator: link.locator,
      peeringNameGiven: end.givenPeeringName !== undefined,
    },
  };
}

