// What publishing needs besides working code: notices for everything bundled into dist/,
// metadata the Marketplace accepts, one owner placeholder, a changelog and a security policy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
const read = (file: string): string => readFileSync(resolve(ROOT, file), 'utf8');
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

interface Pkg {
  dir: string;
  name: string;
  version: string;
  license: unknown;
}

/** The installed package a bundled file belongs to: up from the file to node_modules/<its name>. */
function owningPackage(file: string): Pkg | undefined {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
    if (!isRecord(pkg) || typeof pkg['name'] !== 'string' || typeof pkg['version'] !== 'string') continue;
    // Inner package.json files (dist/esm/package.json) are not the package's root: keep going up.
    if (!dir.replaceAll('\\', '/').endsWith(`/node_modules/${pkg['name']}`)) continue;
    return { dir, name: pkg['name'], version: pkg['version'], license: pkg['license'] };
  }
  return undefined;
}

interface Entry {
  name: string;
  version: string;
  license: string;
  text: string;
}

function parseNotices(text: string): Entry[] {
  return text
    .split(/^={80}$/m)
    .slice(1)
    .map((block) => {
      const field = (key: string): string => new RegExp(`^${key}: (.+)$`, 'm').exec(block)?.[1] ?? '';
      return { name: field('Package'), version: field('Version'), license: field('License'), text: block.split('\n\n').slice(1).join('\n\n').trim() };
    });
}

