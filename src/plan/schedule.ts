// Which peering writes may run now, under Azure's busy model (spec/azure.md §5): a write busies the
// VNet it is on until its operation ends; a write is refused while its own VNet is busy, or while
// its remote VNet is. So never two writes on one VNet at once, never a write on X while X's remote
// VNet is being written, a link's own order (`after`), at most `maxParallel` in flight, and the
// VNet with the most writes left served first. Pure: the executor asks, then starts what it got.

export interface WriteTask {
  readonly id: number;
  /** Lowercased resource ID of the VNet the write is on. */
  readonly vnet: string;
  /** Lowercased resource ID of that peering's remote VNet. */
  readonly remote: string;
  /** Tasks that must have succeeded first. */
  readonly after: readonly number[];
}

export interface ScheduleState {
  readonly running: ReadonlySet<number>;
  readonly done: ReadonlySet<number>;
  /** Failed, or skipped because something they needed failed. */
  readonly failed: ReadonlySet<number>;
}

const settled = (s: ScheduleState, id: number): boolean => s.done.has(id) || s.failed.has(id) || s.running.has(id);

/** Tasks that can no longer run: one they need failed. */
export function doomed(tasks: readonly WriteTask[], state: ScheduleState): number[] {
  const failed = new Set(state.failed);
  let grew = true;
  // Failure flows along `after`, however deep.
  while (grew) {
    grew = false;
    for (const t of tasks) {
      if (!failed.has(t.id) && !settled(state, t.id) && t.after.some((d) => failed.has(d))) {
        failed.add(t.id);
        grew = true;
      }
    }
  }
  return tasks.filter((t) => failed.has(t.id) && !state.failed.has(t.id)).map((t) => t.id);
}

/** The tasks to start now, in the order they should be started. */
export function nextWrites(tasks: readonly WriteTask[], state: ScheduleState, maxParallel: number): number[] {
  const room = maxParallel - state.running.size;
  if (room <= 0) return [];
  const byId = new Map(tasks.map((t) => [t.id, t]));
  // VNets being written, and VNets that a running write points at: neither may take a new write
  // that would run beside them (a write on X never runs while X's remote VNet is being written).
  const busy = new Set<string>();
  const targeted = new Set<string>();
  for (const id of state.running) {
    const t = byId.get(id);
    if (t) {
      busy.add(t.vnet);
      targeted.add(t.remote);
    }
  }
  // Writes left per VNet (running ones included), on it and towards it: the VNet with the most of
  // its own is served first, so the hub of many spokes is never kept waiting; among equals the one
  // most others wait for; then a write joins the VNet that most ready writes point at, since they
  // can all run together while it is idle.
  const own = new Map<string, number>();
  const incoming = new Map<string, number>();
  for (const t of tasks) {
    if (state.done.has(t.id) || state.failed.has(t.id)) continue;
    own.set(t.vnet, (own.get(t.vnet) ?? 0) + 1);
    incoming.set(t.remote, (incoming.get(t.remote) ?? 0) + 1);
  }
  const isReady = (t: WriteTask): boolean => !settled(state, t.id) && t.after.every((d) => state.done.has(d));
  const readyIn = new Map<string, number>();
  for (const t of tasks) if (isReady(t)) readyIn.set(t.remote, (readyIn.get(t.remote) ?? 0) + 1);
  const n = (m: Map<string, number>, k: string): number => m.get(k) ?? 0;
  const ready = tasks
    .filter(isReady)
    .sort((x, y) => n(own, y.vnet) - n(own, x.vnet) || n(incoming, y.vnet) - n(incoming, x.vnet) || n(readyIn, y.remote) - n(readyIn, x.remote) || x.id - y.id);
  const start: number[] = [];
  for (const t of ready) {
    if (start.length >= room) break;
    if (busy.has(t.vnet) || busy.has(t.remote) || targeted.has(t.vnet)) continue;
    busy.add(t.vnet);
    targeted.add(t.remote);
    start.push(t.id);
  }
  return start;
}

export interface Simulation {
  /** Operation times the writes take, each write taking one. */
  readonly rounds: number;
  /** The tasks started in each round. */
  readonly waves: readonly (readonly number[])[];
}

/** Runs the schedule with every write taking one operation time and succeeding. */
export function simulate(tasks: readonly WriteTask[], maxParallel: number): Simulation {
  const done = new Set<number>();
  const none = new Set<number>();
  const waves: number[][] = [];
  while (done.size < tasks.length) {
    const wave = nextWrites(tasks, { running: none, done, failed: none }, maxParallel);
    // A task waiting on one that does not exist can never start.
    if (wave.length === 0) break;
    waves.push(wave);
    for (const id of wave) done.add(id);
  }
  return { rounds: waves.length, waves };
}
