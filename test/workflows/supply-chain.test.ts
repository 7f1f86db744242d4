// Supply chain: every third-party action is pinned to a commit (or listed, with a reason, in
// .github/unpinned-actions.md), examples pin this action the way users should, and Dependabot
// proposes updates for both ecosystems, grouped.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { list, obj, OWN_ACTION, PLACEHOLDER_SHA, root, yamlFiles } from './support.ts';

const files = [...yamlFiles('.github/workflows'), ...yamlFiles('examples')];

interface Use {
  file: string;
  line: number;
  /** What follows `uses:`, without the comment. */
  ref: string;
  /** The comment on the same line, without `#`. */
  comment: string;
}

/** Every `uses:` line, read from the text: YAML parsing drops the version comments. */
function usesOf(file: string): Use[] {
  const found: Use[] = [];
  readFileSync(`${root}/${file}`, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const m = /^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1\s*(?:#\s*(.*))?$/.exec(text);
      if (m !== null) found.push({ file, line: i + 1, ref: m[2] ?? '', comment: (m[3] ?? '').trim() });
    });
  return found;
}

/** `owner/repo@ref` rows of .github/unpinned-actions.md, with their reasons. */
function unpinnedList(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(`${root}/.github/unpinned-actions.md`, 'utf8').split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (m !== null) rows.set(m[1] ?? '', m[2] ?? '');
  }
  return rows;
}

const isOwn = (ref: string): boolean => ref.startsWith(`${OWN_ACTION}/`) || ref.startsWith(`${OWN_ACTION}@`);
const isLocal = (ref: string): boolean => ref.startsWith('./');
const thirdParty = files.flatMap(usesOf).filter((u) => !isOwn(u.ref) && !isLocal(u.ref));

describe('pinned actions', () => {
  it('finds the uses: lines it checks', () => {
    expect(thirdParty.length).toBeGreaterThan(5);
    expect(thirdParty.map((u) => u.ref)).toEqual(expect.arrayContaining([expect.stringMatching(/^actions\/checkout@/)]));
  });

  it.each(files)('%s: pins every third-party action to a full commit SHA with its version beside it, or lists it', (file) => {
    const unpinned = unpinnedList();
    for (const use of thirdParty.filter((u) => u.file === file)) {
      const where = `${use.file}:${use.line} ${use.ref}`;
      if (unpinned.has(use.ref)) {
        expect(unpinned.get(use.ref)?.length ?? 0, `${where}: give the reason`).toBeGreaterThan(10);
        continue;
      }
      expect(use.ref, where).toMatch(/^[\w.-]+\/[\w.-]+(\/[^@]+)?@[0-9a-f]{40}$/);
      expect(use.comment, `${where}: name the release tag the SHA was taken from`).toMatch(/^v\d+\.\d+\.\d+$/);
    }
  });

  it('lists only actions that are still unpinned somewhere', () => {
    const refs = new Set(thirdParty.map((u) => u.ref));
    for (const ref of unpinnedList().keys()) expect(refs, ref).toContain(ref);
  });

  it('uses one commit of each action in this repository, always with the same version comment', () => {
    const byAction = new Map<string, Set<string>>();
    for (const use of thirdParty.filter((u) => u.file.startsWith('.github/'))) {
      const [action = ''] = use.ref.split('@');
      byAction.set(action, (byAction.get(action) ?? new Set()).add(`${use.ref} # ${use.comment}`));
    }
    for (const [action, pins] of byAction) expect([...pins], action).toHaveLength(1);
  });

  it.each(yamlFiles('examples'))("%s: pins this action by the placeholder commit, with the release beside it and how to fill it in", (file) => {
    const own = usesOf(file).filter((u) => isOwn(u.ref));
    expect(own.length, file).toBeGreaterThan(0);
    for (const use of own) {
      expect(use.ref, `${file}:${use.line}`).toMatch(new RegExp(`@${PLACEHOLDER_SHA}$`));
      expect(use.comment, `${file}:${use.line}`).toBe('v1.x.y');
    }
    expect(readFileSync(`${root}/${file}`, 'utf8'), file).toMatch(/^\s*#.*\breplace\b.*\bcommit\b/im);
  });
});

describe('Dependabot', () => {
  const config = obj(parse(readFileSync(`${root}/.github/dependabot.yml`, 'utf8')), 'dependabot.yml');
  const updates = list(config['updates'], 'updates').map((u, i) => obj(u, `updates[${i}]`));

  it('updates GitHub Actions and npm, from the repository root, weekly', () => {
    expect(config['version']).toBe(2);
    expect(updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
    for (const u of updates) {
      expect(u['directory'], String(u['package-ecosystem'])).toBe('/');
      expect(obj(u['schedule'], 'schedule')['interval'], String(u['package-ecosystem'])).toBe('weekly');
    }
  });

  it('groups each ecosystem into one pull request', () => {
    for (const u of updates) {
      const groups = Object.values(obj(u['groups'], `${String(u['package-ecosystem'])} groups`));
      expect(groups, String(u['package-ecosystem'])).toHaveLength(1);
      expect(obj(groups[0], 'group')['patterns']).toEqual(['*']);
    }
  });

  it('keeps TypeScript on its major and the Node types on the runtime', () => {
    const npm = updates.find((u) => u['package-ecosystem'] === 'npm');
    const ignored = list(npm?.['ignore'] ?? [], 'ignore').map((i) => obj(i, 'ignore'));
    for (const name of ['typescript', '@types/node']) {
      const rule = ignored.find((i) => i['dependency-name'] === name);
      expect(rule?.['update-types'], name).toEqual(['version-update:semver-major']);
    }
  });
});
