import { rolloutModeLines } from './adapterScaffold';
import { commentSafe, stringLiteral } from './literal';

/**
 * Adapters for legacy *packages*, one per preset that migrates one. A package's API is not in the
 * workspace to model, and its changes are not renames a type check can prove (lru-cache 6's
 * `set(k, v, maxAge)` is lru-cache 10's `set(k, v, { ttl })`), so each such preset carries its
 * routes as reviewed code: the legacy package's own export, adapted by the runtime, with every
 * member that reaches the new API translating its arguments at run time.
 *
 * The adapter is written in TypeScript; a JavaScript workspace gets it transpiled (workspace/).
 */
export interface PackageAdapterInput {
  migrationId: string;
  title: string;
  /** The legacy package, as imported (`lru-cache`). */
  legacyModule: string;
  /** The target module as the adapter imports it (a package, or a relative specifier). */
  targetSpecifier: string;
  /** The runtime module beside the adapter, as the adapter imports it. */
  runtimeSpecifier: string;
  runtimeFileName: string;
  flag: string;
  /** How the adapter's module is loaded: `require` (CommonJS) or `import` (ES modules). */
  moduleKind: 'commonjs' | 'esm';
}

export interface PackageAdapterSource {
  /** The adapter, in TypeScript. */
  text: string;
  /** What a person should look at, in sentences. */
  notes: string[];
}

interface PackageAdapterDefinition {
  /** How the two implementations keep one state, so a rollback is instant (header sentences). */
  contract: string[];
  /** One line per member: how it reaches the new API. */
  members: string[];
  notes: string[];
  /** The adapter's code after its header: imports, translation helpers, routes and the export. */
  body(input: PackageAdapterInput): string[];
}

/** The legacy package, as the adapter imports it (its whole module: `export =` or a default). */
function importLegacy(input: PackageAdapterInput): string {
  return input.moduleKind === 'esm'
    ? `import Legacy from ${stringLiteral(input.legacyModule)};`
    : `import Legacy = require(${stringLiteral(input.legacyModule)});`;
}

/**
 * The exports of an adapter around a factory: the legacy module's own, with the factory adapted;
 * as CommonJS the whole object, so `require()` keeps the legacy module's shape.
 */
function factoryExports(input: PackageAdapterInput, factory: string, name: string): string[] {
  return input.moduleKind === 'esm'
    ? [`export { ${factory} };`, `export default { ...Legacy, ${factory} };`]
    : [`const ${name} = { ...Legacy, ${factory} };`, `export = ${name};`];
}

