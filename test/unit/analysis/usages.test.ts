// Table-driven: each case is a small real workspace (written to a temp folder and indexed like a
// user's project) and the usages and routing issues one file must produce.
import * as assert from 'node:assert/strict';
import type { FileAnalysis } from '../../../server/src/analysis/types';
import { withWorkspace } from '../../support/tempWorkspace';

interface Case {
  name: string;
  files: Record<string, string>;
  /** The file whose analysis is checked (default src/app.ts). */
  file?: string;
  /** `line:column kind symbol[.member]`, plus ` (compatible)` and ` (elsewhere: path)` markers. */
  usages: string[];
  /** `line:column kind`. */
  issues?: string[];
  tsconfig?: string;
}

function describe_(analysis: FileAnalysis | undefined): { usages: string[]; issues: string[] } {
  if (!analysis) return { usages: [], issues: [] };
  return {
    usages: analysis.usages.map((u) => {
      let text = `${u.line}:${u.column} ${u.kind} ${u.member ? `${u.symbol}.${u.member}` : u.member === null && u.kind === 'member' ? `${u.symbol}[?]` : u.symbol}`;
      if (u.kind === 'member' && !u.rule && u.member !== null) text += ' (compatible)';
      if (u.from) text += ` (elsewhere: ${u.from})`;
      return text;
    }),
    issues: analysis.routingIssues.map((i) => `${i.line}:${i.column} ${i.kind}`),
  };
}

