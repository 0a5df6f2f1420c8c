/**
 * Shape rules: calls whose names are still valid in the new API but whose arguments changed
 * meaning — a positional TTL that the new version reads as options, a callback it never calls, an
 * option renamed or counted in another unit, a constructor it now refuses. Each preset carries a
 * table of them; the analysis reports every match with its own diagnostic code, and the cleanup
 * rewrite applies the ones that have a safe mechanical form (the rest are manual changes).
 *
 * A rule is data: where it looks (`on`), what it looks for (`test`), what a person reads
 * (`message`) and, for the tests that have one, the new form.
 */
export interface ShapeRule {
  /** Stable id, shown as the diagnostic's data and in reports: `lru-cache/positional-ttl`. */
  id: string;
  on: ShapeTarget;
  test: ShapeTest;
  /** One sentence: what changed, and the new form. */
  message: string;
}

/**
 * A construction or factory call of a legacy export (`member` absent), or a member call on its
 * instances; with `modules`, a call of `symbol.member` where `symbol` is imported from one of
 * those modules (a framework that hands options to the legacy package, such as NestJS's
 * `CacheModule.register`).
 */
export interface ShapeTarget {
  symbol: string;
  modules?: string[];
  /** With `modules`: `symbol` is an interface a class implements, `member` its method, and the rule looks at the object it returns. */
  implements?: boolean;
  /** A member name, or `*` for every member except `except`. */
  member?: string;
  except?: string[];
}

export type ShapeTest =
  /** Argument `arg` is there and is not an options object; the new form wraps it: `{ ttl: … }`. */
  | { kind: 'positional'; arg: number; wrapAs: string }
  /** The last argument is a function (a callback the new API never calls). */
  | { kind: 'callback' }
  /** A string flag at `arg` (`'EX'`, `'PX'`…) followed by its value; the new form is one options object. */
  | { kind: 'flags'; arg: number; flags: string[] }
  /** The options object at `arg` has `option`; `rename` gives the new name (absent: a manual change). */
  | { kind: 'option'; arg: number; option: string; rename?: string }
  /** `option` is a function whose first two parameters swapped places. */
  | { kind: 'swapped-parameters'; arg: number; option: string }
  /** `option` is a number of seconds that the new API reads as milliseconds; `positional`: the whole options object becomes that number. */
  | { kind: 'seconds-to-ms'; arg: number; option: string; positional?: boolean }
  /** The options object at `arg` (or its absence) sets none of `options`: the new API throws. */
  | { kind: 'requires-one-of'; arg: number; options: string[] }
  /** `option` moves out of the options object at `arg` to become the argument before it. */
  | { kind: 'option-to-argument'; arg: number; option: string }
  /** The first argument is one of these strings (an event name, a command): a manual change. */
  | { kind: 'first-argument'; values: string[] }
  /** The options object at `arg` has `option` (or one of `or`): a manual change, named. */
  | { kind: 'has-option'; arg: number; option: string; or?: string[] }
  /** `option` of the options object at `arg` is set to something other than a string (a store package): a manual change. */
  | { kind: 'non-string-option'; arg: number; option: string }
  /** Two or more positional arguments the new API takes as one options object; `names` are their keys (absent: manual). */
  | { kind: 'positional-options'; from: number; types: ('number' | 'string' | 'object')[]; names?: string[] };

/** lru-cache 6 → 7 and later (the changes its maintainers list for v7, which v10 keeps). */
const lruCache: ShapeRule[] = [
  {
    id: 'lru-cache/number-constructor',
    on: { symbol: 'LRUCache' },
    test: { kind: 'positional', arg: 0, wrapAs: 'max' },
    message: 'lru-cache 7+ takes only an options object: new LRUCache(n) becomes new LRUCache({ max: n }).',
  },
  {
    id: 'lru-cache/no-bound',
    on: { symbol: 'LRUCache' },
    test: { kind: 'requires-one-of', arg: 0, options: ['max', 'ttl', 'maxSize', 'maxAge'] },
    message: 'lru-cache 7+ throws when none of max, ttl or maxSize is set; choose a max.',
  },
  {
    id: 'lru-cache/max-age',
    on: { symbol: 'LRUCache' },
    test: { kind: 'option', arg: 0, option: 'maxAge', rename: 'ttl' },
    message: 'Option maxAge is called ttl in lru-cache 7+ (still milliseconds); without the rename entries never expire.',
  },
  {
    id: 'lru-cache/stale',
    on: { symbol: 'LRUCache' },
    test: { kind: 'option', arg: 0, option: 'stale', rename: 'allowStale' },
    message: 'Option stale is called allowStale in lru-cache 7+.',
  },
  {
    id: 'lru-cache/length',
    on: { symbol: 'LRUCache' },
    test: { kind: 'option', arg: 0, option: 'length', rename: 'sizeCalculation' },
    message: 'Option length is called sizeCalculation in lru-cache 7+ and needs maxSize to take effect.',
  },
  {
    id: 'lru-cache/dispose-order',
    on: { symbol: 'LRUCache' },
    test: { kind: 'swapped-parameters', arg: 0, option: 'dispose' },
    message:
      'dispose is called with (value, key, reason) in lru-cache 7+, not (key, value): the old order still type-checks and disposes the wrong thing.',
  },
  {
    id: 'lru-cache/positional-ttl',
    on: { symbol: 'LRUCache', member: 'set' },
    test: { kind: 'positional', arg: 2, wrapAs: 'ttl' },
    message: "lru-cache 7+ reads set()'s third argument as options: set(key, value, maxAge) becomes set(key, value, { ttl }).",
  },
];

