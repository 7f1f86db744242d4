// What the run knows of Azure: each VNet as last read, or why it could not be read; reading them
// (again), and waiting while an operation (another run's, a cancelled one's) still changes a link.
import { utcTime, type Timing } from '../clock.ts';
import type { VnetApi } from '../azure/vnet-api.ts';
import type { AdviceContext } from '../errors/codes.ts';
import { toProblem } from '../errors/classify.ts';
import { endContext, type TokenClaims } from '../errors/context.ts';
import { planLink, type LinkPlan } from '../plan/link.ts';
import { transitionalPeerings } from '../plan/preflight.ts';
import { SIDES, type Identity, type Link, type Problem, type Side, type Topology, type VnetEntry, type VnetInfo, type VnetRef } from '../model.ts';
import { readVnets } from './observe.ts';
import { retryDelay } from './retry.ts';

/** The read of what Azure holds after a cancellation has a budget of its own (SIGTERM follows in 7.5 s). */
const CANCELLED_READ_MS = 4_000;
const TIMED_OUT_READ_MS = 15_000;

export const key = (id: string): string => id.toLowerCase();

export interface WorldDeps extends Timing {
  readonly api: (vnet: VnetRef, identity: Identity, remote?: Identity) => VnetApi;
  readonly signedIn: (identity: Identity) => boolean;
  readonly cancelled: () => boolean;
  readonly claims?: TokenClaims | undefined;
}

export class World {
  /** Each VNet as last read, by lowercased ID. */
  readonly observed = new Map<string, VnetInfo>();
  /** Why a VNet could not be read (first reads only: a failed re-read keeps the last read). */
  readonly unread = new Map<string, Problem>();
  readonly #topology: Topology;
  /** The links of this run (a VNet whose every link lost its partner need not be read). */
  readonly #links: readonly Link[];
  readonly #deps: WorldDeps;
  readonly #entries: ReadonlyMap<string, VnetEntry>;

  constructor(topology: Topology, links: readonly Link[], deps: WorldDeps) {
    this.#topology = topology;
    this.#links = links;
    this.#deps = deps;
    this.#entries = new Map(topology.vnets.map((e) => [key(e.vnet.id), e]));
  }

  entry(id: string): VnetEntry | undefined {
    return this.#entries.get(key(id));
  }

  /** Both VNets of a link as read, or undefined. */
  pair(link: Link): Record<Side, VnetInfo> | undefined {
    const a = this.observed.get(key(link.ends.a.vnet.id));
    const b = this.observed.get(key(link.ends.b.vnet.id));
    return a && b ? { a, b } : undefined;
  }

  /** Each link whose two VNets were read, planned on what Azure holds now. */
  plan(links: readonly Link[]): LinkPlan[] {
    return links.flatMap((l) => {
      const o = this.pair(l);
      return o ? [planLink(l, o)] : [];
    });
  }

  /** The problem of each side of a link that could not be read (a sign-in failure is the run's). */
  unreadProblems(link: Link): Record<Side, Problem | undefined> {
    const p = (s: Side): Problem | undefined => {
      const u = this.unread.get(key(link.ends[s].vnet.id));
      return u?.code === 'VnetNotRead' ? undefined : u;
    };
    return { a: p('a'), b: p('b') };
  }

