import type { RedisClient } from '../../pipelines/redis-connection.js';

/**
 * Takes `lease` requests of a key's window at once: INCRBY the shared counter, start the window on
 * its first use, answer the count and the time left. One key per call, so it runs on a Redis
 * Cluster as on a single server; the script text is sent each time (EVAL, not EVALSHA), so a
 * restarted or failed-over Redis that lost its script cache needs nothing reloaded. It runs once
 * per lease, not once per request.
 */
const leaseScript = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {n, ttl}`;

/** A store call that takes longer than this is treated as a store failure (the request passes). */
const storeTimeoutMs = 1_000;

/** At most this share of a key's budget is leased at once (1/64 ≈ 1.6 %), and never more than maxLease. */
const leaseDivisor = 64;
const maxLease = 1_000;

export type TakeResult =
  | { outcome: 'allowed' | 'refused'; limit: number; remaining: number; resetAtMs: number }
  /** The store could not be reached: the request passes, without rate-limit headers. */
  | { outcome: 'unknown' };

interface Lease {
  /** Requests of this lease not yet handed out. */
  tokens: number;
  /** The shared count once this lease was taken (every instance's leases of this window). */
  countAtLease: number;
  resetAtMs: number;
  /** Redis refused the last lease: the window is spent, refuse locally until it resets. */
  spent: boolean;
  pending?: Promise<boolean>;
}

/**
 * Fixed-window request counts per key, shared by every ingress instance through Redis, without a
 * Redis round trip per request: an instance takes a *lease* of up to limit/64 requests (at most
 * 1 000) from the shared counter and hands them out in process; it asks Redis again when the lease
 * is used up, and refuses locally (no round trip) once Redis says the window is spent.
 *
 * Tolerance: the shared counter never admits more than `limit` a window across all instances (a
 * lease that would cross it is cut to what is left). Leased but unused requests are lost to the
 * others: a key may be refused while up to (instances × lease − 1) of its budget sit unused in
 * other instances' leases — at most ~1.6 % of the budget per instance. Budgets below 128 a minute
 * lease one request at a time, i.e. count exactly as a round trip per request did. The `remaining`
 * answered is the shared count as of this instance's last lease, so it lags the other instances'
 * use by at most their leases.
 */
export class LeasedRateCounter {
  private readonly leases = new Map<string, Lease>();
  private lastSweepMs = 0;

  constructor(
    private readonly redis: RedisClient,
    /** Key prefix, from redisKeys.rateLimit (hash-tagged on a Cluster). */
    private readonly keyPrefix: string,
    private readonly windowMs: number,
    private readonly onStoreError: (error: unknown) => void = () => {},
  ) {}

  static leaseSize(limit: number): number {
    return Math.max(1, Math.min(maxLease, Math.floor(limit / leaseDivisor)));
  }

  /** Counts one request of `key`, whose budget is `limit` a window. */
  async take(key: string, limit: number, nowMs = Date.now()): Promise<TakeResult> {
    // Ends: every lease either hands out requests (someone goes on), marks the window spent (all
    // refuse) or fails (all pass).
    for (;;) {
      const local = this.takeLocal(key, limit, nowMs);
      if (local) return local;
      const lease = this.leases.get(key);
      // Concurrent requests of one key share one lease request.
      const ok = await (lease?.pending ?? this.renew(key, limit, lease));
      if (!ok) return { outcome: 'unknown' };
      nowMs = Date.now();
    }
  }

  /**
   * `take` without waiting: the answer when this instance's lease decides it (almost every request),
   * undefined when Redis must be asked (then call `take`). Saves the request a promise and a
   * microtask hop.
   */
  takeLocal(key: string, limit: number, nowMs = Date.now()): TakeResult | undefined {
    this.sweep(nowMs);
    let lease = this.leases.get(key);
    if (lease && nowMs >= lease.resetAtMs && !lease.pending) {
      this.leases.delete(key);
      lease = undefined;
    }
    if (!lease || lease.pending) return undefined;
    if (lease.tokens > 0) {
      lease.tokens -= 1;
      return { outcome: 'allowed', limit, remaining: Math.max(0, limit - (lease.countAtLease - lease.tokens)), resetAtMs: lease.resetAtMs };
    }
    if (lease.spent) return { outcome: 'refused', limit, remaining: 0, resetAtMs: lease.resetAtMs };
    return undefined;
  }

  private renew(key: string, limit: number, previous: Lease | undefined): Promise<boolean> {
    const size = LeasedRateCounter.leaseSize(limit);
    const lease: Lease = previous ?? { tokens: 0, countAtLease: 0, resetAtMs: 0, spent: false };
    this.leases.set(key, lease);
    const pending = this.call(key, size).then(
      ([count, ttlMs]) => {
        // What this lease may hand out: all of it, or what was left of the window before it.
        const granted = Math.max(0, Math.min(size, limit - (count - size)));
        lease.tokens = granted;
        lease.countAtLease = count - (size - granted);
        lease.resetAtMs = Date.now() + ttlMs;
        lease.spent = granted === 0;
        return true;
      },
      (error) => {
        this.onStoreError(error);
        this.leases.delete(key);
        return false;
      },
    );
    lease.pending = pending.finally(() => {
      lease.pending = undefined;
    });
    return lease.pending;
  }

  private async call(key: string, size: number): Promise<[number, number]> {
    const call = this.redis.eval(leaseScript, 1, `${this.keyPrefix}${key}`, size, this.windowMs) as Promise<[number, number]>;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`rate limiter: no answer from Redis within ${storeTimeoutMs} ms`)), storeTimeoutMs);
    });
    try {
      const [count, ttl] = await Promise.race([call, timeout]);
      return [Number(count), Number(ttl)];
    } catch (error) {
      call.catch(() => {}); // a late rejection after the timeout must not go unhandled
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Forgets ended windows (a flood from many addresses must not grow the map for good). */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 10_000) return;
    this.lastSweepMs = nowMs;
    for (const [key, lease] of this.leases) if (nowMs >= lease.resetAtMs && !lease.pending) this.leases.delete(key);
  }
}
