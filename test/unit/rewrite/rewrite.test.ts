// Table-driven: input workspace → the text of the file after the computed (and verified) edit,
// or the sentence that explains why nothing is changed.
import * as assert from 'node:assert/strict';
import { computeCleanupEdit } from '../../../server/src/operations/cleanupEdit';
import { computeMigrationEdit } from '../../../server/src/operations/migrationEdit';
import type { MigrationEdit } from '../../../server/src/operations/migrationEdit';
import { relativeSpecifier, styleOf } from '../../../server/src/rewrite/specifiers';
import { applyTextChanges } from '../../../server/src/rewrite/textChange';
import type { WorkspaceIndex } from '../../../server/src/workspace/workspaceIndex';
import { edgeSpec, withWorkspace } from '../../support/tempWorkspace';

interface Case {
  name: string;
  files: Record<string, string>;
  file?: string;
  /** The expected text of the file after the edit. */
  after?: string;
  /** A fragment of the expected refusal. */
  error?: string;
  tsconfig?: string;
  spec?: unknown;
}

function afterText(index: WorkspaceIndex, edit: MigrationEdit, path: string): string {
  const change = edit.files.find((f) => f.path === path);
  assert.ok(change, `the edit changes ${path}`);
  return applyTextChanges(change.create ? '' : (index.textOf(path) ?? ''), change.changes);
}

/** An adapter that already exists, so routing cases don't depend on the generator. */
const handAdapter = "export * from '../legacy/cache';\n";

const routingCases: Case[] = [
  {
    name: 'a direct named import is re-pointed, keeping names, quotes and comments',
    files: {
      'src/adapter/cache.ts': handAdapter,
      'src/app.ts': [
        '// the app',
        'import {',
        '  LegacyCache, // the cache',
        '  createCache as make,',
        '} from "./legacy/cache";',
        'export const c = new LegacyCache(make().name);',
      ].join('\n'),
    },
    after: [
      '// the app',
      'import {',
      '  LegacyCache, // the cache',
      '  createCache as make,',
      '} from "./adapter/cache";',
      'export const c = new LegacyCache(make().name);',
    ].join('\n'),
  },
  {
    name: 'a barrel import mixing legacy and other names is split',
    files: {
      'src/adapter/cache.ts': handAdapter,
      'src/index.ts': "export * from './legacy/cache';\nexport const other = 1;\n",
      'src/app.ts': "import { other, LegacyCache } from './index';\nexport const n = other + new LegacyCache().size();\n",
    },
    after:
      "import { other } from './index';\nimport { LegacyCache } from './adapter/cache';\nexport const n = other + new LegacyCache().size();\n",
  },
  {
    name: 'a barrel that renames: the adapter import spells the rename out',
    files: {
      'src/adapter/cache.ts': handAdapter,
      'src/index.ts': "export { LegacyCache as Cache } from './legacy/cache';\n",
      'src/app.ts': "import { Cache } from './index';\nexport const n = new Cache().size();\n",
    },
    after: "import { LegacyCache as Cache } from './adapter/cache';\nexport const n = new Cache().size();\n",
  },
  {
    name: 'a CommonJS require from a barrel is split',
    file: 'src/app.js',
    files: {
      'src/adapter/cache.ts': handAdapter,
      'src/index.ts': "export * from './legacy/cache';\nexport const other = 1;\n",
      'src/app.js': "const { LegacyCache, other } = require('./index');\nmodule.exports = other + new LegacyCache().size();\n",
    },
    after:
      "const { other } = require('./index');\nconst { LegacyCache } = require('./adapter/cache');\nmodule.exports = other + new LegacyCache().size();\n",
  },
  {
    name: 'a type-only import and a dynamic import are re-pointed',
    files: {
      'src/adapter/cache.ts': handAdapter,
      'src/app.ts': [
        "import type { LegacyCache } from './legacy/cache';",
        'export async function load(): Promise<LegacyCache> {',
        "  const { createCache } = await import('./legacy/cache');",
        '  return createCache();',
        '}',
      ].join('\n'),
    },
    after: [
      "import type { LegacyCache } from './adapter/cache';",
      'export async function load(): Promise<LegacyCache> {',
      "  const { createCache } = await import('./adapter/cache');",
      '  return createCache();',
      '}',
    ].join('\n'),
  },
  {
    name: 'native ESM keeps the .js extension',
    tsconfig: JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, skipLibCheck: true, types: [] } }),
    files: {
      'package.json': JSON.stringify({ name: 'esm', type: 'module' }),
      'src/adapter/cache.ts': "export * from '../legacy/cache.js';\n",
      'src/app.ts': "import { LegacyCache } from './legacy/cache.js';\nexport const n = new LegacyCache().size();\n",
    },
    after: "import { LegacyCache } from './adapter/cache.js';\nexport const n = new LegacyCache().size();\n",
  },
  {
    name: 'a namespace import of a barrel cannot be split and is refused',
    files: {
      'src/adapter/cache.ts': handAdapter,
      'src/index.ts': "export * from './legacy/cache';\n",
      'src/app.ts': "import * as core from './index';\nexport const n = new core.LegacyCache().size();\n",
    },
    error: 'cannot be routed safely: line 1 takes the legacy API from src/index.ts as a whole module',
  },
  {
    name: 'an edit that would introduce type errors is refused',
    files: {
      'src/adapter/cache.ts': 'export const unrelated = 1;\n',
      'src/app.ts': "import { LegacyCache } from './legacy/cache';\nexport const n = new LegacyCache().size();\n",
    },
    error: 'would introduce errors, so nothing was changed',
  },
  {
    name: 'a file whose legacy values come from another file is sent there',
    files: {
      'src/adapter/cache.ts': handAdapter,
      'src/shared.ts': "import { createCache } from './legacy/cache';\nexport const shared = createCache();\n",
      'src/app.ts': "import { shared } from './shared';\nshared.stop();\n",
    },
    error: 'its legacy values come from src/shared.ts',
  },
];

