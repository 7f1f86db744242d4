// The topology file (spec/topology.md, The file): parse YAML or JSON, validate everything with
// line and column before any network call, and expand hubs, meshes and links into links.
// Pure: no @actions/core, no SDK, no clock; the caller reads the file and passes its bytes.
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument } from 'yaml';
import type {
  Ensure,
  GatewayTransit,
  Identity,
  KindSpec,
  Link,
  LinkEnd,
  Locator,
  Side,
  TenantEntry,
  Topology,
  VnetEntry,
  VnetRef,
} from '../model.ts';
import {
  defaultPeeringName,
  isGuid,
  isValidPeeringName,
  isValidSubnetName,
  linkKey,
  parseVnetId,
  PEERING_NAME_FORM,
  SUBNET_NAME_FORM,
  VNET_ID_FORM,
} from '../azure/resource-id.ts';
import { closest, FileReader, shorten, type TopologyProblem, type Val } from './topology-read.ts';

export type { TopologyProblem } from './topology-read.ts';

export type TopologyResult =
  | { readonly ok: true; readonly topology: Topology }
  | { readonly ok: false; readonly problems: readonly TopologyProblem[] };

/** Azure's limit of peerings on one VNet. */
export const MAX_LINKS_PER_VNET = 500;
/** Azure's limit of subnets on one side of a subnet peering. */
export const MAX_SUBNETS_PER_SIDE = 200;

const SETTING_KEYS = ['allow-virtual-network-access', 'allow-forwarded-traffic'] as const;
const TOP_KEYS = ['$schema', 'version', 'tenants', 'vnets', 'defaults', 'hubs', 'meshes', 'links', 'prune'];
const TENANT_KEYS = ['tenant-id', 'client-id'];
const VNET_KEYS = ['id', 'tenant'];
const HUB_KEYS = ['hub', 'spokes', 'use-hub-gateway', ...SETTING_KEYS];
const SPOKE_KEYS = ['vnet', 'peering-names'];
const MESH_KEYS = ['vnets', ...SETTING_KEYS];
const LINK_KEYS = ['vnets', 'gateway-transit', 'peering-names', 'subnets', 'ipv6-only', 'ensure', ...SETTING_KEYS];

const TOP_FORM = 'a mapping with version: 1, tenants, vnets and any of defaults, hubs, meshes, links, prune';
const TENANTS_FORM = 'a mapping of tenant aliases to {tenant-id, client-id}';
const TENANT_FORM = '{tenant-id: <GUID>, client-id: <GUID>}';
const VNETS_FORM = 'a mapping of VNet aliases to {id, tenant}';
const VNET_FORM = '{id: <VNet resource ID>, tenant: <tenant alias>}';
const SETTINGS_FORM = 'a mapping of allow-virtual-network-access and allow-forwarded-traffic';
const HUBS_FORM = 'a list of hubs, each {hub: <VNet alias>, spokes: [<VNet alias>, …]}';
const HUB_FORM = '{hub: <VNet alias>, spokes: [<VNet alias>, …]}';
const SPOKE_FORM = 'a VNet alias, or {vnet: <VNet alias>, peering-names: [<name on the hub>, <name on the spoke>]}';
const MESHES_FORM = 'a list of meshes, each {vnets: [<VNet alias>, <VNet alias>, …]}';
const MESH_FORM = '{vnets: [<VNet alias>, <VNet alias>, …]}';
const LINKS_FORM = 'a list of links, each {vnets: [<VNet alias>, <VNet alias>]}';
const LINK_FORM = '{vnets: [<VNet alias>, <VNet alias>]}';
const PAIR_FORM = 'exactly two VNet aliases [<a>, <b>]';
const GUID_FORM = 'a GUID such as 00000000-0000-0000-0000-000000000000';
const ALIAS_FORM = 'an alias of 1-80 letters, digits, _ . -, starting with a letter or digit';
const SUBNETS_FORM = "'*' (whole VNets) or two lists of subnet names [[<subnets of a>], [<subnets of b>]]";

// Aliases show in messages, entry paths and diagrams: keep them plain words.
const ALIAS = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

interface Settings {
  readonly allowVirtualNetworkAccess: boolean | undefined;
  readonly allowForwardedTraffic: boolean | undefined;
}

interface TenantDecl {
  readonly alias: string;
  readonly identity: Identity | undefined;
}

