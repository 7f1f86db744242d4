// Helpers for talking to a running emulator: the real SDK clients wired as the action wires them, and
// raw HTTPS requests for crafted cases. Call emu.trust() first in the same process.
import { NetworkManagementClient } from '@azure/arm-network';
import { auxiliaryAuthenticationHeaderPolicy } from '@azure/core-rest-pipeline';
import { ClientAssertionCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { IDS, startEmulator } from './index.ts';
import type { Emulator } from './index.ts';

/** GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=… as core.getIDToken does. */
export async function fetchOidcToken(emu: Emulator, audience: string = IDS.oidc.audience): Promise<string> {
  const res = await fetch(`${emu.endpoints.oidcRequestUrl}&audience=${encodeURIComponent(audience)}`, {
    headers: { Authorization: `Bearer ${emu.world.oidc.requestToken}` },
  });
  const body: unknown = await res.json();
  const value = path(body, 'value');
  if (res.status !== 200 || typeof value !== 'string') throw new Error(`OIDC token request failed: ${res.status}`);
  return value;
}

export function assertionCredential(
  emu: Emulator,
  tenantId: string,
  clientId: string,
  audience?: string,
): ClientAssertionCredential {
  return new ClientAssertionCredential(tenantId, clientId, () => fetchOidcToken(emu, audience), {
    authorityHost: emu.endpoints.authorityHost,
    disableInstanceDiscovery: true,
  });
}

export const armScope = (emu: Emulator) => `${emu.endpoints.arm}/.default`;

/** A NetworkManagementClient as the action builds it: its own scope, endpoint and auxiliary tokens. */
export function networkClient(
  emu: Emulator,
  subscriptionId: string,
  credential: TokenCredential,
  auxiliary: TokenCredential[] = [],
): NetworkManagementClient {
  const scopes = [armScope(emu)];
  return new NetworkManagementClient(credential, subscriptionId, {
    endpoint: emu.endpoints.arm,
    credentials: { scopes },
    additionalPolicies:
      auxiliary.length > 0
        ? [{ policy: auxiliaryAuthenticationHeaderPolicy({ credentials: auxiliary, scopes }), position: 'perRetry' }]
        : [],
  });
}

/** Reads a nested field of parsed JSON: path(body, 'error.code'). */
export function path(value: unknown, dotted: string): unknown {
  let v: unknown = value;
  for (const key of dotted.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = Reflect.get(v, key);
  }
  return v;
}

export interface ArmResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export interface ArmRequest {
  method?: string;
  /** Path with or without query. */
  path: string;
  /** api-version; null leaves it out. Default 2026-01-01. */
  apiVersion?: string | null;
  query?: Record<string, string>;
  /** Bearer token; null sends none. Default: a token of the multi-tenant app from the subscription's tenant. */
  token?: string | null;
  /** Auxiliary tokens. Default: one for every other tenant of the world (at most 3). */
  aux?: string[];
  body?: unknown;
  /** Sent as is instead of body. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export function tenantOfPath(emu: Emulator, p: string): string {
  const sub = /^\/subscriptions\/([^/?]+)/i.exec(p)?.[1]?.toLowerCase();
  return emu.world.subscriptions.find((s) => s.id.toLowerCase() === sub)?.tenantId ?? IDS.tenants.a;
}

export async function armRequest(emu: Emulator, req: ArmRequest): Promise<ArmResponse> {
  const url = new URL(req.path, emu.endpoints.arm);
  if (req.apiVersion !== null) url.searchParams.set('api-version', req.apiVersion ?? '2026-01-01');
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
  const tenantId = tenantOfPath(emu, url.pathname);
  const token = req.token === undefined ? emu.mintAccessToken({ tenantId, clientId: IDS.apps.multiTenant }) : req.token;
  const aux =
    req.aux ??
    emu.world.tenants
      .filter((t) => t.id !== tenantId)
      .slice(0, 3)
      .map((t) => emu.mintAccessToken({ tenantId: t.id, clientId: IDS.apps.multiTenant }));
  const headers: Record<string, string> = { ...req.headers };
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  if (aux.length > 0) headers['x-ms-authorization-auxiliary'] = aux.map((t) => `Bearer ${t}`).join(', ');
  let payload: string | undefined = req.rawBody;
  if (payload === undefined && req.body !== undefined) payload = JSON.stringify(req.body);
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method: req.method ?? 'GET', headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

export const peeringPath = (vnetId: string, name: string) => `${vnetId}/virtualNetworkPeerings/${name}`;

/** PUT a peering with a flat body wrapped in properties, as the SDK sends it. */
export function putPeering(
  emu: Emulator,
  vnetId: string,
  name: string,
  properties: Record<string, unknown>,
  extra: Partial<ArmRequest> = {},
): Promise<ArmResponse> {
  return armRequest(emu, { method: 'PUT', path: peeringPath(vnetId, name), body: { properties }, ...extra });
}

export const remote = (id: string) => ({ remoteVirtualNetwork: { id } });

/** The body of the operation a PUT or DELETE answer points at (its Azure-AsyncOperation). */
export async function operationOf(emu: Emulator, r: ArmResponse): Promise<unknown> {
  const op = new URL(r.headers.get('azure-asyncoperation') ?? '');
  return (await armRequest(emu, { path: op.pathname })).body;
}

/** `<status> <error.code>` of an ARM answer, for compact assertions. */
export const code = (r: ArmResponse): string => `${r.status} ${String(path(r.body, 'error.code'))}`;
/** `error.message` of an ARM answer. */
export const message = (r: ArmResponse): string => String(path(r.body, 'error.message'));

/**
 * A trusted emulator for each test of a file (or one for the whole file), started before and
 * stopped after; returns a getter, since the instance changes between tests.
 */
export function useEmulator(when: 'each' | 'all' = 'each'): () => Emulator {
  let emu: Emulator | undefined;
  const start = async (): Promise<void> => {
    emu = await startEmulator();
    emu.trust();
  };
  const stop = async (): Promise<void> => {
    await emu?.stop();
    emu = undefined;
  };
  if (when === 'each') {
    beforeEach(start);
    afterEach(stop);
  } else {
    beforeAll(start);
    afterAll(stop);
  }
  return () => {
    if (!emu) throw new Error('the emulator runs only inside a test');
    return emu;
  };
}
