// The one place for the report's words: direction labels, past tenses, action and outcome words,
// state icons. Every function returns plain text (aliases and names unescaped); the Markdown layer
// escapes what it shows. Pure.
import type { Ensure, Link, LinkResult, Mode, PeeringState, Side, SideAction, SideResult, Verdict } from '../model.ts';
import { other } from '../model.ts';
import { leadingAction, linkWritten, unread, type LinkCategory } from './status.ts';

/** The pair report's direction labels. */
export const PAIR_DIRECTION: Readonly<Record<Side, string>> = { a: 'A→B', b: 'B→A' };

/** A link's direction: `<alias a> → <alias b>` for side a, the reverse for side b. */
export function linkDirection(lr: LinkResult, side: Side): string {
  return `${lr.link.ends[side].alias} → ${lr.link.ends[other(side)].alias}`;
}

/** A direction as the log names it: 'A→B' for the pair inputs, the aliases for a file's link. */
export function directionLabel(link: Link, side: Side): string {
  return link.entry === 'inputs' ? PAIR_DIRECTION[side] : `${link.ends[side].alias} → ${link.ends[other(side)].alias}`;
}

/** How a report names a direction: 'A→B' in the pair report, aliases in a topology. */
export type DirectionNamer = (lr: LinkResult, side: Side) => string;
export const pairDirection: DirectionNamer = (_lr, side) => PAIR_DIRECTION[side];

type Doing = Exclude<SideAction, 'none'>;

const PAST: Readonly<Record<Doing, string>> = {
  create: 'created',
  update: 'updated',
  sync: 'synced',
  recreate: 'recreated',
  replace: 'replaced',
  delete: 'deleted',
};

/** What was done on a side: a recreate that only re-PUT the side reconnected it. */
export function past(side: SideResult): string {
  if (side.action === 'none') return '';
  if (side.action === 'recreate' && side.writes.length > 0 && !side.writes.includes('DELETE')) return 'reconnected';
  return PAST[side.action];
}

/** The infinitive for a plan: "would create". */
export const would = (action: Doing): string => `would ${action}`;

/** What happened (or would) on one side, in a few words; '' when nothing was to be done. */
export function sideNote(side: SideResult, mode: Mode): string {
  const { action, outcome } = side;
  if (action === 'none') return '';
  switch (outcome) {
    case 'done':
      return past(side);
    case 'planned':
      return would(action);
    case 'failed':
      return `${action} failed`;
    case 'skipped':
      return `${action} not attempted`;
    case 'none':
      return mode === 'plan' ? would(action) : `${action} not run`;
    default:
      return assertNever(outcome);
  }
}

/** The Action cell of a direction: plan and apply spelled out so the two cannot be confused. */
export function actionWords(side: SideResult, mode: Mode): { readonly text: string; readonly strong: boolean } {
  const { action, outcome } = side;
  if (action === 'none') {
    if (side.problem !== undefined) return { text: '— none (see error)', strong: false };
    if (unread(side)) return { text: '— not checked', strong: false };
    return { text: mode === 'plan' ? 'Plan — nothing to do' : '— none needed', strong: false };
  }
  switch (outcome) {
    case 'done':
      return { text: `Applied — ${past(side)}`, strong: true };
    case 'planned':
      return { text: `Plan — ${would(action)}`, strong: true };
    case 'failed':
      return { text: `Failed — ${action}`, strong: true };
    case 'skipped':
      return { text: `Not attempted — ${action}`, strong: false };
    case 'none':
      return { text: mode === 'plan' ? `Plan — ${would(action)}` : `— ${action} not run`, strong: false };
    default:
      return assertNever(outcome);
  }
}

export const STATE_ICON: Readonly<Record<PeeringState, string>> = {
  Connected: '✅',
  Initiated: '⏳',
  Disconnected: '⚠️',
  Missing: '❌',
};

