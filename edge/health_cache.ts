export interface HealthCacheOptions {
  /** Resolves true when the daemon answers /health with 200. Must not throw. */
  probe: () => Promise<boolean>;
  now?: () => number;
  healthyTtlMs?: number;
  unhealthyTtlMs?: number;
}

export interface HealthCache {
  /** Cached verdict, re-probed once the TTL for the last verdict has passed. */
  isHealthy(): Promise<boolean>;
  /** Connection refused on the daemon port: believe it at once, without a probe. */
  markDown(): void;
}

/**
 * Daemon health with asymmetric TTLs: a healthy verdict is trusted for 1000 ms,
 * an unhealthy one for 200 ms so a restarted daemon is picked up quickly. At most
 * one probe is in flight; concurrent callers share it.
 */
export function createHealthCache(opts: HealthCacheOptions): HealthCache {
  const now = opts.now ?? (() => performance.now());
  const healthyTtl = opts.healthyTtlMs ?? 1000;
  const unhealthyTtl = opts.unhealthyTtlMs ?? 200;
  let healthy = false;
  let checkedAt = -Infinity;
  let inflight: Promise<boolean> | null = null;

  return {
    isHealthy() {
      const ttl = healthy ? healthyTtl : unhealthyTtl;
      if (now() - checkedAt < ttl) return Promise.resolve(healthy);
      if (inflight) return inflight;
      inflight = opts.probe().catch(() => false).then((ok) => {
        healthy = ok;
        checkedAt = now();
        inflight = null;
        return ok;
      });
      return inflight;
    },
    markDown() {
      healthy = false;
      checkedAt = now();
    },
  };
}
