// release.yml: which tags publish, what version and major a tag gives, which notes CHANGELOG.md
// gives, whether v1 moves, and what reaches GitHub. Steps run as a runner runs them, with a
// stand-in `gh` on PATH that records what it was asked to do and answers as GitHub would.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { load, obj, list, runs, runScript, scriptOf, step, stepsOf, template, type JsonObject, type ScriptRun } from './support.ts';

const FILE = '.github/workflows/release.yml';
const workflow = load(FILE);
const jobs = obj(workflow['jobs'], 'jobs');
const versionJob = obj(jobs['version'], 'jobs.version');
const releaseJob = obj(jobs['release'], 'jobs.release');

const REPOSITORY = 'contoso/azure-vnet-peering';
const COMMIT = 'c0ffee0000000000000000000000000000c0ffee';

/**
 * GitHub's filter pattern syntax (the part a tag filter uses): `*` any characters but `/`, `**`
 * any characters, `+` one or more and `?` zero or one of what precedes, `[...]` a class, the rest literal.
 */
function filterMatches(pattern: string, ref: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    if (c === '*') {
      if (pattern.charAt(i + 1) === '*') {
        re += '.*';
        i += 1;
      } else {
        re += '[^/]*';
      }
    } else if (c === '+' || c === '?') {
      re += c;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i);
      re += pattern.slice(i, end + 1);
      i = end;
    } else {
      re += c.replace(/[.^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`).test(ref);
}

function releaseTags(): string[] {
  const push = obj(obj(workflow['on'], 'on')['push'], 'on.push');
  expect(Object.keys(push)).toEqual(['tags']);
  return list(push['tags'], 'tags').map(String);
}

/** Runs a step of a job with its `env:` evaluated in `context`, plus what the runner sets itself. */
function runStep(job: Record<string, unknown>, id: string, context: JsonObject, options: { cwd?: string; path?: string; env?: Record<string, string> } = {}): ScriptRun {
  const s = step(job, id, id);
  const env = Object.fromEntries(Object.entries(obj(s['env'] ?? {}, `${id} env`)).map(([k, v]) => [k, template(v, context)]));
  return runScript(scriptOf(s, id), { cwd: options.cwd, path: options.path, env: { GITHUB_REPOSITORY: REPOSITORY, ...env, ...options.env } });
}

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'release-test-'));
  scratch.push(dir);
  return dir;
}

/**
 * A stand-in for the GitHub CLI: logs each call (and the notes file it was given) to `log`, prints
 * STUB_REFS for matching-refs, and fails where the STUB_* variables say GitHub would.
 */
function fakeGh(): { bin: string; log: string } {
  const bin = tempDir();
  const log = join(bin, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(
    join(bin, 'gh'),
    `#!/usr/bin/env bash
printf 'gh %s\\n' "$*" >> ${JSON.stringify(log)}
args=("$@")
for i in "\${!args[@]}"; do
  if [ "\${args[$i]}" = --notes-file ]; then printf 'notes: %s\\n' "$(cat "\${args[$((i + 1))]}")" >> ${JSON.stringify(log)}; fi
done
case "$*" in
  *matching-refs*) [ -n "$STUB_REFS" ] && printf '%s\\n' $STUB_REFS; exit 0 ;;
  "release view"*) exit "\${STUB_RELEASE_EXISTS:-1}" ;;
  "api repos/"*"/git/ref/tags/"*) exit "\${STUB_MAJOR_EXISTS:-1}" ;;
  "api --method"*) if [ "\${STUB_REFUSE:-}" = 1 ]; then echo 'refusing to allow a GitHub App to create or update workflow (GH013)' >&2; exit 1; fi ;;
esac
exit 0
`,
  );
  chmodSync(join(bin, 'gh'), 0o755);
  return { bin, log };
}

function versionOf(tag: string): ScriptRun {
  return runStep(versionJob, 'version', { github: { ref_name: tag } });
}

const CHANGELOG = `# Changelog

All notable changes to this project are documented here.

## [Unreleased]

- Something not yet released.

## [1.2.30] - 2026-04-01

- Not this one.

## [1.2.3] - 2026-03-02

### Added

- Topology files.

### Fixed

