/**
 * The API surfaces of legacy packages, as declaration text a preset carries, so that usages
 * resolve from the import specifier alone — on a fresh clone, in CI before `npm install`, or for a
 * package that ships no types (lru-cache 6). Each is the body of `declare module '<name>' { … }`,
 * written from the package's documentation for the versions the preset covers. When the package
 * and its types are installed, those are used instead.
 */
export const apiSurfaces: Readonly<Record<string, string>> = {
  'lru-cache@6': `
  class LRUCache<K = any, V = any> {
    constructor(options?: number | LRUCache.Options<K, V>);
    /** The total length of the items (their lengths by \`length\`, else 1 each). */
    readonly length: number;
    /** The number of items. */
    readonly itemCount: number;
    max: number;
    maxAge: number;
    lengthCalculator: (value: V, key: K) => number;
    allowStale: boolean;
    /** \`maxAge\` in milliseconds, positional. */
    set(key: K, value: V, maxAge?: number): boolean;
    get(key: K): V | undefined;
    peek(key: K): V | undefined;
    has(key: K): boolean;
    del(key: K): void;
    reset(): void;
    /** Arrays, most recently used first. */
    keys(): K[];
    values(): V[];
    forEach<T = this>(callback: (this: T, value: V, key: K, cache: this) => void, thisArg?: T): void;
    rforEach<T = this>(callback: (this: T, value: V, key: K, cache: this) => void, thisArg?: T): void;
    prune(): void;
    dump(): Array<LRUCache.Entry<K, V>>;
    load(entries: ReadonlyArray<LRUCache.Entry<K, V>>): void;
  }
  namespace LRUCache {
    interface Options<K = any, V = any> {
      max?: number;
      /** Milliseconds. */
      maxAge?: number;
      length?(value: V, key?: K): number;
      /** Called with (key, value). */
      dispose?(key: K, value: V): void;
      stale?: boolean;
      noDisposeOnSet?: boolean;
      updateAgeOnGet?: boolean;
    }
    interface Entry<K, V> {
      k: K;
      v: V;
      e: number;
    }
  }
  export = LRUCache;
`,
};

/** The surface a preset declares for a package (`name@major`), or undefined. */
export function apiSurfaceOf(key: string | undefined): string | undefined {
  return key ? apiSurfaces[key] : undefined;
}
