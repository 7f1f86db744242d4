// Outside text (anything Azure, Entra or a file returned: messages, codes, names, values) made
// safe for the two places it is shown: Markdown/HTML (job summary, PR comment) and the step log.
// Pure.

/** Default cut for a message, in code points of the raw text. */
export const MAX_MESSAGE = 900;
/** Default cut for a name, code or short value. */
export const MAX_NAME = 120;
/** Default cut for one piece of outside text in the log. */
export const MAX_LOG = 2_000;

/**
 * Cuts to `max` code points with an ellipsis, keeping the start and the end: Azure puts the scope
 * first and the correlation ID last. Cutting the raw text keeps any entity made later whole.
 */
export function shorten(raw: string, max: number): string {
  const chars = Array.from(raw);
  if (chars.length <= max) return raw;
  const tail = Math.floor((max - 1) / 4);
  return `${chars.slice(0, max - 1 - tail).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

// Bidirectional overrides and isolates, marks (LRM, RLM, ALM), C0 and C1 controls, DEL, BOM: they
// can reorder or hide what a reader sees (CVE-2021-42574), or drive a terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // Markdown: table cells, code spans, links, backslash escapes, emphasis, strike-through, math.
  '|': '&#124;',
  '`': '&#96;',
  '[': '&#91;',
  ']': '&#93;',
  '\\': '&#92;',
  '*': '&#42;',
  _: '&#95;',
  '~': '&#126;',
  $: '&#36;',
};

const ZWSP = '\u200b';

export interface EscapeOptions {
  /** Cut to this many code points (before escaping). */
  readonly max?: number;
  /**
   * Leave http(s) URLs clickable: only for our own advice, which may carry a link to act on (the
   * admin-consent URL). Mentions, cross-references and markup are still defused.
   */
  readonly keepLinks?: boolean;
}

/**
 * Outside text made inert for Markdown and HTML: shortened; whitespace (newlines included)
 * collapsed so it cannot end a table row or start a block; bidi and control characters shown as
 * U+FFFD; HTML and Markdown specials turned into entities; @mentions, e-mail and URL autolinks
 * and issue references (#123, owner/repo#123, GH-123) broken with a zero-width space, so an error
 * message can neither ping people nor link anywhere from a PR comment.
 */
export function escapeText(raw: string, opts: EscapeOptions | number = {}): string {
  const { max = MAX_MESSAGE, keepLinks = false } = typeof opts === 'number' ? { max: opts } : opts;
  const flat = shorten(raw.replace(CONTROL, (c) => (/\s/.test(c) ? ' ' : '\ufffd')).replace(/\s+/g, ' ').trim(), max);
  // Defused before the entities are made, so an entity's own `#` is left alone.
  // After '@', so neither `@user` nor `user@example.com` links or pings.
  let text = flat.replace(/@/g, `@${ZWSP}`);
  // `#1`, `owner/repo#1`, `GH-1`: GitHub turns these into links to issues and pull requests.
  text = text.replace(/#(?=\d)/g, `#${ZWSP}`).replace(/\b(GH-)(?=\d)/gi, `$1${ZWSP}`);
  if (!keepLinks) {
    text = text.replace(/\b([a-z][a-z0-9+.-]*):\/\//gi, `$1:${ZWSP}//`).replace(/\b(www)\./gi, `$1${ZWSP}.`);
  }
  text = text.replace(/[&<>"'|`[\]\\*_~$]/g, (c) => ENTITIES[c] ?? c);
  return text;
}

/** A name, code or short value (VNet names, peering names, prefixes, codes). */
export const escapeName = (raw: string): string => escapeText(raw, MAX_NAME);

const LOG_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Outside text made safe for the step log: one line (CR, LF and other controls shown as `\n`,
 * `\u001b`...), bidi controls shown likewise, and never starting with `::`, so text from Azure can
 * never be read as a workflow command such as `::warning::` or `::add-mask::`. Cut to `max`.
 */
export function logText(raw: string, max: number = MAX_LOG): string {
  // Cut first, so an escape sequence is never cut in half.
  const shown = shorten(raw, max).replace(
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu,
    (c) => LOG_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  // The runner trims leading whitespace before it looks for `::`.
  return /^\s*::/.test(shown) ? shown.replace(':', '\\u003a') : shown;
}
