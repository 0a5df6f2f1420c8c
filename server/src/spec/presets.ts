/**
 * Built-in presets: starting points for common cache migrations. A spec names one with `preset`
 * and overrides any field. They are written in the raw spec shape (as a user would write it).
 */
export interface RawSpecFragment {
  /** A preset's default id (a spec naming only the preset is complete). */
  id?: string;
  title?: string;
  legacy?: {
    modules?: string[];
    exports?: string[];
    /** Legacy packages' API surfaces the preset carries (package → key in `apiSurfaces`). */
    api?: Record<string, string>;
    environment?: string[];
  };
  target?: { module?: string; exports?: string[] };
  adapter?: { module?: string };
  members?: Record<string, Record<string, RawMemberRule>>;
  constructors?: Record<string, { replace: string; note?: string; shared?: boolean; when?: RawWhenCase[] }>;
  /** Named sets of files for `when` cases (`tests` is built in). */
  contexts?: Record<string, string[]>;
}

/** A member rule as written: one of rename, replace or manual, with an optional note and cases. */
export interface RawMemberRule {
  rename?: string;
  replace?: string;
  manual?: string;
  note?: string;
  when?: RawWhenCase[];
}

/** One `when` case as written: files (globs) or a named context, and the replacement there. */
export interface RawWhenCase {
  files?: string[];
  context?: string;
  replace: string;
  note?: string;
}

