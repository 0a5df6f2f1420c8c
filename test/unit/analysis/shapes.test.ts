// Table-driven: every shape rule of every preset, on a small real workspace without node_modules
// (the preset's API surface stands in for the package): which calls it finds, where it points,
// and the file's text once the rule's own rewrite is applied (or that it is left to a person).
import * as assert from 'node:assert/strict';
import type { FileAnalysis } from '../../../server/src/analysis/types';
import { applyTextChanges } from '../../../server/src/rewrite/textChange';
import type { TextChange } from '../../../server/src/rewrite/textChange';
import { shapeRules } from '../../../server/src/spec/shapeRules';
import { withWorkspace } from '../../support/tempWorkspace';

interface Case {
  name: string;
  preset: keyof typeof shapeRules;
  /** The file under test (src/app.js unless it ends in .ts). */
  file?: string;
  code: string[];
  /** Other files of the workspace. */
  files?: Record<string, string>;
  /** `line rule` for each finding, and ` manual` when it has no rewrite. */
  found: string[];
  /** The text after applying every finding's rewrite (omitted: no finding has one). */
  after?: string[];
}

const lru = "const LRU = require('lru-cache');";
const redis = "const redis = require('redis');\nconst client = redis.createClient();";
const cacheManager = "const cacheManager = require('cache-manager');";