  /** Reads these VNets (again); with a budget of its own once the run's time is up. */
  async read(entries: readonly VnetEntry[]): Promise<void> {
    const deps = this.#deps;
    const budget = deps.cancelled() ? CANCELLED_READ_MS : TIMED_OUT_READ_MS;
    const t: Timing = deps.signal.aborted ? { ...deps, signal: AbortSignal.timeout(budget), deadline: deps.now() + budget } : deps;
    // A read nothing needs any more (every link of its VNet touches a VNet that failed) stops at
    // once, instead of waiting out its own retries.
    const stops = new Map(entries.map((e) => [key(e.vnet.id), new AbortController()]));
    const failed = new Set<string>();
    const stopped = (k: string): boolean => stops.get(k)?.signal.aborted === true;
    const onFailed = (k: string): void => {
      if (stopped(k)) return;
      failed.add(k);
      for (const [other, stop] of stops) {
        const links = this.#links.filter((l) => key(l.ends.a.vnet.id) === other || key(l.ends.b.vnet.id) === other);
        const needed = links.length === 0 || links.some((l) => !failed.has(key(l.ends.a.vnet.id)) && !failed.has(key(l.ends.b.vnet.id)));
        if (!needed && !failed.has(other)) stop.abort(new Error('not needed'));
      }
    };
    for (const e of entries) {
      if (deps.signedIn(e.identity)) continue;
      this.unread.set(key(e.vnet.id), { code: 'VnetNotRead', message: `VNet ${e.vnet.name} was not read: signing in as ${e.identity.clientId} to tenant ${e.identity.tenantId} failed (see above).`, advice: '' });
    }
    const targets = entries
      .filter((e) => deps.signedIn(e.identity))
      .map((e) => ({ key: key(e.vnet.id), name: e.vnet.name, api: deps.api(e.vnet, e.identity), entry: e, signal: stops.get(key(e.vnet.id))?.signal }));
    const results = await readVnets(targets, t, onFailed);
    for (const target of targets) {
      const r = results.get(target.key);
      if (r?.ok) {
        this.observed.set(target.key, r.vnet);
        this.unread.delete(target.key);
      } else if (this.observed.has(target.key)) {
        // A re-read that fails keeps what was read before.
      } else if (stopped(target.key)) {
        this.unread.set(target.key, { code: 'VnetNotRead', message: `VNet ${target.name} was not read: every VNet it is linked with could not be read.`, advice: '' });
      } else {
        const p = toProblem(r?.error, this.#readContext(target.entry));
        this.unread.set(target.key, { ...p, message: `Reading VNet ${target.name}: ${p.message}` });
      }
    }
  }

  /** Reads the VNets with these lowercased IDs again. */
  readAgain(ids: Iterable<string>): Promise<void> {
    return this.read([...new Set(ids)].flatMap((v) => this.#entries.get(v) ?? []));
  }

  /** Waits while an operation is still changing a peering of these links, then reads again. */
  async settle(links: readonly Link[]): Promise<void> {
    const deps = this.#deps;
    const started = deps.now();
    for (let attempt = 0; ; attempt++) {
      const busy = transitionalPeerings(this.plan(links));
      const wait = retryDelay(undefined, attempt);
      if (busy.length === 0 || deps.signal.aborted || deps.now() + wait > deps.deadline) return;
      const first = busy[0];
      const more = busy.length > 1 ? ` (and ${busy.length - 1} more peerings)` : '';
      const progress = `${Math.round((deps.now() - started) / 1000)} s so far; gives up at ${utcTime(deps.deadline)}`;
      deps.log(`'${first?.name}' is ${first?.provisioningState}: waiting ${Math.round(wait / 1000)} s for that operation to end${more} (${progress})`);
      try {
        await deps.sleep(wait, deps.signal);
      } catch {
        return; // cancelled or out of time while waiting: what was read stands
      }
      await this.readAgain(busy.map((p) => key(p.id.split('/virtualNetworkPeerings/')[0] ?? '')));
    }
  }

  /** Where a VNet is set, for advice on reading it: its first link's words, or its alias. */
  #readContext(entry: VnetEntry): AdviceContext {
    for (const link of this.#topology.links) {
      const side = SIDES.find((s) => key(link.ends[s].vnet.id) === key(entry.vnet.id));
      if (side) return endContext(link, side, this.#deps.claims);
    }
    return { tenantId: entry.identity.tenantId, clientId: entry.identity.clientId, tenantField: `the tenant of ${entry.alias}`, clientField: `the client of ${entry.alias}`, vnet: { ref: entry.vnet, field: `vnets.${entry.alias}` } };
  }
}
