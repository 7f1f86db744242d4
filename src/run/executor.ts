// Carries the writes out as the schedule allows: starts what plan/schedule.ts says may start,
// waits for any write to end, asks again. A failed write skips the writes that need it; a
// cancelled run starts nothing new and lets the running writes stop on their own signal.
import { doomed, nextWrites, type WriteTask } from '../plan/schedule.ts';
import type { DirectionResult } from './direction.ts';

export interface ExecTask extends WriteTask {
  readonly run: () => Promise<DirectionResult>;
}

/** Each task's result; undefined for a task never started (skipped, or the run stopped). */
export type ExecResults = ReadonlyMap<number, DirectionResult | undefined>;

export async function execute(tasks: readonly ExecTask[], maxParallel: number, signal: AbortSignal): Promise<ExecResults> {
  const results = new Map<number, DirectionResult | undefined>();
  const running = new Map<number, Promise<number>>();
  const done = new Set<number>();
  const failed = new Set<number>();
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const start = (id: number): void => {
    const task = byId.get(id);
    if (!task) return;
    const settle = (r: DirectionResult): number => {
      results.set(id, r);
      (r.outcome === 'done' ? done : failed).add(id);
      running.delete(id);
      return id;
    };
    running.set(
      id,
      task.run().then(settle, (e: unknown) =>
        // runDirection reports Azure's answers itself; this is for anything unforeseen.
        settle({ outcome: 'failed', writes: [], problem: { code: 'UnknownError', message: e instanceof Error ? e.message : String(e), advice: '' } }),
      ),
    );
  };
  for (;;) {
    const state = { running: new Set(running.keys()), done, failed };
    for (const id of doomed(tasks, state)) {
      failed.add(id);
      results.set(id, undefined);
    }
    if (!signal.aborted) for (const id of nextWrites(tasks, { running: new Set(running.keys()), done, failed }, maxParallel)) start(id);
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  for (const t of tasks) if (!results.has(t.id)) results.set(t.id, undefined);
  return results;
}
