// WIP placeholder until the topology-file parser lands (branch `topology`): refuses every file.
import type { Topology } from '../model.ts';

export interface TopologyProblem {
  readonly message: string;
}

export function parseTopology(_text: string, file: { path: string }): { ok: true; topology: Topology } | { ok: false; problems: TopologyProblem[] } {
  return { ok: false, problems: [{ message: `${file.path}: topology files are not read yet` }] };
}
