// Reading Azure: every VNet once (its GET carries its peerings, subnets and gateway), in parallel
// with a bound, retrying throttled and failing-over reads until the deadline.
import type { Timing } from '../clock.ts';
import type { VnetApi } from '../azure/vnet-api.ts';
import type { Permission, VnetInfo } from '../model.ts';
import { inParallel, withRetries } from './retry.ts';

/** Reads at once: ARM's read bucket is 250 per principal and subscription (spec/azure.md §5). */
export const READ_PARALLELISM = 32;

export interface ReadTarget {
  /** Lowercased VNet ID. */
  readonly key: string;
  readonly name: string;
  readonly api: VnetApi;
  /** Stops this read alone (it is no longer needed). */
  readonly signal?: AbortSignal;
}

export type ReadResult = { readonly ok: true; readonly vnet: VnetInfo } | { readonly ok: false; readonly error: unknown };

/** Reads each VNet once; a VNet that cannot be read is reported, the others go on. */
export async function readVnets(targets: readonly ReadTarget[], t: Timing, onFailed?: (key: string) => void): Promise<Map<string, ReadResult>> {
  const results = await inParallel(targets, READ_PARALLELISM, async (target): Promise<ReadResult> => {
    const signal = target.signal ? AbortSignal.any([t.signal, target.signal]) : t.signal;
    try {
      return { ok: true, vnet: await withRetries(`Reading VNet ${target.name}`, () => target.api.readVnet(signal), { ...t, signal }) };
    } catch (e: unknown) {
      onFailed?.(target.key);
      return { ok: false, error: e };
    }
  });
  return new Map(targets.map((target, i) => [target.key, results[i] ?? { ok: false, error: new Error('not read') }]));
}

/** Reads what each identity may do on each VNet; undefined where it cannot be told. */
export async function readPermissions(
  targets: readonly { readonly key: string; readonly name: string; readonly api: VnetApi }[],
  t: Timing,
): Promise<Map<string, readonly Permission[] | undefined>> {
  const results = await inParallel(targets, READ_PARALLELISM, async (target) => {
    try {
      return await withRetries(`Reading permissions on ${target.name}`, () => target.api.permissions(t.signal), t);
    } catch {
      // Not knowing is no reason to stop: Azure will say at the write.
      return undefined;
    }
  });
  return new Map(targets.map((target, i) => [target.key, results[i]]));
}
