// A package's API known from the preset alone: the lru-service fixture (CommonJS JavaScript, a
// wrapper class holding the cache on `this`, options built in another file) analysed with no
// node_modules at all, with a spec that names only the preset.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../../server/src/spec/validate';
import { cli, jsonOf } from '../../support/cliRun';
import { write } from '../../support/workflowRepo';
import { withWorkspace } from '../../support/tempWorkspace';
import { prepareWorkspace, removeWorkspace } from '../../support/workspace';

interface Report {
  files: {
    path: string;
    usages: { line: number; kind: string; symbol: string; member: string | null }[];
    shapes: { line: number; rule: string }[];
  }[];
}

describe('preset API surfaces: analysis without node_modules', () => {
  let root: string;

  before(async () => {
    root = await prepareWorkspace('lru-service', { git: false });
  });

  after(async () => {
    if (root) await removeWorkspace(root);
  });

  it('a spec that names only a preset is complete: the preset gives the id, the modules, the target and the adapter', () => {
    const { spec, problems } = parseSpec('{ "preset": "lru-cache-6-to-10" }', { fileExists: () => false, packageExists: () => false });
    assert.deepEqual(
      problems.filter((p) => p.severity === 'error'),
      [],
    );
    assert.equal(spec?.id, 'lru-cache-6-to-10');
    assert.deepEqual(spec?.legacy.modules, ['lru-cache']);
    assert.equal(spec?.adapter.module, 'src/cache-migration/lru-cache-adapter.js', 'no tsconfig.json: a JavaScript adapter');
    assert.match(spec?.legacy.api['lru-cache'] ?? '', /interface LRUCache<K = any, V = any>/);
    const typed = parseSpec('{ "preset": "lru-cache-6-to-10" }', { fileExists: (p) => p === 'tsconfig.json', packageExists: () => false });
    assert.equal(typed.spec?.adapter.module, 'src/cache-migration/lru-cache-adapter.ts', 'a tsconfig.json: a TypeScript adapter');
  });

  it('finds every use in CommonJS JavaScript with no node_modules: requires, constructions and members through this.cache', async () => {
    assert.equal(existsSync(join(root, 'node_modules', 'lru-cache')), false, 'lru-cache is not installed');
    const report = jsonOf<Report>(await cli('analyze', '--json', '--root', root));
    const found = report.files.flatMap((f) =>
      f.usages.map((u) => `${f.path}:${u.line} ${u.kind} ${u.member ? `${u.symbol}.${u.member}` : u.symbol}`),
    );
    assert.deepEqual(
      found.sort(),
      [
        'src/rate-limit.js:10 member LRUCache.set',
        'src/rate-limit.js:15 member LRUCache.del',
        'src/rate-limit.js:3 require *',
        'src/rate-limit.js:5 new LRUCache',
        'src/rate-limit.js:8 member LRUCache.get',
        'src/session-store.js:13 member LRUCache.get',
        'src/session-store.js:18 member LRUCache.set',
        'src/session-store.js:22 member LRUCache.del',
        'src/session-store.js:26 member LRUCache.itemCount',
        'src/session-store.js:30 member LRUCache.reset',
        'src/session-store.js:34 member LRUCache.keys',
        'src/session-store.js:3 require *',
        'src/session-store.js:9 new LRUCache',
      ].sort(),
    );
    assert.equal(
      report.files.find((f) => f.path === 'src/strings.js'),
      undefined,
      'files that do not touch the cache have nothing',
    );
  });

  it('the pre-move analysis lists the arguments whose meaning changed, with where they are set', async () => {
    const dossier = jsonOf<{ shapes: { line: number; rule: string; message: string; rewritten: boolean }[] }>(
      await cli('dossier', 'src/session-store.js', '--json', '--root', root),
    );
    assert.deepEqual(
      dossier.shapes.map((f) => `${f.line} ${f.rule} ${f.rewritten ? 'rewritten' : 'manual'}`),
      ['9 lru-cache/max-age manual', '9 lru-cache/dispose-order manual', '18 lru-cache/positional-ttl rewritten'],
    );
    assert.match(dossier.shapes[0].message, /It is set in src\/options\.js:9\./);
    const text = await cli('dossier', 'src/session-store.js', '--root', root);
    assert.match(text.stdout, /^Arguments whose meaning changed:\n +9 +lru-cache\/max-age: /m);
  });

  it('a package spec without a preset and without installed types finds the requires, and says once why members are not found', async () => {
    write(
      root,
      '.stepwise/migration.json',
      JSON.stringify({
        id: 'plain',
        legacy: { modules: ['lru-cache'], exports: [] },
        target: { module: 'lru-cache-10' },
        adapter: { module: 'src/adapter.ts' },
      }),
    );
    const result = await cli('analyze', '--json', '--root', root);
    assert.equal(result.code, 0, result.stderr);
    const report = jsonOf<Report>(result);
    const found = report.files.flatMap((f) => f.usages.map((u) => `${f.path}:${u.line} ${u.kind}`));
    assert.deepEqual(found.sort(), ['src/rate-limit.js:3 require', 'src/session-store.js:3 require']);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('warning: Legacy package'));
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(
      warnings[0],
      /^\.stepwise\/migration\.json:1:\d+: warning: Legacy package "lru-cache" is not installed .*member uses need its types installed or a preset\.$/,
    );
  });

  it('init in a fresh clone (no node_modules) proposes the preset and writes a minimal spec, which analyses at once', async () => {
    rmSync(join(root, '.stepwise', 'migration.json'));
    const init = await cli('init', '--yes', '--root', root);
    assert.equal(init.code, 0, init.stderr);
    assert.match(
      init.stdout,
      /with the lru-cache-6-to-10 preset, which supplies the modules, the target, the adapter and the member rules/,
    );
    const written = JSON.parse(readFileSync(join(root, '.stepwise', 'migration.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(written).sort(), ['$schema', 'preset', 'verify']);
    const report = jsonOf<Report>(await cli('analyze', '--json', '--root', root));
    assert.equal(report.files.flatMap((f) => f.usages).length, 13);
  });
});

describe('monorepos: each file judged by the version its own package depends on', () => {
  let root: string;

  before(async () => {
    root = await prepareWorkspace('monorepo-lru', { git: false });
  });

  after(async () => {
    if (root) await removeWorkspace(root);
  });

  const found = async (): Promise<string[]> => {
    const report = jsonOf<Report & { files: { shapes: { line: number; rule: string }[] }[] }>(
      await cli('analyze', '--json', '--root', root),
    );
    return report.files
      .flatMap((f) => [
        ...f.usages.map((u) => `${f.path}:${u.line} ${u.kind} ${u.member ? `${u.symbol}.${u.member}` : u.symbol}`),
        ...f.shapes.map((s) => `${f.path}:${s.line} shape ${s.rule}`),
      ])
      .sort();
  };
  const expected = [
    'packages/old-api/src/cache.js:3 require *',
    'packages/old-api/src/cache.js:5 new LRUCache',
    'packages/old-api/src/cache.js:5 shape lru-cache/max-age',
    'packages/old-api/src/cache.js:8 member LRUCache.del',
  ];

  it('with nothing installed: the package on lru-cache 6 has its usages, the one on 10 has none', async () => {
    assert.deepEqual(await found(), expected);
  });

  it('with lru-cache 10 hoisted to the root node_modules: the same answer (the hoisted copy is not the legacy API)', async () => {
    write(root, 'node_modules/lru-cache/package.json', JSON.stringify({ name: 'lru-cache', version: '10.4.3', types: 'index.d.ts' }));
    write(
      root,
      'node_modules/lru-cache/index.d.ts',
      [
        'export declare class LRUCache<K extends {}, V extends {}> {',
        '  constructor(options: { max?: number; ttl?: number });',
        '  get(key: K): V | undefined;',
        '  set(key: K, value: V, options?: { ttl?: number }): this;',
        '  delete(key: K): boolean;',
        '  clear(): void;',
        '  readonly size: number;',
        '}',
        '',
      ].join('\n'),
    );
    assert.deepEqual(await found(), expected);
  });
});

describe('init: the legacy module from what the code does, with reasons', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stepwise-init-'));
    write(root, 'package.json', JSON.stringify({ name: 'svc', dependencies: { 'lru-cache': '^6.0.0' } }));
    // A local file that only wraps the package, imported by many files: the package is the legacy module.
    write(
      root,
      'src/cache.js',
      "const LRU = require('lru-cache');\nconst store = new LRU({ max: 100 });\nexport function getCache() { return store; }\n",
    );
    for (const name of ['a', 'b', 'c', 'd'])
      write(root, `src/${name}.js`, `const { getCache } = require('./cache');\ngetCache().get('${name}');\n`);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('ranks the package above a local file that merely wraps it, and says why', async () => {
    const result = await cli('init', '--json', '--root', root);
    assert.equal(result.code, 2);
    const error = jsonOf<{ error: string }>(result).error;
    assert.match(error, /best lru-cache \(package\.json depends on lru-cache@\^6\.0\.0; the lru-cache-6-to-10 preset knows its API/);
    const init = await cli('init', '--yes', '--root', root);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /^Wrote \.stepwise\/migration\.json for lru-cache with the lru-cache-6-to-10 preset/m);
    assert.match(init.stdout, /^Why: package\.json depends on lru-cache@\^6\.0\.0; .*; imported by 1 file\.$/m);
  });

  it('takes --preset without --legacy, and refuses an unknown preset in one sentence', async () => {
    const init = await cli('init', '--preset', 'lru-cache-6-to-10', '--root', root);
    assert.equal(init.code, 0, init.stderr);
    const written = JSON.parse(readFileSync(join(root, '.stepwise', 'migration.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(written.preset, 'lru-cache-6-to-10');
    const unknown = await cli('init', '--preset', 'memcached', '--force', '--root', root);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown preset "memcached"; known presets are .*lru-cache-6-to-10/);
  });

  it("a package already past the preset's version is listed last, without the preset", async () => {
    write(root, 'package.json', JSON.stringify({ name: 'svc', dependencies: { 'lru-cache': '^10.2.0' } }));
    const result = await cli('init', '--json', '--root', root);
    const error = jsonOf<{ error: string }>(result).error;
    assert.match(error, /best src\/cache\.js \(wraps the package lru-cache \(it constructs LRU\)/);
  });
});

describe('preset API surfaces: node-redis 3 without node_modules', () => {
  let root: string;

  before(async () => {
    root = await prepareWorkspace('redis-service', { git: false });
  });

  after(async () => {
    if (root) await removeWorkspace(root);
  });

  it('finds createClient from a URL, callback commands and their renames, through a require or a destructured require', async () => {
    assert.equal(existsSync(join(root, 'node_modules', 'redis')), false, 'redis is not installed');
    const report = jsonOf<Report>(await cli('analyze', '--json', '--root', root));
    const found = report.files.flatMap((f) =>
      f.usages.map((u) => `${f.path}:${u.line} ${u.kind} ${u.member ? `${u.symbol}.${u.member}` : u.symbol}`),
    );
    assert.deepEqual(
      found.sort(),
      [
        'src/client.js:3 require *',
        'src/client.js:6 call createClient',
        'src/client.js:8 member RedisClient.on',
        'src/users.js:3 require createClient',
        'src/users.js:5 call createClient',
        'src/users.js:8 member RedisClient.get',
        'src/users.js:12 member RedisClient.setex',
        'src/users.js:16 member RedisClient.psetex',
        'src/users.js:20 member RedisClient.hgetall',
        'src/users.js:24 member RedisClient.flushdb',
        'src/users.js:28 member RedisClient.hmset',
        'src/users.js:33 member RedisClient.incr',
        'src/users.js:37 member RedisClient.quit',
        'test/client.test.js:13 member RedisClient.quit',
        'test/client.test.js:16 member RedisClient.set',
        'test/client.test.js:17 member RedisClient.get',
        'test/client.test.js:22 member RedisClient.del',
        'test/client.test.js:23 member RedisClient.set',
        'test/client.test.js:24 member RedisClient.set',
        'test/client.test.js:25 member RedisClient.ttl',
      ].sort(),
    );
    const renames = report.files
      .flatMap((f) => f.usages)
      .filter((u) => u.member && /renamed/.test((u as { message?: string }).message ?? ''))
      .map((u) => u.member);
    assert.deepEqual(renames.sort(), ['flushdb', 'hgetall', 'hmset', 'psetex', 'setex']);
  });
});

describe('JavaScript as a first-class language (lru-cache preset, nothing installed)', () => {
  const cases: { name: string; files: Record<string, string>; file: string; found: string[]; tsconfig?: string }[] = [
    {
      name: 'a JavaScript file outside the tsconfig, with allowJs off',
      tsconfig: JSON.stringify({ compilerOptions: { allowJs: false, strict: true }, include: ['src/**/*.ts'] }),
      files: {
        'src/index.ts': 'export const ready = true;\n',
        'scripts/warm.js': "const LRU = require('lru-cache');\nconst c = new LRU({ max: 5 });\nc.reset();\n",
      },
      file: 'scripts/warm.js',
      found: ['1 require *', '2 new LRUCache', '3 member LRUCache.reset'],
    },
    {
      name: 'CommonJS exports.x = and .cjs/.mjs files',
      files: {
        'src/make.cjs':
          "const LRU = require('lru-cache');\nexports.cache = new LRU({ max: 50 });\nexports.make = (n) => new LRU({ max: n });\n",
        'src/esm.mjs': "import LRU from 'lru-cache';\nconst c = new LRU({ max: 5 });\nexport function clear() { c.reset(); }\n",
      },
      file: 'src/esm.mjs',
      found: ['1 import LRUCache', '2 new LRUCache', '3 member LRUCache.reset'],
    },
    {
      name: 'values from another file through exports.x = are traced to it',
      files: {
        'src/make.cjs': "const LRU = require('lru-cache');\nexports.cache = new LRU({ max: 50 });\n",
        'src/use.js': "const { cache } = require('./make.cjs');\ncache.del('a');\n",
      },
      file: 'src/use.js',
      found: ['2 member LRUCache.del (from src/make.cjs)'],
    },
    {
      name: 'JSDoc types: @type on a field, @param, @returns, and the type references themselves',
      files: {
        'src/sessions.js': [
          "const LRU = require('lru-cache');",
          'class Sessions {',
          '  constructor() {',
          '    /** @type {LRU<string, object>} */',
          '    this.cache = make();',
          '  }',
          '  drop(id) { this.cache.del(id); }',
          '}',
          '/** @returns {LRU<string, object>} */',
          'function make() { return globalThis.made; }',
          '/** @param {LRU} counts */',
          'function wipe(counts) { counts.reset(); }',
          'module.exports = { Sessions, wipe };',
        ].join('\n'),
      },
      file: 'src/sessions.js',
      found: ['1 require *', '4 type LRUCache', '7 member LRUCache.del', '9 type LRUCache', '11 type LRUCache', '12 member LRUCache.reset'],
    },
    {
      name: 'an instance passed to a plain function of the same file: its untyped parameter is followed',
      files: {
        'src/evict.js': [
          "const LRU = require('lru-cache');",
          'const cache = new LRU({ max: 5 });',
          'function evict(c, key) { c.del(key); }',
          'const forget = (c) => c.reset();',
          "evict(cache, 'a');",
          'forget(cache);',
          'function other(c) { c.del(1); }',
          'other(new Map());',
        ].join('\n'),
      },
      file: 'src/evict.js',
      found: ['1 require *', '2 new LRUCache', '3 member LRUCache.del', '4 member LRUCache.reset'],
    },
    {
      name: 'lru-cache 4 style: the class called without new, held on this; its maxAge property read',
      files: {
        'src/store.js': [
          "const LRU = require('lru-cache');",
          'class Store {',
          '  constructor(size) { this.cache = LRU({ max: size }); }',
          '  get(key) { return this.cache.get(key); }',
          '  age() { return this.cache.maxAge; }',
          '}',
          'module.exports = Store;',
        ].join('\n'),
      },
      file: 'src/store.js',
      found: ['1 require *', '3 call LRUCache', '4 member LRUCache.get', '5 member LRUCache.maxAge'],
    },
    {
      name: 'a CommonJS factory whose result holds caches, with a hand-written declaration for TypeScript callers: JavaScript callers are followed through the JavaScript',
      files: {
        'src/jwks.js': [
          "const LRU = require('lru-cache');",
          'function build() {',
          '  const cache = new LRU({ max: 10 });',
          '  return { cache, get: (k) => cache.get(k) };',
          '}',
          'module.exports = build;',
        ].join('\n'),
        // Written for TypeScript callers (an ES default export), as real packages do.
        'src/jwks.d.ts': "import LRU from 'lru-cache';\nexport default function build(): { cache: LRU<string, string> };\n",
        'test/jwks.test.js': "const build = require('../src/jwks');\nconst jwks = build();\njwks.cache.del('k');\n",
      },
      file: 'test/jwks.test.js',
      found: ['3 member LRUCache.del'],
    },
    {
      name: 'a Flow-annotated file whose annotations TypeScript reads',
      files: {
        'src/flow.js': [
          '// @flow',
          "const LRU = require('lru-cache');",
          'type Entry = { id: string, value: number };',
          'const cache: LRU<string, Entry> = new LRU({ max: 10 });',
          'function drop(id: string): void { cache.del(id); }',
          'module.exports = { drop };',
        ].join('\n'),
      },
      file: 'src/flow.js',
      found: ['2 require *', '4 type LRUCache', '4 new LRUCache', '5 member LRUCache.del'],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await withWorkspace(
        c.files,
        (index) => {
          const usages = index.analysisOf(c.file)?.usages ?? [];
          assert.deepEqual(
            usages.map((u) => `${u.line} ${u.kind} ${u.member ? `${u.symbol}.${u.member}` : u.symbol}${u.from ? ` (from ${u.from})` : ''}`),
            c.found,
          );
        },
        { spec: { preset: 'lru-cache-6-to-10' }, tsconfig: c.tsconfig },
      );
    });
  }
});