const redisListeners = ['on', 'once', 'off', 'addListener', 'removeListener', 'prependListener', 'removeAllListeners', 'emit'];

/** node-redis 3 (callbacks) → node-redis 4 (promises). */
const redis: ShapeRule[] = [
  {
    id: 'redis/callback',
    on: { symbol: 'RedisClient', member: '*', except: redisListeners },
    test: { kind: 'callback' },
    message:
      'redis 4 commands return promises and never call a callback: await the command instead (the callback would silently never run).',
  },
  {
    id: 'redis/set-flags',
    on: { symbol: 'RedisClient', member: 'set' },
    test: { kind: 'flags', arg: 2, flags: ['EX', 'PX', 'EXAT', 'PXAT', 'NX', 'XX', 'KEEPTTL', 'GET'] },
    message: "redis 4 takes set()'s options as one object: set(key, value, 'EX', n) becomes set(key, value, { EX: n }).",
  },
  {
    id: 'redis/pubsub-listener',
    on: { symbol: 'RedisClient', member: 'on' },
    test: { kind: 'first-argument', values: ['message', 'pmessage', 'message_buffer', 'pmessage_buffer'] },
    message:
      "redis 4 emits no 'message' events: pass the listener to subscribe(channel, listener) on a dedicated client (client.duplicate()).",
  },
  {
    id: 'redis/create-client-port',
    on: { symbol: 'createClient' },
    test: { kind: 'positional-options', from: 0, types: ['number', 'string'], names: ['port', 'host'] },
    message: 'redis 4 takes one options object: createClient(port, host) becomes createClient({ socket: { port, host } }).',
  },
  ...[0, 1, 2].map((arg): ShapeRule => ({
    id: 'redis/prefix',
    on: { symbol: 'createClient' },
    test: { kind: 'has-option', arg, option: 'prefix' },
    message:
      'redis 4 has no prefix option: it is ignored and every key loses its prefix; add the prefix to the keys (or keep a small wrapper that does).',
  })),
  {
    id: 'redis/create-client-url',
    on: { symbol: 'createClient' },
    test: { kind: 'positional-options', from: 0, types: ['string', 'object'], names: ['url'] },
    message:
      'redis 4 takes one options object: createClient(url, options) becomes createClient({ url, ... }), and redis 3 options such as retry_strategy have new names under socket.',
  },
];

/** node-redis 3 → ioredis: callbacks keep working; connecting and its options differ. */
const ioredis: ShapeRule[] = [
  {
    id: 'ioredis/create-client-port',
    on: { symbol: 'createClient' },
    test: { kind: 'positional-options', from: 0, types: ['number', 'string'] },
    message: 'ioredis connects with new Redis(port, host) (the same order), not createClient(port, host).',
  },
  {
    id: 'ioredis/retry-strategy',
    on: { symbol: 'createClient' },
    test: { kind: 'has-option', arg: 0, option: 'retry_strategy' },
    message: 'ioredis calls retryStrategy(times) with the attempt count, not retry_strategy(options) with an object; rewrite the strategy.',
  },
  // The options come first, or after a URL or socket path, or after a port and host.
  ...[0, 1, 2].flatMap((arg): ShapeRule[] => [
    {
      id: 'ioredis/connect-timeout',
      on: { symbol: 'createClient' },
      test: { kind: 'option', arg, option: 'connect_timeout', rename: 'connectTimeout' },
      message: 'Option connect_timeout is called connectTimeout in ioredis.',
    },
    {
      id: 'ioredis/key-prefix',
      on: { symbol: 'createClient' },
      test: { kind: 'option', arg, option: 'prefix', rename: 'keyPrefix' },
      message: 'Option prefix is called keyPrefix in ioredis; under the old name ioredis ignores it and every key loses its prefix.',
    },
  ]),
  {
    id: 'ioredis/pubsub-listener',
    on: { symbol: 'RedisClient', member: 'on' },
    test: { kind: 'first-argument', values: ['subscribe', 'unsubscribe'] },
    message:
      "ioredis reports subscriptions through subscribe()'s callback or promise, not 'subscribe' events with the same arguments; check the listener.",
  },
];

