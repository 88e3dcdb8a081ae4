import { createHash } from "node:crypto";

/** How much a cache may hold: entries and (estimated) bytes, whichever is reached first. */
export interface CacheLimits {
  entries: number;
  bytes: number;
}

/**
 * A small in-process LRU cache of computed values by key. It holds what a computation measured,
 * never what was shown: callers put their disclosure control after it. A value is copied in and
 * out, so nothing a caller does to an answer can change the cached one: by `structuredClone`, or
 * by the owner's `copy`, which may share only parts it has frozen.
 */
export class QueryCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  #bytes = 0;
  /** Hits, misses (each a computation run) and evictions, for tests and the status page. */
  readonly stats = { hits: 0, misses: 0, evictions: 0 };

  constructor(
    readonly limits: CacheLimits,
    readonly copy: (v: V) => V = structuredClone,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The cached value of `key`, or `compute`'s, which is cached unless larger than the cache. */
  async getOrCompute(
    key: string,
    bytesOf: (v: V) => number,
    compute: () => Promise<V>,
  ): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit) {
      // Map keeps insertion order: moving the entry to the end makes the first the least recent.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      this.stats.hits++;
      return this.copy(hit.value);
    }
    this.stats.misses++;
    const value = await compute();
    const bytes = bytesOf(value);
    if (bytes <= this.limits.bytes && this.limits.entries > 0) {
      const old = this.#entries.get(key); // an identical request computed meanwhile
      if (old) this.#bytes -= old.bytes;
      this.#entries.delete(key);
      this.#entries.set(key, { value: this.copy(value), bytes });
      this.#bytes += bytes;
      for (const [k, e] of this.#entries) {
        if (this.#entries.size <= this.limits.entries && this.#bytes <= this.limits.bytes) break;
        this.#entries.delete(k);
        this.#bytes -= e.bytes;
        this.stats.evictions++;
      }
    }
    return value;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}

/** A cache key from its parts: a hash of their JSON, so a key holds no value of a part. */
export function cacheKey(parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}