- A fix, with a [link](https://example.com).

## [1.2.2] - 2026-02-01

- The previous release.

[Unreleased]: https://github.com/OWNER/azure-vnet-peering/compare/v1.2.30...HEAD
[1.2.3]: https://github.com/OWNER/azure-vnet-peering/compare/v1.2.2...v1.2.3
`;

function notesFor(version: string, changelog: string | undefined): ScriptRun {
  const dir = tempDir();
  if (changelog !== undefined) writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
  return runStep(versionJob, 'notes', { steps: { version: { outputs: { version } } } }, { cwd: dir });
}

describe('release.yml: which tags publish', () => {
  it.each(['v1.2.3', 'v0.1.0', 'v10.20.30'])('publishes %s', (tag) => {
    expect(releaseTags().some((p) => filterMatches(p, tag))).toBe(true);
  });

  it.each(['v1', 'v1.2', 'v1.2.3-rc.1', 'v1.2.3.4', '1.2.3', 'v1.x.y', 'latest'])('does not publish %s', (tag) => {
    expect(releaseTags().some((p) => filterMatches(p, tag))).toBe(false);
  });

  it('runs on tag pushes only', () => {
    expect(Object.keys(obj(workflow['on'], 'on'))).toEqual(['push']);
  });
});

describe('release.yml: the version', () => {
  it.each([
    ['v1.2.3', '1.2.3', 'v1'],
    ['v0.1.0', '0.1.0', 'v0'],
    ['v10.20.30', '10.20.30', 'v10'],
  ])('%s is version %s of major %s', (tag, version, major) => {
    const run = versionOf(tag);
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({ version, major });
  });

  it.each(['v01.2.3', 'v1.02.3', 'v1.2.3-rc.1', 'v1.2'])('refuses %s, saying what a release tag looks like', (tag) => {
    const run = versionOf(tag);
    expect(run.status).not.toBe(0);
    expect(run.errors.join('\n')).toMatch(/expected v<major>\.<minor>\.<patch>/);
    expect(run.outputs['version']).toBeUndefined();
  });
});

describe('release.yml: the notes', () => {
  it("takes the version's section of CHANGELOG.md, up to the next section", () => {
    const run = notesFor('1.2.3', CHANGELOG);
    expect(run.status).toBe(0);
    expect(run.outputs['notes']).toBe('\n### Added\n\n- Topology files.\n\n### Fixed\n\n- A fix, with a [link](https://example.com).\n');
  });

  it('stops the last section at the link definitions', () => {
    expect(notesFor('1.2.2', CHANGELOG).outputs['notes']).toBe('\n- The previous release.\n');
  });

  it('reads a file with Windows line ends', () => {
    expect(notesFor('1.2.2', CHANGELOG.replaceAll('\n', '\r\n')).outputs['notes']).toBe('\n- The previous release.\n');
  });

  it.each([
    ['a version without a section', '1.2.4', CHANGELOG, 'has no section for 1.2.4'],
    ['a heading without its date', '1.2.3', CHANGELOG.replace('## [1.2.3] - 2026-03-02', '## [1.2.3]'), 'has no section for 1.2.3'],
    ['an empty section', '1.2.3', CHANGELOG.replace(/### Added[\s\S]*?(?=## \[1\.2\.2\])/, '\n'), 'section for 1.2.3 is empty'],
    ['no CHANGELOG.md', '1.2.3', undefined, 'CHANGELOG.md is missing'],
  ])('fails the release on %s, saying what to add', (_what, version, changelog, message) => {
    const run = notesFor(version, changelog);
    expect(run.status).not.toBe(0);
    const errors = run.errors.join('\n');
    expect(errors).toContain(message);
    if (changelog !== undefined && !message.includes('empty')) expect(errors).toContain(`'## [${version}] - YYYY-MM-DD'`);
    expect(run.outputs['notes']).toBeUndefined();
  });
});

describe('release.yml: the major tag', () => {
  function moves(tag: string, existing: string[]): string | undefined {
    const gh = fakeGh();
    const run = runStep(versionJob, 'major', { github: { ref_name: tag, token: 'ghs_token' }, steps: { version: { outputs: { major: 'v1' } } } }, {
      path: gh.bin,
      env: { STUB_REFS: existing.map((t) => `refs/tags/${t}`).join(' ') },
    });
    expect(run.status).toBe(0);
    return run.outputs['move'];
  }

  it('moves to the newest release of its major', () => {
    expect(moves('v1.2.0', ['v1.0.0', 'v1.1.0', 'v1.2.0'])).toBe('true');
    expect(moves('v1.0.0', [])).toBe('true');
    expect(moves('v1.10.0', ['v1.9.0', 'v1.10.0'])).toBe('true');
  });

  it('stays when a newer release of the major exists (a fix for an older minor)', () => {
    expect(moves('v1.2.4', ['v1.2.3', 'v1.3.0', 'v1.2.4'])).toBe('false');
    expect(moves('v1.9.0', ['v1.10.0'])).toBe('false');
  });

  it('ignores tags that are not releases', () => {
    expect(moves('v1.2.2', ['v1.2.3-rc.1', 'v1.x', 'v1.2.2'])).toBe('true');
  });
});

describe('release.yml: publishing', () => {
  const context: JsonObject = {
    github: { ref_name: 'v1.2.3', token: 'ghs_token' },
    needs: { version: { outputs: { version: '1.2.3', major: 'v1', commit: COMMIT, notes: '### Added\n\n- Topology files.', 'move-major': 'true' } } },
  };

  it('creates the release from the tag with the notes, or updates the one a first attempt made', () => {
    for (const [exists, verb] of [['1', 'create'], ['0', 'edit']] as const) {
      const gh = fakeGh();
      const run = runStep(releaseJob, 'release', context, { path: gh.bin, env: { STUB_RELEASE_EXISTS: exists } });
      expect(run.status).toBe(0);
      const calls = readFileSync(gh.log, 'utf8');
      expect(calls).toContain(`gh release ${verb} v1.2.3 --repo ${REPOSITORY} --title v1.2.3 --notes-file`);
      expect(calls).toContain('notes: ### Added\n\n- Topology files.');
      if (verb === 'create') expect(calls).toMatch(/--verify-tag/);
    }
  });

  it('moves v1 to the tagged commit, creating it the first time', () => {
    for (const [exists, expected] of [
      ['0', `gh api --method PATCH repos/${REPOSITORY}/git/refs/tags/v1 -f sha=${COMMIT} -F force=true`],
      ['1', `gh api --method POST repos/${REPOSITORY}/git/refs -f ref=refs/tags/v1 -f sha=${COMMIT}`],
    ] as const) {
      const gh = fakeGh();
      const run = runStep(releaseJob, 'major', context, { path: gh.bin, env: { STUB_MAJOR_EXISTS: exists } });
      expect(run.status).toBe(0);
      expect(readFileSync(gh.log, 'utf8')).toContain(expected);
    }
  });

  it('says how to move v1 by hand when GitHub refuses the token', () => {
    const gh = fakeGh();
    const run = runStep(releaseJob, 'major', context, { path: gh.bin, env: { STUB_MAJOR_EXISTS: '0', STUB_REFUSE: '1' } });
    expect(run.status).not.toBe(0);
    expect(run.errors.join('\n')).toContain(`git push --force origin ${COMMIT}:refs/tags/v1`);
    expect(run.errors.join('\n')).toContain('GH013');
  });

  it('moves v1 only when this is the newest release of the major', () => {
    const move = step(releaseJob, 'major', 'release')['if'];
    const withMove = (m: string): JsonObject => ({ ...context, needs: { version: { outputs: { 'move-major': m } } } });
    expect(runs(move, withMove('true'))).toBe(true);
    expect(runs(move, withMove('false'))).toBe(false);
    expect(runs(move, withMove('true'), 'failure')).toBe(false);
  });

  it('publishes only after the version, the dist/ check and the tests passed', () => {
    expect(releaseJob['needs']).toEqual(['version', 'check-dist', 'test']);
    expect(runs(releaseJob['if'], context, 'failure')).toBe(false);
    expect(runs(releaseJob['if'], context, 'success')).toBe(true);
  });
});

describe('release.yml: the checks and permissions', () => {
  it('runs the same dist/ check and tests as pushes and pull requests, on the tagged commit', () => {
    for (const [id, file] of [
      ['check-dist', 'check-dist.yml'],
      ['test', 'ci.yml'],
    ] as const) {
      expect(obj(jobs[id], id)['uses']).toBe(`./.github/workflows/${file}`);
      const triggers = Object.keys(obj(load(`.github/workflows/${file}`)['on'], `${file} on`));
      expect(triggers).toEqual(expect.arrayContaining(['push', 'pull_request', 'workflow_call']));
    }
  });

  it('gives contents: write to the publishing job only, and nothing at workflow level', () => {
    expect(workflow['permissions']).toEqual({});
    for (const [id, job] of Object.entries(jobs)) {
      const expected = id === 'release' ? { contents: 'write' } : { contents: 'read' };
      expect(obj(job, id)['permissions'], id).toEqual(expected);
    }
  });

  it('checks out without keeping credentials, and passes values to scripts through env', () => {
    const checkout = stepsOf(versionJob, 'version').find((s) => String(s['uses']).startsWith('actions/checkout@'));
    expect(obj(checkout?.['with'], 'checkout with')['persist-credentials']).toBe(false);
    expect(readFileSync(new URL('../../.github/workflows/release.yml', import.meta.url), 'utf8')).not.toMatch(/run: .*\$\{\{/);
  });

  it('releases one at a time and never cancels a release under way', () => {
    expect(obj(workflow['concurrency'], 'concurrency')['cancel-in-progress']).toBe(false);
  });
});
