// ARM throttling: token buckets per principal, subscription and region, for all principals together,
// and the network provider's own window per subscription.
import type { Throttling, TokenBucket } from './world.ts';

export type RequestKind = 'read' | 'write' | 'delete';

class Bucket {
  #tokens: number;
  #last: number;
  readonly #capacity: number;
  readonly #perMs: number;

  constructor(spec: TokenBucket, now: number) {
    this.#capacity = spec.burst;
    this.#perMs = spec.perSecond / 1000;
    this.#tokens = spec.burst;
    this.#last = now;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
  }

  /** Milliseconds until one token is there; 0 when one is there now. */
  wait(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) return 0;
    return this.#perMs > 0 ? (1 - this.#tokens) / this.#perMs : Number.POSITIVE_INFINITY;
  }

  take(): void {
    this.#tokens -= 1;
  }

  remaining(): number {
    return Math.floor(this.#tokens);
  }
}

export interface Throttled {
  retryAfterSeconds: number;
  code: string;
  message: string;
}

export class Throttle {
  readonly #buckets = new Map<string, Bucket>();
  #config: Throttling | undefined;

  #bucket(key: string, spec: TokenBucket, now: number): Bucket {
    let b = this.#buckets.get(key);
    if (!b) {
      b = new Bucket(spec, now);
      this.#buckets.set(key, b);
    }
    return b;
  }

  /** Takes a token from every bucket the request counts against, or says how long to wait. */
  check(
    config: Throttling,
    now: number,
    kind: RequestKind,
    principal: string,
    subscriptionId: string,
    region: string,
    /** Whether the request goes to the network provider (its own window counts it too). */
    networkProvider = true,
  ): { throttled: Throttled } | { remaining: number } {
    if (this.#config !== config) {
      this.#buckets.clear();
      this.#config = config;
    }
    if (!config.enabled) return { remaining: config[`${kind}s`].burst };
    const spec = config[`${kind}s`];
    const sub = subscriptionId.toLowerCase();
    const own = this.#bucket(`p|${kind}|${principal}|${sub}|${region}`, spec, now);
    const all = this.#bucket(
      `a|${kind}|${sub}|${region}`,
      { burst: spec.burst * config.allPrincipalsFactor, perSecond: spec.perSecond * config.allPrincipalsFactor },
      now,
    );
    const providerKind = kind === 'read' ? 'read' : 'write';
    const providerLimit = kind === 'read' ? config.providerReads : config.providerWrites;
    const provider = this.#bucket(
      `n|${providerKind}|${sub}`,
      { burst: providerLimit, perSecond: providerLimit / config.providerWindowSeconds },
      now,
    );
    const checks: [Bucket, string, string][] = [
      [
        own,
        'SubscriptionRequestsThrottled',
        `Number of '${kind}' requests for subscription '${subscriptionId}' actor '${principal}' exceeded.`,
      ],
      [all, 'SubscriptionRequestsThrottled', `Number of '${kind}' requests for subscription '${subscriptionId}' exceeded.`],
    ];
    if (networkProvider)
      checks.push([
        provider,
        'TooManyRequests',
        `The request is being throttled as the limit has been reached for operation type - ${providerKind === 'read' ? 'Read' : 'Write'}_ObservationWindow_${windowLabel(config.providerWindowSeconds)}.`,
      ]);
    for (const [bucket, code, text] of checks) {
      const wait = bucket.wait(now);
      if (wait > 0) {
        const seconds = Number.isFinite(wait) ? Math.max(1, Math.ceil(wait / 1000)) : 3600;
        return {
          throttled: {
            retryAfterSeconds: seconds,
            code,
            message: `${text} Please try again after '${seconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`,
          },
        };
      }
    }
    for (const [bucket] of checks) bucket.take();
    return { remaining: own.remaining() };
  }
}

function windowLabel(seconds: number): string {
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `${pad(seconds / 3600)}:${pad((seconds % 3600) / 60)}:${pad(seconds % 60)}`;
}