const lruCache6To10: PackageAdapterDefinition = {
  contract: [
    'Writes also run on the legacy side, so rolling back is instant; a read the new side misses is answered by legacy and back-filled.',
  ],
  members: [
    'get(key) → get(key), read through from lru-cache 6 while the new cache is cold',
    'peek(key), has(key) → peek(key), has(key), read through the same way',
    'set(key, value, maxAge) → set(key, value, { ttl: maxAge }) (runs on both)',
    'del(key) → delete(key), reset() → clear(), prune() → purgeStale() (run on both)',
    'keys(), values() → [...keys()], [...values()] (lru-cache 10 returns iterators)',
    'forEach, rforEach, dump, load and the properties (length, itemCount, max, maxAge) answer from lru-cache 6, which has every write',
  ],
  notes: [
    'The constructor options are translated for lru-cache 10: a number is { max }, maxAge is ttl, stale is allowStale, and length with max is sizeCalculation with maxSize.',
    "dispose runs on the lru-cache 6 side only while the adapter exists (it has every write, so every value is disposed once); after the cleanup it is lru-cache 10's dispose(value, key, reason).",
    'A cache with no max, maxSize or maxAge was unbounded in lru-cache 6; lru-cache 10 refuses one, so its calls stay on lru-cache 6 (counted as fallbacks) until it is given a max.',
  ],
  body(input) {
    return [
      importLegacy(input),
      `import { LRUCache as NextLRUCache } from ${stringLiteral(input.targetSpecifier)};`,
      `import { stepwiseAdaptClass } from ${stringLiteral(input.runtimeSpecifier)};`,
      `import type { StepwiseRoutes } from ${stringLiteral(input.runtimeSpecifier)};`,
      '',
      '/** lru-cache 6 constructor options as lru-cache 10 reads them (options lru-cache 10 already knows pass through). */',
      'function nextOptions(options: any): any {',
      "  const given: any = typeof options === 'number' ? { max: options } : { ...(options ?? {}) };",
      '  const next: any = {};',
      "  for (const known of ['ttl', 'allowStale', 'updateAgeOnGet', 'updateAgeOnHas', 'ttlAutopurge', 'maxSize', 'sizeCalculation', 'noUpdateTTL']) {",
      '    if (given[known] !== undefined) next[known] = given[known];',
      '  }',
      '  const max = Number(given.max);',
      "  if (typeof given.length === 'function' && max > 0 && Number.isFinite(max)) {",
      '    const length = given.length;',
      '    next.maxSize = max;',
      '    next.sizeCalculation = (value: unknown, key: unknown) => Math.max(1, Math.ceil(Number(length(value, key)) || 1));',
      '  } else if (max > 0 && Number.isFinite(max)) {',
      '    next.max = max;',
      '  }',
      "  if (typeof given.maxAge === 'number' && given.maxAge > 0) next.ttl = given.maxAge;",
      '  if (given.stale) next.allowStale = true;',
      '  if (next.max === undefined && next.maxSize === undefined && next.ttl === undefined) {',
      "    throw new Error('lru-cache 10 needs max, maxSize or ttl; this cache is unbounded in lru-cache 6, so it stays there until it is given a max.');",
      '  }',
      '  return next;',
      '}',
      '',
      'const routes: StepwiseRoutes<NextLRUCache<any, any>> = {',
      "  get: { read: true, fill: 'set', call: (next, args) => next.get(args[0]) },",
      '  peek: { read: true, call: (next, args) => next.peek(args[0]) },',
      '  // A miss (undefined) lets lru-cache 6 answer while the new cache is cold.',
      '  has: { read: true, call: (next, args) => (next.has(args[0]) ? true : undefined) },',
      '  set: {',
      '    both: true,',
      "    call: (next, args) => (next.set(args[0], args[1], typeof args[2] === 'number' && args[2] > 0 ? { ttl: args[2] } : undefined), true),",
      '  },',
      '  del: { both: true, call: (next, args) => void next.delete(args[0]) },',
      '  reset: { both: true, call: (next) => next.clear() },',
      '  prune: { both: true, call: (next) => void next.purgeStale() },',
      '  keys: { call: (next) => [...next.keys()] },',
      '  values: { call: (next) => [...next.values()] },',
      '};',
      '',
      '/**',
      ' * lru-cache 6, adapted: the same class and contract, the implementation chosen by the rollout flag.',
      " * It keeps lru-cache 6's name, which the preset's rules (and the cleanup) know it by.",
      ' * @type {typeof Legacy}',
      ' */',
      'const LRUCache: typeof Legacy = stepwiseAdaptClass(Legacy, (args: any[]) => new NextLRUCache<any, any>(nextOptions(args[0])), routes);',
      input.moduleKind === 'esm' ? 'export default LRUCache;' : 'export = LRUCache;',
    ];
  },
};

/** A node-redis 3 command as the adapter routes it: how it keeps one state, and its call on each new client. */
interface RedisRoute {
  /** redis 3's name. */
  name: string;
  /** `read`: compared in shadow mode; `once`: a write, on one side only; `both`: the client's lifecycle. */
  kind: 'read' | 'once' | 'both';
  /** The call on redis 4 and on ioredis: `c` the client, `k(key)` a key under the prefix, `a` the arguments. */
  redis4: string;
  ioredis: string;
  ttl?: boolean;
}

