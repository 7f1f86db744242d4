// npm run build: bundles src/ into dist/ with ncc (ESM, not minified) and writes dist/licenses.txt,
// the notices of every package in the bundle, taken from ncc's own record of the modules it bundled.
//   node scripts/build.ts [--out DIR] [--stats FILE]
// --out defaults to dist (emptied first, so a file the build no longer makes disappears); --stats
// keeps ncc's webpack stats (test/publish.test.ts reads them).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

interface Notice {
  name: string;
  version: string;
  license: string;
  text: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** Package directories of every module in an emitted chunk, concatenated modules included. */
function bundledPackageDirs(stats: unknown): string[] {
  const dirs = new Set<string>();
  const visit = (module: Record<string, unknown>): void => {
    const file = module['nameForCondition'];
    if (typeof file === 'string') {
      // The package after the last node_modules/ (greedy .*): a nested copy is a package of its own.
      const m = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
      if (m?.[1]) dirs.add(m[1]);
    }
    for (const inner of records(module['modules'])) visit(inner);
  };
  const top = isRecord(stats) ? records(stats['modules']) : [];
  for (const module of top) {
    const chunks = module['chunks'];
    if (Array.isArray(chunks) && chunks.length > 0) visit(module);
  }
  return [...dirs];
}

function licenseOf(pkg: Record<string, unknown>): string {
  const field = pkg['license'];
  if (typeof field === 'string') return field;
  if (isRecord(field) && typeof field['type'] === 'string') return field['type'];
  const list = records(pkg['licenses']).map((l) => l['type']).filter((t) => typeof t === 'string');
  return list.length > 0 ? list.join(' OR ') : 'UNKNOWN';
}

function notice(dir: string): Notice {
  const pkg: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!isRecord(pkg) || typeof pkg['name'] !== 'string' || typeof pkg['version'] !== 'string') {
    throw new Error(`${relative(ROOT, dir)}/package.json has no name or version`);
  }
  const license = licenseOf(pkg);
  // LICENSE, LICENCE, COPYING and NOTICE files, in that order (Apache-2.0 asks for NOTICE too).
  const rank = (f: string): number => ['licen', 'copying', 'notice'].findIndex((p) => f.toLowerCase().startsWith(p));
  const files = readdirSync(dir)
    .filter((f) => rank(f) >= 0)
    .sort((x, y) => rank(x) - rank(y) || x.localeCompare(y));
  const text = files
    .map((f) => readFileSync(join(dir, f), 'utf8').replace(/\r\n?/g, '\n').trim())
    .filter((t) => t !== '')
    .join('\n\n');
  return {
    name: pkg['name'],
    version: pkg['version'],
    license,
    text: text || `The package ships no licence file; its package.json declares "${license}".`,
  };
}

function renderNotices(notices: readonly Notice[]): string {
  const rule = '='.repeat(80);
  const head = [
    'Third-party notices for dist/',
    '',
    'dist/ bundles the packages below. npm run build writes this file from the list of modules ncc',
    'put into the bundle. The action itself is under the MIT licence (LICENSE in the repository).',
    '',
    `${notices.length} packages.`,
  ];
  const body = notices.map((n) =>
    [rule, `Package: ${n.name}`, `Version: ${n.version}`, `License: ${n.license}`, '', n.text].join('\n'),
  );
  return `${[head.join('\n'), ...body].join('\n\n')}\n`;
}

// Not localeCompare: the order must not depend on the machine's ICU data.
const byCodePoint = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string' }, stats: { type: 'string' } }, strict: true });
  const out = resolve(ROOT, values.out ?? 'dist');
  // Emptied first: only dist/ itself, or a directory outside the project.
  const inProject = !relative(ROOT, out).startsWith('..');
  if ((inProject && out !== resolve(ROOT, 'dist')) || !relative(out, ROOT).startsWith('..')) {
    throw new Error(`--out ${out}: only dist/ or a directory outside the project can be emptied for a build`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'vnet-peering-build-'));
  const statsFile = values.stats !== undefined ? resolve(values.stats) : join(scratch, 'stats.json');
  try {
    rmSync(out, { recursive: true, force: true });
    const ncc = createRequire(import.meta.url).resolve('@vercel/ncc/dist/ncc/cli.js');
    const args = ['build', 'src/index.ts', '-o', out, '--transpile-only', '--stats-out', statsFile];
    const run = spawnSync(process.execPath, [ncc, ...args], { cwd: ROOT, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`ncc ${args.join(' ')} failed (${run.status ?? run.signal})`);
    if (!existsSync(statsFile)) throw new Error(`ncc wrote no stats to ${statsFile}`);
    const notices = bundledPackageDirs(JSON.parse(readFileSync(statsFile, 'utf8')))
      .map(notice)
      .sort((x, y) => byCodePoint(x.name, y.name) || byCodePoint(x.version, y.version));
    const unique = notices.filter((n, i) => i === 0 || n.name !== notices[i - 1]?.name || n.version !== notices[i - 1]?.version);
    writeFileSync(join(out, 'licenses.txt'), renderNotices(unique));
    console.log(`licenses.txt: ${unique.length} bundled packages`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