describe('dist/licenses.txt', () => {
  // A fresh build into a scratch directory: ncc's stats say which modules the bundle holds.
  const scratch = mkdtempSync(join(tmpdir(), 'publish-test-'));
  const out = join(scratch, 'dist');
  let bundled: Pkg[] = [];
  let freshFiles: string[] = [];

  beforeAll(() => {
    const statsFile = join(scratch, 'stats.json');
    const build = spawnSync(process.execPath, ['scripts/build.ts', '--out', out, '--stats', statsFile], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const stats: unknown = JSON.parse(readFileSync(statsFile, 'utf8'));
    const files: string[] = [];
    const walk = (m: Record<string, unknown>): void => {
      if (typeof m['nameForCondition'] === 'string') files.push(m['nameForCondition']);
      list(m['modules']).forEach(walk);
    };
    // Modules in an emitted chunk, and the modules concatenated into them.
    list(isRecord(stats) ? stats['modules'] : undefined)
      .filter((m) => Array.isArray(m['chunks']) && m['chunks'].length > 0)
      .forEach(walk);
    const byKey = new Map<string, Pkg>();
    for (const file of files.filter((f) => /[\\/]node_modules[\\/]/.test(f))) {
      const pkg = owningPackage(file);
      if (!pkg) throw new Error(`no package owns bundled file ${file}`);
      byKey.set(`${pkg.name}@${pkg.version}`, pkg);
    }
    bundled = [...byKey.values()];
    freshFiles = readdirSync(out).sort();
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const notices = (): Entry[] => parseNotices(read('dist/licenses.txt'));

  it('names exactly the packages a build bundles, each version once (npm run build writes it)', () => {
    expect(bundled.length).toBeGreaterThan(40);
    const listed = notices().map((e) => `${e.name}@${e.version}`);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.sort()).toEqual(bundled.map((p) => `${p.name}@${p.version}`).sort());
  });

  it("gives each package's licence as its package.json declares it, and the text of its licence file", () => {
    const byKey = new Map(notices().map((e) => [`${e.name}@${e.version}`, e]));
    for (const pkg of bundled) {
      const entry = byKey.get(`${pkg.name}@${pkg.version}`);
      expect(entry?.license, pkg.name).toBe(pkg.license);
      const licenceFile = readdirSync(pkg.dir).find((f) => /^licen[cs]e/i.test(f));
      expect(licenceFile, `${pkg.name} ships a licence file`).toBeDefined();
      const firstLine = readFileSync(join(pkg.dir, licenceFile ?? ''), 'utf8').trim().split(/\r?\n/)[0] ?? '';
      expect(entry?.text, pkg.name).toContain(firstLine.trim());
    }
  });

  it('leaves the browser launcher out: no `open`, no xdg-open script', () => {
    expect(bundled.map((p) => p.name)).not.toContain('open');
    expect(freshFiles).not.toContain('xdg-open');
    expect(readFileSync(join(out, 'index.js'), 'utf8')).not.toContain('xdg-open');
  });

  it('is in the committed dist/, which holds exactly the files a build makes, as unminified ESM', () => {
    expect(readdirSync(resolve(ROOT, 'dist')).sort()).toEqual(freshFiles);
    expect(JSON.parse(read('dist/package.json'))).toEqual({ type: 'module' });
    const bundle = read('dist/index.js');
    expect(bundle).toContain('import.meta.url');
    expect(bundle.split('\n').length).toBeGreaterThan(10_000);
  });
});

// GitHub's metadata reference (branding): Feather v4.28.0 icons less brand icons and these.
const OMITTED_ICONS = 'coffee columns divide-circle divide-square divide frown hexagon key meh mouse-pointer smile tool x-octagon';
const ICONS = `activity airplay alert-circle alert-octagon alert-triangle align-center align-justify align-left
  align-right anchor aperture archive arrow-down-circle arrow-down-left arrow-down-right arrow-down
  arrow-left-circle arrow-left arrow-right-circle arrow-right arrow-up-circle arrow-up-left arrow-up-right
  arrow-up at-sign award bar-chart-2 bar-chart battery-charging battery bell-off bell bluetooth bold
  book-open book bookmark box briefcase calendar camera-off camera cast check-circle check-square check
  chevron-down chevron-left chevron-right chevron-up chevrons-down chevrons-left chevrons-right chevrons-up
  circle clipboard clock cloud-drizzle cloud-lightning cloud-off cloud-rain cloud-snow cloud code command
  compass copy corner-down-left corner-down-right corner-left-down corner-left-up corner-right-down
  corner-right-up corner-up-left corner-up-right cpu credit-card crop crosshair database delete disc
  dollar-sign download-cloud download droplet edit-2 edit-3 edit external-link eye-off eye fast-forward
  feather file-minus file-plus file-text file film filter flag folder-minus folder-plus folder gift
  git-branch git-commit git-merge git-pull-request globe grid hard-drive hash headphones heart help-circle
  home image inbox info italic layers layout life-buoy link-2 link list loader lock log-in log-out mail
  map-pin map maximize-2 maximize menu message-circle message-square mic-off mic minimize-2 minimize
  minus-circle minus-square minus monitor moon more-horizontal more-vertical move music navigation-2
  navigation octagon package paperclip pause-circle pause percent phone-call phone-forwarded
  phone-incoming phone-missed phone-off phone-outgoing phone pie-chart play-circle play plus-circle
  plus-square plus pocket power printer radio refresh-ccw refresh-cw repeat rewind rotate-ccw rotate-cw
  rss save scissors search send server settings share-2 share shield-off shield shopping-bag
  shopping-cart shuffle sidebar skip-back skip-forward slash sliders smartphone speaker square star
  stop-circle sun sunrise sunset table tablet tag target terminal thermometer thumbs-down thumbs-up
  toggle-left toggle-right trash-2 trash trending-down trending-up triangle truck tv type umbrella
  underline unlock upload-cloud upload user-check user-minus user-plus user-x user users video-off video
  voicemail volume-1 volume-2 volume-x volume watch wifi-off wifi wind x-circle x-square x zap-off zap
  zoom-in zoom-out`;
// The eight colours every version of that page lists (later versions add black).
const COLOURS = ['white', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];

const action: unknown = parse(read('action.yml'));
const top = isRecord(action) ? action : {};

describe('action.yml for the Marketplace', () => {
  const branding = isRecord(top['branding']) ? top['branding'] : {};

  it('has a one-sentence description under 125 characters (the Marketplace refuses 125 or more)', () => {
    const description = top['description'];
    expect(typeof description).toBe('string');
    const text = String(description);
    expect(text.length).toBeLessThan(125);
    expect(text).toMatch(/^[A-Z][^\n]*\.$/);
    expect(text.slice(0, -1)).not.toMatch(/[.!?] /);
  });

  it('has a short name (no published limit: 60 is our bound) and an author', () => {
    expect(typeof top['name']).toBe('string');
    expect(String(top['name']).length).toBeGreaterThan(0);
    expect(String(top['name']).length).toBeLessThanOrEqual(60);
    expect(typeof top['author']).toBe('string');
  });

  it('brands with an icon and a colour the Marketplace accepts', () => {
    const icon = String(branding['icon']);
    expect(ICONS.split(/\s+/)).toContain(icon);
    expect(OMITTED_ICONS.split(' ')).not.toContain(icon);
    expect(COLOURS).toContain(branding['color']);
  });
});

describe('the OWNER placeholder', () => {
  // The one definition: package.json's repository URL. Renaming is one search-and-replace of
  // OWNER/azure-vnet-peering (and the bare OWNER in LICENSE and action.yml's author).
  const pkg: unknown = JSON.parse(read('package.json'));
  const repository = isRecord(pkg) && isRecord(pkg['repository']) ? pkg['repository'] : {};
  const slug = /github\.com\/([^/]+)\/([^/]+?)(?:\.git)?$/.exec(String(repository['url']));
  const owner = slug?.[1] ?? '';
  const name = slug?.[2] ?? '';

  const files = (dir: string, ext: RegExp): string[] =>
    existsSync(resolve(ROOT, dir))
      ? readdirSync(resolve(ROOT, dir), { recursive: true, encoding: 'utf8' })
          .filter((f) => ext.test(f))
          .map((f) => relative(ROOT, resolve(ROOT, dir, f)))
      : [];
  const scanned = [
    'README.md', 'CHANGELOG.md', 'SECURITY.md', 'action.yml',
    ...files('docs', /\.md$/), ...files('examples', /\.ya?ml$/), ...files('.github', /\.(ya?ml|md)$/),
  ].filter((f) => existsSync(resolve(ROOT, f)));
  const references = (file: string): string[] =>
    [...read(file).matchAll(new RegExp(`([\\w.-]+)/${name}(?![\\w-])`, 'g'))].map((m) => m[1] ?? '');

  it("is defined once, in package.json's repository URL", () => {
    expect(owner).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]*$/);
    expect(name).toMatch(/^[\w.-]+$/);
  });

  it('is what every README, docs, example and workflow reference to the repository uses', () => {
    const wrong = scanned.flatMap((f) => references(f).filter((o) => o !== owner).map((o) => `${f}: ${o}/${name}`));
    expect(wrong).toEqual([]);
    // The scan sees them: the README and every example call the action or its workflow by name.
    // Example workflows only: examples/topologies/ holds topology files, which name no action.
    for (const f of ['README.md', ...files('examples', /^[^/]+\.ya?ml$/)]) expect(references(f).length, f).toBeGreaterThan(0);
  });

  it('is the copyright holder and the action author, and the README says where it is defined', () => {
    expect(read('LICENSE')).toMatch(new RegExp(`^Copyright \\(c\\) \\d{4} ${owner}$`, 'm'));
    expect(top['author']).toBe(owner);
    expect(section('Releases and versions')).toContain(`\`${owner}/${name}\``);
    expect(section('Releases and versions')).toContain('package.json');
  });
});

