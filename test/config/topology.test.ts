import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseTopology, type TopologyProblem } from '../../src/config/topology.ts';
import type { Link, Topology } from '../../src/model.ts';

const PATH = 'network/topology.yml';
const T1 = '11111111-1111-1111-1111-111111111111';
const T2 = '22222222-2222-2222-2222-222222222222';
const C = '33333333-3333-3333-3333-333333333333';
const SUB1 = 'aaaaaaaa-0000-0000-0000-000000000001';
const SUB2 = 'bbbbbbbb-0000-0000-0000-000000000002';
const id = (name: string, sub = SUB1, rg = 'rg-net'): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;

// Nine lines; a body given to file() starts on line 10.
const HEAD = [
  'version: 1',
  'tenants:',
  `  contoso: { tenant-id: ${T1}, client-id: ${C} }`,
  `  fabrikam: { tenant-id: ${T2}, client-id: ${C} }`,
  'vnets:',
  `  hub: { id: ${id('hub')}, tenant: contoso }`,
  `  app1: { id: ${id('app1', SUB2)}, tenant: fabrikam }`,
  `  app2: { id: ${id('app2', SUB2)}, tenant: fabrikam }`,
  `  db: { id: ${id('db')}, tenant: contoso }`,
];
const file = (...body: string[]): string => [...HEAD, ...body].join('\n') + '\n';

function parsed(text: string | Uint8Array): Topology {
  const res = parseTopology(text, { path: PATH });
  if (!res.ok) throw new Error(`unexpected problems:\n${res.problems.map((p) => p.message).join('\n')}`);
  return res.topology;
}

function problems(text: string | Uint8Array): readonly TopologyProblem[] {
  const res = parseTopology(text, { path: PATH });
  if (res.ok) throw new Error('expected problems, the file parsed');
  return res.problems;
}

const messages = (text: string | Uint8Array): string[] => problems(text).map((p) => p.message);
const at = (line: number, column: number): string => `${PATH}:${line}:${column}`;

/** A link in a few words: entry, a -> b, settings, names. */
function brief(l: Link): string {
  const name = (s: 'a' | 'b'): string => l.ends[s].givenPeeringName ?? `(${l.ends[s].defaultPeeringName})`;
  return [
    `${l.index} ${l.entry} ${l.ends.a.alias}->${l.ends.b.alias} ${l.ensure}`,
    `ava=${l.allowVirtualNetworkAccess} aft=${l.allowForwardedTraffic} gw=${l.gatewayTransit}`,
    `${name('a')} ${name('b')}`,
  ].join(' ');
}

// The example of spec/topology.md, with the IDs written out.
const SPEC_EXAMPLE = `version: 1                       # required; only 1 exists

tenants:                         # alias -> the identity used there
  contoso:  { tenant-id: ${T1}, client-id: ${C} }
  fabrikam: { tenant-id: ${T2}, client-id: ${C} }

vnets:                           # alias -> VNet; every VNet names its tenant alias
  hub-weu:  { id: ${id('hub-weu', SUB1, 'rg-hub')}, tenant: contoso }
  hub-eus:  { id: ${id('hub-eus', SUB1, 'rg-hub')}, tenant: contoso }
  app1:     { id: ${id('app1', SUB2, 'rg-app')}, tenant: fabrikam }
  app2:     { id: ${id('app2', SUB2, 'rg-app')}, tenant: fabrikam }
  db:       { id: ${id('db', SUB1, 'rg-db')}, tenant: contoso }

defaults:                        # peering settings of every link unless the link says otherwise
  allow-virtual-network-access: true
  allow-forwarded-traffic: false

hubs:                            # one link per spoke; side a is the hub, side b the spoke
  - hub: hub-weu
    spokes:
      - app1
      - { vnet: app2, peering-names: [hub-weu-to-app2-prod, app2-prod-to-hub-weu] }   # names on hub, on spoke
    use-hub-gateway: true        # hub lends its gateway (allowGatewayTransit), spokes use it (useRemoteGateways)
    allow-forwarded-traffic: true

meshes:                          # one link per pair of members; side a is the member listed first
  - vnets: [hub-weu, hub-eus]

links:                           # single links; side a is the first VNet
  - vnets: [app1, db]
    gateway-transit: none        # none | a | b, as the pair input
    peering-names: [app1-to-db, db-to-app1]   # optional: names on a and on b
    subnets: [[snet-app], [snet-data]]        # optional: subnet-level peering, a's then b's subnets
    ipv6-only: false
  - vnets: [app2, db]
    ensure: absent               # tear this link down: both directions

prune: false                     # true: also delete undeclared peerings between two VNets of this file
`;

