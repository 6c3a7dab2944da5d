/**
 * The newest `limit` entries of a log. The simulator logs every disposition and callback; a load test
 * makes millions, and a log that kept them all would be the simulator's largest use of memory.
 */
export class RecentLog<T> {
  private items: T[] = [];

  constructor(readonly limit: number) {}

  push(item: T): void {
    this.items.push(item);
    // Trimmed in one go once it holds twice the limit: a constant cost per entry.
    if (this.items.length >= 2 * this.limit) this.items = this.items.slice(-this.limit);
  }

  /** The newest entries, oldest first. */
  list(): T[] {
    return this.items.length > this.limit ? this.items.slice(-this.limit) : [...this.items];
  }

  clear(): void {
    this.items = [];
  }
}