const keys = 'list(a).map(k)';
const rest = 'list(a, 1).map(text)';
const redisRoutes: RedisRoute[] = [
  { name: 'get', kind: 'read', redis4: 'c.get(k(a[0]))', ioredis: 'c.get(k(a[0]))' },
  { name: 'hget', kind: 'read', redis4: 'c.hGet(k(a[0]), text(a[1]))', ioredis: 'c.hget(k(a[0]), text(a[1]))' },
  { name: 'mget', kind: 'read', redis4: `c.mGet(${keys})`, ioredis: `c.mget(...${keys})` },
  { name: 'exists', kind: 'read', redis4: `c.exists(${keys})`, ioredis: `c.exists(...${keys})` },
  { name: 'ttl', kind: 'read', ttl: true, redis4: 'c.ttl(k(a[0]))', ioredis: 'c.ttl(k(a[0]))' },
  { name: 'pttl', kind: 'read', ttl: true, redis4: 'c.pTTL(k(a[0]))', ioredis: 'c.pttl(k(a[0]))' },
  { name: 'hgetall', kind: 'read', redis4: 'c.hGetAll(k(a[0])).then(orNull)', ioredis: 'c.hgetall(k(a[0])).then(orNull)' },
  {
    name: 'lrange',
    kind: 'read',
    redis4: 'c.lRange(k(a[0]), Number(a[1]), Number(a[2]))',
    ioredis: 'c.lrange(k(a[0]), Number(a[1]), Number(a[2]))',
  },
  { name: 'smembers', kind: 'read', redis4: 'c.sMembers(k(a[0]))', ioredis: 'c.smembers(k(a[0]))' },
  {
    name: 'set',
    kind: 'once',
    redis4: 'c.set(k(a[0]), text(a[1]), setOptions(a.slice(2)))',
    ioredis: 'c.set(k(a[0]), text(a[1]), ...a.slice(2))',
  },
  {
    name: 'setex',
    kind: 'once',
    redis4: 'c.setEx(k(a[0]), Number(a[1]), text(a[2]))',
    ioredis: 'c.setex(k(a[0]), Number(a[1]), text(a[2]))',
  },
  {
    name: 'psetex',
    kind: 'once',
    redis4: 'c.pSetEx(k(a[0]), Number(a[1]), text(a[2]))',
    ioredis: 'c.psetex(k(a[0]), Number(a[1]), text(a[2]))',
  },
  { name: 'setnx', kind: 'once', redis4: 'c.setNX(k(a[0]), text(a[1])).then(oneOrZero)', ioredis: 'c.setnx(k(a[0]), text(a[1]))' },
  { name: 'del', kind: 'once', redis4: `c.del(${keys})`, ioredis: `c.del(...${keys})` },
  { name: 'expire', kind: 'once', redis4: 'c.expire(k(a[0]), Number(a[1])).then(oneOrZero)', ioredis: 'c.expire(k(a[0]), Number(a[1]))' },
  {
    name: 'pexpire',
    kind: 'once',
    redis4: 'c.pExpire(k(a[0]), Number(a[1])).then(oneOrZero)',
    ioredis: 'c.pexpire(k(a[0]), Number(a[1]))',
  },
  { name: 'incr', kind: 'once', redis4: 'c.incr(k(a[0]))', ioredis: 'c.incr(k(a[0]))' },
  { name: 'incrby', kind: 'once', redis4: 'c.incrBy(k(a[0]), Number(a[1]))', ioredis: 'c.incrby(k(a[0]), Number(a[1]))' },
  { name: 'decr', kind: 'once', redis4: 'c.decr(k(a[0]))', ioredis: 'c.decr(k(a[0]))' },
  { name: 'hset', kind: 'once', redis4: `c.hSet(k(a[0]), fields(a))`, ioredis: `c.hset(k(a[0]), fields(a))` },
  { name: 'hmset', kind: 'once', redis4: `c.hSet(k(a[0]), fields(a)).then(() => 'OK')`, ioredis: `c.hmset(k(a[0]), fields(a))` },
  { name: 'hdel', kind: 'once', redis4: `c.hDel(k(a[0]), ${rest})`, ioredis: `c.hdel(k(a[0]), ...${rest})` },
  {
    name: 'hincrby',
    kind: 'once',
    redis4: 'c.hIncrBy(k(a[0]), text(a[1]), Number(a[2]))',
    ioredis: 'c.hincrby(k(a[0]), text(a[1]), Number(a[2]))',
  },
  { name: 'lpush', kind: 'once', redis4: `c.lPush(k(a[0]), ${rest})`, ioredis: `c.lpush(k(a[0]), ...${rest})` },
  { name: 'rpush', kind: 'once', redis4: `c.rPush(k(a[0]), ${rest})`, ioredis: `c.rpush(k(a[0]), ...${rest})` },
  { name: 'sadd', kind: 'once', redis4: `c.sAdd(k(a[0]), ${rest})`, ioredis: `c.sadd(k(a[0]), ...${rest})` },
  { name: 'srem', kind: 'once', redis4: `c.sRem(k(a[0]), ${rest})`, ioredis: `c.srem(k(a[0]), ...${rest})` },
  { name: 'flushdb', kind: 'once', redis4: 'c.flushDb()', ioredis: 'c.flushdb()' },
  { name: 'quit', kind: 'both', redis4: 'c.quit()', ioredis: 'c.quit()' },
  { name: 'end', kind: 'both', redis4: 'c.disconnect()', ioredis: 'Promise.resolve(c.disconnect())' },
];

