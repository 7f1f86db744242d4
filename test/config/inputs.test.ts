// Inputs go through the real @actions/core: each test sets INPUT_* variables, as a runner does.
import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InputError, readConfig, type RunConfig } from '../../src/config/inputs.ts';
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
  'ensure',
  'subnets-a',
  'subnets-b',
  'ipv6-only',
  'topology',
  'max-parallel-writes',
  'shard',
  'results',
] as const;
type InputName = (typeof INPUTS)[number];
type Inputs = Partial<Record<InputName, string>>;

const REQUIRED: Inputs = { 'vnet-a': HUB, 'vnet-b': SPOKE, 'tenant-id-a': TENANT_A, 'client-id-a': CLIENT_A };

/** Sets every input (unset ones to empty, as a runner passes defaults it does not know). */
function setInputs(inputs: Inputs): void {
  for (const name of INPUTS) vi.stubEnv(`INPUT_${name.toUpperCase()}`, inputs[name] ?? '');
}

/** The run settings and the pair's one link, flattened as the tests read them. */
function flatten(config: RunConfig) {
  const link = config.topology.links[0];
  if (!link) throw new Error('no link');
  const side = (s: 'a' | 'b') => ({
    vnet: link.ends[s].vnet,
    tenantId: link.ends[s].identity.tenantId,
    clientId: link.ends[s].identity.clientId,
    givenPeeringName: link.ends[s].givenPeeringName,
    defaultPeeringName: link.ends[s].defaultPeeringName,
  });
  return { ...config.settings, a: side('a'), b: side('b'), allowVirtualNetworkAccess: link.allowVirtualNetworkAccess, allowForwardedTraffic: link.allowForwardedTraffic, gatewayTransit: link.gatewayTransit, link };
}

function settings(over: Inputs = {}): ReturnType<typeof flatten> {
  setInputs({ ...REQUIRED, ...over });
  return flatten(readConfig());
}

