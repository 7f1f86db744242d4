// What the action makes of Azure's peering bodies: the fields it manages, the odd value kept as
// text (so it differs from what is wanted), the subnet-peering fields, and what it sends back.
import { describe, expect, it } from 'vitest';
import type { VirtualNetworkPeering } from '@azure/arm-network';
import { toObserved } from '../../src/azure/vnet-api.ts';
import { decideAction } from '../../src/plan/link.ts';

const remote = '/subscriptions/bbbbbbbb-0000-0000-0000-000000000002/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/spoke';

describe('toObserved', () => {
  it('keeps a setting that is not a boolean as text, so the plan updates it', () => {
    // What the SDK hands over when Azure answers a string where the schema says boolean.
    const body: VirtualNetworkPeering = JSON.parse(`{"name": "p", "remoteVirtualNetwork": {"id": "${remote}"}, "allowForwardedTraffic": "yes", "peeringState": "Connected", "peeringSyncLevel": "FullyInSync", "provisioningState": "Succeeded"}`);
    const p = toObserved(body);
    expect(p.allowForwardedTraffic).toBe('yes');
    const desired = { allowVirtualNetworkAccess: true, allowForwardedTraffic: false, allowGatewayTransit: false, useRemoteGateways: false };
    expect(decideAction(p, desired, undefined, { addressPrefixes: [], subnets: [] })).toMatchObject({ action: 'update', reason: 'allowForwardedTraffic: yes → false' });
  });

  it('reads the subnet-peering fields, and keeps them (and other unmanaged fields) to send back', () => {
    const p = toObserved({
      name: 'p',
      remoteVirtualNetwork: { id: remote },
      peerCompleteVnets: false,
      localSubnetNames: ['app'],
      remoteSubnetNames: ['data', 'cache'],
      enableOnlyIPv6Peering: true,
      doNotVerifyRemoteGateways: true,
      peeringState: 'Connected',
    });
    expect(p.scope).toEqual({ complete: false, localSubnets: ['app'], remoteSubnets: ['data', 'cache'], ipv6Only: true });
    expect(p.preserved).toMatchObject({ peerCompleteVnets: false, localSubnetNames: ['app'], doNotVerifyRemoteGateways: true });
    expect(p.preserved).not.toHaveProperty('peeringState');
    expect(p.preserved).not.toHaveProperty('allowForwardedTraffic');
  });

  it('reads a peering without a state as Initiated, and a whole-VNet peering as complete', () => {
    const p = toObserved({ name: 'p', remoteVirtualNetwork: { id: remote } });
    expect(p.peeringState).toBe('Initiated');
    expect(p.scope.complete).toBe(true);
  });
});
