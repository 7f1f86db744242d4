// Waiting between attempts: Azure's hints honoured, transient answers retried, the deadline kept.
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/errors/classify.ts';
import { retryDelay, withRetries } from '../../src/run/retry.ts';
import { clock, restError } from '../support/fake-azure.ts';

const timing = (deadlineIn: number) => {
  const c = clock();
  const log: string[] = [];
  return { ...c, deadline: c.now() + deadlineIn, signal: new AbortController().signal, log: (m: string) => void log.push(m), lines: log };
};

describe('retryDelay', () => {
  it('honours a hint as given but never below a second, and backs off without one', () => {
    expect(retryDelay(classify(restError(429, 'RetryableError', 'x', 0)), 0)).toBe(1000);
    expect(retryDelay(classify(restError(429, 'RetryableError', 'x', 45)), 0)).toBe(45_000);
    expect([0, 1, 2, 3, 4, 5].map((n) => retryDelay(undefined, n))).toEqual([2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

describe('withRetries', () => {
  it('retries a throttled read until it answers', async () => {
    const t = timing(60_000);
    let calls = 0;
    const value = await withRetries('Reading VNet A', async () => {
      if (++calls < 3) throw restError(429, 'TooManyRequests', 'slow down', 2);
      return 'vnet';
    }, t);
    expect(value).toBe('vnet');
    expect(t.lines).toEqual(['Reading VNet A: TooManyRequests, retrying in 2 s', 'Reading VNet A: TooManyRequests, retrying in 2 s']);
  });

  it('rethrows a refusal at once, and a transient answer once the deadline is near', async () => {
    const forbidden = restError(403, 'AuthorizationFailed', 'no');
    await expect(withRetries('x', () => Promise.reject(forbidden), timing(60_000))).rejects.toBe(forbidden);
    const busy = restError(429, 'RetryableError', 'busy', 10);
    await expect(withRetries('x', () => Promise.reject(busy), timing(5_000))).rejects.toBe(busy);
  });
});
