/** A minimal typed event: subscribe with `on`, which returns a function that unsubscribes. */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  on(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }

  /** Drops every listener (the owner is going away). */
  dispose(): void {
    this.listeners.clear();
  }
}