/** The InputError message readConfig throws for these inputs. */
function failure(over: Inputs, base: Inputs = REQUIRED): string {
  setInputs({ ...base, ...over });
  try {
    readConfig();
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(InputError);
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error(`readConfig accepted ${JSON.stringify(over)}`);
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

  it.each(['0', '-5', 'ten', '1e3', '361', '15m', '0.000001', '0.09'])('refuses %j', (value) => {
    const message = failure({ 'timeout-minutes': value });
    expect(message).toContain("'timeout-minutes'");
    expect(message).toContain(`'${value}'`);
    expect(message).toContain('number of minutes from 0.1 (6 seconds) to 360');
  });

  it('accepts the floor of 0.1 minutes', () => {
    expect(settings({ 'timeout-minutes': '0.1' }).timeoutMs).toBe(6_000);
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

describe('the holes a hardening review found', () => {
  it('refuses an audience with whitespace or a control character, which would reach GitHub and Entra', () => {
    for (const value of ['api://Azure ADTokenExchange', 'api://x\nInjected: header', `api://${'x'.repeat(300)}`]) {
      const message = failure({ audience: value });
      expect(message).toContain("'audience'");
      expect(message).toContain('printable characters, no spaces');
      expect(message).not.toContain('\nInjected');
    }
  });

  it('shows a huge value once, shortened, with its length', () => {
    const huge = `/subscriptions/${'x'.repeat(120_000)}`;
    const message = failure({ 'vnet-a': huge });
    expect(message.length).toBeLessThan(1_500);
    expect(message).toContain('(120015 characters)');
    expect(message.split('xxxxxxxxxx').length).toBeLessThan(30);
  });

  it('never echoes a github-token, even a broken one', () => {
    const token = 'ghs_secret\nvalue';
    const message = failure({ 'github-token': token });
    expect(message).toContain("'github-token'");
    expect(message).not.toContain('ghs_secret');
  });

  it('treats an unevaluated ${{ github.token }} as not given and falls back to GITHUB_TOKEN', () => {
    vi.stubEnv('GITHUB_TOKEN', 'ghs_from_env');
    expect(settings({ 'github-token': '${{ github.token }}' }).githubToken).toBe('ghs_from_env');
    vi.stubEnv('GITHUB_TOKEN', '${{ github.token }}');
    expect(settings({ 'github-token': '${{ github.token }}' }).githubToken).toBe('');
  });
});

describe('tear-down and subnet inputs', () => {
  it('ensure defaults to present and takes absent', () => {
    expect(settings().link.ensure).toBe('present');
    expect(settings({ ensure: 'ABSENT' }).link.ensure).toBe('absent');
    expect(failure({ ensure: 'gone' })).toContain('one of present, absent');
  });

  it('no subnets: the kind is not managed; * in both: whole VNet; lists: subnet peering', () => {
    expect(settings().link.kind).toEqual({ kind: 'unmanaged' });
    expect(settings({ 'subnets-a': '*', 'subnets-b': '*' }).link.kind).toEqual({ kind: 'whole' });
    expect(settings({ 'subnets-a': 'app, data', 'subnets-b': 'web\napi\n', 'ipv6-only': 'true' }).link.kind).toEqual({
      kind: 'subnets',
      subnets: { a: ['app', 'data'], b: ['web', 'api'] },
      ipv6Only: true,
    });
  });

  it.each<[Inputs, InputName, string]>([
    [{ 'subnets-a': 'app' }, 'subnets-b', 'subnet names too'],
    [{ 'subnets-b': 'app' }, 'subnets-a', 'subnet names too'],
    [{ 'subnets-a': '*', 'subnets-b': 'app' }, 'subnets-b', '* as well'],
    [{ 'subnets-a': 'app, app', 'subnets-b': 'web' }, 'subnets-a', "'app' is listed twice"],
    [{ 'subnets-a': 'app, -bad', 'subnets-b': 'web' }, 'subnets-a', "'-bad' is not a subnet name"],
    [{ 'subnets-a': Array.from({ length: 201 }, (_, i) => `s${i}`).join(','), 'subnets-b': 'web' }, 'subnets-a', 'at most 200'],
    [{ 'ipv6-only': 'true' }, 'ipv6-only', 'unless subnets-a and subnets-b list subnets'],
    [{ 'ipv6-only': 'true', 'subnets-a': '*', 'subnets-b': '*' }, 'ipv6-only', 'unless subnets-a and subnets-b list subnets'],
  ])('%j is refused naming %s', (inputs, name, expected) => {
    const message = failure(inputs);
    expect(message).toContain(`'${name}'`);
    expect(message).toContain(expected);
  });
});

describe('topology runs', () => {
  it('shard and results need a topology', () => {
    expect(failure({ shard: '1/2' })).toContain("'shard'");
    expect(failure({ results: 'results/*.json' })).toContain("'results'");
  });

  it('max-parallel-writes is a whole number from 1', () => {
    expect(settings().maxParallelWrites).toBe(50);
    expect(settings({ 'max-parallel-writes': '8' }).maxParallelWrites).toBe(8);
    for (const value of ['0', '-1', '2.5', 'many']) expect(failure({ 'max-parallel-writes': value })).toContain("'max-parallel-writes'");
  });

  it('refuses a topology path that does not exist, naming the input, before any request', () => {
    const message = failure({ topology: 'nowhere/topology.yml' }, {});
    expect(message).toContain("'topology'");
    expect(message).toContain('no such file');
  });

  it('refuses pair inputs beside a topology (defaults a runner fills in are fine)', () => {
    const message = failure({ topology: 'examples/topologies/hub-and-spoke.yml', 'vnet-a': HUB, 'allow-forwarded-traffic': 'true', 'allow-virtual-network-access': 'true', 'gateway-transit': 'none' }, {});
    expect(message).toContain("'vnet-a', 'allow-forwarded-traffic'");
    expect(message).not.toContain("'gateway-transit'");
  });

  it('reads a topology file relative to the workspace; refuses a shard out of range', () => {
    vi.stubEnv('GITHUB_WORKSPACE', process.cwd());
    setInputs({ topology: 'examples/topologies/hub-and-spoke.yml', shard: '2/3' });
    const config = readConfig();
    expect(config.kind).toBe('reconcile');
    expect(config.kind === 'reconcile' ? config.shard : undefined).toEqual({ index: 2, count: 3 });
    expect(config.topology.source).toMatchObject({ kind: 'file', path: 'examples/topologies/hub-and-spoke.yml' });
    expect(config.topology.links.length).toBeGreaterThan(1);
    for (const value of ['0/3', '4/3', '1/257', 'one/two']) expect(failure({ topology: 'examples/topologies/hub-and-spoke.yml', shard: value }, {})).toContain("'shard'");
  });

  it('a topology with results is a merge run', () => {
    vi.stubEnv('GITHUB_WORKSPACE', process.cwd());
    setInputs({ topology: 'examples/topologies/mesh.yml', results: 'out/*.json' });
    const config = readConfig();
    expect(config.kind).toBe('merge');
    expect(failure({ topology: 'examples/topologies/mesh.yml', results: 'out/*.json', shard: '1/2' }, {})).toContain("'results'");
  });

  it('lists every problem of a bad file with its line, before any request', () => {
    const message = failure({ topology: 'test/fixtures/topology/broken.yml' }, {});
    expect(message).toMatch(/^Invalid topology file test\/fixtures\/topology\/broken\.yml: \d+ problems, nothing was sent to Azure\./);
    expect(message).toMatch(/broken\.yml:\d+:\d+: /);
  });
});