describe('parseTopology: the example of the contract', () => {
  const topology = parsed(SPEC_EXAMPLE);

  it('expands hubs, then meshes, then links, in declaration order', () => {
    expect(topology.links.map(brief)).toEqual([
      '0 hubs[0].spokes[0] hub-weu->app1 present ava=true aft=true gw=a (hub-weu-to-app1) (app1-to-hub-weu)',
      '1 hubs[0].spokes[1] hub-weu->app2 present ava=true aft=true gw=a hub-weu-to-app2-prod app2-prod-to-hub-weu',
      '2 meshes[0].vnets[0,1] hub-weu->hub-eus present ava=true aft=false gw=none (hub-weu-to-hub-eus) (hub-eus-to-hub-weu)',
      '3 links[0] app1->db present ava=true aft=false gw=none app1-to-db db-to-app1',
      '4 links[1] app2->db absent ava=true aft=false gw=none (app2-to-db) (db-to-app2)',
    ]);
  });

  it('gives each link its key, ends with identities, kind and locator', () => {
    const [spoke, , , subnetLink] = topology.links;
    expect(spoke?.key).toBe(`${id('hub-weu', SUB1, 'rg-hub').toLowerCase()}|${id('app1', SUB2, 'rg-app').toLowerCase()}`);
    expect(spoke?.ends.a).toEqual({
      vnet: { id: id('hub-weu', SUB1, 'rg-hub'), subscriptionId: SUB1, resourceGroup: 'rg-hub', name: 'hub-weu' },
      alias: 'hub-weu',
      tenant: 'contoso',
      identity: { tenantId: T1, clientId: C },
      givenPeeringName: undefined,
      defaultPeeringName: 'hub-weu-to-app1',
    });
    expect(spoke?.ends.b.identity).toEqual({ tenantId: T2, clientId: C });
    expect(spoke?.kind).toEqual({ kind: 'unmanaged' });
    expect(spoke?.locator).toEqual({
      link: 'hubs[0].spokes[0] in network/topology.yml',
      vnet: { a: 'vnets.hub-weu in network/topology.yml', b: 'vnets.app1 in network/topology.yml' },
      tenant: { a: 'tenants.contoso.tenant-id in network/topology.yml', b: 'tenants.fabrikam.tenant-id in network/topology.yml' },
      client: { a: 'tenants.contoso.client-id in network/topology.yml', b: 'tenants.fabrikam.client-id in network/topology.yml' },
      peeringName: {
        a: 'peering-names[0] of hubs[0].spokes[0] in network/topology.yml',
        b: 'peering-names[1] of hubs[0].spokes[0] in network/topology.yml',
      },
      gatewayTransit: 'use-hub-gateway of hubs[0] in network/topology.yml',
      subnets: {
        a: 'hubs[0].spokes[0] in network/topology.yml (subnets need an entry under links)',
        b: 'hubs[0].spokes[0] in network/topology.yml (subnets need an entry under links)',
      },
    });
    expect(subnetLink?.kind).toEqual({ kind: 'subnets', subnets: { a: ['snet-app'], b: ['snet-data'] }, ipv6Only: false });
    expect(subnetLink?.locator.subnets).toEqual({
      a: 'subnets[0] of links[0] in network/topology.yml',
      b: 'subnets[1] of links[0] in network/topology.yml',
    });
    expect(subnetLink?.locator.gatewayTransit).toBe('gateway-transit of links[0] in network/topology.yml');
    expect(topology.links[2]?.locator.peeringName.a).toBe(
      'meshes[0].vnets[0,1] in network/topology.yml (peering-names need an entry under links)',
    );
  });

  it('lists every VNet and tenant in declaration order, prune and the source', () => {
    expect(topology.vnets.map((v) => `${v.alias}:${v.tenant}:${v.vnet.name}:${v.identity.tenantId}`)).toEqual([
      `hub-weu:contoso:hub-weu:${T1}`,
      `hub-eus:contoso:hub-eus:${T1}`,
      `app1:fabrikam:app1:${T2}`,
      `app2:fabrikam:app2:${T2}`,
      `db:contoso:db:${T1}`,
    ]);
    expect(topology.tenants).toEqual([
      { alias: 'contoso', identity: { tenantId: T1, clientId: C } },
      { alias: 'fabrikam', identity: { tenantId: T2, clientId: C } },
    ]);
    expect(topology.prune).toBe(false);
    const digest = `sha256:${createHash('sha256').update(Buffer.from(SPEC_EXAMPLE, 'utf8')).digest('hex')}`;
    expect(topology.source).toEqual({ kind: 'file', path: PATH, digest });
  });
});