describe('CHANGELOG.md', () => {
  const changelog = read('CHANGELOG.md');
  const versions = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/gm)].map((m) => ({
    version: m[1] ?? '',
    date: m[2] ?? '',
    at: m.index,
  }));
  const semver = (v: string): number[] => v.split('.').map(Number);
  const newer = (x: string, y: string): boolean => {
    const [a, b] = [semver(x), semver(y)];
    const i = a.findIndex((n, k) => n !== b[k]);
    return i >= 0 && (a[i] ?? 0) > (b[i] ?? 0);
  };

  it('keeps an Unreleased section above dated x.y.z sections, newest first', () => {
    expect(changelog.startsWith('# Changelog\n')).toBe(true);
    expect(versions.map((v) => v.version)).toContain('1.0.0');
    expect(changelog.indexOf('\n## [Unreleased]\n')).toBeGreaterThan(0);
    expect(changelog.indexOf('\n## [Unreleased]\n')).toBeLessThan(versions[0]?.at ?? 0);
    // Every level-2 heading is Unreleased or a dated version: the release notes are found by it.
    expect(changelog.match(/^## .*$/gm)).toHaveLength(versions.length + 1);
    for (const v of versions) expect(Number.isNaN(Date.parse(`${v.date}T00:00:00Z`)), v.date).toBe(false);
    versions.slice(1).forEach((v, i) => expect(newer(versions[i]?.version ?? '', v.version), v.version).toBe(true));
  });

  it("uses Keep a Changelog's change types and links every version", () => {
    const types = [...changelog.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(types.length).toBeGreaterThan(0);
    for (const t of types) expect(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security']).toContain(t);
    for (const v of ['Unreleased', ...versions.map((x) => x.version)]) {
      expect(changelog).toMatch(new RegExp(`^\\[${v.replace(/\./g, '\\.')}\\]: https://github\\.com/\\S+$`, 'm'));
    }
  });

  it("names package.json's version as the newest release", () => {
    const pkg: unknown = JSON.parse(read('package.json'));
    expect(isRecord(pkg) && pkg['version']).toBe(versions[0]?.version);
  });
});

describe('SECURITY.md', () => {
  const policy = read('SECURITY.md');

  it('sends reports to private vulnerability reporting, fixes the latest v1, and names the scope', () => {
    expect(policy).toContain('**Security** tab → **Report a vulnerability**');
    expect(policy).toMatch(/https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/security\/advisories\/new/);
    expect(policy).toMatch(/latest `v1\.x\.y`.*\| yes \|/);
    for (const topic of ['Token handling', 'OIDC', 'Comment spoofing', 'Log and report injection']) expect(policy).toContain(topic);
  });
});

/** A README section from its `## title` to the next `## `. */
function section(title: string): string {
  const readme = read('README.md');
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}