export const presets: Readonly<Record<string, RawSpecFragment>> = {
  'async-ttl-cache': {
    title: 'AsyncTTLCache to ImprovedAsyncCache',
    legacy: { exports: ['AsyncTTLCache'] },
    target: { exports: ['ImprovedAsyncCache', 'CacheFactory'] },
    members: {
      AsyncTTLCache: {
        stop: { rename: 'shutdown' },
        getDetailedMetrics: { rename: 'getStats' },
        size: {
          replace: '(await {receiver}.getKeys()).length',
          note: 'ImprovedAsyncCache has no size(); counting keys is asynchronous.',
        },
      },
    },
    constructors: {
      AsyncTTLCache: {
        replace: 'CacheFactory.forWebApp({args})',
        note: 'Construction goes through the explicit factory.',
      },
    },
  },
  'cache-factory': {
    title: 'Auto-detected getCacheInstance() and direct constructors to an explicit CacheFactory',
    legacy: { exports: ['getCacheInstance', 'AIResponseCache', 'InMemoryCache', 'GenericRedisCache'] },
    target: { exports: ['CacheFactory'] },
    // Written for a factory with static methods; the analysis writes each call in the form the
    // target module has (`await new CacheFactory().forWebApp()`, a shared instance it exports).
    constructors: {
      getCacheInstance: {
        replace: 'CacheFactory.forWebApp()',
        note: 'The factory method says what the cache is for, instead of environment detection.',
        shared: true,
        when: [
          { context: 'tests', replace: 'CacheFactory.forTesting()', note: 'Tests get an isolated cache.' },
          { context: 'ai', replace: 'CacheFactory.forAiApp()' },
        ],
      },
      AIResponseCache: {
        replace: 'CacheFactory.forAiApp({args})',
        note: 'The AI cache comes from the factory, with its options.',
        when: [{ context: 'tests', replace: 'CacheFactory.forTesting({args})', note: 'Tests get an isolated cache.' }],
      },
      InMemoryCache: {
        replace: 'CacheFactory.forWebApp({args})',
        note: 'The factory picks the store; its options carry over.',
        when: [{ context: 'tests', replace: 'CacheFactory.forTesting({args})', note: 'Tests get an isolated cache.' }],
      },
      GenericRedisCache: {
        replace: 'CacheFactory.forWebApp({args})',
        note: 'The factory picks the store; its options carry over.',
        when: [{ context: 'tests', replace: 'CacheFactory.forTesting({args})', note: 'Tests get an isolated cache.' }],
      },
    },
  },
  'lru-cache-6-to-10': {
    id: 'lru-cache-6-to-10',
    title: 'lru-cache 6 to lru-cache 10',
    legacy: { modules: ['lru-cache'], exports: [], api: { 'lru-cache': 'lru-cache@6' } },
    target: { module: 'lru-cache-10', exports: ['LRUCache'] },
    adapter: { module: 'src/cache-migration/lru-cache-adapter.ts' },
    members: {
      LRUCache: {
        del: { rename: 'delete' },
        reset: { rename: 'clear' },
        prune: { rename: 'purgeStale' },
        itemCount: { replace: '{receiver}.size', note: 'itemCount became size.' },
        maxAge: { rename: 'ttl' },
        length: {
          manual: 'length summed item lengths; use calculatedSize with a sizeCalculation, or size for the count.',
        },
        keys: { replace: '[...{receiver}.keys()]', note: 'keys() returns an iterator in lru-cache 10.' },
        values: { replace: '[...{receiver}.values()]', note: 'values() returns an iterator in lru-cache 10.' },
      },
    },
    constructors: {
      LRUCache: {
        replace: 'new LRUCache({args})',
        note: 'lru-cache 10 exports the class by name: { LRUCache }.',
      },
    },
  },
  'redis-3-to-4': {
    id: 'redis-3-to-4',
    adapter: { module: 'src/cache-migration/redis-adapter.ts' },
    title: 'redis 3 (callbacks) to redis 4 (promises)',
    legacy: { modules: ['redis'], exports: ['createClient', 'RedisClient'], api: { redis: 'redis@3' } },
    target: { module: 'redis-4', exports: ['createClient'] },
    members: {
      RedisClient: {
        hmset: { rename: 'hSet' },
        hgetall: { rename: 'hGetAll' },
        setex: { rename: 'setEx' },
        psetex: { rename: 'pSetEx' },
        setnx: { rename: 'setNX' },
        flushdb: { rename: 'flushDb' },
        flushall: { rename: 'flushAll' },
        hincrby: { rename: 'hIncrBy' },
        incrby: { rename: 'incrBy' },
        pexpire: { rename: 'pExpire' },
        end: { rename: 'disconnect' },
        connected: { rename: 'isReady', note: 'connected became isReady (isOpen: the socket is open).' },
        on: { manual: 'redis 4 emits the same events, but commands return promises; remove callbacks first.' },
      },
    },
    constructors: {
      createClient: {
        replace: 'createClient({args})',
        note: 'redis 4 clients must be connected with await client.connect() before use.',
      },
    },
  },
  'redis-3-to-ioredis': {
    id: 'redis-3-to-ioredis',
    adapter: { module: 'src/cache-migration/ioredis-adapter.ts' },
    title: 'redis 3 (node-redis callbacks) to ioredis',
    legacy: { modules: ['redis'], exports: ['createClient', 'RedisClient'], api: { redis: 'redis@3' } },
    target: { module: 'ioredis', exports: ['Redis'] },
    members: {
      RedisClient: {
        end: { rename: 'disconnect' },
        connected: { replace: "({receiver}.status === 'ready')", note: 'ioredis says ready through status.' },
        hgetall: {
          manual:
            'ioredis answers {} for a hash that does not exist, where redis 3 answered null: check what the code does with an empty answer, then rewrite it by hand.',
        },
        send_command: {
          manual: 'ioredis sends any command with call(name, ...args) or sendCommand(new Command(...)).',
        },
      },
    },
    constructors: {
      createClient: {
        replace: 'new Redis({args})',
        note: 'ioredis takes the same port, host, URL or options and connects by itself; callbacks keep working.',
      },
    },
  },
  'cache-manager-4-to-5': {
    id: 'cache-manager-4-to-5',
    adapter: { module: 'src/cache-migration/cache-manager-adapter.ts' },
    title: 'cache-manager 4 to cache-manager 5',
    legacy: {
      modules: ['cache-manager'],
      exports: ['caching', 'multiCaching', 'Cache'],
      api: { 'cache-manager': 'cache-manager@4' },
    },
    target: { module: 'cache-manager-5', exports: ['caching', 'multiCaching'] },
    constructors: {
      caching: {
        replace: 'await caching({args})',
        note: 'caching() is asynchronous in cache-manager 5 and takes the store name first.',
      },
    },
  },
};
