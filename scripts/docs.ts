// npm run docs: writes the README's inputs and outputs tables from action.yml, so that the two
// never disagree (test/readme.test.ts fails when they do).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');

interface ActionYml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const cell = (text: string): string =>
  text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// Defaults the contract states in words, where action.yml can only say ''.
const DEFAULT_WORDS: Record<string, string> = {
  'tenant-id-b': '`tenant-id-a`',
  'client-id-b': '`client-id-a`',
  'peering-name-a': 'adopt, else `<vnet-a>-to-<vnet-b>`',
  'peering-name-b': 'adopt, else `<vnet-b>-to-<vnet-a>`',
  audience: 'per environment',
  'arm-endpoint': 'per environment',
  'authority-host': 'per environment',
  'subnets-a': 'not managed',
  'subnets-b': 'not managed',
};

/**
 * Required unless `topology` is given (spec/action.md, "Inputs"). action.yml says `required: false`
 * because a topology run leaves them empty; the table says yes (every pair run needs them), and
 * each description says "unless topology".
 */
export const PAIR_REQUIRED: readonly string[] = ['vnet-a', 'vnet-b', 'tenant-id-a', 'client-id-a'];

export function renderTables(yml: string): { inputs: string; outputs: string } {
  const action: ActionYml = parse(yml);
  const inputs = [
    '| input | required | default | description |',
    '| --- | --- | --- | --- |',
    ...Object.entries(action.inputs).map(([name, i]) => {
      // Defaults are code spans, where entities would show literally: written as they are.
      const def = DEFAULT_WORDS[name] ?? (i.default ? `\`${i.default}\`` : '');
      const required = i.required === true || PAIR_REQUIRED.includes(name) ? 'yes' : 'no';
      return `| \`${name}\` | ${required} | ${def} | ${cell(i.description)} |`;
    }),
  ].join('\n');
  const outputs = [
    '| output | description |',
    '| --- | --- |',
    ...Object.entries(action.outputs).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`),
  ].join('\n');
  return { inputs, outputs };
}

export function withTables(readme: string, tables: { inputs: string; outputs: string }): string {
  const put = (text: string, key: string, body: string): string =>
    text.replace(new RegExp(`(<!-- ${key}:start -->)[\\s\\S]*?(<!-- ${key}:end -->)`), `$1\n${body}\n$2`);
  return put(put(readme, 'inputs', tables.inputs), 'outputs', tables.outputs);
}

if (import.meta.main) {
  const readmePath = resolve(ROOT, 'README.md');
  const tables = renderTables(readFileSync(resolve(ROOT, 'action.yml'), 'utf8'));
  writeFileSync(readmePath, withTables(readFileSync(readmePath, 'utf8'), tables));
  console.log('README.md: inputs and outputs tables written from action.yml');
}
