/**
 * The API surfaces of legacy packages, as declaration text a preset carries, so that usages
 * resolve from the import specifier alone — on a fresh clone, in CI before `npm install`, or for a
 * package that ships no types (lru-cache 6). Each is the text of a module declaration file,
 * written from the package's documentation for the versions the preset covers. When the package
 * and its types are installed at a legacy version, those are used instead.
 */
export const apiSurfaces: Readonly<Record<string, string>> = {
  'lru-cache@6': `
  /** lru-cache 4 to 6: a constructor that older versions also let callers call without \`new\`. */
  interface LRUCache<K = any, V = any> {
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
  declare const LRUCache: {
    new <K = any, V = any>(options?: number | LRUCache.Options<K, V>): LRUCache<K, V>;
    <K = any, V = any>(options?: number | LRUCache.Options<K, V>): LRUCache<K, V>;
  };
  declare namespace LRUCache {
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
  'redis@3': `
  type Callback<T = any> = (error: Error | null, reply: T) => void;
  export interface ClientOpts {
    host?: string;
    port?: number;
    path?: string;
    url?: string;
    password?: string;
    db?: string | number;
    prefix?: string;
    tls?: any;
    connect_timeout?: number;
    retry_strategy?(options: any): number | Error | undefined;
    [option: string]: any;
  }
  /** node-redis 3: every command takes an optional callback last and returns whether it was queued. */
  export class RedisClient {
    connected: boolean;
    ready: boolean;
    command_queue_length: number;
    offline_queue_length: number;
    on(event: string, listener: (...args: any[]) => void): this;
    once(event: string, listener: (...args: any[]) => void): this;
    get(key: string, cb?: Callback<string | null>): boolean;
    set(key: string, value: string, ...args: any[]): boolean;
    setex(key: string, seconds: number, value: string, cb?: Callback<string>): boolean;
    psetex(key: string, milliseconds: number, value: string, cb?: Callback<string>): boolean;
    setnx(key: string, value: string, cb?: Callback<number>): boolean;
    getset(key: string, value: string, cb?: Callback<string | null>): boolean;
    mget(...args: any[]): boolean;
    mset(...args: any[]): boolean;
    del(...args: any[]): boolean;
    exists(...args: any[]): boolean;
    expire(key: string, seconds: number, cb?: Callback<number>): boolean;
    pexpire(key: string, milliseconds: number, cb?: Callback<number>): boolean;
    ttl(key: string, cb?: Callback<number>): boolean;
    pttl(key: string, cb?: Callback<number>): boolean;
    incr(key: string, cb?: Callback<number>): boolean;
    incrby(key: string, increment: number, cb?: Callback<number>): boolean;
    decr(key: string, cb?: Callback<number>): boolean;
    keys(pattern: string, cb?: Callback<string[]>): boolean;
    scan(...args: any[]): boolean;
    hget(key: string, field: string, cb?: Callback<string | null>): boolean;
    hset(...args: any[]): boolean;
    hmset(...args: any[]): boolean;
    hgetall(key: string, cb?: Callback<Record<string, string> | null>): boolean;
    hdel(...args: any[]): boolean;
    hincrby(key: string, field: string, increment: number, cb?: Callback<number>): boolean;
    lpush(...args: any[]): boolean;
    rpush(...args: any[]): boolean;
    lrange(key: string, start: number, stop: number, cb?: Callback<string[]>): boolean;
    sadd(...args: any[]): boolean;
    smembers(key: string, cb?: Callback<string[]>): boolean;
    srem(...args: any[]): boolean;
    zadd(...args: any[]): boolean;
    zrange(...args: any[]): boolean;
    flushdb(cb?: Callback<string>): boolean;
    flushall(cb?: Callback<string>): boolean;
    publish(channel: string, message: string, cb?: Callback<number>): boolean;
    subscribe(...channels: any[]): boolean;
    unsubscribe(...channels: any[]): boolean;
    multi(commands?: any[]): any;
    batch(commands?: any[]): any;
    send_command(command: string, args?: any[], cb?: Callback): boolean;
    quit(cb?: Callback<'OK'>): boolean;
    end(flush?: boolean): void;
    unref(): void;
    duplicate(options?: ClientOpts, cb?: Callback<RedisClient>): RedisClient;
    /** Any other command, by its name. */
    [command: string]: any;
  }
  export function createClient(port?: number | string | ClientOpts, host?: string | ClientOpts, options?: ClientOpts): RedisClient;
  export function print(error: Error | null, reply: any): void;
`,
  'cache-manager@4': `
  type Callback<T = any> = (error: any, result: T) => void;
  /** Seconds, or a function of the value giving seconds. */
  type Ttl = number | ((value: any) => number);
  export interface CachingConfig {
    ttl?: Ttl;
    [option: string]: any;
  }
  export interface StoreConfig extends CachingConfig {
    /** A store name ('memory', 'none') or a store module (redis, mongodb…). */
    store: string | any;
    max?: number;
    isCacheableValue?(value: any): boolean;
  }
  /** cache-manager 4: promises, or a callback as the last argument; ttl in seconds. */
  export interface Cache {
    store: any;
    get<T = any>(key: string, options?: any, cb?: Callback<T>): Promise<T | undefined>;
    set<T = any>(key: string, value: T, options?: CachingConfig | number, cb?: Callback<void>): Promise<T>;
    del(key: string, cb?: Callback<void>): Promise<any>;
    reset(cb?: Callback<void>): Promise<void>;
    wrap<T = any>(key: string, work: (cb?: Callback<T>) => any, options?: CachingConfig | Callback<T>, cb?: Callback<T>): Promise<T>;
    keys(pattern?: string, cb?: Callback<string[]>): Promise<string[]>;
    ttl(key: string, cb?: Callback<number>): Promise<number>;
    mget(...args: any[]): Promise<any[]>;
    mset(...args: any[]): Promise<any>;
    mdel(...args: any[]): Promise<any>;
  }
  export function caching(config: StoreConfig): Cache;
  export function multiCaching(caches: Cache[], options?: any): Cache;
`,
};

/** The surface a preset declares for a package (`name@major`), or undefined. */
export function apiSurfaceOf(key: string | undefined): string | undefined {
  return key ? apiSurfaces[key] : undefined;
}
