// Renders reports as GitHub would show them (GFM through marked, GitHub's Markdown stylesheet,
// Mermaid blocks drawn by mermaid) in headless Chromium, and saves a PNG of each, for a person to
// look at. Debian's chromium is expected at /usr/bin/chromium (CHROMIUM overrides it).
//
//   node scripts/render-report.ts                    the samples: 1, 12 (apply and plan), 300 and 500 links
//   node scripts/render-report.ts result.json ...    result files (the `result-file` output)
//   OUT=dir                                           where the PNGs go (default .tmp/render)
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { marked } from 'marked';
import { chromium } from 'playwright-core';
import type { RunReport } from '../src/model.ts';
import { renderComment } from '../src/report/comment.ts';
import { mergeResults } from '../src/report/merge.ts';
import { renderSummary } from '../src/report/markdown.ts';
import { authorizationFailed, hubPlan, hubReport, makeReport, missing, twelveLinks } from '../test/fixtures/report/reports.ts';

const require = createRequire(import.meta.url);
const OUT = resolve(process.env.OUT ?? '.tmp/render');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const RUN_URL = 'https://github.com/contoso/network/actions/runs/4242';

/** The sample reports a reviewer looks at. */
function samples(): Record<string, RunReport> {
  return {
    'pair-1-link': makeReport({
      report: { verdict: 'failed', changed: true },
      a: { action: 'create', outcome: 'done', reason: 'missing', state: 'Initiated', syncLevel: 'RemoteNotInSync', writes: ['PUT'] },
      b: { ...missing('failed'), problem: authorizationFailed },
    }),
    'topology-12-links': twelveLinks(),
    'topology-12-links-plan': twelveLinks('plan'),
    'topology-300-links-plan': hubPlan(300),
    // The size budgets at work: every link failing with a long Azure message.
    'topology-500-links-failing': hubReport({ mode: 'apply', spokes: [250, 250], kind: () => 'fail', messageLength: 3_000 }),
  };
}

function fromResultFile(path: string, text: string): RunReport {
  const parsed: unknown = JSON.parse(text);
  const field = (k: string): string => (typeof parsed === 'object' && parsed !== null && k in parsed ? String(Reflect.get(parsed, k) ?? '') : '');
  const merged = mergeResults([{ name: path, text }], { digest: field('topologyDigest'), path: field('topology') || path });
  for (const p of merged.problems) console.error(`${path}: ${p.code}: ${p.message}`);
  return { ...merged.report, shard: undefined };
}

async function page(markdown: string, css: string): Promise<string> {
  const renderer = new marked.Renderer();
  const code = renderer.code.bind(renderer);
  // GitHub turns ```mermaid blocks into diagrams; mermaid.run() draws every pre.mermaid.
  renderer.code = (token) => (token.lang === 'mermaid' ? `<pre class="mermaid">${token.text.replace(/</g, '&lt;')}</pre>` : code(token));
  const body = await marked.parse(markdown, { gfm: true, renderer });
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
    body { margin: 0; background: #fff; }
    .markdown-body { box-sizing: border-box; width: 900px; padding: 24px; }
    pre.mermaid { background: #fff; text-align: center; }
  </style></head><body><article class="markdown-body">${body}</article></body></html>`;
}

async function main(): Promise<void> {
  const css = await readFile(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8');
  const mermaidJs = require.resolve('mermaid/dist/mermaid.min.js');
  const files = process.argv.slice(2);
  const reports: Record<string, RunReport> = files.length
    ? Object.fromEntries(await Promise.all(files.map(async (f) => [basename(f, '.json'), fromResultFile(f, await readFile(f, 'utf8'))] as const)))
    : samples();
  await mkdir(OUT, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), 'render-report-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    for (const [name, report] of Object.entries(reports)) {
      for (const [kind, md] of [
        ['summary', renderSummary(report, { runUrl: RUN_URL })],
        ['comment', renderComment(report, { runUrl: RUN_URL })],
      ] as const) {
        await writeFile(join(OUT, `${name}.${kind}.md`), md);
        const tab = await browser.newPage();
        await tab.setContent(await page(md, css));
        await tab.addScriptTag({ path: mermaidJs });
        // Runs in the page (a string, so this file needs no DOM types): draw every diagram.
        const errors: unknown = await tab.evaluate(`(async () => {
          mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
          const failed = [];
          await mermaid.run({ querySelector: 'pre.mermaid', suppressErrors: true }).catch((e) => failed.push(String(e)));
          for (const el of document.querySelectorAll('pre.mermaid')) if (!el.querySelector('svg')) failed.push('a diagram did not render');
          return failed;
        })()`);
        const height: unknown = await tab.evaluate('document.body.scrollHeight');
        const png = join(OUT, `${name}.${kind}.png`);
        await tab.screenshot({ path: png, fullPage: true });
        // What a reader sees first, at full size (a long page is shrunk when viewed whole).
        await tab.screenshot({ path: join(OUT, `${name}.${kind}.top.png`), fullPage: true, clip: { x: 0, y: 0, width: 900, height: Math.min(Number(height), 1400) } });
        // The diagram alone, at its own size: what a reader sees when looking closely.
        const diagrams = tab.locator('pre.mermaid');
        for (let i = 0; i < (await diagrams.count()); i++) {
          await diagrams.nth(i).screenshot({ path: join(OUT, `${name}.${kind}.diagram${i + 1}.png`) });
        }
        await tab.close();
        const chars = md.length;
        const bytes = Buffer.byteLength(md, 'utf8');
        const failed = Array.isArray(errors) ? errors.map(String) : [];
        console.log(`${png}  ${chars} characters, ${bytes} bytes${failed.length ? `  MERMAID: ${failed.join('; ')}` : ''}`);
      }
    }
  } finally {
    await browser.close();
    await rm(profile, { recursive: true, force: true });
  }
}

await main();
