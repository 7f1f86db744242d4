import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseTopology } from '../../src/config/topology.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const schemaText = read('schema/topology.schema.json');
const schema: unknown = JSON.parse(schemaText);
// strict: a keyword the validator does not know is an error, not silently ignored.
const validate = new Ajv({ allErrors: true, strict: true }).compile(isObject(schema) ? schema : {});

const examples = readdirSync(new URL('examples/topologies/', root))
  .filter((name) => /\.(ya?ml|json)$/.test(name))
  .map((name) => `examples/topologies/${name}`);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const schemaErrors = (text: string): string[] => {
  if (validate(parse(text))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
};

describe('the example topology files', () => {
  it('there is a hub-and-spoke over two tenants, a mesh, links with subnets and a tear-down', () => {
    expect(examples).toEqual(expect.arrayContaining(['examples/topologies/hub-and-spoke.yml', 'examples/topologies/mesh.yml', 'examples/topologies/links-and-teardown.yml']));
  });

  it.each(examples)('%s points editors at the schema, validates against it and parses without problems', (path) => {
    const text = read(path);
    if (path.endsWith('.json')) expect(JSON.parse(text)).toHaveProperty('$schema', '../../schema/topology.schema.json');
    else expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../schema/topology.schema.json');
    expect(schemaErrors(text)).toEqual([]);
    const res = parseTopology(text, { path });
    expect(res.ok ? [] : res.problems.map((p) => p.message)).toEqual([]);
  });

  it('between them they use two tenants, use-hub-gateway, a mesh, subnet lists, whole-VNet and ensure: absent', () => {
    const links = examples.flatMap((path) => {
      const res = parseTopology(read(path), { path });
      return res.ok ? res.topology.links : [];
    });
    const tenants = new Set(links.flatMap((l) => [l.ends.a.identity.tenantId, l.ends.b.identity.tenantId]));
    expect(tenants.size).toBeGreaterThanOrEqual(2);
    expect(links.some((l) => l.entry.startsWith('hubs[') && l.gatewayTransit === 'a')).toBe(true);
    expect(links.some((l) => l.entry.startsWith('meshes['))).toBe(true);
    expect(links.some((l) => l.kind.kind === 'subnets')).toBe(true);
    expect(links.some((l) => l.kind.kind === 'whole')).toBe(true);
    expect(links.some((l) => l.ensure === 'absent')).toBe(true);
  });
});

describe('the JSON Schema', () => {
  it('is draft-07, which the YAML language server supports', () => {
    expect(isObject(schema) && schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('describes every key, so editors show what it means', () => {
    const definitions = isObject(schema) && isObject(schema.definitions) ? schema.definitions : {};
    const described = (s: unknown): boolean => {
      if (!isObject(s)) return false;
      if (typeof s.description === 'string' && s.description !== '') return true;
      const ref = typeof s.$ref === 'string' ? /^#\/definitions\/(.+)$/.exec(s.$ref)?.[1] : undefined;
      return ref !== undefined && described(definitions[ref]);
    };
    const missing: string[] = [];
    const walk = (s: unknown, path: string): void => {
      if (Array.isArray(s)) s.forEach((x, i) => walk(x, `${path}[${i}]`));
      if (!isObject(s)) return;
      if (isObject(s.properties)) {
        for (const [key, sub] of Object.entries(s.properties)) if (!described(sub)) missing.push(`${path}.${key}`);
      }
      // if/then only restate keys described where they are defined.
      for (const [key, sub] of Object.entries(s)) if (key !== 'if' && key !== 'then') walk(sub, `${path}/${key}`);
    };
    walk(schema, '#');
    expect(missing).toEqual([]);
  });

  const T = '11111111-1111-1111-1111-111111111111';
  const id = (name: string): string => `/subscriptions/${T}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${name}`;
  const good = {
    version: 1,
    tenants: { t: { 'tenant-id': T, 'client-id': T } },
    vnets: { va: { id: id('va'), tenant: 't' }, vb: { id: id('vb'), tenant: 't' }, vc: { id: id('vc'), tenant: 't' } },
    links: [{ vnets: ['va', 'vb'], subnets: [['s1'], ['s2']], 'ipv6-only': true, 'peering-names': ['x', 'y'], 'gateway-transit': 'a' }],
  };
  type Doc = Record<string, unknown>;
  // What breaks, and the entry parseTopology names for it.
  const broken: [string, string, (d: Doc) => Doc][] = [
    ['an unknown top-level key', 'link', (d) => ({ ...d, link: [] })],
    ['no version', 'version', ({ version: _, ...d }) => d],
    ['version 2', 'version', (d) => ({ ...d, version: 2 })],
    ['a tenant ID that is not a GUID', 'tenants.t.tenant-id', (d) => ({ ...d, tenants: { t: { 'tenant-id': 'contoso', 'client-id': T } } })],
    ['a tenant without client-id', 'tenants.t.client-id', (d) => ({ ...d, tenants: { t: { 'tenant-id': T } } })],
    ['a VNet ID of another resource type', 'vnets.va.id', (d) => ({ ...d, vnets: { ...good.vnets, va: { id: `${id('va')}/subnets/s1`, tenant: 't' } } })],
    ['a VNet without tenant', 'vnets.va.tenant', (d) => ({ ...d, vnets: { ...good.vnets, va: { id: id('va') } } })],
    ['an alias with a space', 'vnets.v a', (d) => ({ ...d, vnets: { ...good.vnets, 'v a': { id: id('vd'), tenant: 't' } } })],
    ['a link of three VNets', 'links[0].vnets', (d) => ({ ...d, links: [{ vnets: ['va', 'vb', 'vc'] }] })],
    ['gateway-transit both', 'links[0].gateway-transit', (d) => ({ ...d, links: [{ vnets: ['va', 'vb'], 'gateway-transit': 'both' }] })],
    ['ensure deleted', 'links[0].ensure', (d) => ({ ...d, links: [{ vnets: ['va', 'vb'], ensure: 'deleted' }] })],
    ['an invalid peering name', 'links[0].peering-names[1]', (d) => ({ ...d, links: [{ vnets: ['va', 'vb'], 'peering-names': ['ok', 'bad-'] }] })],
    ['one peering name', 'links[0].peering-names', (d) => ({ ...d, links: [{ vnets: ['va', 'vb'], 'peering-names': ['ok'] }] })],
    ['an empty subnet list', 'links[0].subnets[0]', (d) => ({ ...d, links: [{ vnets: ['va', 'vb'], subnets: [[], ['s']] }] })],
    ['subnets other than * or two lists', 'links[0].subnets', (d) => ({ ...d, links: [{ vnets: ['va', 'vb'], subnets: 'all' }] })],
    ['ipv6-only without subnet lists', 'links[0].ipv6-only', (d) => ({ ...d, links: [{ vnets: ['va', 'vb'], subnets: '*', 'ipv6-only': true }] })],
    ['a boolean written as a string', 'prune', (d) => ({ ...d, prune: 'true' })],
    ['a mesh of one VNet', 'meshes[0].vnets', (d) => ({ ...d, meshes: [{ vnets: ['va'] }] })],
    ['a hub without spokes', 'hubs[0].spokes', (d) => ({ ...d, hubs: [{ hub: 'va', spokes: [] }] })],
    ['a spoke with ensure', 'hubs[0].spokes[0].ensure', (d) => ({ ...d, hubs: [{ hub: 'va', spokes: [{ vnet: 'vc', ensure: 'absent' }] }] })],
    ['gateway-transit in defaults', 'defaults.gateway-transit', (d) => ({ ...d, defaults: { 'gateway-transit': 'a' } })],
  ];

  it('accepts a file that uses every link key', () => {
    expect(schemaErrors(JSON.stringify(good))).toEqual([]);
    expect(parseTopology(JSON.stringify(good), { path: 't.json' }).ok).toBe(true);
  });

  it.each(broken)('rejects %s, as parseTopology does (at %s)', (_, entry, change) => {
    const text = JSON.stringify(change(good));
    expect(schemaErrors(text)).not.toEqual([]);
    const res = parseTopology(text, { path: 't.json' });
    expect(res.ok ? [] : res.problems.map((p) => p.entry)).toContain(entry);
  });

  it('accepts VNet IDs in any case and with a trailing slash, as parseTopology does', () => {
    const doc = { ...good, vnets: { ...good.vnets, va: { id: `${id('va').toLowerCase()}/`, tenant: 't' } } };
    expect(schemaErrors(JSON.stringify(doc))).toEqual([]);
    expect(parseTopology(JSON.stringify(doc), { path: 't.json' }).ok).toBe(true);
  });
});
