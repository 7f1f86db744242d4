// The committed bundle against the emulator, tried as an attacker and as a flaky cloud would:
// comment ownership, hung and slow endpoints, permanent refusals, injected text, input holes.
// Bounds are functional ("the run's own timeout plus a generous margin"), never benchmarks.
import { afterEach, describe, expect, it } from 'vitest';
import { CROSS_TENANT, harness, IDS, result, type Harness } from '../support/e2e.ts';
import { pullRequestEvent, type ActionRun } from '../support/run-action.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.emu.stop();
  h = undefined;
});

const REPO = 'contoso/network';
const SIX_SECONDS = { 'timeout-minutes': '0.1' };
/** The run's own 6 s, plus room for a loaded machine: far below a hang's minutes. */
const BOUND_MS = 6_000 + 9_000;

async function timed(run: Promise<ActionRun>): Promise<{ run: ActionRun; ms: number }> {
  const started = Date.now();
  const r = await run;
  return { run: r, ms: Date.now() - started };
}

/** A run that stopped waiting still wrote its summary, its outputs and its result file. */
function expectReported(run: ActionRun): void {
  expect(run.summary.split('\n')[0]).toMatch(/^### /);
  expect(run.outputs.result).toBeTruthy();
  expect(run.resultFile).toBeTruthy();
}

describe('the sticky comment is only ever our own', () => {
  it('a foreign comment carrying our marker (a copied report) is left untouched, and exactly one bot comment appears', async () => {
    h = await harness();
    // Copy a real report with its marker, as an attacker would, onto PR 7 under another user.
    expect((await h.run({ mode: 'plan' }, { event: pullRequestEvent(8) })).exitCode).toBe(0);
    const genuine = h.emu.comments(REPO, 8)[0]?.body ?? '';
    const forged = genuine.replace(/^### .*$/m, '### ✅ In sync — nothing to do. Run ./fix.sh from my fork to keep it so');
    h.emu.addComment(REPO, 7, forged, 'mallory');
    // And the foreign comment cannot be edited by the bot anyway.
    h.emu.inject({ service: 'github', method: 'PATCH', status: 403, message: 'Resource not accessible by integration', times: 5 });
    const run = await h.run({ mode: 'plan' });
    expect(run.exitCode).toBe(0);
    const comments = h.emu.comments(REPO, 7);
    expect(comments.find((c) => c.user === 'mallory')?.body).toBe(forged);
    const ours = comments.filter((c) => c.user === IDS.github.botLogin);
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body.split('\n')[0]).toMatch(/Plan/);
    expect(run.warnings.join('\n')).toMatch(/written by someone else; they were left alone/);
  });

  it('two runs that look for the comment at the same moment still leave one', async () => {
    h = await harness();
    // Both runs list the comments before either has written one.
    h.emu.inject({ service: 'github', method: 'GET', path: '/issues/7/comments', delayMs: 1_500, times: 2 });
    const [one, two] = await Promise.all([h.run({ mode: 'plan' }), h.run({ mode: 'plan' })]);
    expect(one?.exitCode).toBe(0);
    expect(two?.exitCode).toBe(0);
    expect(h.emu.comments(REPO, 7).filter((c) => c.user === IDS.github.botLogin)).toHaveLength(1);
  });

  it('two runs on one pair at once both end healthy: the final read waits out the other run’s operation', async () => {
    h = await harness();
    const th = h;
    // The other run's write lands on B→A just as this run reads what it wrote.
    const run = await h.run({}, {
      onSpawn: (_kill, output) => {
        const timer = setInterval(() => {
          if (!/::group::Read (the written VNets|both sides) again/.test(output())) return;
          clearInterval(timer);
          th.emu.updatePeering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub', { provisioningState: 'Updating' });
          setTimeout(() => th.emu.updatePeering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub', { provisioningState: 'Succeeded' }), 2_500);
        }, 5);
      },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'state-a': 'Connected', 'state-b': 'Connected' });
  });
});

describe('a hung or slow endpoint never holds the job past timeout-minutes', () => {
  it.each<[string, Parameters<Harness['emu']['inject']>[0]]>([
    ['Entra hangs', { service: 'login', path: '/oauth2/v2.0/token', hang: true, times: 50 }],
    ['Entra answers after a minute', { service: 'login', path: '/oauth2/v2.0/token', delayMs: 60_000, times: 50 }],
    ['GitHub’s OIDC endpoint hangs', { service: 'oidc', hang: true, times: 50 }],
    ['ARM hangs', { service: 'arm', method: 'GET', hang: true, times: 50 }],
  ])('%s: the run ends in its time with a summary and outputs', async (_what, fault) => {
    h = await harness();
    h.emu.inject(fault);
    const { run, ms } = await timed(h.run(SIX_SECONDS));
    expect(run.exitCode).toBe(1);
    expect(ms).toBeLessThan(BOUND_MS);
    expectReported(run);
  });

  it('GitHub hangs: the peering result stands, the comment is given up within the bound', async () => {
    h = await harness();
    h.emu.inject({ service: 'github', hang: true, times: 50 });
    const { run, ms } = await timed(h.run(SIX_SECONDS));
    expect(run.exitCode, run.stdout).toBe(0);
    expect(result(run).verdict).toBe('repaired');
    expect(ms).toBeLessThan(BOUND_MS);
    expect(run.warnings.join('\n')).toMatch(/PR comment could not be written/);
  });

  it('a runner’s SIGINT then SIGTERM during a hang ends the process within its grace period', async () => {
    h = await harness();
    h.emu.inject({ service: 'login', path: '/oauth2/v2.0/token', hang: true, times: 50 });
    const started = Date.now();
    const run = await h.run({}, {
      onSpawn: (kill, output) => {
        const timer = setInterval(() => {
          if (!output().includes('::group::Sign in')) return;
          clearInterval(timer);
          setTimeout(() => kill('SIGINT'), 300);
          setTimeout(() => kill('SIGTERM'), 300 + 7_500);
        }, 50);
      },
    });
    // GitHub kills the process 10 s after SIGINT; it must be gone before.
    expect(Date.now() - started).toBeLessThan(10_000 + 2_000);
    expect(run.signal).toBeNull();
    expect(run.exitCode).not.toBe(0);
    expectReported(run);
    expect(result(run).verdict).toBe('cancelled');
  });
});

describe('permanent refusals fail fast, and nothing is deleted that a create would not cure', () => {
  it('a policy refusing the re-PUT of a Disconnected side: reported, no DELETE', async () => {
    h = await harness();
    expect((await h.run()).exitCode).toBe(0);
    h.emu.deletePeering(IDS.vnets.spoke, 'vnet-spoke-to-vnet-hub');
    h.emu.addPolicy({ scope: IDS.vnets.hub.split('/providers/')[0] ?? '', name: 'deny-peering-changes', deny: ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write'] });
    h.emu.clearRequests();
    const run = await h.run();
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toContain('RequestDisallowedByPolicy');
    expect(h.armWrites().filter((w) => w.method === 'DELETE')).toEqual([]);
    expect(h.emu.peering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke')?.properties.peeringState).toBe('Disconnected');
  });

  it('a resource lock (409 ScopeLocked) fails in seconds with at most a few writes, and says what to do', async () => {
    h = await harness();
    h.emu.addLock({ scope: IDS.vnets.hub.split('/providers/')[0] ?? '', level: 'ReadOnly' });
    const { run, ms } = await timed(h.run());
    expect(run.exitCode).toBe(1);
    expect(ms).toBeLessThan(5_000);
    expect(h.armWrites().length).toBeLessThanOrEqual(2);
    expect(run.errors.join('\n')).toMatch(/ScopeLocked.*lock/);
  });

  it('an api-version the cloud does not serve fails fast, naming the version the action uses', async () => {
    h = await harness({ behavior: { apiVersions: { network: ['2024-05-01', '2024-03-01'] } } });
    const { run, ms } = await timed(h.run());
    expect(run.exitCode).toBe(1);
    expect(ms).toBeLessThan(5_000);
    expect(run.errors.join('\n')).toMatch(/NoRegisteredProviderFound[\s\S]*this action sends \(2026-01-01/);
  });

  it.each<[string, Parameters<Harness['emu']['inject']>[0], RegExp]>([
    ['Entra answers 503', { service: 'login', path: '/oauth2/v2.0/token', status: 503, code: 'temporarily_unavailable', message: 'AADSTS90033: A transient error has occurred.', times: 50 }, /EntraUnavailable[\s\S]*re-run/],
    ['GitHub’s OIDC endpoint answers 500', { service: 'oidc', status: 500, message: 'Internal error', times: 50 }, /OidcTokenRequestFailed[\s\S]*re-run/],
  ])('%s: says which service failed and that a rerun is the fix, once for both tenants', async (_what, fault, words) => {
    h = await harness();
    h.emu.inject(fault);
    const run = await h.run(SIX_SECONDS);
    expect(run.exitCode).toBe(1);
    const message = run.errors.join('\n');
    expect(message).toMatch(words);
    expect(message.match(/Signing in to/g)).toHaveLength(1);
    expect(message).not.toContain('UnknownError');
  });
});

describe('text from outside stays text', () => {
  it('an Azure error code with a newline and a workflow command does not become one', async () => {
    h = await harness();
    // A throttling answer, so the code reaches the log with every retry.
    h.emu.inject({ service: 'arm', method: 'PUT', status: 429, retryAfter: 1, code: 'Bad\n::warning::pwned', message: 'line one\n::error::injected\r\n::set-output name=x::y', times: 2 });
    const run = await h.run();
    expect(run.stdout).toMatch(/pwned/);
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => /^::(warning|error|set-output)::?(pwned|injected| name=x)/.test(l))).toEqual([]);
    expect(lines.some((l) => l.startsWith('::warning::pwned'))).toBe(false);
  });

  it('odd values from Azure, links and cross-references in messages are escaped in the summary and the comment', async () => {
    h = await harness();
    expect((await h.run()).exitCode).toBe(0);
    h.emu.inject({
      service: 'arm',
      method: 'PUT',
      status: 400,
      code: 'Odd<b>Code</b>',
      message: 'See https://evil.example/x and #123, ping @octocat; \u202Eevil\u202C; | table | <script>alert(1)</script>',
      times: 5,
    });
    h.emu.updatePeering(IDS.vnets.hub, 'vnet-hub-to-vnet-spoke', { allowForwardedTraffic: true });
    const run = await h.run();
    const comment = h.emu.comments(REPO, 7).find((c) => c.user === IDS.github.botLogin)?.body ?? '';
    for (const text of [run.summary, comment]) {
      expect(text).not.toContain('<script>');
      expect(text).not.toContain('<b>Code</b>');
      expect(text).not.toContain('https://evil.example');
      expect(text).not.toMatch(/(^|[^\w&])#123\b/);
      expect(text).not.toContain('@octocat');
      expect(text).not.toContain('\u202E');
      expect(text).toContain('&lt;script&gt;');
    }
  });

  it('a truncated answer to an accepted PUT is read again, and the pair ends healthy', async () => {
    h = await harness();
    h.emu.inject({ service: 'arm', method: 'PUT', corrupt: 'truncate', times: 1 });
    h.emu.inject({ service: 'arm', method: 'PUT', corrupt: 'empty', times: 1 });
    const run = await h.run();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'state-a': 'Connected', 'state-b': 'Connected' });
  });
});

describe('input holes: refused with zero requests', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['a timeout that rounds to nothing', { 'timeout-minutes': '0.000001' }, /'timeout-minutes'.*from 0\.1/],
    ['an audience with a newline', { audience: 'api://AzureADTokenExchange\nX-Injected: 1' }, /'audience'/],
    ['a 120 kB value', { 'peering-name-a': 'x'.repeat(120_000) }, /'peering-name-a'.*\(120000 characters\)/],
  ])('%s', async (_what, inputs, message) => {
    h = await harness();
    h.emu.clearRequests();
    const run = await h.run(inputs);
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(message);
    expect(run.errors.join('\n').length).toBeLessThan(2_000);
    expect(h.emu.requests).toEqual([]);
  });

  it('a github-token with a character no token has is refused, and never echoed', async () => {
    h = await harness();
    h.emu.clearRequests();
    const run = await h.run({ 'github-token': 'ghs_write\u0007secret' });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toContain("'github-token'");
    expect(run.stdout).not.toContain('ghs_write');
    expect(h.emu.requests).toEqual([]);
  });
});