interface VnetDecl {
  readonly alias: string;
  readonly at: number;
  /** undefined when the ID is invalid or already under another alias (reported there). */
  readonly ref: VnetRef | undefined;
  /** undefined when the tenant alias is missing or unknown (reported there). */
  readonly tenant: TenantDecl | undefined;
}

/** A link as declared, before the checks across entries. */
interface Draft {
  readonly entry: string;
  readonly at: number;
  readonly ends: Readonly<Record<Side, VnetDecl>>;
  readonly ensure: Ensure;
  readonly allowVirtualNetworkAccess: boolean;
  readonly allowForwardedTraffic: boolean;
  readonly gatewayTransit: GatewayTransit;
  readonly names: Readonly<Record<Side, { readonly name: string; readonly at: number } | undefined>>;
  readonly kind: KindSpec;
  /** Locator words for the parts only the entry knows. */
  readonly where: {
    readonly peeringName: Readonly<Record<Side, string>>;
    readonly gatewayTransit: string;
    readonly subnets: Readonly<Record<Side, string>>;
  };
}

/**
 * Parses and validates a topology file and expands it into links.
 *
 * `content` is the file's bytes (preferred: the digest is then of exactly those bytes, and text
 * that is not UTF-8 is a problem) or its text (the digest is of its UTF-8 encoding).
 * `file.path` is the workspace-relative path with '/', used in messages, locators and `source`.
 */