const cases: Case[] = [
  {
    name: 'named import, construction, renamed, replaced, manual and compatible members',
    files: {
      'src/app.ts': [
        "import { LegacyCache } from './legacy/cache';",
        "const cache = new LegacyCache('a');",
        'export function f(): string {',
        "  cache.set('k', 1);",
        '  cache.stop();',
        '  return cache.dump() + cache.size();',
        '}',
      ].join('\n'),
    },
    usages: [
      '1:10 import LegacyCache',
      '2:19 new LegacyCache',
      '4:9 member LegacyCache.set (compatible)',
      '5:9 member LegacyCache.stop',
      '6:16 member LegacyCache.dump',
      '6:31 member LegacyCache.size',
    ],
  },
  {
    name: 'aliases keep resolving to the legacy exports',
    files: {
      'src/app.ts': [
        "import { LegacyCache as LC, createCache as make } from './legacy/cache';",
        "const a = new LC('x');",
        'make().stop();',
        'export { a };',
      ].join('\n'),
    },
    usages: [
      '1:10 import LegacyCache',
      '1:29 import createCache',
      '2:15 new LegacyCache',
      '3:1 call createCache',
      '3:8 member LegacyCache.stop',
    ],
    issues: ['4:10 escaping-instance'],
  },
  {
    name: 'namespace import and members of the namespace',
    files: {
      'src/app.ts': [
        "import * as legacy from './legacy/cache';",
        'const c = new legacy.LegacyCache();',
        'legacy.createCache().size();',
        'c.get("k");',
      ].join('\n'),
    },
    usages: [
      '1:8 import *',
      '2:15 new LegacyCache',
      '3:1 call createCache',
      '3:22 member LegacyCache.size',
      '4:3 member LegacyCache.get (compatible)',
    ],
  },
  {
    name: 'type-only imports, inline type specifiers, parameter types',
    files: {
      'src/app.ts': [
        "import type { LegacyCache } from './legacy/cache';",
        "import { type LegacyCache as L2, createCache } from './legacy/cache';",
        'export function close(c: LegacyCache, d: L2): void {',
        '  c.stop();',
        '  d.get("x");',
        '}',
        'close(createCache(), createCache());',
      ].join('\n'),
    },
    usages: [
      '1:15 type LegacyCache',
      '2:10 type LegacyCache',
      '2:34 import createCache',
      '3:26 type LegacyCache',
      '3:42 type LegacyCache',
      '4:5 member LegacyCache.stop',
      '5:5 member LegacyCache.get (compatible)',
      '7:7 call createCache',
      '7:22 call createCache',
    ],
  },
  {
    name: 'CommonJS require, destructured and whole',
    files: {
      'src/app.js': [
        "const { LegacyCache } = require('./legacy/cache');",
        "const mod = require('./legacy/cache');",
        'const a = new LegacyCache();',
        'const b = new mod.LegacyCache();',
        'a.stop();',
        'module.exports = { b };',
      ].join('\n'),
    },
    file: 'src/app.js',
    usages: ['1:9 require LegacyCache', '2:7 require *', '3:15 new LegacyCache', '4:15 new LegacyCache', '5:3 member LegacyCache.stop'],
    issues: ['1:25 commonjs-interop', '2:13 commonjs-interop', '6:20 commonjs-interop', '6:20 escaping-instance'],
  },
  {
    name: 're-exports, named and star',
    files: {
      'src/app.ts': ["export { LegacyCache } from './legacy/cache';", "export * from './legacy/cache';"].join('\n'),
    },
    usages: ['1:10 reexport LegacyCache', '2:15 reexport *'],
    issues: ['1:1 reexport', '2:1 reexport'],
  },
  {
    name: 'importing through a barrel: only the legacy names count',
    files: {
      'src/index.ts': ["export * from './legacy/cache';", 'export const other = 1;'].join('\n'),
      'src/app.ts': ["import { LegacyCache, other } from './index';", 'export const n = other + new LegacyCache().size();'].join('\n'),
    },
    usages: ['1:10 import LegacyCache', '2:30 new LegacyCache', '2:44 member LegacyCache.size'],
  },
  {
    name: 'a barrel that renames the legacy export',
    files: {
      'src/index.ts': "export { LegacyCache as Cache } from './legacy/cache';",
      'src/app.ts': ["import { Cache } from './index';", 'new Cache().stop();'].join('\n'),
    },
    usages: ['1:10 import LegacyCache', '2:5 new LegacyCache', '2:13 member LegacyCache.stop'],
  },
  {
    name: 'dynamic import, literal and computed',
    files: {
      'src/app.ts': [
        'export async function load(name: string): Promise<number> {',
        "  const { LegacyCache } = await import('./legacy/cache');",
        '  await import(name);',
        '  return new LegacyCache().size();',
        '}',
      ].join('\n'),
    },
    usages: ['2:33 dynamic-import LegacyCache', '4:14 new LegacyCache', '4:28 member LegacyCache.size'],
    issues: ['2:33 dynamic-import', '3:9 dynamic-import'],
  },
  {
    name: 'a local class with the same name, strings and comments are not usages',
    files: {
      'src/app.ts': [
        "import { legacyVersion } from './legacy/cache';",
        'class LegacyCache { stop(): void {} size(): number { return legacyVersion; } }',
        '// new LegacyCache().stop() in a comment',
        "export const text = 'new LegacyCache()';",
        'export const n = new LegacyCache().size();',
      ].join('\n'),
    },
    usages: [],
  },
  {
    name: 'unrelated classes with stop() and size()',
    files: {
      'src/app.ts': [
        "import { createCache } from './legacy/cache';",
        'class Timer { stop(): void {} size(): number { return 1; } }',
        'const t = new Timer();',
        't.stop();',
        'export const n = t.size();',
        "createCache('real').stop();",
      ].join('\n'),
    },
    usages: ['1:10 import createCache', '6:1 call createCache', '6:21 member LegacyCache.stop'],
  },
  {
    name: 'members through fields, return values, string keys, computed keys and any',
    files: {
      'src/app.ts': [
        "import { LegacyCache, createCache } from './legacy/cache';",
        'export class Holder {',
        '  private readonly cache = new LegacyCache();',
        '  close(): void { this.cache.stop(); }',
        '}',
        "export function keyed(name: 'stop' | 'dump'): unknown {",
        '  const c = createCache();',
        "  c['stop']();",
        '  return c[name]();',
        '}',
        'export function untyped(): void {',
        '  const u: any = createCache();',
        '  u.stop();',
        '  (createCache() as any).size();',
        '}',
      ].join('\n'),
    },
    usages: [
      '1:10 import LegacyCache',
      '1:23 import createCache',
      '3:32 new LegacyCache',
      '4:30 member LegacyCache.stop',
      '7:13 call createCache',
      '8:3 member LegacyCache.stop',
      '9:10 member LegacyCache[?]',
      '12:18 call createCache',
      '14:4 call createCache',
    ],
    issues: ['9:10 computed-member', '12:9 any-receiver', '14:4 any-receiver'],
  },
  {
    name: 'an instance exported by one file and used by another',
    files: {
      'src/shared.ts': ["import { createCache } from './legacy/cache';", 'export const shared = createCache();'].join('\n'),
      'src/app.ts': ["import { shared } from './shared';", 'shared.stop();', "shared.get('k');"].join('\n'),
    },
    usages: [
      '2:8 member LegacyCache.stop (elsewhere: src/shared.ts)',
      '3:8 member LegacyCache.get (compatible) (elsewhere: src/shared.ts)',
    ],
  },
  {
    name: 'the exporting side of a shared instance',
    file: 'src/shared.ts',
    files: {
      'src/shared.ts': [
        "import { createCache } from './legacy/cache';",
        'export const shared = createCache();',
        'export default createCache();',
      ].join('\n'),
    },
    usages: ['1:10 import createCache', '2:23 call createCache', '3:16 call createCache'],
    issues: ['2:14 escaping-instance', '3:1 escaping-instance'],
  },
  {
    name: 'an instance passed to a function in another file',
    files: {
      'src/sink.ts': 'export function inspect(value: { get(key: string): unknown }): unknown { return value.get("x"); }',
      'src/app.ts': [
        "import { createCache } from './legacy/cache';",
        "import { inspect } from './sink';",
        'const c = createCache();',
        'inspect(c);',
      ].join('\n'),
    },
    usages: ['1:10 import createCache', '3:11 call createCache'],
    issues: ['4:9 escaping-instance'],
  },
  {
    name: 'extends, typeof and exported factories',
    files: {
      'src/app.ts': [
        "import { LegacyCache, createCache } from './legacy/cache';",
        'export class Mine extends LegacyCache {}',
        'export type Factory = typeof createCache;',
        'export function make(): LegacyCache { return createCache(); }',
      ].join('\n'),
    },
    usages: [
      '1:10 import LegacyCache',
      '1:23 import createCache',
      '2:27 type LegacyCache',
      '3:30 type createCache',
      '4:25 type LegacyCache',
      '4:46 call createCache',
    ],
    issues: ['4:17 escaping-instance'],
  },
  {
    name: 'native ESM with .js specifiers',
    tsconfig: JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, skipLibCheck: true, types: [] } }),
    files: {
      'package.json': JSON.stringify({ name: 'esm', type: 'module' }),
      'src/app.ts': ["import { LegacyCache } from './legacy/cache.js';", 'export const n = new LegacyCache().size();'].join('\n'),
    },
    usages: ['1:10 import LegacyCache', '2:22 new LegacyCache', '2:36 member LegacyCache.size'],
  },
  {
    name: 'an import of an export the spec does not track',
    files: { 'src/app.ts': ["import { legacyVersion } from './legacy/cache';", 'export const v = legacyVersion;'].join('\n') },
    usages: [],
  },
];