/**
 * node-redis 3 → redis 4 or ioredis. Both clients talk to the same Redis, so nothing is copied:
 * each command runs once, on the client the mode picks, and a rollback is instant. Callers keep
 * redis 3's callbacks (the adapter calls them once, with redis 3's reply shapes) and its key prefix.
 */
function redisAdapter(flavor: 'redis4' | 'ioredis'): PackageAdapterDefinition {
  const name = flavor === 'redis4' ? 'redis 4' : 'ioredis';
  return {
    contract: [
      `Both clients talk to the same Redis, so nothing is copied and rolling back is instant: each command runs once, on the client the mode picks.`,
      `In shadow mode reads also run on ${name} and are compared; writes run on redis 3 only, so nothing is counted twice.`,
    ],
    members:
      flavor === 'redis4'
        ? [
            'get, hget, mget, exists, ttl, pttl, hgetall, lrange, smembers → get, hGet, mGet, exists, ttl, pTTL, hGetAll (null when empty), lRange, sMembers',
            'set(key, value, "EX", n, "NX"…) → set(key, value, { EX: n, NX: true }); setex, psetex, setnx → setEx, pSetEx, setNX (1 or 0)',
            'del, expire, pexpire, incr, incrby, decr, hset, hmset, hdel, hincrby, lpush, rpush, sadd, srem, flushdb → their redis 4 names (expire: 1 or 0, hmset: "OK")',
            'quit, end → quit, disconnect on both clients',
            'every other member (on, multi, batch, subscribe, the properties) is redis 3’s',
            'the callback, when given, is called once with (error, reply); without one, an error is emitted as redis 3 does',
          ]
        : [
            'the same commands on ioredis, with redis 3’s arguments (SET flags stay positional); hgetall of nothing is null, as in redis 3',
            'quit, end → quit, disconnect on both clients',
            'every other member (on, multi, batch, subscribe, the properties) is redis 3’s',
            'the callback, when given, is called once with (error, reply); without one, an error is emitted as redis 3 does',
          ],
    notes: [
      `The adapter adds redis 3’s prefix option to every key it sends through ${name}${flavor === 'ioredis' ? ' (after the cleanup it is ioredis’s keyPrefix)' : ', which has no prefix'}.`,
      `The ${name} client is made on the first call that uses it, from the same URL, host, port, path, password and db; retry_strategy is not translated (${name} reconnects by its own strategy).`,
      flavor === 'redis4'
        ? 'After the cleanup, redis 4 clients must be connected with await client.connect() before use, and commands return promises.'
        : 'After the cleanup, hgetall of a hash that does not exist answers {} where redis 3 answered null.',
    ],
    body(input) {
      const importNext =
        flavor === 'redis4'
          ? `import { createClient as createNextClient } from ${stringLiteral(input.targetSpecifier)};`
          : `import { Redis as NextRedis } from ${stringLiteral(input.targetSpecifier)};`;
      const makeNext =
        flavor === 'redis4'
          ? [
              '      const client: any = createNextClient(redis4Options(given));',
              '      // Its errors reach the runtime as failed calls (counted, answered by redis 3), never as a crash.',
              "      client.on('error', () => undefined);",
              '      const ready = client.connect();',
              '      ready.catch(() => undefined);',
              '      return { client, ready, prefix: given.prefix };',
            ]
          : [
              '      const client: any = given.url !== undefined ? new NextRedis(given.url, ioredisOptions(given)) : new NextRedis(ioredisOptions(given));',
              '      // Its errors reach the runtime as failed calls (counted, answered by redis 3), never as a crash.',
              "      client.on('error', () => undefined);",
              '      return { client, ready: Promise.resolve(), prefix: given.prefix };',
            ];
      const translate =
        flavor === 'redis4'
          ? [
              '/** The options as redis 4 reads them: a URL, a socket, password and database. */',
              'function redis4Options(given: any): any {',
              '  const socket: any = {};',
              '  if (given.host !== undefined) socket.host = given.host;',
              '  if (given.port !== undefined) socket.port = Number(given.port);',
              '  if (given.path !== undefined) socket.path = given.path;',
              '  if (given.tls) socket.tls = true;',
              '  if (given.connect_timeout !== undefined) socket.connectTimeout = given.connect_timeout;',
              '  const next: any = {};',
              '  if (given.url !== undefined) next.url = given.url;',
              '  if (Object.keys(socket).length > 0) next.socket = socket;',
              '  if (given.password !== undefined) next.password = given.password;',
              '  if (given.db !== undefined) next.database = Number(given.db);',
              '  return next;',
              '}',
              '',
              "/** redis 3's SET flags (`'EX', 10, 'NX'`) as redis 4's options ({ EX: 10, NX: true }). */",
              'function setOptions(flags: any[]): any {',
              '  const options: any = {};',
              '  for (let i = 0; i < flags.length; i++) {',
              '    const flag = String(flags[i]).toUpperCase();',
              "    if (flag === 'EX' || flag === 'PX' || flag === 'EXAT' || flag === 'PXAT') options[flag] = Number(flags[++i]);",
              '    else options[flag] = true;',
              '  }',
              '  return Object.keys(options).length > 0 ? options : undefined;',
              '}',
              '',
              'const oneOrZero = (done: unknown): number => (done ? 1 : 0);',
            ]
          : [
              '/** The options as ioredis reads them (the URL, when there is one, goes first). */',
              'function ioredisOptions(given: any): any {',
              '  const next: any = {};',
              "  for (const same of ['host', 'port', 'path', 'password', 'db', 'tls']) if (given[same] !== undefined) next[same] = given[same];",
              '  if (next.port !== undefined) next.port = Number(next.port);',
              '  if (next.db !== undefined) next.db = Number(next.db);',
              '  if (given.connect_timeout !== undefined) next.connectTimeout = given.connect_timeout;',
              '  return next;',
              '}',
            ];
      const route = (r: RedisRoute): string => {
        const how = r.kind === 'read' ? (r.ttl ? 'ttl: true, ' : '') : r.kind === 'once' ? 'once: true, ' : 'both: true, ';
        return `  ${r.name}: { ${how}call: on((c, k, a) => ${r[flavor]}) },`;
      };
      return [
        importLegacy(input),
        importNext,
        `import { stepwiseAdapt } from ${stringLiteral(input.runtimeSpecifier)};`,
        `import type { StepwiseRoutes } from ${stringLiteral(input.runtimeSpecifier)};`,
        '',
        `/** The ${name} client, ready once connected, with redis 3's key prefix. */`,
        'interface Next {',
        '  client: any;',
        '  ready: Promise<unknown>;',
        '  prefix: string;',
        '}',
        '',
        "/** redis 3's createClient arguments, (port, host, options), (url or path, options) or (options), as one set of options. */",
        'function givenOptions(args: any[]): any {',
        '  const given: any = {};',
        '  let i = 0;',
        "  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\\d+$/.test(args[0]))) {",
        '    given.port = Number(args[0]);',
        '    i = 1;',
        "    if (typeof args[1] === 'string') {",
        '      given.host = args[1];',
        '      i = 2;',
        '    }',
        "  } else if (typeof args[0] === 'string') {",
        '    if (/^[a-z]+:\\/\\//i.test(args[0])) given.url = args[0];',
        '    else given.path = args[0];',
        '    i = 1;',
        '  }',
        "  const options: any = { ...(args[i] && typeof args[i] === 'object' ? args[i] : {}), ...given };",
        '  if (options.password === undefined && options.auth_pass !== undefined) options.password = options.auth_pass;',
        "  options.prefix = typeof options.prefix === 'string' ? options.prefix : '';",
        '  return options;',
        '}',
        '',
        ...translate,
        '',
        'const text = (value: unknown): string => String(value);',
        'const list = (args: any[], from = 0): any[] => (Array.isArray(args[from]) ? args[from] : args.slice(from));',
        "/** A hash's fields: an object, or field, value, … (as text). */",
        "const fields = (args: any[]): any => (args[1] && typeof args[1] === 'object' && !Array.isArray(args[1]) ? args[1] : list(args, 1).map(text));",
        '/** redis 3 answers null for a hash that does not exist; the new clients answer {}. */',
        'const orNull = (all: any): any => (all && Object.keys(all).length > 0 ? { ...all } : null);',
        `/** Runs a ${name} command once the client is ready, its keys under redis 3's prefix. */`,
        'const on =',
        '  (command: (client: any, key: (k: unknown) => string, args: any[]) => Promise<unknown>) =>',
        '  (next: Next, args: any[]): Promise<unknown> =>',
        '    next.ready.then(() => command(next.client, (k) => next.prefix + text(k), args));',
        '',
        'const routes: StepwiseRoutes<Next> = {',
        ...redisRoutes.map(route),
        '};',
        '',
        "/** redis 3's commands as promises, for the runtime to route (the caller's callback is the adapter's to call). */",
        'function promised(client: any): any {',
        '  const commands: any = {};',
        '  for (const name of Object.keys(routes)) {',
        '    commands[name] = (...args: any[]) =>',
        '      new Promise((resolve, reject) => client[name](...args, (error: Error | null, reply: unknown) => (error ? reject(error) : resolve(reply))));',
        '  }',
        '  return commands;',
        '}',
        '',
        '/**',
        ' * redis 3, adapted: the client redis 3 makes, its routed commands answered by the client the',
        ' * rollout mode picks, each callback called once with redis 3’s reply.',
        ` * @returns {import(${stringLiteral(input.legacyModule)}).RedisClient}`,
        ' */',
        'function createClient(...args: any[]): Legacy.RedisClient {',
        '  const legacy: any = (Legacy.createClient as any)(...args);',
        '  const given = givenOptions(args);',
        '  const adapted = stepwiseAdapt(',
        '    promised(legacy),',
        '    (): Next => {',
        ...makeNext,
        '    },',
        '    routes,',
        '  );',
        '  const members = new Map<PropertyKey, unknown>();',
        '  return new Proxy(legacy, {',
        '    get(target, key) {',
        "      if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(routes, key)) {",
        '        const value = Reflect.get(target, key, target);',
        "        return typeof value === 'function' ? value.bind(target) : value;",
        '      }',
        '      if (!members.has(key)) {',
        '        members.set(key, (...args: any[]) => {',
        "          const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;",
        '          const flat = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;',
        '          // Called outside the promise, so an exception in it surfaces as it did with redis 3.',
        '          const deliver = (error: unknown, reply?: unknown): void =>',
        "            queueMicrotask(() => (callback ? callback(error, reply) : error ? target.emit('error', error) : undefined));",
        '          Promise.resolve(adapted[key](...flat)).then(',
        '            (reply) => deliver(null, reply),',
        '            (error) => deliver(error),',
        '          );',
        '          return true;',
        '        });',
        '      }',
        '      return members.get(key);',
        '    },',
        '  });',
        '}',
        '',
        ...factoryExports(input, 'createClient', 'redisAdapter'),
      ];
    },
  };
}

