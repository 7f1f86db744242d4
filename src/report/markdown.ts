// Renders a RunReport as the Markdown shown in the job summary and the sticky PR comment.
// Pure: plain data in, a string out (node:crypto only for the marker and digest hashes).
import { createHash } from 'node:crypto';
import type {
  PeeringSettings,
  PeeringState,
  Problem,
  RunReport,
  Side,
  SideAction,
  SideResult,
  Verdict,
} from '../model.ts';
import { SIDES } from '../model.ts';

/** GitHub answers 422 for a longer comment body. */
export const MAX_COMMENT_CHARS = 65_536;

const MARKER_PREFIX = 'azure-vnet-peering';
// Outside text is cut to these lengths (in code points) so one bad value cannot blow the size.
const MAX_MESSAGE = 900;
const MAX_ADVICE = 800;
const MAX_NAME = 120;
const MAX_PREFIXES = 20;
const MAX_PROBLEMS = 20;

export interface RenderOptions {
  /** Link to the workflow run; rendered only in the last footer line, outside the digest. */
  readonly runUrl?: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Escaping

/** Cuts to `max` code points with an ellipsis; cutting the raw text keeps entities whole. */
/** Keeps the start and the end: Azure puts the scope at the start and the correlation ID last. */
function shorten(raw: string, max: number): string {
  const chars = Array.from(raw);
  if (chars.length <= max) return raw;
  const tail = Math.floor((max - 1) / 4);
  return `${chars.slice(0, max - 1 - tail).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // Markdown: table cells, code spans, links and backslash escapes.
  '|': '&#124;',
  '`': '&#96;',
  '[': '&#91;',
  ']': '&#93;',
  '\\': '&#92;',
};

/**
 * Outside text (Azure messages, names, prefixes, IDs) made inert for Markdown and HTML:
 * shortened, whitespace (newlines included) collapsed so it cannot end a table row or start a
 * block, HTML and Markdown specials turned into entities, and @mentions defused so an error
 * message cannot ping people from a PR comment.
 */
export function escapeText(raw: string, max: number = MAX_MESSAGE): string {
  const flat = shorten(raw.replace(/\s+/g, ' ').trim(), max);
  return flat.replace(/[&<>"'|`[\]\\]/g, (c) => ENTITIES[c] ?? c).replace(/(^|[^\w])@(?=\w)/g, '$1@\u200b');
}

const name = (raw: string): string => escapeText(raw, MAX_NAME);

// ---------------------------------------------------------------------------------------------
// Words

const DIRECTION: Readonly<Record<Side, string>> = { a: 'A→B', b: 'B→A' };

const PAST: Readonly<Record<Exclude<SideAction, 'none'>, string>> = {
  create: 'created',
  update: 'updated',
  sync: 'synced',
  recreate: 'recreated',
};

const STATE_ICON: Readonly<Record<PeeringState, string>> = {
  Connected: '✅',
  Initiated: '⏳',
  Disconnected: '⚠️',
  Missing: '❌',
};

function healthy(side: SideResult): boolean {
  return side.state === 'Connected' && side.syncLevel === 'FullyInSync';
}

/** Nothing decided and nothing tried: Azure was never read (sign-in or read failure). */
function unread(side: SideResult): boolean {
  return side.action === 'none' && side.outcome === 'skipped';
}

/** What happened (or would) on one side, in a few words; '' when nothing was to be done. */
function actionNote(side: SideResult): string {
  const { action, outcome } = side;
  if (action === 'none') return '';
  switch (outcome) {
    case 'done':
      return PAST[action];
    case 'planned':
      return `would ${action}`;
    case 'failed':
      return `${action} failed`;
    case 'skipped':
      return `${action} not attempted`;
    case 'none':
      return '';
    default:
      return assertNever(outcome);
  }
}

/** The Action row: plan vs apply spelled out so the two can't be confused. */
function actionCell(side: SideResult, report: RunReport): string {
  const { action, outcome } = side;
  if (action === 'none') {
    if (side.problem !== undefined) return '— none (see error)';
    if (unread(side)) return '— not checked';
    return report.mode === 'plan' ? 'Plan — nothing to do' : '— none needed';
  }
  switch (outcome) {
    case 'done':
      return `**Applied — ${PAST[action]}**`;
    case 'planned':
      return `**Plan — would ${action}**`;
    case 'failed':
      return `**Failed — ${action}**`;
    case 'skipped':
      return `Not attempted — ${action}`;
    case 'none':
      return report.mode === 'plan' ? `Plan — would ${action}` : `— ${action} not run`;
    default:
      return assertNever(outcome);
  }
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** Groups sides by wording: "created A→B and B→A", "would update B→A". */
function phrases(report: RunReport, pick: (side: SideResult) => string): string {
  const groups = new Map<string, string[]>();
  for (const s of SIDES) {
    const side = report.sides[s];
    const words = pick(side);
    if (words === '') continue;
    groups.set(words, [...(groups.get(words) ?? []), DIRECTION[s]]);
  }
  return [...groups].map(([words, dirs]) => `${words} ${list(dirs)}`).join(', ');
}

function failureDetail(report: RunReport): string {
  // A general problem (sign-in, overlap...) comes first: it is why the sides were not tried.
  const general = report.problems[0];
  const parts: string[] = general ? [escapeText(general.code, MAX_NAME)] : [];
  for (const s of SIDES) {
    const side = report.sides[s];
    const dir = DIRECTION[s];
    const code = side.problem ? ` (${escapeText(side.problem.code, MAX_NAME)})` : '';
    if (unread(side)) continue;
    if (side.outcome === 'done' && side.action !== 'none') parts.push(`${PAST[side.action]} ${dir}`);
    else if (side.outcome === 'failed') parts.push(`${dir}: ${side.action} failed${code}`);
    else if (side.problem) parts.push(`${dir}: ${escapeText(side.problem.code, MAX_NAME)}`);
    else if (side.outcome === 'skipped') {
      if (!general) parts.push(`${dir}: ${side.action} not attempted`);
    } else if (!healthy(side)) parts.push(`${dir} is ${side.state}${side.syncLevel ? `, ${side.syncLevel}` : ''}`);
  }
  const what = report.changed
    ? 'Apply did not end healthy'
    : report.mode === 'plan'
      ? 'Plan found a blocker'
      : SIDES.every((s) => unread(report.sides[s]))
        ? 'Azure could not be read'
        : 'Nothing was changed';
  return parts.length > 0 ? `${what}: ${parts.join('; ')}` : what;
}

function verdictLine(report: RunReport): string {
  const pair = `${name(report.sides.a.vnet.name)} ⇄ ${name(report.sides.b.vnet.name)}`;
  const v: Verdict = report.verdict;
  switch (v) {
    case 'in-sync':
      return report.mode === 'plan'
        ? `### ✅ In sync (plan) — ${pair}: nothing would change`
        : `### ✅ In sync — ${pair}: Connected and FullyInSync both ways, nothing to change`;
    case 'repaired':
      return `### ✅ Applied — ${phrases(report, (s) => (s.outcome === 'done' && s.action !== 'none' ? PAST[s.action] : '')) || 'changes written'} · ${pair} now Connected and FullyInSync`;
    case 'pending': {
      // A plan that already knows apply would be refused says so first.
      const blocker = SIDES.map((s) => report.sides[s].problem).find((p) => p !== undefined);
      const would = phrases(report, (s) => (s.action !== 'none' ? `would ${s.action}` : '')) || 'changes pending';
      return blocker
        ? `### ⚠️ Plan — apply would fail: ${escapeText(blocker.code, MAX_NAME)} (${would}) · ${pair}`
        : `### 📝 Plan — ${would} · ${pair} (nothing changed yet)`;
    }
    case 'failed':
      return `### ❌ Failed — ${failureDetail(report)} · ${pair}`;
    case 'cancelled': {
      const done = phrases(report, (s) => (s.outcome === 'done' && s.action !== 'none' ? PAST[s.action] : ''));
      return `### ⏹️ Cancelled — stopped before finishing${done ? ` (${done})` : ''} · ${pair}; the next run picks up from what it finds`;
    }
    default:
      return assertNever(v);
  }
}

// ---------------------------------------------------------------------------------------------
// Blocks

/** Width in a monospace font, roughly: code points (entities show literally inside a fence). */
const width = (s: string): number => Array.from(s).length;

function diagram(report: RunReport): string {
  const a = report.sides.a;
  const b = report.sides.b;
  const label = (side: SideResult): string => {
    if (unread(side)) return `${DIRECTION[side.side]}  not read`;
    const parts: string[] = [side.state];
    if (side.syncLevel) parts.push(side.syncLevel);
    const note = actionNote(side);
    if (note) parts.push(note);
    else if (side.problem) parts.push(escapeText(side.problem.code, MAX_NAME));
    return `${DIRECTION[side.side]}  ${parts.join(' · ')}`;
  };
  const la = label(a);
  const lb = label(b);
  const span = Math.max(width(la), width(lb)) + 2;
  const left = `${name(a.vnet.name)} (A)`;
  const right = `${name(b.vnet.name)} (B)`;
  return [
    '```text',
    `${left} ──── ${la} ${'─'.repeat(span - width(la))}──▶ ${right}`,
    `${left} ◀─── ${lb} ${'─'.repeat(span - width(lb))}─── ${right}`,
    '```',
  ].join('\n');
}

function prefixes(list: readonly string[]): string {
  if (list.length === 0) return '—';
  const shown = list.slice(0, MAX_PREFIXES).map(name).join(', ');
  return list.length > MAX_PREFIXES ? `${shown} … and ${list.length - MAX_PREFIXES} more` : shown;
}

function vnetTable(report: RunReport): string {
  const rows = SIDES.map((s) => {
    const side = report.sides[s];
    return `| ${s.toUpperCase()} | ${name(side.vnet.name)} | ${name(side.vnet.subscriptionId)} | ${name(side.vnet.resourceGroup)} | ${name(side.tenantId)} | ${prefixes(side.addressSpace)} |`;
  });
  const tenants =
    report.sides.a.tenantId.toLowerCase() === report.sides.b.tenantId.toLowerCase() ? 'one tenant' : 'two tenants';
  return [
    `**VNets** (${tenants})`,
    '',
    '| | VNet | Subscription | Resource group | Tenant | Address space |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

const SETTING_KEYS: readonly (keyof PeeringSettings)[] = [
  'allowVirtualNetworkAccess',
  'allowForwardedTraffic',
  'allowGatewayTransit',
  'useRemoteGateways',
];

/** Found vs desired: plain when equal, both when they differ or the peering is missing. */
function settingCell(side: SideResult, key: keyof PeeringSettings): string {
  const want = String(side.desired[key]);
  if (side.settings === undefined) return `—, want ${want}`;
  const found = String(side.settings[key]);
  return found === want ? found : `⚠️ ${found}, want ${want}`;
}

function peeringTable(report: RunReport): string {
  const a = report.sides.a;
  const b = report.sides.b;
  const row = (label: string, cell: (side: SideResult) => string): string =>
    `| ${label} | ${cell(a)} | ${cell(b)} |`;
  return [
    '| | A→B | B→A |',
    '| --- | --- | --- |',
    row('Peering', (s) => `${name(s.peeringName)} (on ${name(s.vnet.name)})`),
    row('State', (s) => (unread(s) ? '❔ not read' : `${STATE_ICON[s.state]} ${s.state}`)),
    row('Sync level', (s) => s.syncLevel || '—'),
    row('Provisioning', (s) => (s.provisioningState ? name(s.provisioningState) : '—')),
    ...SETTING_KEYS.map((key) => row(key, (s) => settingCell(s, key))),
    row('Action', (s) => actionCell(s, report)),
    row('Why', (s) => (s.reason ? escapeText(s.reason, MAX_NAME) : '—')),
    // The error row only when there is one, so a healthy report stays short.
    ...(a.problem || b.problem
      ? [row('Error', (s) => (s.problem ? `❌ ${escapeText(s.problem.code, MAX_NAME)}` : '—'))]
      : []),
  ].join('\n');
}

function problemItem(where: string, p: Problem): string {
  const advice = p.advice ? `<br>**Fix:** ${escapeText(p.advice, MAX_ADVICE)}` : '';
  return `- **${where}${escapeText(p.code, MAX_NAME)}**: ${escapeText(p.message)}${advice}`;
}

function problemsBlock(report: RunReport): string {
  const items: string[] = [];
  for (const s of SIDES) {
    const p = report.sides[s].problem;
    if (p) items.push(problemItem(`${DIRECTION[s]} · `, p));
  }
  for (const p of report.problems.slice(0, MAX_PROBLEMS)) items.push(problemItem('', p));
  if (report.problems.length > MAX_PROBLEMS) {
    items.push(`- … and ${report.problems.length - MAX_PROBLEMS} more (see the job log)`);
  }
  return items.length > 0 ? ['**Errors and fixes**', '', ...items].join('\n') : '';
}

function modeLine(report: RunReport): string {
  return report.mode === 'plan'
    ? `_Mode: **plan** — read only; nothing was changed in Azure.${report.verdict === 'pending' ? ' Run with `mode: apply` to carry it out.' : ''}_`
    : `_Mode: **apply** — ${report.changed ? 'changes were written to Azure' : 'nothing was written to Azure'}._`;
}

/** Everything except the run link: what the digest covers. */
function renderStable(report: RunReport): string {
  return [verdictLine(report), diagram(report), vnetTable(report), peeringTable(report), problemsBlock(report), modeLine(report)]
    .filter((block) => block !== '')
    .join('\n\n');
}

function footer(runUrl: string | undefined): string {
  if (runUrl === undefined) return '';
  let url: URL;
  try {
    url = new URL(runUrl);
  } catch {
    return '';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return '';
  // Percent-encode what would end a Markdown link target, then HTML-escape the rest.
  const href = url.href.replace(/[()\s<>"'`|\\[\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `<sub>[Workflow run](${href.replace(/&/g, '&amp;')})</sub>`;
}

/** The report as Markdown: verdict first line, diagram, tables, errors; the run link last. */
export function renderReport(report: RunReport, opts: RenderOptions = {}): string {
  const foot = footer(opts.runUrl);
  const stable = renderStable(report);
  return foot ? `${stable}\n\n${foot}\n` : `${stable}\n`;
}

// ---------------------------------------------------------------------------------------------
// Sticky comment

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Hidden marker naming the VNet pair; hashed because an HTML comment must not contain `--`. */
export function commentMarker(pairKey: string): string {
  // Normalising again is idempotent for a well-built key and forgives a caller's ordering slip.
  const key = pairKey
    .split('\n')
    .map((id) => id.trim().toLowerCase())
    .sort()
    .join('\n');
  return `<!-- ${MARKER_PREFIX}:pair=${sha256(key).slice(0, 24)} -->`;
}

const DIGEST_RE = new RegExp(`^<!-- ${MARKER_PREFIX}:digest=([0-9a-f]{16,64}) -->$`, 'm');

/** The digest stored by renderComment, or undefined when the body has none. */
export function commentDigest(body: string): string | undefined {
  return DIGEST_RE.exec(body)?.[1];
}

const TRUNCATED_NOTE =
  "> ⚠️ Report cut short to fit GitHub's 65,536-character comment limit; the job summary has it in full.";

/** Keeps whole lines that fit in `budget`, closing a code fence the cut left open. */
function truncateLines(text: string, budget: number): string {
  const kept: string[] = [];
  let used = 0;
  let fenceOpen = false;
  for (const line of text.split('\n')) {
    // Room for this line, its newline and a closing fence.
    if (used + line.length + 1 + 4 > budget) break;
    kept.push(line);
    used += line.length + 1;
    if (line.startsWith('```')) fenceOpen = !fenceOpen;
  }
  if (fenceOpen) kept.push('```');
  return kept.join('\n');
}

/**
 * The PR comment: the report (verdict on its first line), then the pair marker and a digest of the
 * stable report, within GitHub's size limit. A rerun whose report differs only in its run link has
 * the same digest.
 */
export function renderComment(report: RunReport, opts: RenderOptions = {}): string {
  const stable = renderStable(report);
  const foot = footer(opts.runUrl);
  const markers = `${commentMarker(report.pairKey)}\n<!-- ${MARKER_PREFIX}:digest=${sha256(stable).slice(0, 32)} -->\n`;
  const tail = `${foot ? `\n\n${foot}` : ''}\n\n${markers}`;
  const full = `${stable}${tail}`;
  if (full.length <= MAX_COMMENT_CHARS) return full;
  const budget = MAX_COMMENT_CHARS - tail.length - TRUNCATED_NOTE.length - 2;
  return `${truncateLines(stable, budget)}\n\n${TRUNCATED_NOTE}${tail}`;
}

function assertNever(x: never): never {
  throw new Error(`Unexpected value: ${String(x)}`);
}