describe('parseTopology: expansion and precedence', () => {
  it('a mesh gives one link per pair, side a the member listed first', () => {
    const t = parsed(file('meshes:', '  - vnets: [db, hub, app1, app2]'));
    expect(t.links.map((l) => `${l.entry} ${l.ends.a.alias}->${l.ends.b.alias}`)).toEqual([
      'meshes[0].vnets[0,1] db->hub',
      'meshes[0].vnets[0,2] db->app1',
      'meshes[0].vnets[0,3] db->app2',
      'meshes[0].vnets[1,2] hub->app1',
      'meshes[0].vnets[1,3] hub->app2',
      'meshes[0].vnets[2,3] app1->app2',
    ]);
    expect(t.links.map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('settings: link, then hub or mesh, then defaults, then the action defaults', () => {
    const t = parsed(
      file(
        'defaults: { allow-forwarded-traffic: true }',
        'hubs:',
        '  - hub: hub',
        '    allow-virtual-network-access: false',
        '    spokes: [app1]',
        '  - hub: db',
        '    spokes: [app2]',
        'meshes:',
        '  - vnets: [app1, app2]',
        '    allow-forwarded-traffic: false',
        'links:',
        '  - vnets: [hub, app2]',
        '    allow-forwarded-traffic: false',
        '    allow-virtual-network-access: false',
        '  - vnets: [db, app1]',
      ),
    );
    expect(t.links.map((l) => `${l.entry} ava=${l.allowVirtualNetworkAccess} aft=${l.allowForwardedTraffic}`)).toEqual([
      'hubs[0].spokes[0] ava=false aft=true',
      'hubs[1].spokes[0] ava=true aft=true',
      'meshes[0].vnets[0,1] ava=true aft=false',
      'links[0] ava=false aft=false',
      'links[1] ava=true aft=true',
    ]);
    const bare = parsed(file('links:', '  - vnets: [db, app1]'));
    expect(bare.links.map(brief)).toEqual(['0 links[0] db->app1 present ava=true aft=false gw=none (db-to-app1) (app1-to-db)']);
  });

  it('gateway transit: use-hub-gateway lends the hub gateway; a link says a or b', () => {
    const t = parsed(
      file('hubs:', '  - { hub: hub, spokes: [app1], use-hub-gateway: true }', '  - { hub: db, spokes: [app2] }', 'links:', '  - { vnets: [app1, app2], gateway-transit: a }'),
    );
    expect(t.links.map((l) => `${l.entry} ${l.gatewayTransit}`)).toEqual(['hubs[0].spokes[0] a', 'hubs[1].spokes[0] none', 'links[0] a']);
  });

  it("subnets: '*' is whole-VNet peering; lists with ipv6-only", () => {
    const t = parsed(
      file('links:', "  - { vnets: [app1, db], subnets: '*' }", '  - { vnets: [app2, db], subnets: [[s1, s2], [d1]], ipv6-only: true }'),
    );
    expect(t.links.map((l) => l.kind)).toEqual([
      { kind: 'whole' },
      { kind: 'subnets', subnets: { a: ['s1', 's2'], b: ['d1'] }, ipv6Only: true },
    ]);
  });

  it('lowercases GUIDs, keeps VNet IDs as written, and lists VNets in no link', () => {
    const t = parsed(file().replace(T1, T1.toUpperCase().replace(/1/g, 'A')));
    expect(t.links).toEqual([]);
    expect(t.vnets.map((v) => v.alias)).toEqual(['hub', 'app1', 'app2', 'db']);
    expect(t.tenants[0]?.identity.tenantId).toBe('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa');
  });

  it('reads JSON, YAML anchors, empty sections and $schema', () => {
    const json = JSON.stringify({
      $schema: '../schema/topology.schema.json',
      version: 1,
      tenants: { t: { 'tenant-id': T1, 'client-id': C } },
      vnets: { va: { id: id('va'), tenant: 't' }, vb: { id: id('vb'), tenant: 't' } },
      links: [{ vnets: ['va', 'vb'], ensure: 'absent' }],
      prune: true,
    });
    const t = parsed(json);
    expect(t.links.map(brief)).toEqual(['0 links[0] va->vb absent ava=true aft=false gw=none (va-to-vb) (vb-to-va)']);
    expect(t.prune).toBe(true);

    const anchors = parsed(
      file('hubs:', '  - hub: hub', '    spokes: &s [app1, app2]', '    allow-forwarded-traffic: &t true', '  - hub: db', '    spokes: *s', 'defaults: { allow-forwarded-traffic: *t }'),
    );
    expect(anchors.links.map((l) => `${l.entry} ${l.ends.a.alias}->${l.ends.b.alias} ${l.allowForwardedTraffic}`)).toEqual([
      'hubs[0].spokes[0] hub->app1 true',
      'hubs[0].spokes[1] hub->app2 true',
      'hubs[1].spokes[0] db->app1 true',
      'hubs[1].spokes[1] db->app2 true',
    ]);
    expect(parsed(file('hubs:', 'meshes: ~', 'links: []', 'defaults:')).links).toEqual([]);
  });

  it('digests the bytes given; text is digested as UTF-8; a byte-order mark keeps columns', () => {
    const text = file('links:', '  - vnets: [app1, db]  # é');
    const bytes = new TextEncoder().encode(text);
    const hex = createHash('sha256').update(bytes).digest('hex');
    expect(parsed(bytes).source).toEqual({ kind: 'file', path: PATH, digest: `sha256:${hex}` });
    expect(parsed(text).source).toEqual({ kind: 'file', path: PATH, digest: `sha256:${hex}` });

    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(file('links:', '  - vnets: [app1, dbx]'))]);
    expect(messages(bom)).toEqual([
      `${at(11, 19)}: links[0].vnets[1]: unknown VNet alias 'dbx' (did you mean 'db'?); expected one of the aliases under vnets (hub, app1, app2, db)`,
    ]);
    expect(messages(new Uint8Array([0x76, 0x3a, 0x20, 0xff, 0x0a]))).toEqual([
      `${at(1, 1)}: the file is not UTF-8 text; expected a YAML or JSON file in UTF-8`,
    ]);
  });
});

describe('parseTopology: every problem with file, line, column, entry, value and form', () => {
  it('gives each field of a problem', () => {
    expect(problems(file('hubs:', '  - hub: hub', '    spokes:', '      - app1', '      - app9'))).toEqual([
      {
        file: PATH,
        line: 14,
        column: 9,
        entry: 'hubs[0].spokes[1]',
        value: 'app9',
        expected: 'one of the aliases under vnets (hub, app1, app2, db)',
        message: `${at(14, 9)}: hubs[0].spokes[1]: unknown VNet alias 'app9' (did you mean 'app1'?); expected one of the aliases under vnets (hub, app1, app2, db)`,
      },
    ]);
  });

  it('lists several problems at once, in file order', () => {
    const text = file('links:', '  - vnets: [app1, app9]', '    ensure: gone', 'prune: yes', 'defaults:', '  allow-forwarded-traffic: 1');
    expect(messages(text)).toEqual([
      `${at(11, 19)}: links[0].vnets[1]: unknown VNet alias 'app9' (did you mean 'app1'?); expected one of the aliases under vnets (hub, app1, app2, db)`,
      `${at(12, 13)}: links[0].ensure: 'gone' is not allowed; expected one of present, absent`,
      `${at(13, 8)}: prune: got a string 'yes'; expected true or false (unquoted)`,
      `${at(15, 28)}: defaults.allow-forwarded-traffic: got a number '1'; expected true or false (unquoted)`,
    ]);
  });

  it('YAML that does not parse; an empty file; not a mapping; several documents', () => {
    expect(messages('version: 1\ntenants: [a, b\n')).toEqual([
      `${at(3, 1)}: Flow sequence in block collection must be sufficiently indented and end with a ]; expected valid YAML or JSON`,
    ]);
    const top = 'a mapping with version: 1, tenants, vnets and any of defaults, hubs, meshes, links, prune';
    expect(messages('# nothing yet\n')).toEqual([`${at(1, 1)}: the file is empty; expected ${top}`]);
    expect(messages('[1, 2]\n')).toEqual([`${at(1, 1)}: got a list '[1, 2]'; expected ${top}`]);
    expect(messages(`${file()}---\nversion: 1\n`)).toEqual([
      `${at(10, 1)}: Source contains multiple documents; please use YAML.parseAllDocuments(); expected valid YAML or JSON`,
    ]);
  });

  it('version: missing, unsupported (reported alone), not a number', () => {
    const body = ['links:', '  - vnets: [app1, db]'];
    expect(messages(file(...body).replace('version: 1\n', ''))).toEqual([
      `${at(1, 1)}: version: missing; expected 1 (the only version of the format)`,
    ]);
    expect(messages(file(...body, 'bogus: 1').replace('version: 1', 'version: 2'))).toEqual([
      `${at(1, 10)}: version: version 2 is not supported; expected 1 (the only version of the format)`,
    ]);
    expect(messages(file().replace('version: 1', "version: '1'"))).toEqual([
      `${at(1, 10)}: version: got a string '1'; expected 1 (the only version of the format, a number)`,
    ]);
  });

  it('unknown keys at every level, with the keys allowed', () => {
    const text = file(
      'link: []',
      'defaults: { gateway-transit: a }',
      'hubs:',
      '  - { hub: hub, spokes: [{ vnet: app1, ensure: absent }], gateway: x }',
      'meshes:',
      '  - { vnets: [app1, app2], subnets: "*" }',
      'links:',
      '  - { vnets: [app2, db], ipv6: true }',
    ).replace(`tenant-id: ${T2}, client-id: ${C} }`, `tenant-id: ${T2}, client-id: ${C}, secret: x }`).replace(`${id('db')}, tenant: contoso }`, `${id('db')}, tenant: contoso, region: weu }`);
    expect(messages(text)).toEqual([
      `${at(4, 113)}: tenants.fabrikam.secret: unknown key 'secret'; expected one of tenant-id, client-id`,
      `${at(9, 152)}: vnets.db.region: unknown key 'region'; expected one of id, tenant`,
      `${at(10, 1)}: link: unknown key 'link' (did you mean 'links'?); expected one of $schema, version, tenants, vnets, defaults, hubs, meshes, links, prune`,
      `${at(11, 13)}: defaults.gateway-transit: unknown key 'gateway-transit'; expected one of allow-virtual-network-access, allow-forwarded-traffic`,
      `${at(13, 40)}: hubs[0].spokes[0].ensure: unknown key 'ensure'; expected one of vnet, peering-names`,
      `${at(13, 59)}: hubs[0].gateway: unknown key 'gateway'; expected one of hub, spokes, use-hub-gateway, allow-virtual-network-access, allow-forwarded-traffic`,
      `${at(15, 28)}: meshes[0].subnets: unknown key 'subnets'; expected one of vnets, allow-virtual-network-access, allow-forwarded-traffic`,
      `${at(17, 26)}: links[0].ipv6: unknown key 'ipv6'; expected one of vnets, gateway-transit, peering-names, subnets, ipv6-only, ensure, allow-virtual-network-access, allow-forwarded-traffic`,
    ]);
  });

  it('tenants: missing and invalid IDs; aliases that are not plain words', () => {
    const text = file().replace(`  fabrikam: { tenant-id: ${T2}, client-id: ${C} }`, `  fabrikam: { tenant-id: 2222, client: ${C} }\n  "my tenant": { tenant-id: not-a-guid, client-id: ${C} }`);
    expect(messages(text)).toEqual([
      `${at(4, 13)}: tenants.fabrikam.client-id: missing; expected the client ID of the identity used in that tenant, a GUID such as 00000000-0000-0000-0000-000000000000`,
      `${at(4, 26)}: tenants.fabrikam.tenant-id: got a number '2222'; expected the Entra tenant ID, a GUID such as 00000000-0000-0000-0000-000000000000`,
      `${at(4, 32)}: tenants.fabrikam.client: unknown key 'client'; expected one of tenant-id, client-id`,
      `${at(5, 3)}: tenants.my tenant: 'my tenant' is not a valid alias; expected an alias of 1-80 letters, digits, _ . -, starting with a letter or digit`,
      `${at(5, 29)}: tenants.my tenant.tenant-id: 'not-a-guid' is not a GUID; expected the Entra tenant ID, a GUID such as 00000000-0000-0000-0000-000000000000`,
    ]);
  });

  it('vnets: invalid resource IDs, unknown or missing tenants', () => {
    const bad = `/subscriptions/${SUB1}/resourceGroups/rg/providers/Microsoft.Network/virtualNetwork/db`;
    const text = file().replace(`  db: { id: ${id('db')}, tenant: contoso }`, `  db: { id: ${bad}, tenant: contso }\n  app3: { id: ${id('app3', 'sub1')} }`);
    const ps = problems(text);
    expect(ps.map((p) => p.message)).toEqual([
      `${at(9, 13)}: vnets.db.id: not a VNet resource ID: the path does not have that shape; expected /subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.Network/virtualNetworks/<vnet name>`,
      `${at(9, 138)}: vnets.db.tenant: unknown tenant alias 'contso' (did you mean 'contoso'?); expected one of the aliases under tenants (contoso, fabrikam)`,
      `${at(10, 9)}: vnets.app3.tenant: missing; expected the alias of its tenant under tenants`,
      `${at(10, 15)}: vnets.app3.id: not a VNet resource ID: subscription "sub1" is not a GUID; expected /subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.Network/virtualNetworks/<vnet name>`,
    ]);
    // The value is shortened to keep the message on one line.
    expect(ps[0]?.value).toBe(`${bad.slice(0, 59)}…`);
  });

  it('one VNet under two aliases, compared case-insensitively', () => {
    const upper = id('DB').toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/');
    expect(messages(file(`  db2: { id: ${upper}/, tenant: contoso }`))).toEqual([
      `${at(10, 14)}: vnets.db2.id: this VNet is already declared as vnets.db (line 9; IDs compare case-insensitively); expected each VNet under one alias`,
    ]);
  });

  it('links: not two VNets, unknown aliases, a VNet paired with itself', () => {
    expect(messages(file('links:', '  - vnets: [app1, app9]', '  - vnets: [app1]', '  - vnets: [db, db]', '  - vnets: app1', '  - ensure: absent'))).toEqual([
      `${at(11, 19)}: links[0].vnets[1]: unknown VNet alias 'app9' (did you mean 'app1'?); expected one of the aliases under vnets (hub, app1, app2, db)`,
      `${at(12, 12)}: links[1].vnets: 1 VNet; expected exactly two VNet aliases [<a>, <b>]`,
      `${at(13, 17)}: links[2].vnets[1]: pairs VNet 'db' with itself; expected two different VNets`,
      `${at(14, 12)}: links[3].vnets: got a string 'app1'; expected exactly two VNet aliases [<a>, <b>]`,
      `${at(15, 5)}: links[4].vnets: missing; expected exactly two VNet aliases [<a>, <b>]`,
    ]);
  });

  it('an unknown alias lists the first five aliases', () => {
    const extra = ['  e1: {', '  e2: {', '  e3: {'].map((s, i) => `${s} id: ${id(`e${i + 1}`)}, tenant: contoso }`);
    expect(problems(file(...extra, 'links:', '  - vnets: [zz, db]'))[0]?.expected).toBe('one of the aliases under vnets (hub, app1, app2, db, e1, …)');
    expect(problems(file('links:', '  - vnets: [app1, db]').replace(/^vnets:\n( {2}.*\n)*/m, 'vnets: {}\n'))[0]?.expected).toBe(
      'an alias defined under vnets (none is)',
    );
  });

  it('a resource ID where an alias belongs is shortened in the message', () => {
    const [problem] = problems(file('hubs:', `  - { hub: hub, spokes: [${id('app1', SUB2)}] }`));
    const cut = `${id('app1', SUB2).slice(0, 59)}…`;
    expect(problem?.value).toBe(cut);
    expect(problem?.message).toBe(
      `${at(11, 26)}: hubs[0].spokes[0]: unknown VNet alias '${cut}'; expected one of the aliases under vnets (hub, app1, app2, db)`,
    );
  });

  it('the same pair declared twice in any two entries, either order, names both', () => {
    expect(messages(file('hubs:', '  - hub: hub', '    spokes: [app1, app2]', 'links:', '  - vnets: [app2, hub]', 'meshes:', '  - vnets: [db, app1, hub]'))).toEqual([
      `${at(14, 5)}: links[0]: VNets 'app2' and 'hub' are already paired by hubs[0].spokes[1] (line 12); expected each pair of VNets in one entry only`,
      `${at(16, 23)}: meshes[0].vnets[1,2]: VNets 'app1' and 'hub' are already paired by hubs[0].spokes[0] (line 12); expected each pair of VNets in one entry only`,
    ]);
  });

  it('meshes: fewer than two VNets, a VNet listed twice', () => {
    expect(messages(file('meshes:', '  - vnets: [app1]', '  - vnets: [db, app2, db]', '  - vnets: []', '  - {}'))).toEqual([
      `${at(11, 12)}: meshes[0].vnets: a mesh of 1 VNet; expected at least two VNet aliases`,
      `${at(12, 23)}: meshes[1].vnets[2]: 'db' is listed twice in this mesh (also meshes[1].vnets[0]); expected each VNet once in a mesh`,
      `${at(13, 12)}: meshes[2].vnets: a mesh of 0 VNets; expected at least two VNet aliases`,
      `${at(14, 5)}: meshes[3].vnets: missing; expected a list of at least two VNet aliases`,
    ]);
  });

  it('hubs: the hub as its own spoke, no spokes, spokes of the wrong form', () => {
    expect(
      messages(
        file('hubs:', '  - hub: hub', '    spokes:', '      - app1', '      - hub', '  - hub: db', '    spokes: []', '  - spokes: [app1]', '  - hub: app2', '    spokes: [7, {}, [app1]]'),
      ),
    ).toEqual([
      `${at(14, 9)}: hubs[0].spokes[1]: the hub 'hub' is listed as its own spoke; expected spokes other than the hub`,
      `${at(16, 13)}: hubs[1].spokes: no spokes; expected at least one spoke VNet alias`,
      `${at(17, 5)}: hubs[2].hub: missing; expected the alias of the hub VNet`,
      `${at(19, 14)}: hubs[3].spokes[0]: got a number '7'; expected a VNet alias, or {vnet: <VNet alias>, peering-names: [<name on the hub>, <name on the spoke>]}`,
      `${at(19, 17)}: hubs[3].spokes[1].vnet: missing; expected the alias of the spoke VNet`,
      `${at(19, 21)}: hubs[3].spokes[2]: got a list '[app1]'; expected a VNet alias, or {vnet: <VNet alias>, peering-names: [<name on the hub>, <name on the spoke>]}`,
    ]);
  });

  it('duplicate keys in a mapping', () => {
    expect(messages(file('links:', '  - vnets: [app1, db]', '    ensure: absent', '    ensure: present', 'links: []'))).toEqual([
      `${at(13, 5)}: links[0].ensure: duplicate key 'ensure' (first at line 12); expected each key once in a mapping`,
      `${at(14, 1)}: links: duplicate key 'links' (first at line 10); expected each key once in a mapping`,
    ]);
    expect(messages(file().replace('  db:', '  app1:'))).toEqual([
      `${at(9, 3)}: vnets.app1: duplicate key 'app1' (first at line 7); expected each key once in a mapping`,
    ]);
  });

  it('a VNet in more than 500 present links (absent links do not count)', () => {
    const spokes = (n: number): string[] => Array.from({ length: n }, (_, i) => `s${i}`);
    const topologyWith = (n: number, ...more: string[]): string =>
      file(...spokes(n).map((s) => `  ${s}: { id: ${id(s)}, tenant: contoso }`), 'hubs:', '  - hub: hub', `    spokes: [${spokes(n).join(', ')}]`, ...more);
    expect(messages(topologyWith(501))).toEqual([
      `${at(6, 3)}: vnets.hub: VNet 'hub' is in 501 links with ensure: present; expected at most 500 (Azure's limit of peerings on a VNet)`,
    ]);
    expect(parsed(topologyWith(500, 'links:', '  - { vnets: [hub, app1], ensure: absent }')).links).toHaveLength(501);
  });

  it('two links that would both set useRemoteGateways on one VNet', () => {
    const text = file(
      'hubs:',
      '  - { hub: hub, use-hub-gateway: true, spokes: [app1] }',
      'links:',
      '  - { vnets: [app1, db], gateway-transit: b }',
      '  - { vnets: [app2, db], gateway-transit: a }',
      '  - { vnets: [hub, db], gateway-transit: a, ensure: absent }',
    );
    expect(messages(text)).toEqual([
      `${at(13, 5)}: links[0]: VNet 'app1' would use a remote gateway here and in hubs[0].spokes[0] (line 11); expected at most one link with useRemoteGateways on a VNet (Azure allows one)`,
    ]);
  });

  it('subnets: empty lists, not two lists, not a selection, invalid or repeated names, over 200', () => {
    const many = Array.from({ length: 201 }, (_, i) => `s${i}`).join(', ');
    const text = file(
      'links:',
      '  - vnets: [app1, db]',
      '    subnets: [[], [snet-db]]',
      '  - vnets: [app2, db]',
      '    subnets: [[snet-a]]',
      '  - vnets: [hub, db]',
      "    subnets: 'all'",
      '  - vnets: [hub, app1]',
      '    subnets: [[snet a, snet-b, SNET-B], [x]]',
      '  - vnets: [hub, app2]',
      `    subnets: [[${many}], [x]]`,
    );
    expect(messages(text)).toEqual([
      `${at(12, 15)}: links[0].subnets[0]: an empty list; expected at least one subnet name of VNet 'app1' (or subnets: '*' for whole VNets)`,
      `${at(14, 14)}: links[1].subnets: 1 list; expected '*' (whole VNets) or two lists of subnet names [[<subnets of a>], [<subnets of b>]]`,
      `${at(16, 14)}: links[2].subnets: 'all' is not a subnet selection; expected '*' (whole VNets) or two lists of subnet names [[<subnets of a>], [<subnets of b>]]`,
      `${at(18, 16)}: links[3].subnets[0][0]: 'snet a' is not a valid subnet name; expected 1-80 letters, digits, underscores, periods or hyphens, starting with a letter or digit and ending with a letter, digit or underscore`,
      `${at(18, 32)}: links[3].subnets[0][2]: subnet 'SNET-B' is listed twice (also links[3].subnets[0][1]); expected each subnet once per side`,
      `${at(20, 15)}: links[4].subnets[0]: 201 subnets; expected at most 200 subnets on a side (Azure's limit)`,
    ]);
  });

  it('ipv6-only without subnet lists', () => {
    const text = file('links:', '  - vnets: [app1, db]', '    ipv6-only: true', '  - vnets: [app2, db]', "    subnets: '*'", '    ipv6-only: true', '  - { vnets: [hub, db], ipv6-only: false }');
    expect(messages(text)).toEqual([
      `${at(12, 16)}: links[0].ipv6-only: ipv6-only without subnet lists; expected ipv6-only only with subnets: [[<subnets of a>], [<subnets of b>]]`,
      `${at(15, 16)}: links[1].ipv6-only: ipv6-only with subnets: '*'; expected ipv6-only only with subnets: [[<subnets of a>], [<subnets of b>]]`,
    ]);
  });

  it('peering-names: not exactly two, invalid names', () => {
    const text = file(
      'links:',
      '  - { vnets: [app1, db], peering-names: [only-one] }',
      '  - { vnets: [app2, db], peering-names: [ok, -bad-] }',
      '  - { vnets: [hub, db], peering-names: [x, 7] }',
      'hubs:',
      `  - { hub: hub, spokes: [{ vnet: app2, peering-names: ${'n'.repeat(81)} }] }`,
    );
    const form = '1-80 letters, digits, underscores, periods or hyphens, starting with a letter or digit and ending with a letter, digit or underscore';
    expect(messages(text)).toEqual([
      `${at(11, 41)}: links[0].peering-names: 1 name; expected two peering names [<name on a>, <name on b>]`,
      `${at(12, 46)}: links[1].peering-names[1]: '-bad-' is not a valid peering name; expected ${form}`,
      `${at(13, 44)}: links[2].peering-names[1]: got a number '7'; expected ${form}`,
      `${at(15, 55)}: hubs[0].spokes[0].peering-names: got a string '${'n'.repeat(59)}…'; expected two peering names [<name on the hub>, <name on the spoke>]`,
    ]);
  });

  it('gateway-transit, ensure and booleans take only their values', () => {
    const text = file(
      'links:',
      '  - vnets: [app1, db]',
      '    gateway-transit: A',
      '    ensure: gone',
      '    allow-forwarded-traffic: "true"',
      'hubs:',
      '  - { hub: hub, spokes: [app2], use-hub-gateway: yes }',
    );
    expect(messages(text)).toEqual([
      `${at(12, 22)}: links[0].gateway-transit: 'A' is not allowed; expected one of none, a, b`,
      `${at(13, 13)}: links[0].ensure: 'gone' is not allowed; expected one of present, absent`,
      `${at(14, 30)}: links[0].allow-forwarded-traffic: got a string 'true'; expected true or false (unquoted)`,
      `${at(16, 50)}: hubs[0].use-hub-gateway: got a string 'yes'; expected true or false (unquoted)`,
    ]);
  });
});

describe('parseTopology: peering names that would collide on one VNet', () => {
  const twoApps = [`  app-weu: { id: ${id('app', SUB1)}, tenant: contoso }`, `  app-eus: { id: ${id('app', SUB2)}, tenant: fabrikam }`];

  it('two remotes with the same VNet name in different subscriptions', () => {
    expect(messages(file(...twoApps, 'hubs:', '  - hub: hub', '    spokes: [app-weu, app-eus]'))).toEqual([
      `${at(14, 23)}: hubs[0].spokes[1]: default peering name 'hub-to-app' on VNet 'hub' is also the default name of hubs[0].spokes[0] (line 14); expected distinct peering names on one VNet: give peering-names in one of the two entries`,
    ]);
  });

  it('peering-names resolves it', () => {
    const t = parsed(file(...twoApps, 'hubs:', '  - hub: hub', '    spokes: [app-weu, { vnet: app-eus, peering-names: [hub-to-app-eus, app-to-hub] }]'));
    expect(t.links.map(brief)).toEqual([
      '0 hubs[0].spokes[0] hub->app-weu present ava=true aft=false gw=none (hub-to-app) (app-to-hub)',
      '1 hubs[0].spokes[1] hub->app-eus present ava=true aft=false gw=none hub-to-app-eus app-to-hub',
    ]);
  });

  it('names equal after the cut to 80 characters', () => {
    const local = `l${'o'.repeat(49)}`; // 50 + '-to-' leaves 26 characters of the remote's name
    const remote = (end: string): string => `r${'e'.repeat(30)}${end}`;
    const text = file(
      `  long: { id: ${id(local)}, tenant: contoso }`,
      `  r1: { id: ${id(remote('one'))}, tenant: contoso }`,
      `  r2: { id: ${id(remote('two'))}, tenant: contoso }`,
      'hubs:',
      '  - { hub: long, spokes: [r1, r2] }',
    );
    const name = `${local}-to-${remote('').slice(0, 26)}`;
    expect(name).toHaveLength(80);
    expect(messages(text)).toEqual([
      `${at(14, 31)}: hubs[0].spokes[1]: default peering name '${name}' on VNet 'long' is also the default name of hubs[0].spokes[0] (line 14); expected distinct peering names on one VNet: give peering-names in one of the two entries`,
    ]);
  });

  it("a given name equal to another link's name on the same VNet, ignoring case", () => {
    expect(messages(file('links:', '  - { vnets: [app1, db], peering-names: [app1-to-db, DB-to-app2] }', '  - { vnets: [app2, db] }'))).toEqual([
      `${at(12, 5)}: links[1]: default peering name 'db-to-app2' on VNet 'db' is also the name given by links[0] (line 11), ignoring case ('DB-to-app2'); expected a peering name no other link uses on VNet 'db'`,
    ]);
    expect(messages(file('links:', '  - { vnets: [app1, db], peering-names: [a, shared] }', '  - { vnets: [app2, db], peering-names: [b, shared] }'))).toEqual([
      `${at(12, 45)}: links[1]: peering name 'shared' on VNet 'db' is also the name given by links[0] (line 11); expected a peering name no other link uses on VNet 'db'`,
    ]);
  });

  it('links with ensure: absent delete by remote VNet, so their names do not collide', () => {
    const t = parsed(file(...twoApps, 'links:', '  - vnets: [hub, app-weu]', '  - { vnets: [hub, app-eus], ensure: absent }'));
    expect(t.links.map((l) => `${l.ensure} ${l.ends.a.defaultPeeringName}`)).toEqual(['present hub-to-app', 'absent hub-to-app']);
  });
});
