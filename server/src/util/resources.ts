/**
 * Timers and watchers a workspace folder holds, counted per folder while they are live, so a test
 * can check that a folder that went away left nothing running (unreferenced timers and
 * non-persistent watchers do not show in `process.getActiveResourcesInfo()`).
 */
const live = new Map<string, number>();

function count(owner: string, kind: string, delta: number): void {
  const key = `${owner}\u0000${kind}`;
  const next = (live.get(key) ?? 0) + delta;
  if (next <= 0) live.delete(key);
  else live.set(key, next);
}

/** Live resources by folder and kind: `{ "/work/a": { timer: 1, watcher: 3 } }`. */
export function liveResources(): Record<string, Record<string, number>> {
  const result: Record<string, Record<string, number>> = {};
  for (const [key, n] of live) {
    const [owner, kind] = key.split('\u0000');
    (result[owner] ??= {})[kind] = n;
  }
  return result;
}

/** A one-shot timer owned by a folder; setting it again replaces the pending one. */
export class Timer {
  private handle: NodeJS.Timeout | undefined;

  constructor(private readonly owner: string) {}

  set(run: () => void, ms: number, options: { unref?: boolean } = {}): void {
    this.clear();
    count(this.owner, 'timer', 1);
    this.handle = setTimeout(() => {
      this.handle = undefined;
      count(this.owner, 'timer', -1);
      run();
    }, ms);
    if (options.unref) this.handle.unref();
  }

  clear(): void {
    if (!this.handle) return;
    clearTimeout(this.handle);
    this.handle = undefined;
    count(this.owner, 'timer', -1);
  }
}

/** Counts a watcher of a folder as live until it is closed. */
export function trackWatcher<T extends { close(): void }>(owner: string, watcher: T): T {
  count(owner, 'watcher', 1);
  const close = watcher.close.bind(watcher);
  let closed = false;
  watcher.close = () => {
    if (!closed) count(owner, 'watcher', -1);
    closed = true;
    close();
  };
  return watcher;
}