/**
 * cache-manager 4 → 5, the memory store: two caches, so writes run on both (rolling back is
 * instant) and a read the new cache misses reads through from cache-manager 4. Callers keep
 * cache-manager 4's callbacks and its ttl in seconds; a `wrap` computes its value once.
 */
const cacheManager4To5: PackageAdapterDefinition = {
  contract: [
    'Writes also run on cache-manager 4, so rolling back is instant; a read the new cache misses is answered by cache-manager 4 and back-filled.',
  ],
  members: [
    'get(key) → get(key), read through from cache-manager 4 while the new cache is cold',
    'set(key, value, { ttl } or ttl) → set(key, value, ttl × 1000) (run on both; it still answers the value)',
    'del(key), reset() → del(key), reset() (run on both)',
    'wrap(key, work, options) → the value from the new cache, else cache-manager 4’s wrap (its work runs once), stored in both',
    'keys, ttl, mget, mset, mdel, store and the rest answer from cache-manager 4, which has every write',
    'the callback, when given, is called once with (error, result)',
  ],
  notes: [
    'The memory store is translated: max stays, ttl in seconds becomes milliseconds, isCacheableValue becomes isCacheable.',
    'Another store (redis, mongodb…), or a ttl given as a function, stays on cache-manager 4 (its calls are counted as fallbacks).',
    'After the cleanup, caching() is asynchronous (await caching(…), or createCache(memoryStore(…))) and every ttl is in milliseconds.',
  ],
  body(input) {
    return [
      importLegacy(input),
      `import { createCache, memoryStore } from ${stringLiteral(input.targetSpecifier)};`,
      `import { stepwiseAdapt } from ${stringLiteral(input.runtimeSpecifier)};`,
      `import type { StepwiseRoutes } from ${stringLiteral(input.runtimeSpecifier)};`,
      '',
      "/** cache-manager 4's caching() options as cache-manager 5's memory store reads them (ttl in milliseconds). */",
      'function nextStore(config: any): any {',
      "  if (config?.store !== undefined && config.store !== 'memory') {",
      "    throw new Error('Only the memory store has a cache-manager 5 counterpart here; this cache stays on cache-manager 4.');",
      '  }',
      "  if (typeof config?.ttl === 'function') throw new Error('A ttl function has no cache-manager 5 counterpart; this cache stays on cache-manager 4.');",
      '  const options: any = {};',
      '  if (config?.max !== undefined) options.max = Number(config.max);',
      "  if (typeof config?.ttl === 'number') options.ttl = config.ttl * 1000;",
      "  if (typeof config?.isCacheableValue === 'function') options.isCacheable = config.isCacheableValue;",
      '  return memoryStore(options);',
      '}',
      '',
      '/** A ttl as cache-manager 4 takes it (seconds, or { ttl } in seconds), in milliseconds. */',
      'function milliseconds(options: any): number | undefined {',
      "  const seconds = typeof options === 'number' ? options : options && typeof options === 'object' ? options.ttl : undefined;",
      "  return typeof seconds === 'number' ? seconds * 1000 : undefined;",
      '}',
      '',
      'const routes: StepwiseRoutes<any> = {',
      "  get: { read: true, fill: 'set', call: (next, args) => next.get(args[0]) },",
      '  set: { both: true, call: (next, args) => next.set(args[0], args[1], milliseconds(args[2])).then(() => args[1]) },',
      '  del: { both: true, call: (next, args) => next.del(args[0]) },',
      '  reset: { both: true, call: (next) => next.reset() },',
      '  // What cache-manager 4 computes in its wrap is stored in the new cache too (refill).',
      "  wrap: { read: true, refill: true, fill: 'set', call: (next, args) => next.get(args[0]) },",
      '};',
      '',
      '/** Where a routed member takes its callback: after these arguments (a wrap’s work is not one). */',
      'const callbackAfter: Record<string, number> = { get: 1, set: 2, del: 1, reset: 0, wrap: 2 };',
      '',
      '/**',
      ' * cache-manager 4, adapted: the cache caching() makes, its routed members answered by the cache',
      ' * the rollout mode picks, each callback called once.',
      ` * @returns {import(${stringLiteral(input.legacyModule)}).Cache}`,
      ' */',
      'function caching(config: any): Legacy.Cache {',
      '  const legacy: any = (Legacy.caching as any)(config);',
      '  const adapted: any = stepwiseAdapt(legacy, () => createCache(nextStore(config)), routes);',
      '  const members = new Map<PropertyKey, unknown>();',
      '  return new Proxy(legacy, {',
      '    get(target, key) {',
      "      if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(routes, key)) return adapted[key];",
      '      if (!members.has(key)) {',
      '        members.set(key, (...args: any[]) => {',
      '          const last = args.length - 1;',
      "          const callback = last >= callbackAfter[key] && typeof args[last] === 'function' ? args.pop() : undefined;",
      '          const answer = Promise.resolve(adapted[key](...args));',
      '          if (!callback) return answer;',
      '          // Called outside the promise, so an exception in it surfaces as it did with cache-manager 4.',
      '          answer.then(',
      '            (result) => queueMicrotask(() => callback(null, result)),',
      '            (error) => queueMicrotask(() => callback(error)),',
      '          );',
      '          return answer.catch(() => undefined);',
      '        });',
      '      }',
      '      return members.get(key);',
      '    },',
      '  });',
      '}',
      '',
      ...factoryExports(input, 'caching', 'cacheManagerAdapter'),
    ];
  },
};

