// The schedule is pure: which writes may start, given what runs, what is done and what failed.
import { describe, expect, it } from 'vitest';
import { doomed, nextWrites, simulate, type ScheduleState, type WriteTask } from '../../src/plan/schedule.ts';

const state = (running: number[] = [], done: number[] = [], failed: number[] = []): ScheduleState => ({
  running: new Set(running),
  done: new Set(done),
  failed: new Set(failed),
});

/** A hub h with n spokes: the hub side of each link first, then the spoke side. */
function hub(n: number): WriteTask[] {
  const t: WriteTask[] = [];
  for (let i = 0; i < n; i++) {
    const first = t.length;
    t.push({ id: first, vnet: 'h', remote: `s${i}`, after: [] });
    t.push({ id: first + 1, vnet: `s${i}`, remote: 'h', after: [first] });
  }
  return t;
}

/** A full mesh of m VNets: one link per pair, side a (the lower index) first. */
function mesh(m: number): WriteTask[] {
  const t: WriteTask[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const first = t.length;
      t.push({ id: first, vnet: `v${i}`, remote: `v${j}`, after: [] });
      t.push({ id: first + 1, vnet: `v${j}`, remote: `v${i}`, after: [first] });
    }
  }
  return t;
}

/** Checks a wave against the busy rules: one write per VNet, none beside a write on its remote. */
function expectLegal(tasks: readonly WriteTask[], wave: readonly number[]): void {
  const chosen = wave.map((id) => tasks[id]).filter((t): t is WriteTask => t !== undefined);
  const written = chosen.map((t) => t.vnet);
  expect(new Set(written).size).toBe(written.length);
  for (const t of chosen) expect(written).not.toContain(t.remote);
}

describe('nextWrites: the busy rules', () => {
  const cases: [string, WriteTask[], ScheduleState, number, number[]][] = [
    ['two writes on one VNet: only the first', [{ id: 0, vnet: 'x', remote: 'y', after: [] }, { id: 1, vnet: 'x', remote: 'z', after: [] }], state(), 50, [0]],
    ['a write towards a VNet being written waits', [{ id: 0, vnet: 'x', remote: 'y', after: [] }, { id: 1, vnet: 'y', remote: 'x', after: [] }], state([0]), 50, []],
    ['no write on the remote of a running write either: that write would then run beside a write on its remote', [{ id: 0, vnet: 'x', remote: 'y', after: [] }, { id: 1, vnet: 'y', remote: 'z', after: [] }], state([0]), 50, []],
    ['a write elsewhere towards the same remote may start (a write busies its own VNet only)', [{ id: 0, vnet: 'x', remote: 'y', after: [] }, { id: 1, vnet: 'z', remote: 'y', after: [] }], state([0]), 50, [1]],
    ['writes on different VNets towards an idle hub run together', [{ id: 0, vnet: 'a', remote: 'h', after: [] }, { id: 1, vnet: 'b', remote: 'h', after: [] }], state(), 50, [0, 1]],
    ['a link’s order: the second side waits for the first', [{ id: 0, vnet: 'a', remote: 'b', after: [] }, { id: 1, vnet: 'b', remote: 'a', after: [0] }], state(), 50, [0]],
    ['… and starts once it is done', [{ id: 0, vnet: 'a', remote: 'b', after: [] }, { id: 1, vnet: 'b', remote: 'a', after: [0] }], state([], [0]), 50, [1]],
    ['max-parallel-writes caps what is in flight', [{ id: 0, vnet: 'a', remote: 'z', after: [] }, { id: 1, vnet: 'b', remote: 'z', after: [] }, { id: 2, vnet: 'c', remote: 'z', after: [] }], state([0]), 2, [1]],
    ['nothing after a failure that a write needs', [{ id: 0, vnet: 'a', remote: 'b', after: [] }, { id: 1, vnet: 'b', remote: 'a', after: [0] }], state([], [], [0]), 50, []],
  ];
  it.each(cases)('%s', (_what, tasks, s, max, expected) => {
    expect(nextWrites(tasks, s, max)).toEqual(expected);
  });

  it('serves the VNet with the most writes left first: the hub before a spoke that would block it', () => {
    const tasks = hub(3);
    // The hub's first write is done: its next write and spoke 0's write both could start; only one may.
    expect(nextWrites(tasks, state([], [0]), 50)).toEqual([2]);
  });
});

describe('doomed: failures flow along the order', () => {
  it('skips every write that needs a failed one, however deep', () => {
    const tasks: WriteTask[] = [
      { id: 0, vnet: 'a', remote: 'b', after: [] },
      { id: 1, vnet: 'b', remote: 'a', after: [0] },
      { id: 2, vnet: 'c', remote: 'a', after: [1] },
      { id: 3, vnet: 'd', remote: 'e', after: [] },
    ];
    expect(doomed(tasks, state([], [], [0]))).toEqual([1, 2]);
    expect(doomed(tasks, state([], [0], []))).toEqual([]);
  });
});

describe('simulate: operation times under the busy model', () => {
  it.each([1, 5, 50])('a hub with %i new spokes takes N + 1 operation times, not 2N', (n) => {
    const tasks = hub(n);
    const sim = simulate(tasks, 50);
    expect(sim.rounds).toBe(n + 1);
    for (const wave of sim.waves) expectLegal(tasks, wave);
  });

  it('max-parallel-writes spreads the spokes’ writes over more rounds', () => {
    expect(simulate(hub(50), 10).rounds).toBe(50 + 5);
  });

  it.each([3, 4, 8, 12])('a full mesh of %i VNets takes at most 2 × (M − 1) operation times', (m) => {
    const tasks = mesh(m);
    const sim = simulate(tasks, 50);
    expect(sim.rounds).toBeLessThanOrEqual(2 * (m - 1));
    expect(sim.waves.flat().sort((x, y) => x - y)).toEqual(tasks.map((t) => t.id));
    for (const wave of sim.waves) expectLegal(tasks, wave);
  });

  it('two hubs with their spokes and a link between the hubs: each hub keeps its own pace', () => {
    const tasks = [...hub(10)];
    for (const t of hub(6)) tasks.push({ id: tasks.length, vnet: t.vnet === 'h' ? 'g' : `g${t.vnet}`, remote: t.remote === 'h' ? 'g' : `g${t.remote}`, after: t.after.map((d) => d + 20) });
    tasks.push({ id: tasks.length, vnet: 'h', remote: 'g', after: [] });
    tasks.push({ id: tasks.length, vnet: 'g', remote: 'h', after: [tasks.length - 1] });
    const sim = simulate(tasks, 50);
    // h has 11 writes of its own and needs one round idle for its spokes: 12 at best.
    expect(sim.rounds).toBeLessThanOrEqual(13);
    for (const wave of sim.waves) expectLegal(tasks, wave);
  });

  it('independent links all run in the first round', () => {
    const tasks: WriteTask[] = [0, 1, 2].map((i) => ({ id: i, vnet: `x${i}`, remote: `y${i}`, after: [] }));
    expect(simulate(tasks, 50).waves).toEqual([[0, 1, 2]]);
  });

  it('a task waiting on one that does not exist never starts', () => {
    expect(simulate([{ id: 0, vnet: 'a', remote: 'b', after: [7] }], 50).rounds).toBe(0);
  });
});
