// Runs the bundled action (dist/index.js) the way a GitHub runner does: a node24 process with
// INPUT_* variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, the OIDC request variables and an
// event payload, and reads back what it wrote.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// VNET_PEERING_BUNDLE runs another build (say, an older release) against the same tests.
export const DIST = process.env.VNET_PEERING_BUNDLE ?? resolve(import.meta.dirname, '../../dist/index.js');

export interface ActionRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  /** What the `result-file` output's file held (the run's temp folder is removed afterwards). */
  readonly resultFile: string | undefined;
  /** Lines the runner would show as errors (::error::) and warnings (::warning::). */
  readonly errors: string[];
  readonly warnings: string[];
}

export interface RunOptions {
  /** Action inputs by their action.yml names. */
  readonly inputs: Record<string, string>;
  /** Extra environment (the emulator's actionEnv(), overrides). */
  readonly env?: Record<string, string>;
  /** The GitHub event: defaults to a pull_request on contoso/network #7. */
  readonly event?: { name: string; payload: Record<string, unknown> };
  readonly script?: string;
  /** Extra node options before the script (e.g. --import a probe). */
  readonly nodeArgs?: readonly string[];
  /** Called with the child once it started (e.g. to send SIGINT). */
  readonly onSpawn?: (kill: (signal: NodeJS.Signals) => void, output: () => string) => void;
}

export function pullRequestEvent(number = 7, repo = 'contoso/network', fork?: string): { name: string; payload: Record<string, unknown> } {
  const headRepo = fork ?? repo;
  return {
    name: 'pull_request',
    payload: {
      action: 'synchronize',
      number,
      pull_request: {
        number,
        head: { ref: 'feature', repo: { full_name: headRepo, fork: fork !== undefined } },
        base: { ref: 'main', repo: { full_name: repo } },
      },
      repository: { full_name: repo, name: repo.split('/')[1], owner: { login: repo.split('/')[0] } },
    },
  };
}

export const pushEvent = (repo = 'contoso/network'): { name: string; payload: Record<string, unknown> } => ({
  name: 'push',
  payload: { ref: 'refs/heads/main', repository: { full_name: repo } },
});

/** Parses the GITHUB_OUTPUT file format (`name<<DELIM` ... `DELIM`, or `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delim = ''] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? '');
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export async function runAction(opts: RunOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-peering-run-'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary.md');
  const eventFile = join(dir, 'event.json');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const event = opts.event ?? pullRequestEvent();
  writeFileSync(eventFile, JSON.stringify(event.payload));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REPOSITORY: 'contoso/network',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '1234',
    GITHUB_WORKFLOW: 'peering',
    RUNNER_TEMP: dir,
    'INPUT_GITHUB-TOKEN': 'ghs_write',
  };
  Object.assign(env, opts.env ?? {});
  // Inputs last: an input given to the step wins over one in the environment.
  for (const [name, value] of Object.entries(opts.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;

  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.script ?? DIST], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  opts.onSpawn?.((s) => child.kill(s), () => stdout);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) =>
    child.on('close', (code, sig) => res([code, sig])),
  );
  const commands = (kind: string): string[] =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith(`::${kind}`))
      .map((l) => l.slice(l.indexOf('::', 2) + 2).replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'));
  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
  const summary = readFileSync(summaryFile, 'utf8');
  const resultPath = outputs['result-file'];
  const resultFile = resultPath && existsSync(resultPath) ? readFileSync(resultPath, 'utf8') : undefined;
  // Tests leave nothing behind.
  rmSync(dir, { recursive: true, force: true });
  return { exitCode, signal, stdout, stderr, outputs, summary, resultFile, errors: commands('error'), warnings: commands('warning') };
}

/** An onSpawn hook that sends `signal` to the action `delayMs` after its log first shows `text`. */
export function signalWhen(text: string, signal: NodeJS.Signals, delayMs: number): NonNullable<RunOptions['onSpawn']> {
  return (kill, output) => {
    const timer = setInterval(() => {
      if (output().includes(text)) {
        clearInterval(timer);
        setTimeout(() => kill(signal), delayMs);
      }
    }, 50);
  };
}