const cases: Case[] = [
  // ---- lru-cache 6 → 10 ----------------------------------------------------------------------
  {
    name: 'new LRU(n) takes options: { max: n }',
    preset: 'lru-cache-6-to-10',
    code: [lru, 'const c = new LRU(500);'],
    found: ['2 lru-cache/number-constructor'],
    after: [lru, 'const c = new LRU({ max: 500 });'],
  },
  {
    name: 'new LRU() with no bound throws from v7: manual',
    preset: 'lru-cache-6-to-10',
    code: [lru, 'const a = new LRU();', 'const b = new LRU({ dispose: (k, v) => v.close() });'],
    found: ['2 lru-cache/no-bound manual', '3 lru-cache/no-bound manual', '3 lru-cache/dispose-order'],
    after: [lru, 'const a = new LRU();', 'const b = new LRU({ dispose: (v, k) => v.close() });'],
  },
  {
    name: 'options maxAge, stale and length are renamed, shorthand included',
    preset: 'lru-cache-6-to-10',
    code: [lru, 'const maxAge = 1000;', 'const c = new LRU({ max: 10, maxAge, stale: true, length: (v) => v.length });'],
    found: ['3 lru-cache/max-age', '3 lru-cache/stale', '3 lru-cache/length'],
    after: [
      lru,
      'const maxAge = 1000;',
      'const c = new LRU({ max: 10, ttl: maxAge, allowStale: true, sizeCalculation: (v) => v.length });',
    ],
  },
  {
    name: 'options in a const of the same file are changed where they are written, once for two caches',
    preset: 'lru-cache-6-to-10',
    code: [lru, 'const options = { max: 10, maxAge: 60000 };', 'const a = new LRU(options);', 'const b = new LRU(options);'],
    found: ['2 lru-cache/max-age', '2 lru-cache/max-age'],
    after: [lru, 'const options = { max: 10, ttl: 60000 };', 'const a = new LRU(options);', 'const b = new LRU(options);'],
  },
  {
    name: 'options built in another file: found there, left to a person with the place',
    preset: 'lru-cache-6-to-10',
    files: {
      'src/options.js':
        'function opts(n) { return { max: n, maxAge: 1000, dispose(key, value) { value.close(); } }; }\nmodule.exports = { opts };\n',
    },
    code: [lru, "const { opts } = require('./options');", 'const c = new LRU(opts(5));'],
    found: ['3 lru-cache/max-age manual', '3 lru-cache/dispose-order manual'],
  },
  {
    name: 'dispose(key, value) swaps its parameters, typed ones included; one parameter gains the value first',
    preset: 'lru-cache-6-to-10',
    file: 'src/app.ts',
    code: [
      "import LRU = require('lru-cache');",
      'const a = new LRU<string, { close(): void }>({ max: 1, dispose: (key: string, value: { close(): void }) => value.close() });',
      'const b = new LRU({ max: 1, dispose: key => console.log(key) });',
      'const c = new LRU({ max: 1, dispose(key) { console.log(key); } });',
    ],
    found: ['2 lru-cache/dispose-order', '3 lru-cache/dispose-order', '4 lru-cache/dispose-order'],
    after: [
      "import LRU = require('lru-cache');",
      'const a = new LRU<string, { close(): void }>({ max: 1, dispose: (value: { close(): void }, key: string) => value.close() });',
      'const b = new LRU({ max: 1, dispose: (_value, key) => console.log(key) });',
      'const c = new LRU({ max: 1, dispose(_value, key) { console.log(key); } });',
    ],
  },
  {
    name: 'dispose already in the new order (a value first, a key second, or a reason third) is left alone',
    preset: 'lru-cache-6-to-10',
    code: [
      lru,
      'const a = new LRU({ max: 1, dispose: (value, key) => value.close(key) });',
      'const b = new LRU({ max: 1, dispose: (v, k, reason) => v.close(reason) });',
    ],
    found: [],
  },
  {
    name: 'dispose given as a function made elsewhere (a bound method): found, and left to a person',
    preset: 'lru-cache-6-to-10',
    code: [lru, 'const stale = new LRU({ max: 2 });', 'const c = new LRU({ max: 1, dispose: stale.set.bind(stale) });'],
    found: ['3 lru-cache/dispose-order manual'],
  },
  {
    name: 'a positional maxAge in set() becomes { ttl }; an options object is already the new shape',
    preset: 'lru-cache-6-to-10',
    code: [
      lru,
      'const c = new LRU({ max: 5 });',
      'function put(k, v, age) { c.set(k, v, age); }',
      "c.set('a', 1, 60 * 1000);",
      "c.set('b', 2, { ttl: 5 });",
      "c.set('c', 3);",
    ],
    found: ['3 lru-cache/positional-ttl', '4 lru-cache/positional-ttl'],
    after: [
      lru,
      'const c = new LRU({ max: 5 });',
      'function put(k, v, age) { c.set(k, v, { ttl: age }); }',
      "c.set('a', 1, { ttl: 60 * 1000 });",
      "c.set('b', 2, { ttl: 5 });",
      "c.set('c', 3);",
    ],
  },
  {
    name: 'values held on this in a constructor are checked in every method',
    preset: 'lru-cache-6-to-10',
    code: [
      lru,
      'class Store {',
      '  constructor(n) { this.cache = new LRU(n); }',
      '  put(k, v, ttl) { this.cache.set(k, v, ttl); }',
      '}',
      'module.exports = Store;',
    ],
    found: ['4 lru-cache/positional-ttl'],
    after: [
      lru,
      'class Store {',
      '  constructor(n) { this.cache = new LRU(n); }',
      '  put(k, v, ttl) { this.cache.set(k, v, { ttl }); }',
      '}',
      'module.exports = Store;',
    ],
  },
  {
    name: 'a number typed as a number in TypeScript is positional; an untyped constructor argument is not guessed',
    preset: 'lru-cache-6-to-10',
    file: 'src/app.ts',
    code: ["import LRU = require('lru-cache');", 'export function make(size: number, o: any) { return [new LRU(size), new LRU(o)]; }'],
    found: ['2 lru-cache/number-constructor'],
    after: [
      "import LRU = require('lru-cache');",
      'export function make(size: number, o: any) { return [new LRU({ max: size }), new LRU(o)]; }',
    ],
  },
  // ---- redis 3 → 4 ----------------------------------------------------------------------------
  {
    name: 'a command with a callback never calls it in redis 4: manual; listeners keep their callbacks',
    preset: 'redis-3-to-4',
    code: [
      redis,
      "client.get('k', (err, v) => console.log(v));",
      'client.flushdb(done);',
      "client.on('error', (e) => console.error(e));",
      'function done() {}',
      "client.get('k');",
      "function profile(id, callback) { client.hgetall('p:' + id, callback); }",
      "function put(id, rest) { client.set('u:' + id, 'v', rest); }",
    ],
    found: ['3 redis/callback manual', '4 redis/callback manual', '8 redis/callback manual'],
  },
  {
    name: "set(key, value, 'EX', n) becomes one options object; flags alone become true",
    preset: 'redis-3-to-4',
    code: [redis, "client.set('k', 'v', 'EX', 60);", "client.set('k', 'v', 'PX', ms, 'NX');", 'const ms = 5;'],
    found: ['3 redis/set-flags', '4 redis/set-flags'],
    after: [redis, "client.set('k', 'v', { EX: 60 });", "client.set('k', 'v', { PX: ms, NX: true });", 'const ms = 5;'],
  },
  {
    name: 'createClient(port, host) and createClient(url) take one options object; (url, options) is manual',
    preset: 'redis-3-to-4',
    code: [
      "const redis = require('redis');",
      "const a = redis.createClient(6379, '127.0.0.1');",
      "const b = redis.createClient('redis://cache:6379');",
      'const c = redis.createClient(`redis://${host}`, { retry_strategy: () => 1000 });',
      'const d = redis.createClient({ url: "redis://y" });',
      "const host = 'h';",
      "const e = redis.createClient(process.env.REDIS_URL || 'redis://z', { prefix: 'app:' });",
    ],
    found: [
      '2 redis/create-client-port',
      '3 redis/create-client-url',
      '4 redis/create-client-url manual',
      '7 redis/create-client-url manual',
      '7 redis/prefix manual',
    ],
    after: [
      "const redis = require('redis');",
      "const a = redis.createClient({ socket: { port: 6379, host: '127.0.0.1' } });",
      "const b = redis.createClient({ url: 'redis://cache:6379' });",
      'const c = redis.createClient(`redis://${host}`, { retry_strategy: () => 1000 });',
      'const d = redis.createClient({ url: "redis://y" });',
      "const host = 'h';",
      "const e = redis.createClient(process.env.REDIS_URL || 'redis://z', { prefix: 'app:' });",
    ],
  },
  {
    name: "a 'message' listener: redis 4 takes it in subscribe(); other events keep their listeners",
    preset: 'redis-3-to-4',
    code: [redis, "client.on('message', (channel, text) => console.log(channel, text));", "client.on('ready', () => undefined);"],
    found: ['3 redis/pubsub-listener manual'],
  },
  // ---- redis 3 → ioredis ----------------------------------------------------------------------
  {
    name: 'ioredis: createClient(port, host), retry_strategy and connect_timeout; callbacks keep working',
    preset: 'redis-3-to-ioredis',
    code: [
      "const redis = require('redis');",
      "const a = redis.createClient(6379, 'cache');",
      'const b = redis.createClient({ host: "cache", retry_strategy: (o) => 1000, connect_timeout: 5000 });',
      "b.get('k', (err, v) => v);",
      "b.on('subscribe', (channel, count) => count);",
    ],
    found: [
      '2 ioredis/create-client-port manual',
      '3 ioredis/retry-strategy manual',
      '3 ioredis/connect-timeout',
      '5 ioredis/pubsub-listener manual',
    ],
    after: [
      "const redis = require('redis');",
      "const a = redis.createClient(6379, 'cache');",
      'const b = redis.createClient({ host: "cache", retry_strategy: (o) => 1000, connectTimeout: 5000 });',
      "b.get('k', (err, v) => v);",
      "b.on('subscribe', (channel, count) => count);",
    ],
  },
  {
    name: 'ioredis: the prefix is keyPrefix, and connect_timeout connectTimeout, as the first options or after a URL',
    preset: 'redis-3-to-ioredis',
    code: [
      "const redis = require('redis');",
      "const a = redis.createClient({ prefix: 'app:', connect_timeout: 100 });",
      "const b = redis.createClient(process.env.REDIS_URL, { prefix: 'app:' });",
      "const c = redis.createClient(6379, 'cache', { connect_timeout: 100 });",
    ],
    found: ['2 ioredis/key-prefix', '2 ioredis/connect-timeout', '3 ioredis/key-prefix', '4 ioredis/connect-timeout'],
    after: [
      "const redis = require('redis');",
      "const a = redis.createClient({ keyPrefix: 'app:', connectTimeout: 100 });",
      "const b = redis.createClient(process.env.REDIS_URL, { keyPrefix: 'app:' });",
      "const c = redis.createClient(6379, 'cache', { connectTimeout: 100 });",
    ],
  },
  // ---- cache-manager 4 → 5 ------------------------------------------------------------------
  {
    name: 'NestJS: the ttl of CacheModule.register, of registerAsync factories and classes, and of a CacheOptionsFactory is named, and a store package',
    preset: 'cache-manager-4-to-5',
    file: 'src/app.module.ts',
    files: {
      'node_modules/@nestjs/common/package.json': JSON.stringify({ name: '@nestjs/common', version: '8.4.7', types: 'index.d.ts' }),
      'node_modules/@nestjs/common/index.d.ts': [
        'export declare class CacheModule {',
        '  static register(options?: { ttl?: number; max?: number }): unknown;',
        '  static registerAsync(options: { useFactory?: (...args: any[]) => unknown; useClass?: unknown }): unknown;',
        '}',
        'export interface CacheOptionsFactory { createCacheOptions(): unknown }',
        '',
      ].join('\n'),
    },
    code: [
      "import { CacheModule, CacheOptionsFactory } from '@nestjs/common';",
      "import * as redisStore from 'cache-manager-redis-store';",
      'export const sync = CacheModule.register({ ttl: 5, max: 10 });',
      'export const later = CacheModule.registerAsync({ useFactory: () => ({ ttl: 60 }) });',
      'export class Options implements CacheOptionsFactory {',
      "  createCacheOptions() { return { ttl: 60 * 60, store: redisStore, host: 'cache' }; }",
      '}',
      'export const byClass = CacheModule.registerAsync({ useClass: Options });',
    ],
    found: [
      '3 cache-manager/nest-register-ttl manual',
      '4 cache-manager/nest-register-async-ttl manual',
      '6 cache-manager/nest-options-factory-ttl manual',
      '6 cache-manager/nest-options-factory-store manual',
      '8 cache-manager/nest-register-async-ttl manual',
    ],
  },
  {
    name: 'caching({ store, ttl }) takes the store first and ttl in milliseconds',
    preset: 'cache-manager-4-to-5',
    code: [cacheManager, "const cache = cacheManager.caching({ store: 'memory', max: 100, ttl: 10 });"],
    found: ['2 cache-manager/store-first', '2 cache-manager/caching-ttl-seconds'],
    after: [cacheManager, "const cache = cacheManager.caching('memory', { max: 100, ttl: 10 * 1000 });"],
  },
  {
    name: 'set and wrap take the ttl as milliseconds, positional; callbacks are manual',
    preset: 'cache-manager-4-to-5',
    code: [
      cacheManager,
      "const cache = cacheManager.caching({ store: 'none', max: 1 });",
      "async function f(ttl) { await cache.set('k', 1, { ttl }); await cache.wrap('w', () => 2, { ttl: ttl + 1 }); }",
      "cache.set('n', 1, 30);",
      "cache.get('k', (err, v) => v);",
      "const redisStore = require('cache-manager-redis-store');",
      "const shared = cacheManager.caching({ store: redisStore, host: 'cache', ttl: 600 });",
    ],
    found: [
      '2 cache-manager/store-first',
      '3 cache-manager/set-ttl-seconds',
      '3 cache-manager/wrap-ttl-seconds',
      '4 cache-manager/set-ttl-seconds',
      '5 cache-manager/callback manual',
      '7 cache-manager/store-first manual',
      '7 cache-manager/caching-ttl-seconds',
    ],
    after: [
      cacheManager,
      "const cache = cacheManager.caching('none', { max: 1 });",
      "async function f(ttl) { await cache.set('k', 1, ttl * 1000); await cache.wrap('w', () => 2, (ttl + 1) * 1000); }",
      "cache.set('n', 1, 30 * 1000);",
      "cache.get('k', (err, v) => v);",
      "const redisStore = require('cache-manager-redis-store');",
      "const shared = cacheManager.caching({ store: redisStore, host: 'cache', ttl: 600 * 1000 });",
    ],
  },
  {
    name: 'a callback handed on untyped, where an optional argument may stand before it: get(key, callback); not an options value',
    preset: 'cache-manager-4-to-5',
    code: [
      cacheManager,
      "const cache = cacheManager.caching({ store: 'none', max: 1 });",
      'function load(id, callback) { cache.get(id, callback); }',
      'function read(id, options) { return cache.get(id, options); }',
    ],
    found: ['2 cache-manager/store-first', '3 cache-manager/callback manual'],
    after: [
      cacheManager,
      "const cache = cacheManager.caching('none', { max: 1 });",
      'function load(id, callback) { cache.get(id, callback); }',
      'function read(id, options) { return cache.get(id, options); }',
    ],
  },
];

