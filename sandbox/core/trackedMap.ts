/**
 * A Map that remembers which keys were handed out or written since it was last drained. A
 * service's request handlers reach an entity through get() before they change it, so "touched"
 * is a safe superset of "changed": the estate's journal then saves only those entities
 * (sandbox/core/persistence.ts). Iterating values() marks nothing, so code that changes an
 * entity it found by iterating must call touch(); the test suite's part check catches a miss.
 */
export class TrackedMap<V> extends Map<string, V> {
  private readonly touched = new Set<string>();

  override get(key: string): V | undefined {
    const value = super.get(key);
    if (value !== undefined) this.touched.add(key);
    return value;
  }

  override set(key: string, value: V): this {
    // Map's constructor calls set() before the field above exists.
    this.touched?.add(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.touched.add(key);
    return super.delete(key);
  }

  override clear(): void {
    for (const key of this.keys()) this.touched.add(key);
    super.clear();
  }

  /** get() without marking: for code that only looks. */
  peek(key: string): V | undefined {
    return super.get(key);
  }

  /** Marks a key changed without a get() (an entity reached by iterating). */
  touch(key: string): void {
    this.touched.add(key);
  }

  /** The keys touched since the last drain (removed ones included), and forgets them. */
  drain(): string[] {
    const keys = [...this.touched];
    this.touched.clear();
    return keys;
  }
}