/** Preset id → its package adapter. */
const definitions: Readonly<Record<string, PackageAdapterDefinition>> = {
  'lru-cache-6-to-10': lruCache6To10,
  'redis-3-to-4': redisAdapter('redis4'),
  'redis-3-to-ioredis': redisAdapter('ioredis'),
  'cache-manager-4-to-5': cacheManager4To5,
};

/** Whether a preset carries a package adapter. */
export function hasPackageAdapter(presetId: string | undefined): boolean {
  return presetId !== undefined && Object.prototype.hasOwnProperty.call(definitions, presetId);
}

export function packageAdapterSource(presetId: string, input: PackageAdapterInput): PackageAdapterSource {
  const definition = definitions[presetId];
  const lines = [
    '/**',
    ` * Stepwise adapter for "${commentSafe(input.title)}" (migration ${commentSafe(input.migrationId)}).`,
    ' *',
    ` * Files migrated by Stepwise load ${commentSafe(input.legacyModule)} from here. Its instances keep the legacy contract;`,
    ' * the rollout mode chooses which implementation answers:',
    ...rolloutModeLines,
    ...definition.contract.map((c) => ` * ${commentSafe(c)}`),
    ` * The mode comes from stepwiseAdapter.setFlag() (in ${commentSafe(input.runtimeFileName)}), else ${input.flag},`,
    ' * else the control store Stepwise steers (.stepwise/control/).',
    ' *',
    ' * Members:',
    ...definition.members.map((m) => ` *   ${commentSafe(m)}`),
    ' *',
    ...definition.notes.map((n) => ` * ${commentSafe(n)}`),
    ' *',
    ' * Generated by Stepwise; it is yours to edit. Removing it is the last step of the migration.',
    ' */',
    '/* eslint-disable @typescript-eslint/no-explicit-any */',
    ...definition.body(input),
  ];
  return { text: `${lines.join('\n')}\n`, notes: [...definition.notes] };
}
