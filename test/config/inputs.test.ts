// Inputs go through the real @actions/core: each test sets INPUT_* variables, as a runner does.
import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InputError, readSettings, type Settings } from '../../src/config/inputs.ts';
import { isValidPeeringName } from '../../src/azure/resource-id.ts';

const SUB_A = 'aaaaaaaa-0000-0000-0000-000000000001';
const SUB_B = 'bbbbbbbb-0000-0000-0000-000000000002';
const TENANT_A = '11111111-1111-1111-1111-111111111111';
const TENANT_B = '22222222-2222-2222-2222-222222222222';
const CLIENT_A = '33333333-3333-3333-3333-333333333333';
const CLIENT_B = '44444444-4444-4444-4444-444444444444';
const vnetId = (sub: string, rg: string, name: string): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const HUB = vnetId(SUB_A, 'rg-hub', 'hub-vnet');
const SPOKE = vnetId(SUB_B, 'rg-spoke', 'spoke-vnet');

const INPUTS = [
  'vnet-a',
  'vnet-b',
  'tenant-id-a',
  'client-id-a',
  'tenant-id-b',
  'client-id-b',
  'peering-name-a',
  'peering-name-b',
  'allow-virtual-network-access',
  'allow-forwarded-traffic',
  'gateway-transit',
  'mode',
  'fail-on-drift',
  'comment',
  'github-token',
  'environment',
  'audience',
  'arm-endpoint',
  'authority-host',
  'timeout-minutes',
] as const;
type InputName = (typeof INPUTS)[number];
type Inputs = Partial<Record<InputName, string>>;

const REQUIRED: Inputs = { 'vnet-a': HUB, 'vnet-b': SPOKE, 'tenant-id-a': TENANT_A, 'client-id-a': CLIENT_A };

/** Sets every input (unset ones to empty, as a runner passes defaults it does not know). */
function setInputs(inputs: Inputs): void {
  for (const name of INPUTS) vi.stubEnv(`INPUT_${name.toUpperCase()}`, inputs[name] ?? '');
}

function settings(over: Inputs = {}): Readonly<Settings> {
  setInputs({ ...REQUIRED, ...over });
  return readSettings();
}