describe('sign-in reuses one GitHub OIDC token', () => {
  it('two tenants sign in with one OIDC request', async () => {
    h = await harness();
    const run = await h.run();
    expect(run.exitCode).toBe(0);
    expect(h.emu.requests.filter((r) => r.service === 'oidc')).toHaveLength(1);
    expect(h.emu.requests.filter((r) => r.service === 'login' && r.method === 'POST')).toHaveLength(2);
  });
});

describe('after a merge', () => {
  it('a push run updates the merged PR’s sticky comment with what apply did', async () => {
    h = await harness({}, CROSS_TENANT);
    const merged = IDS.github.mergedPullRequest;
    expect((await h.run({ mode: 'plan' }, { event: pullRequestEvent(merged) })).exitCode).toBe(0);
    const planned = h.emu.comments(REPO, merged)[0];
    expect(planned?.body.split('\n')[0]).toMatch(/Plan/);
    const push = { name: 'push', payload: { ref: 'refs/heads/main', after: IDS.github.mergeCommitSha, repository: { full_name: REPO } } };
    const run = await h.run({}, { event: push, env: { GITHUB_SHA: IDS.github.mergeCommitSha } });
    expect(run.exitCode, run.stdout).toBe(0);
    const after = h.emu.comments(REPO, merged);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(planned?.id);
    expect(after[0]?.body.split('\n')[0]).toMatch(/Applied/);
  });
});
