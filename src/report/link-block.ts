// One link's detail, shared by the pair report and the topology report: the two-direction table
// (state, sync level, settings found and wanted, subnets, action, error) and the problems with
// their fixes. Pure.
import type { LinkResult, Mode, PeeringScope, Problem, SettingKey, SideResult } from '../model.ts';
import { SETTING_KEYS, SIDES } from '../model.ts';
import { MAX_NAME, escapeName, escapeText } from './escape.ts';
import { unread } from './status.ts';
import { actionWords, stateIcon, type DirectionNamer } from './words.ts';

const MAX_ADVICE = 800;
const MAX_PREFIXES = 20;
const MAX_SUBNETS = 12;

/** Prefixes or names, listed up to a bound. */
export function shortList(items: readonly string[], most: number = MAX_PREFIXES): string {
  if (items.length === 0) return '—';
  const shown = items.slice(0, most).map(escapeName).join(', ');
  return items.length > most ? `${shown} … and ${items.length - most} more` : shown;
}

/** A setting: plain when found equals wanted, both when they differ or the peering is missing. */
function settingCell(side: SideResult, key: SettingKey): string {
  const want = String(side.desired[key]);
  if (side.settings === undefined) return `—, want ${want}`;
  const value = side.settings[key];
  // A value that is not a boolean came from Azure as text: outside text.
  const found = typeof value === 'boolean' ? String(value) : `“${escapeName(value)}”`;
  return value === side.desired[key] ? found : `⚠️ ${found}, want ${want}`;
}

function scopeText(scope: PeeringScope): string {
  if (scope.complete) return 'whole VNet';
  const ipv6 = scope.ipv6Only ? ' (IPv6 only)' : '';
  return `${shortList(scope.localSubnets, MAX_SUBNETS)} ⇄ ${shortList(scope.remoteSubnets, MAX_SUBNETS)}${ipv6}`;
}

const sameList = (x: readonly string[], y: readonly string[]): boolean =>
  x.length === y.length && x.every((v, i) => v.toLowerCase() === (y[i] ?? '').toLowerCase());

const sameScope = (x: PeeringScope, y: PeeringScope): boolean =>
  x.complete === y.complete &&
  x.ipv6Only === y.ipv6Only &&
  (x.complete || (sameList(x.localSubnets, y.localSubnets) && sameList(x.remoteSubnets, y.remoteSubnets)));

/** Subnets found and wanted; a subnet peering the link does not manage is kept, and said so. */
function subnetCell(side: SideResult): string {
  const found = side.scope ? scopeText(side.scope) : '—';
  if (side.desiredScope === undefined) return side.scope && !side.scope.complete ? `${found} (kept: the link does not manage subnets)` : found;
  if (side.scope && sameScope(side.scope, side.desiredScope)) return found;
  return `⚠️ ${found}, want ${scopeText(side.desiredScope)}`;
}

/** Whether the Subnets row says anything: the link manages the kind, or a side is a subnet peering. */
function showSubnets(lr: LinkResult): boolean {
  return SIDES.some((s) => {
    const side = lr.sides[s];
    return side.desiredScope !== undefined || (side.scope !== undefined && !side.scope.complete);
  });
}

export interface TableOptions {
  readonly mode: Mode;
  readonly direction: DirectionNamer;
  /** Also a row with each direction's own VNet address space (the pair shows it in its VNet table). */
  readonly addressSpace: boolean;
}

/** The two-direction table: one column per direction. */
export function directionTable(lr: LinkResult, opts: TableOptions): string {
  const { a, b } = lr.sides;
  const ensure = lr.link.ensure;
  const row = (label: string, cell: (side: SideResult) => string): string => `| ${label} | ${cell(a)} | ${cell(b)} |`;
  const action = (side: SideResult): string => {
    const w = actionWords(side, opts.mode);
    return w.strong ? `**${escapeText(w.text)}**` : escapeText(w.text);
  };
  return [
    `| | ${escapeText(opts.direction(lr, 'a'))} | ${escapeText(opts.direction(lr, 'b'))} |`,
    '| --- | --- | --- |',
    row('Peering', (s) => `${escapeName(s.peeringName)} (on ${escapeName(s.vnet.name)})`),
    ...(opts.addressSpace ? [row('Address space', (s) => shortList(s.addressSpace))] : []),
    row('State', (s) => (unread(s) ? '❔ not read' : `${stateIcon(s.state, ensure)} ${s.state}`)),
    row('Sync level', (s) => s.syncLevel || '—'),
    row('Provisioning', (s) => (s.provisioningState ? escapeName(s.provisioningState) : '—')),
    ...(ensure === 'absent' ? [] : SETTING_KEYS.map((key) => row(key, (s) => settingCell(s, key)))),
    ...(showSubnets(lr) ? [row('Subnets', subnetCell)] : []),
    row('Action', action),
    row('Why', (s) => (s.reason ? escapeText(s.reason, MAX_NAME) : '—')),
    // The error row only when there is one, so a healthy link stays short.
    ...(a.problem || b.problem ? [row('Error', (s) => (s.problem ? `❌ ${escapeName(s.problem.code)}` : '—'))] : []),
  ].join('\n');
}

/**
 * One problem as a list item: the code, then the fix, then the message (Entra's and Azure's long
 * text last, in small print, so the fix is what a reader sees first).
 */
export function problemItem(where: string, p: Problem, icon = ''): string {
  const head = `- ${icon}**${where ? `${escapeText(where)} · ` : ''}${escapeName(p.code)}**`;
  if (!p.advice) return `${head}: ${escapeText(p.message)}`;
  const message = p.message ? `<br><sub>${escapeText(p.message)}</sub>` : '';
  return `${head} — **Fix:** ${escapeText(p.advice, { max: MAX_ADVICE, keepLinks: true })}${message}`;
}

/** The problems of one link, by direction. */
export function linkProblemItems(lr: LinkResult, direction: DirectionNamer): string[] {
  return SIDES.flatMap((s) => {
    const p = lr.sides[s].problem;
    return p ? [problemItem(direction(lr, s), p)] : [];
  });
}

/** The warnings of one link (plan mode: what the planning identity may not do). */
export const warningItems = (lr: LinkResult): string[] => lr.warnings.map((w) => problemItem('', w, '⚠️ '));
