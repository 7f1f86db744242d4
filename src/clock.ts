// One clock for the whole run: the deadline no new wait may cross, and the signal that stops every
// wait and every outside call (cancellation or timeout-minutes). Injected, so tests run at once.

export interface Timing {
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now: () => number;
  /** Epoch milliseconds after which no new wait starts. */
  readonly deadline: number;
  /** Aborted when the run is cancelled or its time is up. */
  readonly signal: AbortSignal;
  readonly log: (message: string) => void;
}

/** A time of day as the log says it: "14:05:31 UTC". */
export const utcTime = (ms: number): string => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

/** Why a signal fired, as an Error (AbortSignal.timeout's reason is a DOMException). */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error(typeof r === 'string' ? r : 'The operation was aborted.');
  e.name = 'AbortError';
  return e;
}

/**
 * Settles with `work`, or rejects as soon as `signal` fires, whichever comes first. For calls
 * whose own abort handling cannot be trusted to reach the socket (MSAL's token request,
 * core.getIDToken, Octokit): the run stops waiting; the process exits at the end regardless.
 */
export function bounded<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
