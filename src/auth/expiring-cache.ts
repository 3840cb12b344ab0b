// A per-key cache of expiring credentials: a value is reused until it is close to its expiry, and callers that
// need a fresh one while a lookup is running share that lookup. Failures are never cached.
export interface ExpiringCacheOptions<T> {
  /** When the value expires (ms epoch on the caller's clock), or undefined when it states no expiry. */
  expiresAt(value: T): number | undefined;
  refreshBeforeExpiryMs: number;
  /** Whether a value without an expiry is kept (true) or looked up again on every call (false). */
  keepWithoutExpiry: boolean;
}

export class ExpiringCache<T> {
  private readonly cached = new Map<string, T>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(private readonly options: ExpiringCacheOptions<T>) {}

  clear(): void {
    this.cached.clear();
    this.inFlight.clear();
  }

  async get(key: string, now: () => number, lookUp: () => Promise<T>): Promise<T> {
    const hit = this.cached.get(key);
    if (hit !== undefined && this.isFresh(hit, now)) return hit;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const lookup = lookUp();
    this.inFlight.set(key, lookup);
    try {
      const value = await lookup;
      // A clear() during the lookup means this result must not repopulate the cache.
      if (this.inFlight.get(key) === lookup && (this.options.keepWithoutExpiry || this.options.expiresAt(value) !== undefined)) {
        this.cached.set(key, value);
      }
      return value;
    } finally {
      if (this.inFlight.get(key) === lookup) this.inFlight.delete(key);
    }
  }

  private isFresh(value: T, now: () => number): boolean {
    const expiresAt = this.options.expiresAt(value);
    if (expiresAt === undefined) return this.options.keepWithoutExpiry;
    return expiresAt - now() > this.options.refreshBeforeExpiryMs;
  }
}