describe('legacy usage detection', () => {
  for (const c of cases) {
    it(c.name, async () => {
      await withWorkspace(
        c.files,
        (index) => {
          const found = describe_(index.analysisOf(c.file ?? 'src/app.ts'));
          assert.deepEqual(found.usages, c.usages);
          assert.deepEqual(found.issues, c.issues ?? []);
        },
        { tsconfig: c.tsconfig },
      );
    });
  }

  it('skips the legacy module itself and files that never reach it', async () => {
    await withWorkspace({ 'src/app.ts': 'export const plain = 1;' }, (index) => {
      assert.equal(index.analysisOf('src/legacy/cache.ts'), undefined);
      assert.equal(index.analysisOf('src/app.ts'), undefined);
      assert.equal(index.status().candidates, 0);
    });
  });

  it('marks usages fixable when this file imports the value, and not when it comes from elsewhere', async () => {
    await withWorkspace(
      {
        'src/shared.ts': ["import { createCache } from './legacy/cache';", 'export const shared = createCache();'].join('\n'),
        'src/app.ts': [
          "import { shared } from './shared';",
          "import { createCache } from './legacy/cache';",
          'shared.stop();',
          'createCache().stop();',
        ].join('\n'),
      },
      (index) => {
        const usages = index.analysisOf('src/app.ts')?.usages ?? [];
        const fixable = usages.map((u) => `${u.line}:${u.kind}:${u.fixable}`);
        assert.deepEqual(fixable, ['2:import:true', '3:member:false', '4:call:true', '4:member:true']);
      },
    );
  });

  it('points diagnostics at the legacy declaration', async () => {
    await withWorkspace({ 'src/app.ts': "import { LegacyCache } from './legacy/cache';\nnew LegacyCache();" }, (index) => {
      const declaration = index.analysisOf('src/app.ts')?.declarations.LegacyCache;
      assert.deepEqual(declaration && { path: declaration.path, line: declaration.line, column: declaration.column }, {
        path: 'src/legacy/cache.ts',
        line: 1,
        column: 14,
      });
    });
  });

  it('keeps analysing a file with a syntax error and reports the error', async () => {
    await withWorkspace(
      { 'src/app.ts': "import { LegacyCache } from './legacy/cache';\nnew LegacyCache().stop();\nfunction (" },
      (index) => {
        const analysis = index.analysisOf('src/app.ts');
        assert.ok(analysis && analysis.parseErrors.length > 0, 'a parse error is reported');
        assert.deepEqual(describe_(analysis).usages, ['1:10 import LegacyCache', '2:5 new LegacyCache', '2:19 member LegacyCache.stop']);
      },
    );
  });
});