/** A state's icon; for a link being torn down, Missing is what was asked; one about to be created is new, not broken. */
export function stateIcon(state: PeeringState, ensure: Ensure, action?: SideAction): string {
  if (ensure === 'absent') return state === 'Missing' ? '✅' : '⚠️';
  if (state === 'Missing' && action === 'create') return '➕';
  return STATE_ICON[state];
}

export const VERDICT_ICON: Readonly<Record<Verdict, string>> = {
  'in-sync': '✅',
  repaired: '✅',
  pending: '📝',
  failed: '❌',
  cancelled: '⏹️',
};

export const CATEGORY_ICON: Readonly<Record<LinkCategory, string>> = {
  failed: '❌',
  pending: '📝',
  unhealthy: '⚠️',
  changed: '✅',
  'in-sync': '✅',
};

/**
 * A link in a few words, for tables, diagram labels and the log: "created", "reconnected",
 * "would delete", "create failed", "in sync", "absent".
 */
export function linkWords(lr: LinkResult, mode: Mode): string {
  const sides = [lr.sides.a, lr.sides.b];
  const failed = sides.find((s) => s.outcome === 'failed');
  if (failed && failed.action !== 'none') return `${failed.action} failed`;
  if (mode === 'plan' && sides.some((s) => s.problem !== undefined)) return 'apply would fail';
  const lead = leadingAction(lr);
  const first = sides.find((s) => s.action === lead);
  const note = lead !== 'none' && first ? sideNote(first, mode) : '';
  if (note) return note;
  if (sides.every(unread)) return 'not read';
  if (lr.healthy) return lr.link.ensure === 'absent' ? 'absent' : 'in sync';
  if (mode === 'apply' && linkWritten(lr)) return 'written, not healthy';
  if (sides.some((s) => s.problem !== undefined)) return 'blocked';
  const worst = sides.find((s) => s.state !== 'Connected') ?? lr.sides.a;
  return worst.state === 'Connected' ? worst.syncLevel || 'not healthy' : worst.state;
}

/**
 * The verdict line's buckets: what happened to a link, as counted on the first line
 * ("12 created, 3 repaired, 85 in sync"). A plan's buckets are spoken "would create 12".
 */
export type Bucket = 'torn down' | 'replaced' | 'created' | 'repaired' | 'in sync';
export const BUCKETS: readonly Bucket[] = ['torn down', 'replaced', 'created', 'repaired', 'in sync'];
const PLAN_VERB: Readonly<Record<Bucket, string>> = {
  'torn down': 'tear down',
  replaced: 'replace',
  created: 'create',
  repaired: 'repair',
  'in sync': 'leave',
};
export const planVerb = (b: Bucket): string => PLAN_VERB[b];

export function bucket(lr: LinkResult): Bucket {
  const lead = leadingAction(lr);
  switch (lead) {
    case 'delete':
      return 'torn down';
    case 'replace':
      return 'replaced';
    case 'create':
      return 'created';
    case 'recreate':
    case 'update':
    case 'sync':
      return 'repaired';
    case 'none':
      return 'in sync';
    default:
      return assertNever(lead);
  }
}

/** "a, b and c". */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** "1 link", "3 links". */
export const plural = (n: number, one: string, many: string = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "1 h 40 min", "25 min", "40 s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Codes with their counts, most frequent first: "AuthorizationFailed ×2, VnetAddressSpacesOverlap". */
export function codeTally(codes: readonly string[], most = 3): string {
  const tally = new Map<string, number>();
  for (const c of codes) tally.set(c, (tally.get(c) ?? 0) + 1);
  const sorted = [...tally].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  const shown = sorted.slice(0, most).map(([c, n]) => (n > 1 ? `${c} ×${n}` : c));
  const rest = sorted.length - most;
  return rest > 0 ? `${shown.join(', ')} and ${plural(rest, 'other code')}` : shown.join(', ');
}

export function assertNever(x: never): never {
  throw new Error(`Unexpected value: ${String(x)}`);
}
