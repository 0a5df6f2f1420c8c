// Table-driven: every member and constructor mapping of every preset, on a small real workspace
// without node_modules (the preset's API surface stands in for a package): the line as the
// cleanup rewrite leaves it, or that it is left to a person. A last case checks that no mapping
// of any preset is missing from the table.
import * as assert from 'node:assert/strict';
import { planNativeRewrite } from '../../../server/src/rewrite/nativeRewrite';
import { applyTextChanges } from '../../../server/src/rewrite/textChange';
import { presets } from '../../../server/src/spec/presets';
import { withWorkspace } from '../../support/tempWorkspace';

interface Case {
  preset: string;
  /** `Owner.member`, or the constructor's name. */
  mapping: string;
  /** The line under test, after the preset's set-up lines. */
  line: string;
  /** The line after the rewrite; absent: a manual change (the rewrite refuses, saying so). */
  after?: string;
}

const asyncCache = [
  'export class AsyncTTLCache {',
  '  constructor(options: { ttlSeconds?: number } = {}) { void options; }',
  '  stop(): void {}',
  '  size(): number { return 0; }',
  '  getDetailedMetrics(): { hits: number } { return { hits: 0 }; }',
  '}',
  'export function getCacheInstance(): AsyncTTLCache { return new AsyncTTLCache(); }',
  '',
].join('\n');
const improved = [
  'export class ImprovedAsyncCache {',
  '  async shutdown(): Promise<void> {}',
  '  async getKeys(): Promise<string[]> { return []; }',
  '  getStats(): { hits: number } { return { hits: 0 }; }',
  '}',
  'export class CacheFactory { static forWebApp(options: { ttlSeconds?: number } = {}): ImprovedAsyncCache { void options; return new ImprovedAsyncCache(); } }',
  '',
].join('\n');

// The legacy layer seed 004 describes: an auto-detecting accessor and caches constructed directly.
const factoryLegacy = [
  'export class InMemoryCache { constructor(options: { maxSize?: number } = {}) { void options; } async get(k: string): Promise<string | undefined> { return k; } }',
  'export class AIResponseCache extends InMemoryCache { constructor(options: { redisUrl?: string } = {}) { super(); void options; } }',
  'export class GenericRedisCache extends InMemoryCache { constructor(options: { redisUrl?: string } = {}) { super(); void options; } }',
  'export function getCacheInstance(): InMemoryCache { return new InMemoryCache(); }',
  '',
].join('\n');
const factoryTarget = [
  'export class Cache { async get(k: string): Promise<string | undefined> { return k; } }',
  'export class CacheFactory {',
  '  static forWebApp(options: { maxSize?: number; redisUrl?: string } = {}): Cache { void options; return new Cache(); }',
  '  static forAiApp(options: { redisUrl?: string } = {}): Cache { void options; return new Cache(); }',
  '  static forTesting(options: { maxSize?: number } = {}): Cache { void options; return new Cache(); }',
  '}',
  '',
].join('\n');

/** Per preset: the workspace, the spec and the lines before the one under test. */
const setups: Record<string, { file: string; files?: Record<string, string>; spec: unknown; head: string[] }> = {
  'lru-cache-6-to-10': {
    file: 'src/app.js',
    spec: { preset: 'lru-cache-6-to-10' },
    head: ["const LRU = require('lru-cache');", 'const c = new LRU({ max: 5 });'],
  },
  'redis-3-to-4': {
    file: 'src/app.js',
    spec: { preset: 'redis-3-to-4' },
    head: ["const redis = require('redis');", 'const client = redis.createClient();'],
  },
  'redis-3-to-ioredis': {
    file: 'src/app.js',
    spec: { preset: 'redis-3-to-ioredis' },
    head: ["const redis = require('redis');", 'const client = redis.createClient();'],
  },
  'cache-manager-4-to-5': {
    file: 'src/app.js',
    spec: { preset: 'cache-manager-4-to-5' },
    head: ["const cacheManager = require('cache-manager');", 'async function main() {'],
  },
  'async-ttl-cache': {
    file: 'src/app.ts',
    files: { 'src/old.ts': asyncCache, 'src/improved.ts': improved },
    spec: {
      id: 't',
      preset: 'async-ttl-cache',
      legacy: { modules: ['src/old.ts'] },
      target: { module: 'src/improved.ts' },
      adapter: { module: 'src/adapter.ts' },
    },
    head: [
      "import { AsyncTTLCache } from './old';",
      'const c = new AsyncTTLCache({ ttlSeconds: 5 });',
      'export async function main(): Promise<unknown> {',
    ],
  },
  'cache-factory': {
    file: 'src/app.ts',
    files: { 'src/old.ts': factoryLegacy, 'src/improved.ts': factoryTarget },
    spec: {
      id: 'f',
      preset: 'cache-factory',
      legacy: { modules: ['src/old.ts'] },
      target: { module: 'src/improved.ts' },
      adapter: { module: 'src/adapter.ts' },
    },
    head: ["import { AIResponseCache, GenericRedisCache, InMemoryCache, getCacheInstance } from './old';"],
  },
};