export function parseTopology(content: string | Uint8Array, file: { readonly path: string }): TopologyResult {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const decoded = typeof content === 'string' ? content : decodeUtf8(content);
  const lines = new LineCounter();
  // A byte-order mark would shift every column by one.
  const text = (decoded ?? '').replace(/^\uFEFF/, '');
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const r = new FileReader(doc, lines, text, file.path);
  if (decoded === undefined) {
    r.report(0, '', '', 'the file is not UTF-8 text', 'a YAML or JSON file in UTF-8');
    return { ok: false, problems: r.problems };
  }
  if (doc.errors.length > 0) {
    for (const e of doc.errors) r.report(e.pos[0], '', '', e.message.replace(/\s+/g, ' '), 'valid YAML or JSON');
    return { ok: false, problems: sorted(r.problems) };
  }
  const root = r.root();
  if (r.isEmpty(root)) {
    r.report(0, '', '', 'the file is empty', TOP_FORM);
    return { ok: false, problems: r.problems };
  }
  const before = r.problems.length;
  const top = r.object(root, TOP_FORM, TOP_KEYS, {
    version: '1 (the only version of the format)',
    tenants: TENANTS_FORM,
    vnets: VNETS_FORM,
  });
  if (top === undefined) return { ok: false, problems: r.problems };

  const version = top.get('version');
  if (version !== undefined && r.scalar(version) !== 1) {
    // Another version's keys would only add noise: report the version alone.
    r.problems.length = before;
    const value = r.scalar(version);
    if (typeof value === 'number') {
      r.report(version.at, 'version', String(value), `version ${value} is not supported`, '1 (the only version of the format)');
    } else {
      r.wrong(version, '1 (the only version of the format, a number)');
    }
    return { ok: false, problems: sorted(r.problems) };
  }

  const p = new Parser(r);
  const tenants = p.tenants(top.get('tenants'));
  const vnets = p.vnets(top.get('vnets'), tenants);
  const defaults = p.settings(top.get('defaults'), true);
  const prune = optional(top.get('prune'), (v) => r.boolean(v)) ?? false;
  const drafts = [...p.hubs(top.get('hubs'), defaults), ...p.meshes(top.get('meshes'), defaults), ...p.links(top.get('links'), defaults)];
  p.crossChecks(drafts, vnets);

  if (r.problems.length > 0) return { ok: false, problems: sorted(r.problems) };
  return { ok: true, topology: build(drafts, vnets, tenants, prune, { kind: 'file', path: file.path, digest }) };

  function optional<T>(v: Val | undefined, read: (v: Val) => T | undefined): T | undefined {
    return v === undefined ? undefined : read(v);
  }
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** In file order; problems found at one place keep the order they were found in. */
function sorted(problems: readonly TopologyProblem[]): TopologyProblem[] {
  return [...problems].sort((x, y) => x.line - y.line || x.column - y.column);
}

class Parser {
  readonly #r: FileReader;
  #vnets = new Map<string, VnetDecl>();
  /** Aliases left to compare with for "did you mean" (about a quarter of a second's work). */
  #suggestions = 500_000;

  constructor(reader: FileReader) {
    this.#r = reader;
  }

  tenants(v: Val | undefined): Map<string, TenantDecl> {
    const out = new Map<string, TenantDecl>();
    if (v === undefined) return out;
    const r = this.#r;
    for (const f of r.mapping(v, TENANTS_FORM) ?? []) {
      this.#alias(f.key, f.keyAt, f.value.entry);
      const o = r.object(f.value, TENANT_FORM, TENANT_KEYS, {
        'tenant-id': `the Entra tenant ID, ${GUID_FORM}`,
        'client-id': `the client ID of the identity used in that tenant, ${GUID_FORM}`,
      });
      const tenantId = this.#guid(o?.get('tenant-id'), `the Entra tenant ID, ${GUID_FORM}`);
      const clientId = this.#guid(o?.get('client-id'), `the client ID of the identity used in that tenant, ${GUID_FORM}`);
      out.set(f.key, {
        alias: f.key,
        identity: tenantId !== undefined && clientId !== undefined ? { tenantId, clientId } : undefined,
      });
    }
    return out;
  }

  vnets(v: Val | undefined, tenants: ReadonlyMap<string, TenantDecl>): Map<string, VnetDecl> {
    const out = this.#vnets;
    if (v === undefined) return out;
    const r = this.#r;
    const byId = new Map<string, { alias: string; at: number }>();
    for (const f of r.mapping(v, VNETS_FORM) ?? []) {
      this.#alias(f.key, f.keyAt, f.value.entry);
      const o = r.object(f.value, VNET_FORM, VNET_KEYS, {
        id: `the VNet's resource ID, ${VNET_ID_FORM}`,
        tenant: 'the alias of its tenant under tenants',
      });
      let ref: VnetRef | undefined;
      const idVal = o?.get('id');
      const id = idVal === undefined ? undefined : r.string(idVal, VNET_ID_FORM);
      if (idVal !== undefined && id !== undefined) {
        const parsed = parseVnetId(id);
        if ('error' in parsed) {
          r.report(idVal.at, idVal.entry, id, `not a VNet resource ID: ${parsed.error}`, VNET_ID_FORM);
        } else {
          const lower = parsed.id.toLowerCase();
          const first = byId.get(lower);
          if (first === undefined) {
            byId.set(lower, { alias: f.key, at: idVal.at });
            ref = parsed;
          } else {
            r.report(
              idVal.at,
              idVal.entry,
              id,
              `this VNet is already declared as vnets.${first.alias} (line ${r.lineOf(first.at)}; IDs compare case-insensitively)`,
              'each VNet under one alias',
            );
          }
        }
      }
      const tenantVal = o?.get('tenant');
      let tenant: TenantDecl | undefined;
      if (tenantVal !== undefined) {
        const alias = r.string(tenantVal, 'the alias of a tenant under tenants');
        if (alias !== undefined) {
          tenant = tenants.get(alias);
          if (tenant === undefined) this.#unknown(tenantVal, alias, 'tenant', [...tenants.keys()], 'tenants');
        }
      }
      out.set(f.key, { alias: f.key, at: f.keyAt, ref, tenant });
    }
    return out;
  }

  /** `defaults`, or the settings of a hub, mesh or link (from its fields). */
  settings(v: Val | undefined, section: boolean): Settings {
    const none: Settings = { allowVirtualNetworkAccess: undefined, allowForwardedTraffic: undefined };
    if (v === undefined || (section && this.#r.isEmpty(v))) return none;
    const o = this.#r.object(v, SETTINGS_FORM, SETTING_KEYS);
    return o === undefined ? none : this.#settingsOf(o);
  }

  hubs(v: Val | undefined, defaults: Settings): Draft[] {
    const r = this.#r;
    const drafts: Draft[] = [];
    for (const hv of this.#section(v, HUBS_FORM)) {
      const o = r.object(hv, HUB_FORM, HUB_KEYS, {
        hub: 'the alias of the hub VNet',
        spokes: 'a list of spoke VNet aliases',
      });
      if (o === undefined) continue;
      const hubVal = o.get('hub');
      const hub = hubVal === undefined ? undefined : this.#vnet(hubVal);
      const gatewayVal = o.get('use-hub-gateway');
      const useGateway = (gatewayVal === undefined ? undefined : r.boolean(gatewayVal)) ?? false;
      const settings = merge(this.#settingsOf(o), defaults);
      const spokesVal = o.get('spokes');
      const spokes = spokesVal === undefined ? [] : (r.list(spokesVal, `a list of ${SPOKE_FORM}`) ?? []);
      if (spokesVal !== undefined && r.isList(spokesVal) && spokes.length === 0) {
        r.report(spokesVal.at, spokesVal.entry, '[]', 'no spokes', 'at least one spoke VNet alias');
      }
      for (const sv of spokes) {
        let vnetVal: Val | undefined = sv;
        let names: Draft['names'] = { a: undefined, b: undefined };
        if (r.isMapping(sv)) {
          const so = r.object(sv, SPOKE_FORM, SPOKE_KEYS, { vnet: 'the alias of the spoke VNet' });
          vnetVal = so?.get('vnet');
          const namesVal = so?.get('peering-names');
          if (namesVal !== undefined) names = this.#peeringNames(namesVal, ['the hub', 'the spoke']);
        }
        const spoke = vnetVal === undefined ? undefined : this.#vnet(vnetVal, vnetVal === sv ? SPOKE_FORM : undefined);
        if (hub === undefined || spoke === undefined) continue;
        if (hub.alias === spoke.alias) {
          r.report(sv.at, sv.entry, spoke.alias, `the hub '${hub.alias}' is listed as its own spoke`, 'spokes other than the hub');
          continue;
        }
        const hubEntry = hv.entry;
        drafts.push({
          entry: sv.entry,
          at: sv.at,
          ends: { a: hub, b: spoke },
          ensure: 'present',
          ...settings,
          gatewayTransit: useGateway ? 'a' : 'none',
          names,
          kind: { kind: 'unmanaged' },
          where: {
            peeringName: { a: this.#in(`peering-names[0] of ${sv.entry}`), b: this.#in(`peering-names[1] of ${sv.entry}`) },
            gatewayTransit: this.#in(`use-hub-gateway of ${hubEntry}`),
            subnets: { a: this.#in(sv.entry, 'subnets need an entry under links'), b: this.#in(sv.entry, 'subnets need an entry under links') },
          },
        });
      }
    }
    return drafts;
  }

  meshes(v: Val | undefined, defaults: Settings): Draft[] {
    const r = this.#r;
    const drafts: Draft[] = [];
    for (const mv of this.#section(v, MESHES_FORM)) {
      const o = r.object(mv, MESH_FORM, MESH_KEYS, { vnets: 'a list of at least two VNet aliases' });
      if (o === undefined) continue;
      const settings = merge(this.#settingsOf(o), defaults);
      const membersVal = o.get('vnets');
      if (membersVal === undefined) continue;
      const listed = r.list(membersVal, 'a list of at least two VNet aliases') ?? [];
      if (r.isList(membersVal) && listed.length < 2) {
        r.report(membersVal.at, membersVal.entry, r.show(membersVal), `a mesh of ${listed.length} VNet${listed.length === 1 ? '' : 's'}`, 'at least two VNet aliases');
      }
      const members: { index: number; val: Val; vnet: VnetDecl }[] = [];
      for (const [index, val] of listed.entries()) {
        const vnet = this.#vnet(val);
        if (vnet === undefined) continue;
        const twice = members.find((m) => m.vnet.alias === vnet.alias);
        if (twice !== undefined) {
          r.report(val.at, val.entry, vnet.alias, `'${vnet.alias}' is listed twice in this mesh (also ${twice.val.entry})`, 'each VNet once in a mesh');
          continue;
        }
        members.push({ index, val, vnet });
      }
      for (const [i, x] of members.entries()) {
        for (const y of members.slice(i + 1)) {
          const entry = `${mv.entry}.vnets[${x.index},${y.index}]`;
          const note = (what: string): string => this.#in(entry, `${what} an entry under links`);
          drafts.push({
            entry,
            at: y.val.at,
            ends: { a: x.vnet, b: y.vnet },
            ensure: 'present',
            ...settings,
            gatewayTransit: 'none',
            names: { a: undefined, b: undefined },
            kind: { kind: 'unmanaged' },
            where: {
              peeringName: { a: note('peering-names need'), b: note('peering-names need') },
              gatewayTransit: note('gateway-transit needs'),
              subnets: { a: note('subnets need'), b: note('subnets need') },
            },
          });
        }
      }
    }
    return drafts;
  }

  links(v: Val | undefined, defaults: Settings): Draft[] {
    const r = this.#r;
    const drafts: Draft[] = [];
    for (const lv of this.#section(v, LINKS_FORM)) {
      const o = r.object(lv, LINK_FORM, LINK_KEYS, { vnets: PAIR_FORM });
      if (o === undefined) continue;
      const settings = merge(this.#settingsOf(o), defaults);
      const gatewayVal = o.get('gateway-transit');
      const gatewayTransit = gatewayVal === undefined ? 'none' : (this.#oneOf(gatewayVal, ['none', 'a', 'b'] as const) ?? 'none');
      const ensureVal = o.get('ensure');
      const ensure = ensureVal === undefined ? 'present' : (this.#oneOf(ensureVal, ['present', 'absent'] as const) ?? 'present');
      const namesVal = o.get('peering-names');
      const names = namesVal === undefined ? { a: undefined, b: undefined } : this.#peeringNames(namesVal, ['a', 'b']);
      const pairVal = o.get('vnets');
      const pair = pairVal === undefined ? undefined : this.#pair(pairVal);
      const kind = this.#kind(o.get('subnets'), pair);
      const ipv6Val = o.get('ipv6-only');
      const ipv6 = ipv6Val === undefined ? false : (r.boolean(ipv6Val) ?? false);
      if (ipv6Val !== undefined && ipv6 && kind !== undefined && kind.kind !== 'subnets') {
        r.report(
          ipv6Val.at,
          ipv6Val.entry,
          'true',
          kind.kind === 'whole' ? "ipv6-only with subnets: '*'" : 'ipv6-only without subnet lists',
          'ipv6-only only with subnets: [[<subnets of a>], [<subnets of b>]]',
        );
      }
      if (pair === undefined) continue;
      const e = lv.entry;
      drafts.push({
        entry: e,
        at: lv.at,
        ends: pair,
        ensure,
        ...settings,
        gatewayTransit,
        names,
        kind: kind?.kind === 'subnets' ? { ...kind, ipv6Only: ipv6 } : (kind ?? { kind: 'unmanaged' }),
        where: {
          peeringName: { a: this.#in(`peering-names[0] of ${e}`), b: this.#in(`peering-names[1] of ${e}`) },
          gatewayTransit: this.#in(`gateway-transit of ${e}`),
          subnets: { a: this.#in(`subnets[0] of ${e}`), b: this.#in(`subnets[1] of ${e}`) },
        },
      });
    }
    return drafts;
  }

  /** Checks across entries: pairs, names on one VNet, gateways, the peering limit. */
  crossChecks(drafts: readonly Draft[], vnets: ReadonlyMap<string, VnetDecl>): void {
    const r = this.#r;
    const at = (d: Draft): string => `${d.entry} (line ${r.lineOf(d.at)})`;
    const pairs = new Map<string, Draft>();
    const unique: Draft[] = [];
    for (const d of drafts) {
      const { a, b } = d.ends;
      if (a.ref === undefined || b.ref === undefined) continue;
      const key = linkKey(a.ref, b.ref);
      const first = pairs.get(key);
      if (first !== undefined) {
        r.report(d.at, d.entry, `${a.alias}, ${b.alias}`, `VNets '${a.alias}' and '${b.alias}' are already paired by ${at(first)}`, 'each pair of VNets in one entry only');
        continue;
      }
      pairs.set(key, d);
      unique.push(d);
    }

    const present = unique.filter((d) => d.ensure === 'present');
    const perVnet = new Map<string, number>();
    const remoteGateway = new Map<string, Draft>();
    const names = new Map<string, { draft: Draft; name: string; given: boolean }>();
    for (const d of present) {
      for (const side of ['a', 'b'] as const) {
        const end = d.ends[side];
        const remote = d.ends[side === 'a' ? 'b' : 'a'];
        if (end.ref === undefined || remote.ref === undefined) continue;
        const id = end.ref.id.toLowerCase();
        perVnet.set(id, (perVnet.get(id) ?? 0) + 1);

        if (d.gatewayTransit !== 'none' && d.gatewayTransit !== side) {
          const first = remoteGateway.get(id);
          if (first === undefined) remoteGateway.set(id, d);
          else {
            r.report(
              d.at,
              d.entry,
              end.alias,
              `VNet '${end.alias}' would use a remote gateway here and in ${at(first)}`,
              'at most one link with useRemoteGateways on a VNet (Azure allows one)',
            );
          }
        }

        const given = d.names[side];
        const name = given?.name ?? defaultPeeringName(end.ref, remote.ref);
        const nameKey = `${id}\n${name.toLowerCase()}`;
        const first = names.get(nameKey);
        if (first === undefined) {
          names.set(nameKey, { draft: d, name, given: given !== undefined });
          continue;
        }
        const mine = given === undefined ? 'default peering name' : 'peering name';
        const theirs = first.given ? 'the name given by' : 'the default name of';
        // Azure compares names case-insensitively: say so when only the case differs.
        const caseNote = first.name === name ? '' : `, ignoring case ('${first.name}')`;
        r.report(
          given?.at ?? d.at,
          d.entry,
          name,
          `${mine} '${name}' on VNet '${end.alias}' is also ${theirs} ${at(first.draft)}${caseNote}`,
          given === undefined && !first.given
            ? 'distinct peering names on one VNet: give peering-names in one of the two entries'
            : `a peering name no other link uses on VNet '${end.alias}'`,
        );
      }
    }

    for (const vnet of vnets.values()) {
      const count = vnet.ref === undefined ? 0 : (perVnet.get(vnet.ref.id.toLowerCase()) ?? 0);
      if (count > MAX_LINKS_PER_VNET) {
        r.report(
          vnet.at,
          `vnets.${vnet.alias}`,
          String(count),
          `VNet '${vnet.alias}' is in ${count} links with ensure: present`,
          `at most ${MAX_LINKS_PER_VNET} (Azure's limit of peerings on a VNet)`,
        );
      }
    }
  }

  /** Locator words: "<place> in <file>", and why, when the place cannot hold the fix. */
  #in(place: string, note?: string): string {
    return `${place} in ${this.#r.path}${note === undefined ? '' : ` (${note})`}`;
  }

  /** A list section (hubs, meshes, links); an empty value means none. */
  #section(v: Val | undefined, form: string): Val[] {
    if (v === undefined || this.#r.isEmpty(v)) return [];
    return this.#r.list(v, form) ?? [];
  }

  #settingsOf(o: ReadonlyMap<string, Val>): Settings {
    const read = (key: string): boolean | undefined => {
      const v = o.get(key);
      return v === undefined ? undefined : this.#r.boolean(v);
    };
    return {
      allowVirtualNetworkAccess: read('allow-virtual-network-access'),
      allowForwardedTraffic: read('allow-forwarded-traffic'),
    };
  }

  #alias(alias: string, at: number, entry: string): void {
    if (!ALIAS.test(alias)) this.#r.report(at, entry, alias, `'${shorten(alias)}' is not a valid alias`, ALIAS_FORM);
  }

  #guid(v: Val | undefined, expected: string): string | undefined {
    if (v === undefined) return undefined;
    const value = this.#r.string(v, expected);
    if (value === undefined) return undefined;
    if (!isGuid(value)) {
      this.#r.report(v.at, v.entry, value, `'${shorten(value)}' is not a GUID`, expected);
      return undefined;
    }
    return value.toLowerCase();
  }

  #oneOf<T extends string>(v: Val, allowed: readonly T[]): T | undefined {
    const form = allowed.join(', ');
    const value = this.#r.string(v, `one of ${form}`);
    if (value === undefined) return undefined;
    const match = allowed.find((a) => a === value);
    if (match === undefined) this.#r.report(v.at, v.entry, value, `'${shorten(value)}' is not allowed`, `one of ${form}`);
    return match;
  }

  /** A VNet alias reference; unknown ones are problems with the aliases that exist. */
  #vnet(v: Val, form = 'a VNet alias (a key under vnets)'): VnetDecl | undefined {
    const alias = this.#r.string(v, form);
    if (alias === undefined) return undefined;
    const vnet = this.#vnets.get(alias);
    if (vnet === undefined) this.#unknown(v, alias, 'VNet', [...this.#vnets.keys()], 'vnets');
    return vnet;
  }

  #unknown(v: Val, alias: string, what: string, aliases: readonly string[], section: string): void {
    // Suggestions compare with every alias: bound the work when most references are wrong
    // (a renamed vnets section in a file of thousands of VNets).
    const near = this.#suggestions > 0 ? closest(alias, aliases) : undefined;
    this.#suggestions -= aliases.length;
    const shown = aliases.length > 5 ? `${aliases.slice(0, 5).join(', ')}, …` : aliases.join(', ');
    this.#r.report(
      v.at,
      v.entry,
      alias,
      `unknown ${what} alias '${shorten(alias)}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`,
      aliases.length === 0 ? `an alias defined under ${section} (none is)` : `one of the aliases under ${section} (${shown})`,
    );
  }

  #pair(v: Val): Record<Side, VnetDecl> | undefined {
    const r = this.#r;
    const listed = r.list(v, PAIR_FORM);
    if (listed === undefined) return undefined;
    if (listed.length !== 2) {
      r.report(v.at, v.entry, r.show(v), `${listed.length} VNet${listed.length === 1 ? '' : 's'}`, PAIR_FORM);
      for (const x of listed) this.#vnet(x);
      return undefined;
    }
    const [av, bv] = listed;
    if (av === undefined || bv === undefined) return undefined;
    const a = this.#vnet(av);
    const b = this.#vnet(bv);
    if (a === undefined || b === undefined) return undefined;
    if (a.alias === b.alias) {
      r.report(bv.at, bv.entry, b.alias, `pairs VNet '${a.alias}' with itself`, 'two different VNets');
      return undefined;
    }
    return { a, b };
  }

  #peeringNames(v: Val, sides: readonly [string, string]): Draft['names'] {
    const r = this.#r;
    const form = `two peering names [<name on ${sides[0]}>, <name on ${sides[1]}>]`;
    const none = { a: undefined, b: undefined };
    const listed = r.list(v, form);
    if (listed === undefined) return none;
    if (listed.length !== 2) {
      r.report(v.at, v.entry, r.show(v), `${listed.length} name${listed.length === 1 ? '' : 's'}`, form);
      return none;
    }
    const names = listed.map((x) => {
      const name = r.string(x, PEERING_NAME_FORM);
      if (name === undefined) return undefined;
      if (!isValidPeeringName(name)) {
        r.report(x.at, x.entry, name, `'${shorten(name)}' is not a valid peering name`, PEERING_NAME_FORM);
        return undefined;
      }
      return { name, at: x.at };
    });
    return { a: names[0], b: names[1] };
  }

  /** `subnets`: undefined (not managed), '*', or two lists; undefined result when invalid. */
  #kind(v: Val | undefined, pair: Record<Side, VnetDecl> | undefined): KindSpec | undefined {
    if (v === undefined) return { kind: 'unmanaged' };
    const r = this.#r;
    const value = r.scalar(v);
    if (value === '*') return { kind: 'whole' };
    if (typeof value === 'string') {
      r.report(v.at, v.entry, value, `'${shorten(value)}' is not a subnet selection`, SUBNETS_FORM);
      return undefined;
    }
    const lists = r.list(v, SUBNETS_FORM);
    if (lists === undefined) return undefined;
    if (lists.length !== 2) {
      r.report(v.at, v.entry, r.show(v), `${lists.length} list${lists.length === 1 ? '' : 's'}`, SUBNETS_FORM);
      return undefined;
    }
    const sides = (['a', 'b'] as const).map((side, i) => {
      const lv = lists[i];
      if (lv === undefined) return undefined;
      const owner = pair === undefined ? `VNet ${side}` : `VNet '${pair[side].alias}'`;
      const names = r.list(lv, `a list of subnet names of ${owner}`);
      if (names === undefined) return undefined;
      if (names.length === 0) {
        r.report(lv.at, lv.entry, '[]', 'an empty list', `at least one subnet name of ${owner} (or subnets: '*' for whole VNets)`);
        return undefined;
      }
      if (names.length > MAX_SUBNETS_PER_SIDE) {
        r.report(lv.at, lv.entry, `${names.length} names`, `${names.length} subnets`, `at most ${MAX_SUBNETS_PER_SIDE} subnets on a side (Azure's limit)`);
      }
      const seen = new Map<string, string>();
      let ok = names.length <= MAX_SUBNETS_PER_SIDE;
      const out: string[] = [];
      for (const x of names) {
        const name = r.string(x, `a subnet name, ${SUBNET_NAME_FORM}`);
        if (name === undefined) {
          ok = false;
          continue;
        }
        if (!isValidSubnetName(name)) {
          r.report(x.at, x.entry, name, `'${shorten(name)}' is not a valid subnet name`, SUBNET_NAME_FORM);
          ok = false;
          continue;
        }
        const twice = seen.get(name.toLowerCase());
        if (twice !== undefined) {
          r.report(x.at, x.entry, name, `subnet '${name}' is listed twice (also ${twice})`, 'each subnet once per side');
          ok = false;
          continue;
        }
        seen.set(name.toLowerCase(), x.entry);
        out.push(name);
      }
      return ok ? out : undefined;
    });
    const [a, b] = sides;
    if (a === undefined || b === undefined) return undefined;
    return { kind: 'subnets', subnets: { a, b }, ipv6Only: false };
  }
}

function merge(own: Settings, defaults: Settings): { allowVirtualNetworkAccess: boolean; allowForwardedTraffic: boolean } {
  return {
    // spec/action.md defaults last.
    allowVirtualNetworkAccess: own.allowVirtualNetworkAccess ?? defaults.allowVirtualNetworkAccess ?? true,
    allowForwardedTraffic: own.allowForwardedTraffic ?? defaults.allowForwardedTraffic ?? false,
  };
}

/** Only called when the file had no problem: every reference is then resolved. */
function build(
  drafts: readonly Draft[],
  vnets: ReadonlyMap<string, VnetDecl>,
  tenants: ReadonlyMap<string, TenantDecl>,
  prune: boolean,
  source: Topology['source'] & { kind: 'file' },
): Topology {
  const inFile = (where: string): string => `${where} in ${source.path}`;
  const tenantEntries: TenantEntry[] = [];
  for (const t of tenants.values()) {
    if (t.identity !== undefined) tenantEntries.push({ alias: t.alias, identity: t.identity });
  }
  const vnetEntries: VnetEntry[] = [];
  for (const v of vnets.values()) {
    const identity = v.tenant?.identity;
    if (v.ref !== undefined && v.tenant !== undefined && identity !== undefined) {
      vnetEntries.push({ vnet: v.ref, alias: v.alias, tenant: v.tenant.alias, identity });
    }
  }
  const links: Link[] = [];
  for (const d of drafts) {
    const ends = resolvedEnds(d);
    if (ends === undefined) continue;
    const { a, b } = ends;
    const locator: Locator = {
      link: inFile(d.entry),
      vnet: { a: inFile(`vnets.${a.alias}`), b: inFile(`vnets.${b.alias}`) },
      tenant: { a: inFile(`tenants.${a.tenant}.tenant-id`), b: inFile(`tenants.${b.tenant}.tenant-id`) },
      client: { a: inFile(`tenants.${a.tenant}.client-id`), b: inFile(`tenants.${b.tenant}.client-id`) },
      ...d.where,
    };
    links.push({
      key: linkKey(a.vnet, b.vnet),
      entry: d.entry,
      index: links.length,
      ensure: d.ensure,
      ends: {
        a: { ...a, givenPeeringName: d.names.a?.name, defaultPeeringName: defaultPeeringName(a.vnet, b.vnet) },
        b: { ...b, givenPeeringName: d.names.b?.name, defaultPeeringName: defaultPeeringName(b.vnet, a.vnet) },
      },
      allowVirtualNetworkAccess: d.allowVirtualNetworkAccess,
      allowForwardedTraffic: d.allowForwardedTraffic,
      gatewayTransit: d.gatewayTransit,
      kind: d.kind,
      locator,
    });
  }
  return { links, vnets: vnetEntries, tenants: tenantEntries, prune, source };
}

type ResolvedEnd = Pick<LinkEnd, 'vnet' | 'alias' | 'tenant' | 'identity'>;

function resolvedEnds(d: Draft): Record<Side, ResolvedEnd> | undefined {
  const end = (v: VnetDecl): ResolvedEnd | undefined =>
    v.ref !== undefined && v.tenant?.identity !== undefined
      ? { vnet: v.ref, alias: v.alias, tenant: v.tenant.alias, identity: v.tenant.identity }
      : undefined;
  const a = end(d.ends.a);
  const b = end(d.ends.b);
  return a === undefined || b === undefined ? undefined : { a, b };
}
