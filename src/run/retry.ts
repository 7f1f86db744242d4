// Waiting between attempts, shared by reads and writes. Timing is injected so tests run at once.
import type { Timing } from '../clock.ts';
import { classify, type ClassifiedError } from '../errors/classify.ts';

const MIN_WAIT_MS = 1_000;
const BASE_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * How long to wait before attempt `attempt + 1`. Azure's hint is honoured as given (the deadline
 * bounds it), but never below a second, so a run of 'Retry-After: 0' answers cannot spin; without
 * a hint, back off exponentially.
 */
export function retryDelay(c: Pick<ClassifiedError, 'retryAfterMs'> | undefined, attempt: number): number {
  if (c?.retryAfterMs !== undefined) return Math.max(c.retryAfterMs, MIN_WAIT_MS);
  return Math.min(BASE_BACKOFF_MS * 2 ** Math.min(attempt, 4), MAX_BACKOFF_MS);
}

/** Runs `fn`, retrying transient Azure answers until the deadline; rethrows anything else. */
export async function withRetries<T>(what: string, fn: () => Promise<T>, t: Timing): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e: unknown) {
      const c = classify(e);
      const wait = retryDelay(c, attempt);
      if (!c.transient || t.signal.aborted || t.now() + wait > t.deadline) throw e;
      t.log(`${what}: ${c.code}, retrying in ${Math.round(wait / 1000)} s`);
      try {
        await t.sleep(wait, t.signal);
      } catch {
        throw e;
      }
    }
  }
}

/** Runs `fn` over `items`, at most `limit` at once; results in the items' order. */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i];
      if (item !== undefined) results[i] = await fn(item, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
