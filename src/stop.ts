// A cancelled job gets SIGINT, then SIGTERM 7.5 s later, then a kill 2.5 s after that
// (spec/azure.md §6): the first signal stops every wait so the run can report; the second stops
// the report too, and the process ends soon after, whatever is still running.

/** Once SIGTERM came, the process ends this soon (SIGKILL follows 2.5 s after it). */
const HARD_EXIT_MS = 1_500;

/** SIGINT, then SIGTERM 7.5 s later, then a kill (spec/azure.md §6): stop, publish, exit. */
export class Stop {
  readonly #cancel = new AbortController();
  readonly #hard = new AbortController();
  readonly #onSignal = (): void => {
    if (!this.#cancel.signal.aborted) {
      this.#cancel.abort(new DOMException('The run was cancelled.', 'AbortError'));
      return;
    }
    this.#hard.abort(new DOMException('The run was cancelled.', 'AbortError'));
    setTimeout(() => process.exit(process.exitCode ?? 1), HARD_EXIT_MS).unref();
  };
  constructor() {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }
  get signal(): AbortSignal {
    return this.#cancel.signal;
  }
  get hard(): AbortSignal {
    return this.#hard.signal;
  }
  cancelled(): boolean {
    return this.#cancel.signal.aborted;
  }
  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}