const cases: Case[] = [
  // lru-cache 6 → 10
  { preset: 'lru-cache-6-to-10', mapping: 'LRUCache', line: 'const d = new LRU(10);', after: 'const d = new LRUCache({ max: 10 });' },
  { preset: 'lru-cache-6-to-10', mapping: 'LRUCache.del', line: "c.del('k');", after: "c.delete('k');" },
  { preset: 'lru-cache-6-to-10', mapping: 'LRUCache.reset', line: 'c.reset();', after: 'c.clear();' },
  { preset: 'lru-cache-6-to-10', mapping: 'LRUCache.prune', line: 'c.prune();', after: 'c.purgeStale();' },
  { preset: 'lru-cache-6-to-10', mapping: 'LRUCache.itemCount', line: 'const n = c.itemCount;', after: 'const n = c.size;' },
  { preset: 'lru-cache-6-to-10', mapping: 'LRUCache.maxAge', line: 'const a = c.maxAge;', after: 'const a = c.ttl;' },
  { preset: 'lru-cache-6-to-10', mapping: 'LRUCache.length', line: 'const l = c.length;' },
  { preset: 'lru-cache-6-to-10', mapping: 'LRUCache.keys', line: 'const k = c.keys();', after: 'const k = [...c.keys()];' },
  { preset: 'lru-cache-6-to-10', mapping: 'LRUCache.values', line: 'const v = c.values();', after: 'const v = [...c.values()];' },
  // redis 3 → 4
  {
    preset: 'redis-3-to-4',
    mapping: 'createClient',
    line: "const other = redis.createClient({ url: 'redis://x' });",
    after: "const other = createClient({ url: 'redis://x' });",
  },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.hmset', line: "client.hmset('h', { a: '1' });", after: "client.hSet('h', { a: '1' });" },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.hgetall', line: "client.hgetall('h');", after: "client.hGetAll('h');" },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.setex', line: "client.setex('k', 10, 'v');", after: "client.setEx('k', 10, 'v');" },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.psetex', line: "client.psetex('k', 10, 'v');", after: "client.pSetEx('k', 10, 'v');" },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.setnx', line: "client.setnx('k', 'v');", after: "client.setNX('k', 'v');" },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.flushdb', line: 'client.flushdb();', after: 'client.flushDb();' },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.flushall', line: 'client.flushall();', after: 'client.flushAll();' },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.hincrby', line: "client.hincrby('h', 'f', 1);", after: "client.hIncrBy('h', 'f', 1);" },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.incrby', line: "client.incrby('k', 2);", after: "client.incrBy('k', 2);" },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.pexpire', line: "client.pexpire('k', 100);", after: "client.pExpire('k', 100);" },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.end', line: 'client.end(true);', after: 'client.disconnect(true);' },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.connected', line: 'const up = client.connected;', after: 'const up = client.isReady;' },
  { preset: 'redis-3-to-4', mapping: 'RedisClient.on', line: "client.on('ready', () => undefined);" },
  // redis 3 → ioredis
  {
    preset: 'redis-3-to-ioredis',
    mapping: 'createClient',
    line: "const other = redis.createClient('redis://x');",
    after: "const other = new Redis('redis://x');",
  },
  { preset: 'redis-3-to-ioredis', mapping: 'RedisClient.end', line: 'client.end(true);', after: 'client.disconnect(true);' },
  {
    preset: 'redis-3-to-ioredis',
    mapping: 'RedisClient.connected',
    line: 'const up = client.connected;',
    after: "const up = (client.status === 'ready');",
  },
  { preset: 'redis-3-to-ioredis', mapping: 'RedisClient.send_command', line: "client.send_command('PING', []);" },
  { preset: 'redis-3-to-ioredis', mapping: 'RedisClient.hgetall', line: "client.hgetall('h');" },
  // cache-manager 4 → 5
  {
    preset: 'cache-manager-4-to-5',
    mapping: 'caching',
    line: "  const cache = cacheManager.caching({ store: 'memory', max: 5 }); return cache; }",
    after: "  const cache = await caching('memory', { max: 5 }); return cache; }",
  },
  // The in-house cache
  {
    preset: 'async-ttl-cache',
    mapping: 'AsyncTTLCache',
    line: '  return new AsyncTTLCache({ ttlSeconds: 1 }); }',
    after: '  return CacheFactory.forWebApp({ ttlSeconds: 1 }); }',
  },
  { preset: 'async-ttl-cache', mapping: 'AsyncTTLCache.stop', line: '  return c.stop(); }', after: '  return c.shutdown(); }' },
  {
    preset: 'async-ttl-cache',
    mapping: 'AsyncTTLCache.getDetailedMetrics',
    line: '  return c.getDetailedMetrics(); }',
    after: '  return c.getStats(); }',
  },
  {
    preset: 'async-ttl-cache',
    mapping: 'AsyncTTLCache.size',
    line: '  return c.size(); }',
    after: '  return (await c.getKeys()).length; }',
  },
  {
    preset: 'cache-factory',
    mapping: 'getCacheInstance',
    line: 'export const shared = getCacheInstance();',
    after: 'export const shared = CacheFactory.forWebApp();',
  },
  {
    preset: 'cache-factory',
    mapping: 'AIResponseCache',
    line: "export const ai = new AIResponseCache({ redisUrl: 'redis://x' });",
    after: "export const ai = CacheFactory.forAiApp({ redisUrl: 'redis://x' });",
  },
  {
    preset: 'cache-factory',
    mapping: 'InMemoryCache',
    line: 'export const memory = new InMemoryCache({ maxSize: 5 });',
    after: 'export const memory = CacheFactory.forWebApp({ maxSize: 5 });',
  },
  {
    preset: 'cache-factory',
    mapping: 'GenericRedisCache',
    line: "export const redis = new GenericRedisCache({ redisUrl: 'redis://x' });",
    after: "export const redis = CacheFactory.forWebApp({ redisUrl: 'redis://x' });",
  },
];