function describeFindings(analysis: FileAnalysis | undefined): string[] {
  return (analysis?.shapes ?? []).map((f) => `${f.line} ${f.rule}${f.rewrite ? '' : ' manual'}`);
}

function rewritten(text: string, analysis: FileAnalysis): string {
  const seen = new Set<string>();
  const changes: TextChange[] = [];
  for (const finding of analysis.shapes)
    for (const change of finding.rewrite ?? []) {
      const key = `${change.start}:${change.end}:${change.newText}`;
      if (!seen.has(key)) changes.push(change);
      seen.add(key);
    }
  return applyTextChanges(text, changes);
}

describe('shape findings: arguments whose meaning changed, per preset', () => {
  for (const c of cases) {
    it(`${c.preset}: ${c.name}`, async () => {
      const file = c.file ?? 'src/app.js';
      const text = `${c.code.join('\n')}\n`;
      await withWorkspace(
        { ...c.files, [file]: text },
        (index) => {
          const analysis = index.analysisOf(file);
          assert.deepEqual(describeFindings(analysis), c.found);
          if (c.after) assert.equal(rewritten(text, analysis as FileAnalysis), `${c.after.join('\n')}\n`);
          else assert.ok(analysis?.shapes.every((f) => !f.rewrite));
        },
        { spec: { preset: c.preset } },
      );
    });
  }

  it('every rule of every preset has a case above', () => {
    const covered = new Set(cases.flatMap((c) => c.found.map((f) => f.split(' ')[1])));
    const rules = Object.values(shapeRules).flatMap((table) => table.map((r) => r.id));
    assert.deepEqual(
      rules.filter((r) => !covered.has(r)),
      [],
    );
  });

  it('a spec without a preset has no shape rules, and a call of a member the new API renames is still one finding each', async () => {
    await withWorkspace({ 'src/app.ts': "import { LegacyCache } from './legacy/cache';\nnew LegacyCache('x').stop();\n" }, (index) => {
      assert.deepEqual(index.analysisOf('src/app.ts')?.shapes, []);
    });
  });
});