const cleanupCases: Case[] = [
  {
    name: 'renames, replacements with await, constructor templates, types and imports',
    files: {
      'src/app.ts': [
        "import { LegacyCache, createCache } from './legacy/cache';",
        'export async function drain(cache: LegacyCache): Promise<number> {',
        '  const n = cache.size();',
        '  cache.stop();',
        "  const other = new LegacyCache('x');",
        '  return n + (await createCache().size()) + (other.get("k") ? 1 : 0);',
        '}',
      ].join('\n'),
    },
    after: [
      "import { NextCache, makeCache } from './next/cache';",
      'export async function drain(cache: NextCache): Promise<number> {',
      '  const n = (await cache.count());',
      '  cache.shutdown();',
      "  const other = new NextCache('x');",
      '  return n + (await (await makeCache().count())) + (other.get("k") ? 1 : 0);',
      '}',
    ].join('\n'),
  },
  {
    name: 'a file already routed through the adapter is switched to the target',
    files: {
      'src/adapter/cache.ts': "export * from '../legacy/cache';\n",
      'src/app.ts': "import { createCache } from './adapter/cache';\nexport function close(): void {\n  createCache().stop();\n}\n",
    },
    after: "import { makeCache } from './next/cache';\nexport function close(): void {\n  makeCache().shutdown();\n}\n",
  },
  {
    name: 'a template result used as an object gets parentheses',
    spec: { ...edgeSpec, members: { LegacyCache: { size: { replace: 'await {receiver}.count()' } } } },
    files: {
      'src/app.ts':
        "import { createCache } from './legacy/cache';\nexport async function f(): Promise<string> {\n  return createCache().size().toFixed(0);\n}\n",
    },
    after:
      "import { makeCache } from './next/cache';\nexport async function f(): Promise<string> {\n  return (await makeCache().count()).toFixed(0);\n}\n",
  },
  {
    name: 'await in a function that is not async is refused, naming the function',
    files: {
      'src/app.ts': "import { createCache } from './legacy/cache';\nexport function count(): number {\n  return createCache().size();\n}\n",
    },
    error: 'line 3 size() becomes (await createCache().count()), which needs await, but count is not async',
  },
  {
    name: "a manual member is refused with the spec's message",
    files: { 'src/app.ts': "import { createCache } from './legacy/cache';\nexport const d = createCache().dump();\n" },
    error: 'LegacyCache.dump: Use NextCache.getStats() and format it yourself',
  },
  {
    name: 'a mixed barrel import keeps the other names',
    files: {
      'src/index.ts': "export * from './legacy/cache';\nexport const other = 1;\n",
      'src/app.ts':
        "import { other, createCache } from './index';\nexport function f(): number {\n  createCache().stop();\n  return other;\n}\n",
    },
    after:
      "import { other } from './index';\nimport { makeCache } from './next/cache';\nexport function f(): number {\n  makeCache().shutdown();\n  return other;\n}\n",
  },
];