describe('preset mappings: every member and constructor rule, as the cleanup rewrite leaves the line', () => {
  for (const c of cases) {
    it(`${c.preset}: ${c.mapping}${c.after ? '' : ' (a person’s change)'}`, async () => {
      const setup = setups[c.preset];
      const text = `${[...setup.head, c.line].join('\n')}\n`;
      await withWorkspace(
        { ...setup.files, [setup.file]: text },
        (index) => {
          const analysis = index.analysisOf(setup.file);
          assert.ok(analysis, 'the file is analysed');
          const spec = index.currentSpec();
          assert.ok(spec, JSON.stringify(index.specProblems()));
          const line = setup.head.length + 1;
          assert.ok(
            analysis.usages.some((u) => u.line === line && (u.member ? `${u.symbol}.${u.member}` : u.symbol) === c.mapping),
            `a usage of ${c.mapping} on line ${line}: ${JSON.stringify(analysis.usages.map((u) => [u.line, u.symbol, u.member]))}`,
          );
          const plan = planNativeRewrite({
            analysis,
            text,
            typeMap: {},
            targetExports: spec.target.exports,
            targetSpecifier: spec.target.module,
          });
          if (c.after === undefined) {
            assert.ok(
              plan.manual.some((m) => m.line === line),
              `left to a person: ${JSON.stringify(plan.manual)}`,
            );
            return;
          }
          assert.deepEqual(plan.manual, []);
          assert.equal(applyTextChanges(text, plan.changes).split('\n')[line - 1], c.after);
        },
        { spec: setup.spec, tsconfig: setup.file.endsWith('.ts') ? undefined : JSON.stringify({ compilerOptions: { allowJs: false } }) },
      );
    });
  }

  it('every member and constructor rule of every preset has a case above', () => {
    const covered = new Set(cases.map((c) => `${c.preset} ${c.mapping}`));
    const rules = Object.entries(presets).flatMap(([id, preset]) => [
      ...Object.entries(preset.members ?? {}).flatMap(([owner, members]) => Object.keys(members).map((m) => `${id} ${owner}.${m}`)),
      ...Object.keys(preset.constructors ?? {}).map((name) => `${id} ${name}`),
    ]);
    assert.deepEqual(
      rules.filter((r) => !covered.has(r)),
      [],
    );
  });
});
