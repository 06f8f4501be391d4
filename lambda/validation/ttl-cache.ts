/**
 * A small in-process cache whose entries are fresh for a fixed time after they were stored, and
 * which holds a bounded number of them: past the bound the oldest stored is dropped (insertion
 * order, which a Map keeps), so a flood of distinct keys costs memory up to the bound only.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly storedAt: number }>();

  constructor(
    /** How long (ms) a stored value is fresh; 0 or less stores nothing. */
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The value stored under `key` if it is still fresh at `now` (epoch ms); a stale one is dropped. */
  get(key: string, now: number): { readonly value: V } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now - entry.storedAt < this.ttlMs) return { value: entry.value };
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, now: number): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    // Re-inserted, so that it counts as the newest.
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: now });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
