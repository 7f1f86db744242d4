// What publishing needs besides working code: notices for everything bundled into dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
