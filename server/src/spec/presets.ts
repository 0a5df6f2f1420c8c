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
  };
  target?: { module?: string; exports?: string[] };
  adapter?: { module?: string };
  members?: Record<string, Record<string, Record<string, string>>>;
  constructors?: Record<string, { replace: string; note?: string; shared?: boolean }>;
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
    title: 'Auto-detected getCacheInstance() to an explicit CacheFactory',
    legacy: { exports: ['getCacheInstance'] },
    target: { exports: ['CacheFactory'] },
    constructors: {
      getCacheInstance: {
        replace: 'CacheFactory.forWebApp()',
        note: 'Pick forWebApp, forAiApp or forTesting explicitly instead of relying on environment detection.',
        shared: true,
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
