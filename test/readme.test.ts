// The README documents the action as action.yml defines it, and keeps its two commands true.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTables, withTables } from '../scripts/docs.ts';

const ROOT = resolve(import.meta.dirname, '..');
const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
const actionYml = readFileSync(resolve(ROOT, 'action.yml'), 'utf8');

describe('README', () => {
  it('has the inputs and outputs tables action.yml generates (run npm run docs)', () => {
    expect(withTables(readme, renderTables(actionYml))).toBe(readme);
    expect(readme).toContain('| `vnet-a` | yes |');
    expect(readme).toContain('| `result` |');
  });

  it('gives the two set-up commands, and CI runs the same test command', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
    const ci = readFileSync(resolve(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/npm test\b/);
    expect(ci).toContain('node@24');
    const scripts = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).scripts;
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(['demo', 'test', 'build', 'bench', 'emulator', 'lint:workflows']));
  });
});

describe('README troubleshooting table', () => {
  const section = readme.slice(readme.indexOf('<!-- troubleshooting:start -->'), readme.indexOf('<!-- troubleshooting:end -->'));
  // Every source file, wherever the layout puts it.
  const files = readdirSync(resolve(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const read = (f: string): string => readFileSync(resolve(ROOT, 'src', f), 'utf8');
  const sources = files.map(read);
  // Advice is given by code in the errors layer only.
  const adviceSources = files.filter((f) => f.startsWith('errors')).map(read);

  it('explains every code the action advises on or raises itself', () => {
    const advised = adviceSources.flatMap((text) => [...text.matchAll(/case '([A-Za-z0-9]+)'/g)].map((m) => m[1] ?? ''));
    const raised = sources.flatMap((text) => [...text.matchAll(/code: '([A-Za-z0-9]+)'/g)].map((m) => m[1] ?? ''));
    // healthProblem() names a state: Peering<State>.
    const states = ['PeeringInitiated', 'PeeringDisconnected'];
    const missing = [...new Set([...advised, ...raised, ...states])].filter((code) => !section.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });
});
