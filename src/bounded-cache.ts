// Values worked out once per key, for keys that repeat (one per deployment or upstream URL). Bounded: past `max`
// keys it starts over, so keys a client can choose (its own api_base, when allowed) cannot grow it without end.
export class BoundedCache<V> {
  private readonly values = new Map<string, V>();

  constructor(private readonly max = 1024) {}

  /** The cached value, else compute()'s, kept for next time (a compute that throws keeps nothing). */
  get(key: string, compute: () => V): V {
    const cached = this.values.get(key);
    if (cached !== undefined) return cached;
    const value = compute();
    if (this.values.size >= this.max) this.values.clear();
    this.values.set(key, value);
    return value;
  }
}