/** The InputError message readSettings throws for these inputs. */
function failure(over: Inputs): string {
  setInputs({ ...REQUIRED, ...over });
  try {
    readSettings();
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(InputError);
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error(`readSettings accepted ${JSON.stringify(over)}`);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('required inputs', () => {
  it('reads a minimal, valid set', () => {
    const s = settings();
    expect(s.a.vnet).toEqual({ id: HUB, subscriptionId: SUB_A, resourceGroup: 'rg-hub', name: 'hub-vnet' });
    expect(s.b.vnet).toEqual({ id: SPOKE, subscriptionId: SUB_B, resourceGroup: 'rg-spoke', name: 'spoke-vnet' });
    expect(s.a.tenantId).toBe(TENANT_A);
    expect(s.a.clientId).toBe(CLIENT_A);
  });

  it.each<[InputName, string]>([
    ['vnet-a', '/subscriptions/'],
    ['vnet-b', '/subscriptions/'],
    ['tenant-id-a', 'GUID'],
    ['client-id-a', 'GUID'],
  ])('%s missing: names it and the form it expects', (name, form) => {
    for (const value of ['', '   ']) {
      const message = failure({ [name]: value });
      expect(message).toContain(`'${name}'`);
      expect(message).toContain(form);
    }
  });

  it('trims values', () => {
    const s = settings({ 'vnet-a': `  ${HUB}\n`, 'tenant-id-a': ` ${TENANT_A} `, mode: ' plan ' });
    expect(s.a.vnet.id).toBe(HUB);
    expect(s.a.tenantId).toBe(TENANT_A);
    expect(s.mode).toBe('plan');
  });
});

describe('VNet resource IDs', () => {
  it.each<[string, string, string]>([
    ['wrong provider', `/subscriptions/${SUB_A}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1`, '/subscriptions/<subscription GUID>/resourceGroups/'],
    ['not a VNet but a subnet', `${HUB}/subnets/default`, '/subscriptions/<subscription GUID>/resourceGroups/'],
    ['a bare name', 'hub-vnet', '/subscriptions/<subscription GUID>/resourceGroups/'],
    ['non-GUID subscription', vnetId('my-subscription', 'rg', 'hub'), 'not a GUID'],
    ['resource group ending with a period', vnetId(SUB_A, 'rg.', 'hub'), 'resource group'],
    ['one-character VNet name', vnetId(SUB_A, 'rg', 'h'), 'VNet name'],
    ['VNet name ending with a hyphen', vnetId(SUB_A, 'rg', 'hub-'), 'VNet name'],
    ['VNet name starting with an underscore', vnetId(SUB_A, 'rg', '_hub'), 'VNet name'],
    ['VNet name with a space', vnetId(SUB_A, 'rg', 'hub vnet'), 'VNet name'],
  ])('%s is refused', (_what, value, expected) => {
    const message = failure({ 'vnet-a': value });
    expect(message).toContain("'vnet-a'");
    expect(message).toContain(`'${value}'`);
    expect(message).toContain(expected);
  });

  it('accepts a trailing slash and drops it', () => {
    expect(settings({ 'vnet-b': `${SPOKE}/` }).b.vnet.id).toBe(SPOKE);
  });

  it('accepts any case, as Azure does', () => {
    const lower = SPOKE.toLowerCase();
    expect(settings({ 'vnet-b': lower }).b.vnet).toEqual({ id: lower, subscriptionId: SUB_B, resourceGroup: 'rg-spoke', name: 'spoke-vnet' });
  });

  it('refuses the same VNet twice, even in another case, naming vnet-b', () => {
    const value = HUB.toUpperCase();
    const message = failure({ 'vnet-b': value });
    expect(message).toContain("'vnet-b'");
    expect(message).toContain(`'${value}'`);
    expect(message).toMatch(/different VNet/);
  });
});

describe('tenants and identities', () => {
  it.each<InputName>(['tenant-id-a', 'client-id-a', 'tenant-id-b', 'client-id-b'])('%s must be a GUID', (name) => {
    for (const value of ['contoso.onmicrosoft.com', '3333333-3333-3333-3333-333333333333', `{${TENANT_A}}`]) {
      const message = failure({ [name]: value });
      expect(message).toContain(`'${name}'`);
      expect(message).toContain(`'${value}'`);
      expect(message).toContain('GUID');
    }
  });

  it('side B defaults to side A’s tenant and client', () => {
    const s = settings();
    expect(s.b.tenantId).toBe(TENANT_A);
    expect(s.b.clientId).toBe(CLIENT_A);
  });

  it('side B takes its own tenant and client when given (a different client is accepted)', () => {
    const s = settings({ 'tenant-id-b': TENANT_B, 'client-id-b': CLIENT_B });
    expect(s.b.tenantId).toBe(TENANT_B);
    expect(s.b.clientId).toBe(CLIENT_B);
    expect(s.a.tenantId).toBe(TENANT_A);
  });

  it('accepts upper-case GUIDs', () => {
    expect(settings({ 'client-id-a': 'ABCDEF01-2345-6789-ABCD-EF0123456789' }).a.clientId.toLowerCase()).toBe('abcdef01-2345-6789-abcd-ef0123456789');
  });
});

describe('booleans', () => {
  it('default as the contract says', () => {
    const s = settings();
    expect(s.allowVirtualNetworkAccess).toBe(true);
    expect(s.allowForwardedTraffic).toBe(false);
    expect(s.failOnDrift).toBe(false);
  });

  it.each<[string, boolean]>([
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['false', false],
    ['FALSE', false],
    [' false ', false],
  ])('%j reads as %s', (value, expected) => {
    const s = settings({ 'allow-virtual-network-access': value, 'allow-forwarded-traffic': value, 'fail-on-drift': value });
    expect([s.allowVirtualNetworkAccess, s.allowForwardedTraffic, s.failOnDrift]).toEqual([expected, expected, expected]);
  });

  it.each<InputName>(['allow-virtual-network-access', 'allow-forwarded-traffic', 'fail-on-drift'])(
    '%s refuses anything else, naming the input and the value',
    (name) => {
      for (const value of ['yes', '1', 'on', 'no']) {
        const message = failure({ [name]: value });
        expect(message).toContain(`'${name}'`);
        expect(message).toContain(`'${value}'`);
        expect(message).toContain('true or false');
      }
    },
  );
});

describe('choices', () => {
  it('default as the contract says', () => {
    const s = settings();
    expect([s.mode, s.gatewayTransit, s.comment, s.environment]).toEqual(['apply', 'none', 'auto', 'AzureCloud']);
  });

  it('are read in any case', () => {
    const s = settings({ mode: 'PLAN', 'gateway-transit': 'B', comment: 'Off', environment: 'azureusgovernment' });
    expect([s.mode, s.gatewayTransit, s.comment, s.environment]).toEqual(['plan', 'b', 'off', 'AzureUSGovernment']);
    expect(settings({ 'gateway-transit': 'A' }).gatewayTransit).toBe('a');
    expect(settings({ 'gateway-transit': 'NONE' }).gatewayTransit).toBe('none');
    expect(settings({ environment: 'AZURECHINACLOUD' }).environment).toBe('AzureChinaCloud');
  });

  it.each<[InputName, string, string]>([
    ['mode', 'dry-run', 'apply, plan'],
    ['gateway-transit', 'hub', 'none, a, b'],
    ['comment', 'always', 'auto, off'],
    ['environment', 'AzureGermanCloud', 'AzureCloud, AzureUSGovernment, AzureChinaCloud'],
  ])('%s refuses %j and lists the choices', (name, value, choices) => {
    const message = failure({ [name]: value });
    expect(message).toContain(`'${name}'`);
    expect(message).toContain(`'${value}'`);
    expect(message).toContain(choices);
  });
});

describe('peering names', () => {
  it.each(['a', 'x'.repeat(80), 'hub_to_spoke_', 'Hub.To-Spoke_1', '9lives'])('accepts %j', (name) => {
    expect(settings({ 'peering-name-a': name }).a.givenPeeringName).toBe(name);
  });

  it.each(['x'.repeat(81), 'hub-to-spoke.', 'hub-to-spoke-', '_hub', '.hub', '-hub', 'hub to spoke', 'hub/spoke', 'hüb'])(
    'refuses %j, naming the input, the value and the rule',
    (name) => {
      const message = failure({ 'peering-name-b': name });
      expect(message).toContain("'peering-name-b'");
      expect(message).toContain(`'${name}'`);
      expect(message).toContain('1-80 letters, digits, underscores, periods or hyphens');
    },
  );

  it('are undefined when not given, with defaults of <local>-to-<remote>', () => {
    const s = settings();
    expect(s.a.givenPeeringName).toBeUndefined();
    expect(s.b.givenPeeringName).toBeUndefined();
    expect(s.a.defaultPeeringName).toBe('hub-vnet-to-spoke-vnet');
    expect(s.b.defaultPeeringName).toBe('spoke-vnet-to-hub-vnet');
  });

  it.each<[string, string, string]>([
    // 50 + 4 + 50 characters, cut to 80.
    ['a'.repeat(50), 'b'.repeat(50), `${'a'.repeat(50)}-to-${'b'.repeat(26)}`],
    // VNet names are at most 64 characters, so the cut falls in the remote name: a hyphen there goes.
    ['a'.repeat(64), `${'b'.repeat(11)}-cc`, `${'a'.repeat(64)}-to-${'b'.repeat(11)}`],
    // A run of periods and hyphens: all of it goes.
    ['a'.repeat(64), `${'b'.repeat(8)}.-.-cc`, `${'a'.repeat(64)}-to-${'b'.repeat(8)}`],
    // An underscore may end a name, so it stays.
    ['a'.repeat(64), `${'b'.repeat(11)}_c`, `${'a'.repeat(64)}-to-${'b'.repeat(11)}_`],
    // Short names are not touched.
    ['x1', 'y2', 'x1-to-y2'],
  ])('default for %s ⇄ %s is cut to 80 and trimmed', (a, b, expected) => {
    const s = settings({ 'vnet-a': vnetId(SUB_A, 'rg', a), 'vnet-b': vnetId(SUB_B, 'rg', b) });
    expect(s.a.defaultPeeringName).toBe(expected);
    expect(s.a.defaultPeeringName.length).toBeLessThanOrEqual(80);
    expect(isValidPeeringName(s.a.defaultPeeringName)).toBe(true);
    expect(isValidPeeringName(s.b.defaultPeeringName)).toBe(true);
  });
});

describe('clouds and endpoints', () => {
  it.each<[string, string, string, string]>([
    ['AzureCloud', 'https://management.azure.com', 'https://login.microsoftonline.com', 'api://AzureADTokenExchange'],
    ['AzureUSGovernment', 'https://management.usgovcloudapi.net', 'https://login.microsoftonline.us', 'api://AzureADTokenExchangeUSGov'],
    ['AzureChinaCloud', 'https://management.chinacloudapi.cn', 'https://login.chinacloudapi.cn', 'api://AzureADTokenExchangeChina'],
  ])('%s picks its ARM endpoint, authority host and audience', (environment, arm, authority, audience) => {
    const s = settings({ environment });
    expect(s.armEndpoint).toBe(arm);
    expect(s.armScope).toBe(`${arm}/.default`);
    expect(s.authorityHost).toBe(authority);
    expect(s.customAuthorityHost).toBe(false);
    expect(s.audience).toBe(audience);
  });

  it('takes an audience override', () => {
    expect(settings({ environment: 'AzureChinaCloud', audience: 'api://custom-audience' }).audience).toBe('api://custom-audience');
  });

  it('takes an https arm-endpoint, ignores its trailing slash, and scopes tokens to it', () => {
    const s = settings({ 'arm-endpoint': 'https://localhost:8443/' });
    expect(s.armEndpoint).toBe('https://localhost:8443');
    expect(s.armScope).toBe('https://localhost:8443/.default');
    const gov = settings({ environment: 'AzureUSGovernment', 'arm-endpoint': 'https://arm.example.test/' });
    expect(gov.armScope).toBe('https://arm.example.test/.default');
    expect(gov.audience).toBe('api://AzureADTokenExchangeUSGov');
  });

  it('takes an https authority-host and marks it custom', () => {
    const s = settings({ 'authority-host': 'https://login.example.test/' });
    expect(s.authorityHost).toBe('https://login.example.test');
    expect(s.customAuthorityHost).toBe(true);
  });

  it.each<[InputName, string]>([
    ['arm-endpoint', 'http://localhost:8443'],
    ['arm-endpoint', 'management.azure.com'],
    ['arm-endpoint', 'https://arm.example.test/?x=1'],
    ['authority-host', 'http://login.example.test'],
    ['authority-host', 'not a url'],
  ])('%s refuses %j', (name, value) => {
    const message = failure({ [name]: value });
    expect(message).toContain(`'${name}'`);
    expect(message).toContain(`'${value}'`);
    expect(message).toContain('https');
  });
});

describe('timeout-minutes', () => {
  it.each<[string, number]>([
    ['', 15 * 60_000],
    ['30', 30 * 60_000],
    ['0.5', 30_000],
    ['360', 360 * 60_000],
  ])('%j is %i ms', (value, ms) => {
    expect(settings({ 'timeout-minutes': value }).timeoutMs).toBe(ms);
  });

  it.each(['0', '-5', 'ten', '1e3', '361', '15m'])('refuses %j', (value) => {
    const message = failure({ 'timeout-minutes': value });
    expect(message).toContain("'timeout-minutes'");
    expect(message).toContain(`'${value}'`);
    expect(message).toContain('number of minutes');
  });
});

describe('other inputs', () => {
  it('passes the GitHub token through and leaves it empty when not given', () => {
    expect(settings({ 'github-token': ' ghs_abc ' }).githubToken).toBe('ghs_abc');
    expect(settings().githubToken).toBe('');
  });

  it('every refusal is an InputError that names the input, shows the value and says what is expected', () => {
    const cases: Inputs[] = [
      { 'vnet-a': 'nope' },
      { 'tenant-id-b': 'nope' },
      { 'allow-forwarded-traffic': 'nope' },
      { mode: 'nope' },
      { 'peering-name-a': 'nope-' },
      { 'arm-endpoint': 'nope' },
      { 'timeout-minutes': 'nope' },
    ];
    for (const c of cases) {
      const [name, value] = Object.entries(c)[0] ?? ['', ''];
      const message = failure(c);
      expect(message).toMatch(new RegExp(`^Invalid input '${name}': got '${value}'\\. Expected .+\\.$`));
    }
  });
});

describe('the action with invalid input', () => {
  it('fails the step before any request', async () => {
    // An OIDC endpoint that counts requests: signing in is the first thing run() would do.
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end('{"value":"x"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const { port } = address;
    const exitCode = process.exitCode;
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', `http://127.0.0.1:${port}/token?x=1`);
      vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'request-token');
      setInputs({ ...REQUIRED, 'tenant-id-b': 'not-a-guid' });
      const { run } = await import('../../src/main.ts');
      await run();
      const printed = write.mock.calls.map(([chunk]) => String(chunk)).join('');
      expect(printed).toContain("::error::Invalid input 'tenant-id-b': got 'not-a-guid'");
      expect(process.exitCode).toBe(1);
      expect(requests).toBe(0);
    } finally {
      write.mockRestore();
      process.exitCode = exitCode;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