describe('adapter routing (the per-file migration edit)', () => {
  for (const c of routingCases) {
    it(c.name, async () => {
      await withWorkspace(
        c.files,
        (index) => {
          const file = c.file ?? 'src/app.ts';
          const edit = computeMigrationEdit(index, file);
          if (c.error) {
            assert.ok(edit.error?.includes(c.error), `expected a refusal with "${c.error}", got: ${edit.error ?? 'an edit'}`);
            assert.deepEqual(edit.files, []);
            return;
          }
          assert.equal(edit.error, undefined);
          assert.equal(afterText(index, edit, file), c.after);
        },
        { tsconfig: c.tsconfig, spec: c.spec },
      );
    });
  }

  it('is idempotent: a routed file has nothing left to route', async () => {
    await withWorkspace(
      { 'src/adapter/cache.ts': handAdapter, 'src/app.ts': "import { createCache } from './adapter/cache';\ncreateCache().stop();\n" },
      (index) => {
        const edit = computeMigrationEdit(index, 'src/app.ts');
        assert.match(edit.error ?? '', /(nothing to route|does not use|no longer imports)/);
      },
    );
  });

  it('generates the adapter the first time, and it type-checks against both sides', async () => {
    await withWorkspace(
      { 'src/app.ts': "import { LegacyCache } from './legacy/cache';\nexport const n = new LegacyCache().size();\n" },
      (index) => {
        const edit = computeMigrationEdit(index, 'src/app.ts');
        assert.equal(edit.error, undefined);
        assert.equal(edit.createsAdapter, true);
        const adapter = afterText(index, edit, 'src/adapter/cache.ts');
        assert.deepEqual(
          edit.files.map((f) => f.path),
          ['src/app.ts', 'src/adapter/cache.ts', 'src/adapter/stepwise-runtime.ts'],
          'the adapter and its runtime module beside it',
        );
        assert.match(adapter, /^import \{ stepwiseAdapt, stepwiseAdaptClass \} from '\.\/stepwise-runtime';$/m);
        assert.match(adapter, /^export \{ stepwiseAdapter \} from '\.\/stepwise-runtime';$/m);
        assert.ok(adapter.split('\n').length < 120, 'the adapter holds its routes and classes, not the runtime');
        assert.match(adapter, /export \* from '\.\.\/legacy\/cache';/);
        assert.match(adapter, /import \{ NextCache, makeCache \} from '\.\.\/next\/cache';/);
        assert.match(adapter, /"stop": \{ both: true, call: \(next\) => next\.shutdown\(\) \}/);
        // size() is synchronous in the legacy API and its replacement awaits: it stays on the legacy side.
        assert.ok(edit.notes.some((n) => n.startsWith('LegacyCache.size() stays on the legacy implementation')));
        assert.ok(edit.notes.some((n) => n.startsWith('LegacyCache.dump() stays on the legacy implementation: needs a manual change')));
        assert.match(adapter, /export function createCache\(\.\.\.args: Parameters<typeof legacy\.createCache>\): LegacyCache \{/);
      },
    );
  });

  it('does not generate the adapter again once it exists', async () => {
    await withWorkspace(
      { 'src/adapter/cache.ts': handAdapter, 'src/app.ts': "import { LegacyCache } from './legacy/cache';\nnew LegacyCache();\n" },
      (index) => {
        const edit = computeMigrationEdit(index, 'src/app.ts');
        assert.equal(edit.createsAdapter, false);
        assert.deepEqual(
          edit.files.map((f) => f.path),
          ['src/app.ts'],
        );
      },
    );
  });
});

describe('native rewrite (the cleanup edit)', () => {
  for (const c of cleanupCases) {
    it(c.name, async () => {
      await withWorkspace(
        c.files,
        (index) => {
          const edit = computeCleanupEdit(index, c.file ?? 'src/app.ts');
          if (c.error) {
            assert.ok(edit.error?.includes(c.error), `expected a refusal with "${c.error}", got: ${edit.error ?? 'an edit'}`);
            assert.deepEqual(edit.files, []);
            return;
          }
          assert.equal(edit.error, undefined);
          assert.equal(afterText(index, edit, c.file ?? 'src/app.ts'), c.after);
        },
        { spec: c.spec },
      );
    });
  }
});

describe('relative specifiers', () => {
  const table: [string, string, 'none' | 'js' | 'ts', string][] = [
    ['src/app.ts', 'src/adapter/cache.ts', 'none', './adapter/cache'],
    ['src/api/a.ts', 'src/core/x/legacy-adapter.ts', 'none', '../core/x/legacy-adapter'],
    ['src/api/a.ts', 'src/core/improved/index.ts', 'none', '../core/improved'],
    ['src/api/a.ts', 'src/index.ts', 'none', '../index'],
    ['src/app.ts', 'src/adapter/cache.ts', 'js', './adapter/cache.js'],
    ['src/app.ts', 'src/adapter/cache.mts', 'js', './adapter/cache.mjs'],
    ['src/app.ts', 'src/adapter/cache.ts', 'ts', './adapter/cache.ts'],
  ];
  for (const [from, to, style, expected] of table) {
    it(`${from} → ${to} (${style}) is ${expected}`, () => assert.equal(relativeSpecifier(from, to, style), expected));
  }
  it('reads the style of an existing specifier', () => {
    assert.deepEqual(['./a', './a.js', '../a.ts', 'lru-cache'].map(styleOf), ['none', 'js', 'ts', undefined]);
  });
});