/** cache-manager 4 → 5: TTLs in milliseconds, stores named first, promises. */
const cacheManager: ShapeRule[] = [
  {
    id: 'cache-manager/caching-ttl-seconds',
    on: { symbol: 'caching' },
    test: { kind: 'seconds-to-ms', arg: 0, option: 'ttl' },
    message: 'cache-manager 5 counts ttl in milliseconds, not seconds: the same number expires entries 1000 times sooner.',
  },
  {
    id: 'cache-manager/store-first',
    on: { symbol: 'caching' },
    test: { kind: 'option-to-argument', arg: 0, option: 'store' },
    message:
      "cache-manager 5 takes the store first: caching({ store: 'memory', … }) becomes caching('memory', { … }); a store package is created first, caching(await redisStore({ … })).",
  },
  {
    id: 'cache-manager/set-ttl-seconds',
    on: { symbol: 'Cache', member: 'set' },
    test: { kind: 'seconds-to-ms', arg: 2, option: 'ttl', positional: true },
    message:
      "cache-manager 5 takes set()'s ttl as a number of milliseconds: set(key, value, { ttl: 10 }) becomes set(key, value, 10 * 1000).",
  },
  {
    id: 'cache-manager/wrap-ttl-seconds',
    on: { symbol: 'Cache', member: 'wrap' },
    test: { kind: 'seconds-to-ms', arg: 2, option: 'ttl', positional: true },
    message: "cache-manager 5 takes wrap()'s ttl as a number of milliseconds: wrap(key, fn, { ttl: 10 }) becomes wrap(key, fn, 10 * 1000).",
  },
  {
    id: 'cache-manager/nest-register-ttl',
    on: { symbol: 'CacheModule', member: 'register', modules: ['@nestjs/common', '@nestjs/cache-manager'] },
    test: { kind: 'seconds-to-ms', arg: 0, option: 'ttl' },
    message:
      'With cache-manager 5, NestJS passes CacheModule.register({ ttl }) through in milliseconds, not seconds: the same number expires entries 1000 times sooner.',
  },
  {
    id: 'cache-manager/nest-register-async-ttl',
    on: { symbol: 'CacheModule', member: 'registerAsync', modules: ['@nestjs/common', '@nestjs/cache-manager'] },
    test: { kind: 'has-option', arg: 0, option: 'useFactory', or: ['useClass', 'useExisting'] },
    message:
      'With cache-manager 5, the ttl that this CacheModule.registerAsync factory (or CacheOptionsFactory) returns is in milliseconds, not seconds; multiply it by 1000.',
  },
  {
    id: 'cache-manager/nest-options-factory-ttl',
    on: {
      symbol: 'CacheOptionsFactory',
      member: 'createCacheOptions',
      modules: ['@nestjs/common', '@nestjs/cache-manager'],
      implements: true,
    },
    test: { kind: 'seconds-to-ms', arg: 0, option: 'ttl' },
    message:
      'With cache-manager 5, the ttl this CacheOptionsFactory returns is in milliseconds, not seconds: the same number expires entries 1000 times sooner.',
  },
  {
    id: 'cache-manager/nest-options-factory-store',
    on: {
      symbol: 'CacheOptionsFactory',
      member: 'createCacheOptions',
      modules: ['@nestjs/common', '@nestjs/cache-manager'],
      implements: true,
    },
    test: { kind: 'non-string-option', arg: 0, option: 'store' },
    message:
      'With cache-manager 5, a store package is a factory that takes its own options (cache-manager-redis-store 3: store: () => redisStore({ socket: { host, port }, password })); host, port and auth_pass next to it are no longer read.',
  },
  {
    id: 'cache-manager/callback',
    on: { symbol: 'Cache', member: '*' },
    test: { kind: 'callback' },
    message: 'cache-manager 5 methods return promises and take no callback: await the call instead.',
  },
];

/** The tables by preset id. */
export const shapeRules: Readonly<Record<string, readonly ShapeRule[]>> = {
  'lru-cache-6-to-10': lruCache,
  'redis-3-to-4': redis,
  'redis-3-to-ioredis': ioredis,
  'cache-manager-4-to-5': cacheManager,
};
