// Anything the SDKs throw, reduced to a code, a message, a retry hint and what the code table
// (codes.ts) knows of it; then turned into the Problem a user reads.
import type { Problem } from '../model.ts';
import { CODES, TOKEN_REFUSALS, type AdviceContext } from './codes.ts';

export interface ClassifiedError {
  readonly code: string;
  readonly message: string;
  readonly statusCode: number | undefined;
  /** Worth retrying after a pause. */
  readonly transient: boolean;
  /** A Disconnected peering whose re-PUT was refused so is cured by delete + create. */
  readonly curedByRecreate: boolean;
  /** The server's hint, in milliseconds, when it gave one. */
  readonly retryAfterMs: number | undefined;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

const field = (o: unknown, key: string): unknown =>
  typeof o === 'object' && o !== null && key in o ? Reflect.get(o, key) : undefined;

function detailsText(e: unknown): string {
  const details = field(e, 'details');
  if (details === undefined) return '';
  try {
    return JSON.stringify(details) ?? '';
  } catch {
    return '';
  }
}

// "... can be retried in 7 seconds" in ARM's conflict messages.
const RETRY_IN = /retried in (\d+) seconds?/i;
// The SDK's plain Error at the end of a failed long-running operation.
const LRO_FAILED = /^The long-running operation has failed\.?\s*(?:([A-Za-z][\w.]*)\.\s*)?([\s\S]*)$/;
// Another operation's conflict named anywhere in the message or its details.
const BUSY_TEXT = /AnotherOperationInProgress|RetryableError|CanceledAndSuperseded/;

function retryAfterHeader(e: unknown): number | undefined {
  const headers = field(field(e, 'response'), 'headers');
  const get = field(headers, 'get');
  if (typeof get !== 'function') return undefined;
  const raw: unknown = Reflect.apply(get, headers, ['retry-after']);
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function codeOf(e: unknown, message: string, statusCode: number | undefined): { code: string; text: string } {
  // Node's own AbortError carries code ABORT_ERR; it is ours to name, not Azure's.
  if (field(e, 'name') === 'AbortError' || field(e, 'name') === 'TimeoutError') return { code: 'Aborted', text: message };
  const own = field(e, 'code');
  if (typeof own === 'string' && own !== '') return { code: own, text: message };
  const lro = LRO_FAILED.exec(message);
  if (lro) return { code: lro[1] ?? 'OperationFailed', text: lro[2]?.trim() || message };
  if (message === 'Operation was canceled') return { code: 'Canceled', text: message };
  // A body cut short (a truncated or empty answer) fails JSON parsing.
  if (e instanceof SyntaxError && /JSON/i.test(message)) return { code: 'TruncatedResponse', text: message };
  const aadsts = /AADSTS(\d+)/.exec(message);
  if (aadsts) return { code: `AADSTS${aadsts[1]}`, text: message };
  return { code: statusCode ? `HTTP${statusCode}` : 'UnknownError', text: message };
}

/** Reduces anything thrown by the SDKs to a code, message and retry hint. */
export function classify(e: unknown): ClassifiedError {
  const message = errorMessage(e);
  const status = field(e, 'statusCode');
  const statusCode = typeof status === 'number' ? status : undefined;
  const { code, text } = codeOf(e, message, statusCode);
  // The SDK keeps ARM's error body (with its details, where the retry hint often is) in .details.
  const details = detailsText(e);
  const hinted = RETRY_IN.exec(message) ?? RETRY_IN.exec(details);
  const retryAfterMs = retryAfterHeader(e) ?? (hinted ? Number(hinted[1]) * 1000 : undefined);
  const known = CODES[code];
  if (known) return { code, message: text, statusCode, transient: known.transient, curedByRecreate: known.curedByRecreate, retryAfterMs };
  // Unknown codes: conflicts, throttling and server faults are worth another try; an unknown 400
  // refusing a Disconnected peering's re-PUT is the kind a fresh create cures (its code is
  // unconfirmed, spec/azure.md §4); permission, lock and not-found answers never are.
  const transient =
    code !== 'Aborted' &&
    (BUSY_TEXT.test(`${message} ${details}`) ||
      statusCode === 429 ||
      statusCode === 409 ||
      statusCode === 408 ||
      (statusCode !== undefined && statusCode >= 500));
  return { code, message: text, statusCode, transient, curedByRecreate: !transient && statusCode === 400, retryAfterMs };
}

/** One or two sentences on cause and fix for a known code; undefined for unknown codes. */
export function advice(code: string, message: string, ctx: AdviceContext): string | undefined {
  const base = CODES[code]?.advice?.(ctx, message);
  const l = ctx.link;
  if (l && l.remoteTenantId.toLowerCase() !== ctx.tenantId.toLowerCase() && l.remoteClientId.toLowerCase() !== ctx.clientId.toLowerCase() && TOKEN_REFUSALS.has(code)) {
    const note =
      `${l.locator.client[l.side]} and ${l.locator.client[l.side === 'a' ? 'b' : 'a']} name different apps across the two tenants: ` +
      'Azure documents one multi-tenant app with a service principal in both tenants (the same client ID), and may refuse an ' +
      'auxiliary token from another app. Use one multi-tenant app for both sides.';
    return base ? `${note} ${base}` : note;
  }
  return base;
}

/** A thrown error turned into the problem shown to the user. */
export function toProblem(e: unknown, ctx: AdviceContext): Problem {
  const c = classify(e);
  return { code: c.code, message: c.message, advice: advice(c.code, c.message, ctx) ?? '' };
}
